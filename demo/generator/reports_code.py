"""CodeQL, Semgrep and Gitleaks reports of the demo repositories."""

import re

import codeql
import semgrep
import src_inventory
import src_payments
import src_storefront
from util import go_float32, locate, shannon_entropy

P = src_payments.P

# ------------------------------------------------------------------------------ CodeQL

def codeql_storefront():
    f = {k: v for k, v in src_storefront.FILES.items() if k not in src_storefront.RESCAN_ONLY}
    s = codeql.Sarif(f, "javascript", "codeql/javascript-queries", "1.2.3+0b7e3d9a6f8c1b2e4d5a6c7b8e9f0a1b2c3d4e5f",
                     ".github/workflows/codeql.yml:analyze/language:javascript-typescript/")
    user = "user-provided value"
    s.add("js/sql-injection", "src/repositories/productRepository.ts",
          "\"SELECT name FROM products WHERE name ILIKE '\" + term + \"%' ORDER BY rating DESC LIMIT 8\"",
          "This query string depends on a [user-provided value](1).",
          related=[("src/routes/search.ts", "req.query.q as string", user)],
          flow=[("src/routes/search.ts", "req.query.q as string", "req.query.q"),
                ("src/routes/search.ts", "productRepository.suggest(term)", "term"),
                ("src/repositories/productRepository.ts",
                 "\"SELECT name FROM products WHERE name ILIKE '\" + term + \"%' ORDER BY rating DESC LIMIT 8\"",
                 "\"SELECT ... ILIKE '\" + term + \"%' ...\"")])
    s.add("js/server-side-unvalidated-url-redirection", "src/routes/auth.ts", "returnTo);",
          "Untrusted URL redirection depends on a [user-provided value](1).",
          related=[("src/routes/auth.ts", "req.body.returnTo", user)],
          flow=[("src/routes/auth.ts", "req.body.returnTo", "req.body.returnTo"),
                ("src/routes/auth.ts", "returnTo);", "returnTo")])
    s.add("js/path-injection", "src/routes/invoices.ts", "filePath);",
          "This path depends on a [user-provided value](1).",
          related=[("src/routes/invoices.ts", "req.params.file", user)],
          flow=[("src/routes/invoices.ts", "req.params.file", "req.params.file"),
                ("src/routes/invoices.ts", "path.join(INVOICE_DIR, req.params.file)", "path.joi ... s.file)"),
                ("src/routes/invoices.ts", "filePath);", "filePath")])
    s.add("js/reflected-xss", "src/routes/search.ts", "`<p class=\"empty\">No products match <b>${term}</b></p>`",
          "Cross-site scripting vulnerability due to a [user-provided value](1).",
          related=[("src/routes/search.ts", "req.query.q as string", user)],
          flow=[("src/routes/search.ts", "req.query.q as string", "req.query.q"),
                ("src/routes/search.ts", "`<p class=\"empty\">No products match <b>${term}</b></p>`", "`<p clas ... b></p>`")])
    s.add("js/hardcoded-credentials", "src/middleware/auth.ts", "\"nw-storefront-dev-secret-2023\"",
          "The hard-coded value \"nw-storefront-dev-secret-2023\" is used as [jwt key](1).",
          related=[("src/middleware/auth.ts", "\"nw-storefront-dev-secret-2023\"", "jwt key")])
    s.add("js/request-forgery", "src/services/imageProxy.ts", "axios.get(src, { responseType: \"stream\", timeout: 5000 })",
          "The [URL](1) of this request depends on a [user-provided value](2).",
          related=[("src/services/imageProxy.ts", "src, { responseType", "URL"),
                   ("src/services/imageProxy.ts", "req.query.src", user)],
          flow=[("src/services/imageProxy.ts", "req.query.src", "req.query.src"),
                ("src/services/imageProxy.ts", "src, { responseType", "src")])
    s.add("js/missing-rate-limiting", "src/routes/auth.ts", ("async (req, res) => {\n  const { email, password }", "res.redirect(returnTo);\n}"),
          "This route handler performs [a database access](1), but is not rate-limited.",
          related=[("src/routes/auth.ts", "customerRepository.byEmail(String(email).toLowerCase())", "a database access")])
    s.add("js/insecure-randomness", "src/utils/tokens.ts", "Math.floor(Math.random() * ALPHABET.length)",
          "This uses a cryptographically insecure random number generated at [Math.random()](1) in a security context.",
          related=[("src/utils/tokens.ts", "Math.random()", "Math.random()")],
          flow=[("src/utils/tokens.ts", "Math.random()", "Math.random()"),
                ("src/utils/tokens.ts", "Math.floor(Math.random() * ALPHABET.length)", "Math.fl ... length)")])
    s.add("js/clear-text-logging", "src/routes/checkout.ts", "`card fallback for ${name}: ${cardNumber} exp ${expiry}`",
          "This logs sensitive data returned by [an access to cardNumber](1) as clear text.",
          related=[("src/routes/checkout.ts", "cardNumber, expiry, name } = req.body", "an access to cardNumber")],
          flow=[("src/routes/checkout.ts", "cardNumber, expiry, name } = req.body", "cardNumber"),
                ("src/routes/checkout.ts", "`card fallback for ${name}: ${cardNumber} exp ${expiry}`", "`card f ... xpiry}`")])
    s.add("js/redos", "src/utils/validators.ts", "[a-zA-Z0-9_.+-]+",
          "This part of the regular expression may cause exponential backtracking on strings containing many repetitions of '0'.")
    s.add("js/log-injection", "src/routes/reviews.ts", "\"review \" + saved.id + \" added by \" + author",
          "Log entry depends on a [user-provided value](1).",
          related=[("src/routes/reviews.ts", "author, rating, body } = req.body", user)],
          flow=[("src/routes/reviews.ts", "author, rating, body } = req.body", "author"),
                ("src/routes/reviews.ts", "\"review \" + saved.id + \" added by \" + author", "\"review ... author")])
    s.add("js/clear-text-cookie", "src/config/session.ts", "session({",
          "Sensitive cookie sent without enforcing SSL encryption.")
    s.add("js/stack-trace-exposure", "src/app.ts", "`<h1>Something went wrong</h1><pre>${err.stack}</pre>`",
          "This information exposed to the user depends on [stack trace information](1).",
          related=[("src/app.ts", "err.stack", "stack trace information")],
          flow=[("src/app.ts", "err.stack", "err.stack"),
                ("src/app.ts", "`<h1>Something went wrong</h1><pre>${err.stack}</pre>`", "`<h1>So ... </pre>`")])
    s.add("js/incomplete-sanitization", "src/utils/validators.ts", "s.replace(\"<\", \"&lt;\")",
          "This replaces only the first occurrence of \"<\".")
    return s.document(extra_rules=["js/code-injection"])


def codeql_payments():
    f = src_payments.FILES
    s = codeql.Sarif(f, "java", "codeql/java-queries", "1.1.9+a4b7c2e91d3f5a6b8c0d2e4f6a8b0c2d4e6f8a0b",
                     ".github/workflows/codeql.yml:analyze/language:java-kotlin/")
    user = "user-provided value"
    rc = P + "api/RefundController.java"
    rr = P + "repository/RefundRepository.java"
    s.add("java/sql-injection", rr, "sql, RefundRow.MAPPER",
          "This query depends on a [user-provided value](1).",
          related=[(rc, "@RequestParam String merchantRef", user)],
          flow=[(rc, "@RequestParam String merchantRef", "merchantRef : String"),
                (rc, "refunds.findByMerchantRef(merchantRef, sort)", "merchantRef : String"),
                (rr, "String merchantRef, String sort", "merchantRef : String"),
                (rr, "sql, RefundRow.MAPPER", "sql")])
    pc = P + "api/PaymentController.java"
    s.add("java/log-injection", pc, "merchantRef);",
          "This log entry depends on a [user-provided value](1).",
          related=[(pc, "@RequestHeader(\"X-Merchant-Ref\") String merchantRef", user)],
          flow=[(pc, "@RequestHeader(\"X-Merchant-Ref\") String merchantRef", "merchantRef : String"),
                (pc, "merchantRef);", "merchantRef")])
    s.add("java/sensitive-log", pc, "request.getCardNumber()",
          "This [potentially sensitive information](1) is written to a log file.",
          related=[(pc, "request.getCardNumber()", "potentially sensitive information")],
          flow=[(pc, "request.getCardNumber()", "getCardNumber(...) : String")])
    s.add("java/log-injection", pc, "\"capture of payment \" + paymentId + \" requested\"",
          "This log entry depends on a [user-provided value](1).",
          related=[(pc, "@PathVariable String paymentId", user)],
          flow=[(pc, "@PathVariable String paymentId", "paymentId : String"),
                (pc, "\"capture of payment \" + paymentId + \" requested\"", "... + ...")])
    wc = P + "api/WebhookController.java"
    s.add("java/log-injection", wc, "\"test webhook for merchant \" + merchantId + \" to \" + callbackUrl",
          "This log entry depends on a [user-provided value](1) and a [user-provided value](2).",
          related=[(wc, "@RequestParam String merchantId", user), (wc, "@RequestParam String callbackUrl", user)],
          flow=[(wc, "@RequestParam String merchantId", "merchantId : String"),
                (wc, "\"test webhook for merchant \" + merchantId + \" to \" + callbackUrl", "... + ...")])
    wd = P + "webhooks/WebhookDispatcher.java"
    s.add("java/ssrf", wd, "URI.create(callbackUrl)",
          "Potential server-side request forgery due to a [user-provided value](1).",
          related=[(wc, "@RequestParam String callbackUrl", user)],
          flow=[(wc, "@RequestParam String callbackUrl", "callbackUrl : String"),
                (wc, "dispatcher.deliver(callbackUrl,", "callbackUrl : String"),
                (wd, "String callbackUrl, String body", "callbackUrl : String"),
                (wd, "URI.create(callbackUrl)", "create(...)")])
    s.add("java/spring-disabled-csrf-protection", P + "config/SecurityConfig.java", "csrf().disable()",
          "CSRF vulnerability due to protection being disabled.")
    hc = P + "config/HttpClientConfig.java"
    s.add("java/insecure-trustmanager", hc, "trustAll, new SecureRandom()",
          "This uses [TrustManager](1), which is defined in [HttpClientConfig$1](2) and trusts any certificate.",
          related=[(hc, "new X509TrustManager()", "TrustManager"),
                   (hc, "X509TrustManager() {", "HttpClientConfig$1")],
          flow=[(hc, "new X509TrustManager() {", "new X509TrustManager(...) { ... } : X509TrustManager"),
                (hc, "trustAll, new SecureRandom()", "trustAll")])
    ct = P + "crypto/CardTokenizer.java"
    s.add("java/weak-cryptographic-algorithm", ct, "Cipher.getInstance(\"DES/ECB/PKCS5Padding\")",
          "Cryptographic algorithm [DES/ECB/PKCS5Padding](1) is weak and should not be used.",
          related=[(ct, "\"DES/ECB/PKCS5Padding\"", "DES/ECB/PKCS5Padding")],
          flow=[(ct, "\"DES/ECB/PKCS5Padding\"", "\"DES/ECB/PKCS5Padding\" : String"),
                (ct, "Cipher.getInstance(\"DES/ECB/PKCS5Padding\")", "getInstance(...)")])
    li = P + "settlement/LegacySettlementImporter.java"
    s.add("java/unsafe-deserialization", li, "ois.readObject()",
          "Unsafe deserialization depends on a [user-provided value](1).",
          related=[(li, "file.getInputStream()", user)],
          flow=[(li, "file.getInputStream()", "getInputStream(...) : InputStream"),
                (li, "new ObjectInputStream(in)", "new ObjectInputStream(...) : ObjectInputStream"),
                (li, "ois.readObject()", "ois")])
    s.add("java/stack-trace-exposure", P + "api/GlobalExceptionHandler.java", "trace.toString()",
          "[Error information](1) can be exposed to an external user.",
          related=[(P + "api/GlobalExceptionHandler.java", "e.printStackTrace(new PrintWriter(trace))", "Error information")],
          flow=[(P + "api/GlobalExceptionHandler.java", "e.printStackTrace(new PrintWriter(trace))", "printStackTrace(...)"),
                (P + "api/GlobalExceptionHandler.java", "trace.toString()", "toString(...)")])
    sc = P + "settlement/SettlementClient.java"
    s.add("java/hardcoded-credential-api-call", sc, "\"Settle-2023!\".toCharArray()",
          "Hard-coded value flows to [sensitive API call](1).",
          related=[(sc, "new PasswordAuthentication(ACQUIRER_USER, \"Settle-2023!\".toCharArray())", "sensitive API call")],
          flow=[(sc, "\"Settle-2023!\"", "\"Settle-2023!\" : String"),
                (sc, "\"Settle-2023!\".toCharArray()", "toCharArray(...)")])
    sp = P + "statements/StatementParser.java"
    s.add("java/xxe", sp, "builder.parse(in)",
          "XML parsing depends on a [user-provided value](1) without guarding against external entity expansion.",
          related=[(sp, "statement.getInputStream()", user)],
          flow=[(sp, "statement.getInputStream()", "getInputStream(...) : InputStream"),
                (sp, "builder.parse(in)", "in")])
    rp = P + "api/ReportController.java"
    s.add("java/path-injection", rp, "Files.readAllBytes(report)",
          "This path depends on a [user-provided value](1).",
          related=[(rp, "@RequestParam String name", user)],
          flow=[(rp, "@RequestParam String name", "name : String"),
                (rp, "Paths.get(REPORT_ROOT, name)", "get(...) : Path"),
                (rp, "Files.readAllBytes(report)", "report")])
    tg = P + "util/TokenGenerator.java"
    s.add("java/insecure-randomness", tg, "String.format(\"%06d\", random.nextInt(1_000_000))",
          "Potential Insecure randomness due to a [Insecure randomness source.](1).",
          related=[(tg, "random.nextInt(1_000_000)", "Insecure randomness source.")],
          flow=[(tg, "random.nextInt(1_000_000)", "nextInt(...) : Number"),
                (tg, "String.format(\"%06d\", random.nextInt(1_000_000))", "format(...)")])
    return s.document(extra_rules=["java/xss"])


# ------------------------------------------------------------------------------ Semgrep

SF_SEMGREP = [
    # (rule, path, anchor[, nth])  — first round
    ("javascript.lang.security.audit.sqli.node-postgres-sqli.node-postgres-sqli", "src/repositories/productRepository.ts",
     "pool.query(\n      `SELECT ${COLUMNS} FROM products WHERE name ILIKE $1 ${filter} ORDER BY rating DESC LIMIT ${size} OFFSET ${offset}`,\n      params,\n    )"),
    ("javascript.lang.security.audit.sqli.node-postgres-sqli.node-postgres-sqli", "src/repositories/productRepository.ts",
     "pool.query(\n      \"SELECT name FROM products WHERE name ILIKE '\" + term + \"%' ORDER BY rating DESC LIMIT 8\",\n    )"),
    ("javascript.lang.security.audit.sqli.node-postgres-sqli.node-postgres-sqli", "src/repositories/orderRepository.ts",
     "pool.query(\n      `SELECT id, placed_at AS \"placedAt\", total_cents AS \"totalCents\", status FROM orders WHERE status = '${status}'`,\n    )"),
    ("javascript.express.security.audit.express-open-redirect.express-open-redirect", "src/routes/auth.ts", "res.redirect(returnTo)"),
    ("javascript.express.security.audit.express-path-join-resolve-traversal.express-path-join-resolve-traversal",
     "src/routes/invoices.ts", "path.join(INVOICE_DIR, req.params.file)"),
    ("javascript.express.security.audit.xss.direct-response-write.direct-response-write", "src/routes/search.ts",
     "res.send(`<p class=\"empty\">No products match <b>${term}</b></p>`)"),
    ("javascript.jsonwebtoken.security.jwt-hardcode.hardcoded-jwt-secret", "src/middleware/auth.ts",
     "jwt.sign(claims, \"nw-storefront-dev-secret-2023\", { expiresIn: \"2h\" })"),
    ("javascript.express.security.audit.express-cookie-settings.express-cookie-session-no-secure", "src/config/session.ts",
     None),
    ("javascript.express.security.audit.express-cookie-settings.express-cookie-session-no-httponly", "src/config/session.ts",
     None),
    ("javascript.express.security.audit.express-check-csurf-middleware-usage.express-check-csurf-middleware-usage", "src/app.ts",
     "const app = express();"),
    ("javascript.lang.security.audit.prototype-pollution.prototype-pollution-loop.prototype-pollution-loop", "src/utils/merge.ts",
     "target[key] = value"),
    ("javascript.lang.security.audit.md5-used-as-password.md5-used-as-password", "src/utils/crypto.ts",
     "crypto.createHash(\"md5\").update(salt + password)"),
    ("javascript.express.security.audit.xss.mustache.explicit-unescape.template-explicit-unescape", "src/views/product.hbs",
     "{{{product.descriptionHtml}}}"),
    ("javascript.lang.security.detect-child-process.detect-child-process", "scripts/generate-sitemap.ts",
     "exec(`node dist/tools/sitemap.js --category ${category} --out public/sitemaps`, (err, stdout) => {\n    if (err) {\n      console.error(err);\n      process.exitCode = 1;\n      return;\n    }\n    writeFileSync(`public/sitemaps/${category}.log`, stdout);\n  })"),
    ("javascript.lang.security.audit.detect-non-literal-regexp.detect-non-literal-regexp", "src/routes/storeLocator.ts",
     "new RegExp(q, \"i\")"),
    ("javascript.lang.security.audit.unsafe-formatstring.unsafe-formatstring", "src/services/mailer.ts",
     "console.log(\"order confirmation sent to \" + to + \" for order %s\", order.id)"),
    ("javascript.jsonwebtoken.security.audit.jwt-decode-without-verify.jwt-decode-without-verify", "src/routes/account.ts",
     "jwt.decode(token)"),
    ("javascript.lang.security.audit.code-string-concat.code-string-concat", "src/services/pricingService.ts",
     "eval(\"(function(ctx){ return \" + rule.expression + \"; })\")"),
    ("dockerfile.security.missing-user.missing-user", "Dockerfile", "CMD [\"node\", \"dist/server.js\"]"),
    ("yaml.github-actions.security.run-shell-injection.run-shell-injection", ".github/workflows/deploy.yml",
     "run: |\n          ./scripts/deploy-preview.sh \"${{ github.event.pull_request.title }}\""),
    ("javascript.express.security.audit.remote-property-injection.remote-property-injection", "src/services/cartService.ts",
     "cart.options[body.key] = body.value"),
    ("javascript.express.security.audit.xss.direct-response-write.direct-response-write", "src/routes/reviews.ts",
     "res.status(201).send(`<li class=\"review\">${saved.body}</li>`)"),
    ("javascript.lang.security.audit.incomplete-sanitization.incomplete-sanitization", "src/utils/validators.ts",
     "s.replace(\"<\", \"&lt;\")"),
]

SF_FIXED_RULES = {
    "javascript.lang.security.detect-child-process.detect-child-process",
    "javascript.lang.security.audit.code-string-concat.code-string-concat",
    "dockerfile.security.missing-user.missing-user",
    "yaml.github-actions.security.run-shell-injection.run-shell-injection",
}
SF_NEW = ("javascript.lang.security.audit.path-traversal.path-join-resolve-traversal.path-join-resolve-traversal",
          "src/routes/giftCards.ts", "path.join(CARD_ART_DIR, design + \".png\")")


def _session_anchor(files):
    text = files["src/config/session.ts"]
    start = text.index("session({")
    end = text.index("});", start) + 2
    return text[start:end]


def _semgrep_storefront(files, rules):
    out = []
    for rule, path, anchor in rules:
        if anchor is None:
            anchor = _session_anchor(files)
        out.append(semgrep.result(files, rule, path, anchor))
    return out


def _storefront_scanned(files):
    return [p for p in files if not p.startswith("deploy/") and p != ".npmrc"] + [
        "src/server.ts", "src/logger.ts", "src/infra/db.ts", "src/infra/redis.ts", "src/data/stores.ts",
        "src/repositories/customerRepository.ts", "src/repositories/reviewRepository.ts",
        "src/views/search.hbs", "src/views/login.hbs", "src/views/orders.hbs", "package.json", "tsconfig.json",
        "jest.config.ts", "test/unit/cartService.test.ts", "test/unit/validators.test.ts",
    ]


def semgrep_storefront():
    files = {k: v for k, v in src_storefront.FILES.items() if k not in src_storefront.RESCAN_ONLY}
    return semgrep.document(_semgrep_storefront(files, SF_SEMGREP), _storefront_scanned(files))


def semgrep_storefront_rescan():
    files = src_storefront.rescan_files()
    rules = [r for r in SF_SEMGREP if r[0] not in SF_FIXED_RULES] + [SF_NEW]
    return semgrep.document(_semgrep_storefront(files, rules), _storefront_scanned(files))


INV_SEMGREP = [
    ("python.flask.security.audit.debug-enabled.debug-enabled", "inventory/app.py",
     "app.run(host=\"0.0.0.0\", port=8000, debug=True)"),
    ("python.flask.security.audit.app-run-param-config.avoid_app_run_with_bad_host", "inventory/app.py",
     "app.run(host=\"0.0.0.0\", port=8000, debug=True)"),
    ("python.lang.security.audit.formatted-sql-query.formatted-sql-query", "inventory/api/stock.py",
     "db.session.execute(text(query))"),
    ("python.sqlalchemy.security.sqlalchemy-execute-raw-query.sqlalchemy-execute-raw-query", "inventory/api/stock.py",
     "db.engine.execute(f\"UPDATE stock SET on_hand = on_hand + {delta} WHERE sku = '{sku}'\")"),
    ("python.flask.security.audit.render-template-string.render-template-string", "inventory/api/labels.py",
     "render_template_string(LABEL_TEMPLATE % note, sku=sku, bin=bin_code)"),
    ("python.flask.security.injection.ssrf-requests.ssrf-requests", "inventory/api/webhooks.py",
     "requests.post(target, json={\"type\": \"ping\"}, timeout=5)"),
    ("python.jwt.security.unverified-jwt-decode.unverified-jwt-decode", "inventory/auth.py",
     "jwt.decode(token, options={\"verify_signature\": False})"),
    ("python.lang.security.deserialization.pickle.avoid-pickle", "inventory/cache.py", "pickle.dumps(value)"),
    ("python.lang.security.deserialization.pickle.avoid-pickle", "inventory/cache.py", "pickle.loads(raw)"),
    ("python.lang.security.audit.subprocess-shell-true.subprocess-shell-true", "inventory/jobs/export.py", "True"),
    ("python.requests.security.disabled-cert-validation.disabled-cert-validation", "inventory/clients/supplier.py",
     "self.session.get(\n            f\"{SUPPLIER_API}/orders\",\n            params={\"status\": \"open\"},\n            headers={\"X-Api-Key\": self.api_key},\n            timeout=10,\n            verify=False,\n        )"),
    ("python.lang.security.audit.logging.logger-credential-leak.python-logger-credential-disclosure",
     "inventory/clients/supplier.py", "log.debug(\"fetching open orders with api key %s\", self.api_key)"),
    ("python.lang.security.audit.insecure-transport.requests.request-with-http.request-with-http",
     "inventory/clients/warehouse.py", "requests.get(f\"{WMS_BASE}/bins/{bin_code}\", timeout=5)"),
    ("python.lang.security.audit.insecure-transport.requests.request-with-http.request-with-http",
     "inventory/clients/warehouse.py", "requests.post(f\"{WMS_BASE}/reservations\", json={\"sku\": sku, \"qty\": quantity}, timeout=5)"),
    ("python.lang.security.insecure-hash-algorithms.insecure-hash-algorithm-md5", "inventory/utils/etag.py",
     "hashlib.md5(body)"),
    ("python.lang.security.use-defused-xml.use-defused-xml", "inventory/importers/supplier_feed.py",
     "from xml.etree import ElementTree as ET"),
    ("python.lang.security.audit.eval-detected.eval-detected", "inventory/pricing/rules.py",
     "eval(rule.condition, {\"__builtins__\": {}}, scope)"),
    ("dockerfile.security.missing-user.missing-user", "Dockerfile", "CMD [\"gunicorn\", \"inventory.app:app\"]"),
]


def semgrep_inventory():
    files = src_inventory.FILES
    results = []
    for rule, path, anchor in INV_SEMGREP:
        if anchor == "True":
            anchor = "subprocess.run(cmd, shell=True, check=True)"
        results.append(semgrep.result(files, rule, path, anchor))
    scanned = [p for p in files if p.startswith(("inventory/", "Dockerfile", "deploy/"))] + [
        "inventory/__init__.py", "inventory/db.py", "inventory/api/__init__.py", "inventory/importers/bulk_loader.py",
        "migrations/env.py", "migrations/versions/0007_reservations.py", "requirements.txt", "tests/conftest.py", "tests/test_stock.py",
        "tests/test_rules.py",
    ]
    errors = [{
        "code": 3,
        "level": "warn",
        "type": "Timeout",
        "rule_id": "python.flask.security.injection.ssrf-requests.ssrf-requests",
        "message": "Timeout when running python.flask.security.injection.ssrf-requests.ssrf-requests on inventory/importers/bulk_loader.py:\n ",
        "path": "inventory/importers/bulk_loader.py",
    }]
    return semgrep.document(results, scanned, errors)


# ------------------------------------------------------------------------------ Gitleaks

GITLEAKS_DESC = {
    "aws-access-token": "Identified a pattern that may indicate AWS credentials, risking unauthorized cloud resource access and data breaches on AWS platforms.",
    "stripe-access-token": "Found a Stripe Access Token, posing a risk to payment processing services and sensitive financial data.",
    "private-key": "Identified a Private Key, which may compromise cryptographic security and sensitive data encryption.",
    "generic-api-key": "Detected a Generic API Key, potentially exposing access to various services and sensitive operations.",
    "slack-webhook-url": "Discovered a Slack Webhook, which could lead to unauthorized message posting and data leakage in Slack channels.",
    "jwt": "Uncovered a JSON Web Token, which may lead to unauthorized access to web applications and sensitive user data.",
    "npm-access-token": "Uncovered an npm access token, potentially compromising package management and code repository access.",
    "github-pat": "Uncovered a GitHub Personal Access Token, potentially leading to unauthorized repository access and sensitive content exposure.",
    "sendgrid-api-token": "Detected a SendGrid API token, posing a risk of unauthorized email service operations and data exposure.",
}

# The rules' regular expressions (gitleaks 8.21 default config, simplified to what the demo
# needs) — used to check that every fake secret is one the real tool would report.
GITLEAKS_RE = {
    "aws-access-token": r"\b((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b",
    "stripe-access-token": r"\b((?:sk|rk)_(?:test|live|prod)_[a-zA-Z0-9]{10,99})(?:['|\"\n\r\s`;]|$)",
    "private-key": r"(?i)-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----[\s\S-]{64,}?KEY(?: BLOCK)?-----",
    "slack-webhook-url": r"(?:https?://)?hooks.slack.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56}",
    "jwt": r"\b(ey[a-zA-Z0-9]{17,}\.ey[a-zA-Z0-9/\\_-]{17,}\.(?:[a-zA-Z0-9/\\_-]{10,}={0,2})?)(?:['|\"\n\r\s`;]|$)",
    "npm-access-token": r"(?i)\b(npm_[a-z0-9]{36})(?:['|\"\n\r\s`;]|$)",
    "github-pat": r"ghp_[0-9a-zA-Z]{36}",
    "sendgrid-api-token": r"(?i)\b(SG\.[a-z0-9=_\-\.]{66})(?:['|\"\n\r\s`;]|$)",
    "generic-api-key": r".",
}


def _leak(files, rule, path, match, secret):
    assert re.search(GITLEAKS_RE[rule], match), (rule, match)
    assert secret in match, (rule, secret)
    loc = locate(files, path, match)
    if rule == "generic-api-key":
        assert shannon_entropy(secret) >= 3.5, (secret, shannon_entropy(secret))
    end_col = loc.end_col - 1
    return {
        "RuleID": rule,
        "Description": GITLEAKS_DESC[rule],
        "StartLine": loc.line,
        "EndLine": loc.end_line,
        "StartColumn": loc.col,
        "EndColumn": end_col,
        "Match": match,
        "Secret": secret,
        "File": path,
        "SymlinkFile": "",
        "Commit": "",
        "Entropy": go_float32(shannon_entropy(secret)),
        "Author": "",
        "Email": "",
        "Date": "",
        "Message": "",
        "Tags": [],
        "Fingerprint": f"{path}:{rule}:{loc.line}",
    }


STRIPE_MAIN = "sk_test_51NwOutfittersDemo0nlyK3yNotRealAbCdEf"
PRIVATE_KEY = src_storefront.FILES["deploy/certs/storefront-dev.key"].rstrip("\n")

SF_LEAKS = [
    ("stripe-access-token", "src/config/payments.ts", STRIPE_MAIN + "\"", STRIPE_MAIN),
    ("stripe-access-token", "test/fixtures/checkout.json", "sk_test_26PHem9AhJZvU623DfE1x4sdFixtureOnly\"",
     "sk_test_26PHem9AhJZvU623DfE1x4sdFixtureOnly"),
    ("private-key", "deploy/certs/storefront-dev.key", PRIVATE_KEY, PRIVATE_KEY),
    ("generic-api-key", "src/services/analytics.ts", "segmentWriteKey = \"q8Lw2vNf0xKx7TzR4pYb1mQc\"",
     "q8Lw2vNf0xKx7TzR4pYb1mQc"),
    ("slack-webhook-url", "scripts/notify-deploy.sh",
     "https://hooks.slack.com/services/T04NWDEMO1/B05FAKEHOOK/nQ7dEmoFakeWebhookToken1",
     "https://hooks.slack.com/services/T04NWDEMO1/B05FAKEHOOK/nQ7dEmoFakeWebhookToken1"),
    ("jwt", "test/e2e/session.spec.ts", None, None),
    ("npm-access-token", ".npmrc", "npm_Nw0utfDem0T0kenQ7xL2mZ9vK4pR8sB1cW6y", "npm_Nw0utfDem0T0kenQ7xL2mZ9vK4pR8sB1cW6y"),
    ("github-pat", ".github/workflows/deploy.yml", "ghp_Nw0utf1ttersDemoTok3nR7mQ2xL9vK4pZ8s",
     "ghp_Nw0utf1ttersDemoTok3nR7mQ2xL9vK4pZ8s"),
    ("sendgrid-api-token", "src/services/mailer.ts",
     "SG.nWdEmoFakeKey0nlyDocs0.xR7tQ2mZ8vL4pK9sB1cW6yN3hJ5fD0gE7aU2iO8eT4q\"",
     "SG.nWdEmoFakeKey0nlyDocs0.xR7tQ2mZ8vL4pK9sB1cW6yN3hJ5fD0gE7aU2iO8eT4q"),
    ("generic-api-key", "docker-compose.yml", "POSTGRES_PASSWORD: \"Vq7Lx2Rk9Tz4Wm8Np3Hs\"", "Vq7Lx2Rk9Tz4Wm8Np3Hs"),
]
SF_LEAKS_FIXED = {"scripts/notify-deploy.sh", ".github/workflows/deploy.yml", "src/services/mailer.ts"}
SF_LEAK_NEW = ("aws-access-token", "scripts/sync-assets.sh", "AKIAZNWSTOREFRONT2Q7", "AKIAZNWSTOREFRONT2Q7")


def _jwt(files):
    text = files["test/e2e/session.spec.ts"]
    start = text.index("\"eyJ") + 1
    end = text.index("\"", start)
    token = text[start:end]
    return token + "\"", token


def _leaks(files, specs):
    out = []
    for rule, path, match, secret in specs:
        if rule == "jwt":
            match, secret = _jwt(files)
        out.append(_leak(files, rule, path, match, secret))
    return sorted(out, key=lambda f: (f["File"], f["StartLine"]))


def gitleaks_storefront():
    files = {k: v for k, v in src_storefront.FILES.items() if k not in src_storefront.RESCAN_ONLY}
    return _leaks(files, SF_LEAKS)


def gitleaks_storefront_rescan():
    files = src_storefront.rescan_files()
    specs = [s for s in SF_LEAKS if s[1] not in SF_LEAKS_FIXED] + [SF_LEAK_NEW]
    return _leaks(files, specs)


INV_AWS_KEY = "AKIAQNWDEMO5FAKEK7ZQ"
INV_LEAKS = [
    ("aws-access-token", "terraform/providers.tf", INV_AWS_KEY, INV_AWS_KEY),
    ("generic-api-key", "terraform/providers.tf", "secret_key = \"Qm3vT8xNwD7pLz2KcR9yHf4JbS6gUa1eVo0iWt5X\"",
     "Qm3vT8xNwD7pLz2KcR9yHf4JbS6gUa1eVo0iWt5X"),
    ("slack-webhook-url", "inventory/notify.py",
     "https://hooks.slack.com/services/T04NWDEMO1/B06INVFAKE1/pL3xInventoryAlertsTok9Q",
     "https://hooks.slack.com/services/T04NWDEMO1/B06INVFAKE1/pL3xInventoryAlertsTok9Q"),
    ("generic-api-key", "deploy/ansible/group_vars/prod.yml", "database_password: \"Hk4Pw9Zr2Lm7Tq5Xv8Nc\"",
     "Hk4Pw9Zr2Lm7Tq5Xv8Nc"),
    ("generic-api-key", "inventory/clients/geo.py", "GEOCODER_API_KEY = \"Zt8Qw3Nv6Lp1Xr9Km4Bc7Hd2\"", "Zt8Qw3Nv6Lp1Xr9Km4Bc7Hd2"),
    ("generic-api-key", "tests/conftest.py", "SUPPLIER_API_KEY = \"9Fq2Lm7Xw4Rz8Kp3Vd6N\"", "9Fq2Lm7Xw4Rz8Kp3Vd6N"),
    ("generic-api-key", ".env.example", "REDIS_PASSWORD=Wn5Hc8Tq2Jx7Lr4Bv9Ps", "Wn5Hc8Tq2Jx7Lr4Bv9Ps"),
]


def gitleaks_inventory():
    return _leaks(src_inventory.FILES, INV_LEAKS)
