"""Semgrep `semgrep ci --json` output (Semgrep 1.96, logged in, so `lines` and `fingerprint`
are filled)."""

import hashlib

from util import h, locate

SEMGREP_VERSION = "1.96.0"
LICENSE = "Semgrep Rules License v1.0. For more details, visit semgrep.dev/legal/rules-license"

CWE_NAMES = {
    "CWE-22": "CWE-22: Improper Limitation of a Pathname to a Restricted Directory ('Path Traversal')",
    "CWE-78": "CWE-78: Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')",
    "CWE-79": "CWE-79: Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')",
    "CWE-89": "CWE-89: Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')",
    "CWE-95": "CWE-95: Improper Neutralization of Directives in Dynamically Evaluated Code ('Eval Injection')",
    "CWE-96": "CWE-96: Improper Neutralization of Directives in Statically Saved Code ('Static Code Injection')",
    "CWE-116": "CWE-116: Improper Encoding or Escaping of Output",
    "CWE-134": "CWE-134: Use of Externally-Controlled Format String",
    "CWE-269": "CWE-269: Improper Privilege Management",
    "CWE-287": "CWE-287: Improper Authentication",
    "CWE-295": "CWE-295: Improper Certificate Validation",
    "CWE-319": "CWE-319: Cleartext Transmission of Sensitive Information",
    "CWE-327": "CWE-327: Use of a Broken or Risky Cryptographic Algorithm",
    "CWE-345": "CWE-345: Insufficient Verification of Data Authenticity",
    "CWE-352": "CWE-352: Cross-Site Request Forgery (CSRF)",
    "CWE-489": "CWE-489: Active Debug Code",
    "CWE-502": "CWE-502: Deserialization of Untrusted Data",
    "CWE-522": "CWE-522: Insufficiently Protected Credentials",
    "CWE-532": "CWE-532: Insertion of Sensitive Information into Log File",
    "CWE-601": "CWE-601: URL Redirection to Untrusted Site ('Open Redirect')",
    "CWE-611": "CWE-611: Improper Restriction of XML External Entity Reference",
    "CWE-614": "CWE-614: Sensitive Cookie in HTTPS Session Without 'Secure' Attribute",
    "CWE-668": "CWE-668: Exposure of Resource to Wrong Sphere",
    "CWE-798": "CWE-798: Use of Hard-coded Credentials",
    "CWE-915": "CWE-915: Improperly Controlled Modification of Dynamically-Determined Object Attributes",
    "CWE-918": "CWE-918: Server-Side Request Forgery (SSRF)",
    "CWE-1004": "CWE-1004: Sensitive Cookie Without 'HttpOnly' Flag",
    "CWE-1333": "CWE-1333: Inefficient Regular Expression Complexity",
}

INJ = ["A01:2017 - Injection", "A03:2021 - Injection"]
XSS = ["A07:2017 - Cross-Site Scripting (XSS)", "A03:2021 - Injection"]
BAC = ["A05:2017 - Broken Access Control", "A01:2021 - Broken Access Control"]
CRYPTO = ["A03:2017 - Sensitive Data Exposure", "A02:2021 - Cryptographic Failures"]
MISCONF = ["A06:2017 - Security Misconfiguration", "A05:2021 - Security Misconfiguration"]
AUTH = ["A02:2017 - Broken Authentication", "A07:2021 - Identification and Authentication Failures"]
DESER = ["A08:2017 - Insecure Deserialization", "A08:2021 - Software and Data Integrity Failures"]
SSRF = ["A10:2021 - Server-Side Request Forgery (SSRF)"]
LOGF = ["A09:2021 - Security Logging and Monitoring Failures"]
XXE = ["A04:2017 - XML External Entities (XXE)", "A05:2021 - Security Misconfiguration"]
DESIGN = ["A04:2021 - Insecure Design"]

# rule id -> (severity, message, cwe, owasp, technology, subcategory, confidence, likelihood, impact, class, references)
RULES = {
    "javascript.lang.security.audit.sqli.node-postgres-sqli.node-postgres-sqli": (
        "WARNING",
        "Detected string concatenation with a non-literal variable in a node-postgres JS SQL statement. This could lead to SQL injection if the variable is user-controlled and not properly sanitized. In order to prevent SQL injection, use parameterized queries or prepared statements instead. You can use parameterized statements like so: `client.query('SELECT $1 from table', [userinput])`",
        "CWE-89", INJ, ["node-postgres"], "vuln", "LOW", "HIGH", "HIGH", ["SQL Injection"],
        ["https://node-postgres.com/features/queries"]),
    "javascript.express.security.audit.express-open-redirect.express-open-redirect": (
        "WARNING",
        "The application redirects to a URL specified by user-supplied input `req` that is not validated. This could redirect users to malicious locations. Consider using an allow-list approach to validate URLs, or warn users they are being redirected to a third-party website.",
        "CWE-601", BAC, ["express"], "vuln", "HIGH", "HIGH", "MEDIUM", ["Open Redirect"],
        ["https://cheatsheetseries.owasp.org/cheatsheets/Unvalidated_Redirects_and_Forwards_Cheat_Sheet.html"]),
    "javascript.express.security.audit.express-path-join-resolve-traversal.express-path-join-resolve-traversal": (
        "WARNING",
        "Possible writing outside of the destination, make sure that the target path is nested in the intended destination",
        "CWE-22", BAC, ["express", "node.js"], "vuln", "MEDIUM", "HIGH", "MEDIUM", ["Path Traversal"],
        ["https://owasp.org/www-community/attacks/Path_Traversal"]),
    "javascript.lang.security.audit.path-traversal.path-join-resolve-traversal.path-join-resolve-traversal": (
        "WARNING",
        "Detected possible user input going into a `path.join` or `path.resolve` function. This could possibly lead to a path traversal vulnerability,  where the attacker can access arbitrary files stored in the file system. Instead, be sure to sanitize or validate user input first.",
        "CWE-22", BAC, ["javascript", "node.js"], "audit", "LOW", "HIGH", "MEDIUM", ["Path Traversal"],
        ["https://owasp.org/www-community/attacks/Path_Traversal"]),
    "javascript.express.security.audit.xss.direct-response-write.direct-response-write": (
        "WARNING",
        "Detected directly writing to a Response object from user-defined input. This bypasses any HTML escaping and may expose your application to a Cross-Site-scripting (XSS) vulnerability. Instead, use 'resp.render()' to render safely escaped HTML.",
        "CWE-79", XSS, ["express"], "vuln", "MEDIUM", "MEDIUM", "MEDIUM", ["Cross-Site-Scripting (XSS)"],
        ["https://cheatsheetseries.owasp.org/cheatsheets/Cross_Site_Scripting_Prevention_Cheat_Sheet.html"]),
    "javascript.jsonwebtoken.security.jwt-hardcode.hardcoded-jwt-secret": (
        "WARNING",
        "A hard-coded credential was detected. It is not recommended to store credentials in source-code, as this risks secrets being leaked and used by either an internal or external malicious adversary. It is recommended to use environment variables to securely provide credentials or retrieve credentials from a secure vault or HSM (Hardware Security Module).",
        "CWE-798", AUTH, ["jwt", "javascript", "secrets"], "vuln", "HIGH", "HIGH", "MEDIUM", ["Hard-coded Secrets"],
        ["https://cheatsheetseries.owasp.org/cheatsheets/Secrets_Management_Cheat_Sheet.html"]),
    "javascript.express.security.audit.express-cookie-settings.express-cookie-session-no-secure": (
        "WARNING",
        "Default session middleware settings: `secure` not set. It ensures the browser only sends the cookie over HTTPS.",
        "CWE-614", MISCONF, ["express"], "audit", "MEDIUM", "LOW", "LOW", ["Cookie Security"],
        ["https://owasp.org/Top10/A05_2021-Security_Misconfiguration"]),
    "javascript.express.security.audit.express-cookie-settings.express-cookie-session-no-httponly": (
        "WARNING",
        "Default session middleware settings: `httpOnly` not set. It ensures the cookie is sent only over HTTP(S), not client JavaScript, helping to protect against cross-site scripting attacks.",
        "CWE-1004", MISCONF, ["express"], "audit", "MEDIUM", "LOW", "LOW", ["Cookie Security"],
        ["https://owasp.org/Top10/A05_2021-Security_Misconfiguration"]),
    "javascript.express.security.audit.express-check-csurf-middleware-usage.express-check-csurf-middleware-usage": (
        "INFO",
        "A CSRF middleware was not detected in your express application. Ensure you are either using one such as `csurf` or `csrf` (see rule references) and/or you are properly doing CSRF validation in your routes with a token or cookies.",
        "CWE-352", BAC, ["javascript", "typescript", "express"], "audit", "LOW", "HIGH", "MEDIUM", ["Cross-Site Request Forgery (CSRF)"],
        ["https://www.npmjs.com/package/csurf", "https://www.npmjs.com/package/csrf", "https://owasp.org/www-community/attacks/csrf"]),
    "javascript.lang.security.audit.prototype-pollution.prototype-pollution-loop.prototype-pollution-loop": (
        "WARNING",
        "Possibility of prototype polluting function detected. By adding or modifying attributes of an object prototype, it is possible to create attributes that exist on every object, or replace critical attributes with malicious ones. This can be problematic if the software depends on existence or non-existence of certain attributes, or uses pre-defined attributes of object prototype (such as hasOwnProperty, toString or valueOf). Possible mitigations might be: freezing the object prototype, using an object without prototypes (via Object.create(null) ), blocking modifications of attributes that resolve to object prototype, using Map instead of object.",
        "CWE-915", ["A08:2021 - Software and Data Integrity Failures"], ["typescript"], "audit", "LOW", "LOW", "HIGH", ["Mass Assignment"],
        ["https://github.com/HoLyVieR/prototype-pollution-nsec18/blob/master/paper/JavaScript_prototype_pollution_attack_in_NodeJS.pdf"]),
    "javascript.lang.security.audit.md5-used-as-password.md5-used-as-password": (
        "WARNING",
        "It looks like MD5 is used as a password hash. MD5 is not considered a secure password hash because it can be cracked by an attacker in a short amount of time. Use a suitable password hashing function such as bcrypt. You can use the `bcrypt` node.js package.",
        "CWE-327", CRYPTO, ["crypto", "md5"], "vuln", "LOW", "HIGH", "MEDIUM", ["Cryptographic Issues"],
        ["https://tools.ietf.org/id/draft-lvelvindron-tls-md5-sha1-deprecate-01.html", "https://security.stackexchange.com/questions/211/how-to-securely-hash-passwords"]),
    "javascript.express.security.audit.xss.mustache.explicit-unescape.template-explicit-unescape": (
        "WARNING",
        "Detected an explicit unescape in a Mustache template, using triple braces '{{{...}}}' or ampersand '&'. If external data can reach these locations, your application is exposed to a cross-site scripting (XSS) vulnerability. If you must do this, ensure no external data can reach this location.",
        "CWE-79", XSS, ["express"], "audit", "LOW", "LOW", "MEDIUM", ["Cross-Site-Scripting (XSS)"],
        ["https://github.com/janl/mustache.js/#variables", "https://ractive.js.org/v0.x/0.7/mustaches#variables"]),
    "javascript.lang.security.detect-child-process.detect-child-process": (
        "ERROR",
        "Detected calls to child_process from a function argument `category`. This could lead to a command injection if the input is user controllable. Try to avoid calls to child_process, and if it is needed ensure user input is correctly sanitized or sandboxed.",
        "CWE-78", INJ, ["javascript"], "vuln", "LOW", "LOW", "HIGH", ["Command Injection"],
        ["https://cheatsheetseries.owasp.org/cheatsheets/Nodejs_Security_Cheat_Sheet.html#do-not-use-dangerous-functions"]),
    "javascript.lang.security.audit.detect-non-literal-regexp.detect-non-literal-regexp": (
        "WARNING",
        "RegExp() called with a `q` function argument, this might allow an attacker to cause a Regular Expression Denial-of-Service (ReDoS) within your application as RegExP blocks the main thread. For this reason, it is recommended to use hardcoded regexes instead. If your regex is run on user-controlled input, consider performing input validation or use a regex checking/sanitization library such as https://www.npmjs.com/package/recheck to verify that the regex does not appear vulnerable to ReDoS.",
        "CWE-1333", ["A05:2021 - Security Misconfiguration", "A06:2017 - Security Misconfiguration"], ["javascript"], "audit", "LOW", "LOW", "LOW", ["Denial-of-Service (DoS)"],
        ["https://owasp.org/www-community/attacks/Regular_expression_Denial_of_Service_-_ReDoS"]),
    "javascript.lang.security.audit.unsafe-formatstring.unsafe-formatstring": (
        "INFO",
        "Detected string concatenation with a non-literal variable in a util.format / console.log function. If an attacker injects a format specifier in the string, it will forge the log message. Try to use constant values for the format string.",
        "CWE-134", INJ, ["javascript"], "audit", "LOW", "MEDIUM", "LOW", ["Improper Validation"],
        ["https://cwe.mitre.org/data/definitions/134.html"]),
    "javascript.jsonwebtoken.security.audit.jwt-decode-without-verify.jwt-decode-without-verify": (
        "WARNING",
        "Detected the decoding of a JWT token without a verify step. JWT tokens must be verified before use, otherwise the token's integrity is unknown. This means a malicious actor could forge a JWT token with any claims. Call '.verify()' before using the token.",
        "CWE-345", ["A08:2017 - Insecure Deserialization", "A08:2021 - Software and Data Integrity Failures"], ["jwt"], "audit", "MEDIUM", "LOW", "MEDIUM", ["Improper Authentication"],
        ["https://owasp.org/Top10/A08_2021-Software_and_Data_Integrity_Failures"]),
    "javascript.lang.security.audit.code-string-concat.code-string-concat": (
        "ERROR",
        "Found data from an Express or Next web request flowing to `eval`. If this data is user-controllable this can lead to execution of arbitrary system commands in the context of your application process. Avoid `eval` whenever possible.",
        "CWE-95", INJ, ["node.js", "Express", "Next.js"], "vuln", "HIGH", "MEDIUM", "HIGH", ["Code Injection"],
        ["https://owasp.org/www-community/attacks/Code_Injection", "https://developer.mozilla.org/en-US/docs/Web/JavaScript/Reference/Global_Objects/eval"]),
    "dockerfile.security.missing-user.missing-user": (
        "ERROR",
        "By not specifying a USER, a program in the container may run as 'root'. This is a security hazard. If an attacker can control a process running as root, they may have control over the container. Ensure that the last USER in a Dockerfile is a USER other than 'root'.",
        "CWE-269", BAC, ["dockerfile"], "audit", "HIGH", "LOW", "MEDIUM", ["Improper Authorization"],
        ["https://owasp.org/Top10/A04_2021-Insecure_Design"]),
    "yaml.github-actions.security.run-shell-injection.run-shell-injection": (
        "ERROR",
        "Using variable interpolation `${{...}}` with `github` context data in a `run:` step could allow an attacker to inject their own code into the runner. This would allow them to steal secrets and code. `github` context data can have arbitrary user input and should be treated as untrusted. Instead, use an intermediate environment variable with `env:` to store the data and use the environment variable in the `run:` script. Be sure to use double-quotes the environment variable, like this: \"$ENVVAR\".",
        "CWE-78", INJ, ["github-actions"], "vuln", "HIGH", "HIGH", "HIGH", ["Command Injection"],
        ["https://docs.github.com/en/actions/learn-github-actions/security-hardening-for-github-actions#understanding-the-risk-of-script-injections", "https://securitylab.github.com/research/github-actions-untrusted-input/"]),
    "javascript.express.security.audit.remote-property-injection.remote-property-injection": (
        "ERROR",
        "Bracket object notation with user input is present, this might allow an attacker to access all properties of the object and even it's prototype. Use literal values for object properties.",
        "CWE-522", AUTH, ["express"], "audit", "LOW", "MEDIUM", "LOW", ["Improper Authentication"],
        ["https://github.com/nodesecurity/eslint-plugin-security/blob/3c7522ca1be800353513282867a1034c795d9eb4/docs/the-dangers-of-square-bracket-notation.md"]),
    "javascript.lang.security.audit.incomplete-sanitization.incomplete-sanitization": (
        "WARNING",
        "`s.replace` method will only replace the first occurrence when used with a string argument (\"<\"). If this method is used for escaping of dangerous data then there is a possibility for a bypass. Try to use sanitization library instead or use a Regex with a global flag.",
        "CWE-116", INJ, ["javascript"], "audit", "LOW", "LOW", "LOW", ["Improper Encoding"],
        ["https://cwe.mitre.org/data/definitions/116.html"]),
    # ---- Python
    "python.flask.security.audit.debug-enabled.debug-enabled": (
        "WARNING",
        "Detected Flask app with debug=True. Do not deploy to production with this flag enabled as it will leak sensitive information. Instead, consider using Flask configuration variables or setting 'debug' using system environment variables.",
        "CWE-489", MISCONF, ["flask"], "vuln", "HIGH", "HIGH", "MEDIUM", ["Active Debug Code"],
        ["https://labs.detectify.com/2015/10/02/how-patreon-got-hacked-publicly-exposed-werkzeug-debugger/"]),
    "python.flask.security.audit.app-run-param-config.avoid_app_run_with_bad_host": (
        "WARNING",
        "Running flask app with host 0.0.0.0 could expose the server publicly.",
        "CWE-668", BAC, ["flask"], "vuln", "MEDIUM", "HIGH", "MEDIUM", ["Other"],
        ["https://owasp.org/Top10/A01_2021-Broken_Access_Control"]),
    "python.lang.security.audit.formatted-sql-query.formatted-sql-query": (
        "WARNING",
        "Detected possible formatted SQL query. Use parameterized queries instead.",
        "CWE-89", INJ, ["python"], "audit", "LOW", "LOW", "HIGH", ["SQL Injection"],
        ["https://stackoverflow.com/questions/775296/mysql-parameterized-queries"]),
    "python.sqlalchemy.security.sqlalchemy-execute-raw-query.sqlalchemy-execute-raw-query": (
        "ERROR",
        "Avoiding SQL string concatenation: untrusted input concatenated with raw SQL query can result in SQL Injection. In order to execute raw query safely, prepared statement should be used. SQLAlchemy provides TextualSQL to easily used prepared statement with named parameters. For complex SQL composition, use SQL Expression Language or Schema Definition Language. In most cases, SQLAlchemy ORM will be a better option.",
        "CWE-89", INJ, ["sqlalchemy"], "audit", "LOW", "LOW", "HIGH", ["SQL Injection"],
        ["https://docs.sqlalchemy.org/en/14/core/tutorial.html#using-textual-sql", "https://www.tutorialspoint.com/sqlalchemy/sqlalchemy_quick_guide.htm"]),
    "python.flask.security.audit.render-template-string.render-template-string": (
        "WARNING",
        "Found a template created with string formatting. This is susceptible to server-side template injection and cross-site scripting attacks.",
        "CWE-96", INJ, ["flask"], "audit", "LOW", "LOW", "MEDIUM", ["Code Injection"],
        ["https://nvisium.com/blog/2016/03/09/exploring-ssti-in-flask-jinja2.html"]),
    "python.flask.security.injection.ssrf-requests.ssrf-requests": (
        "ERROR",
        "Data from request object is passed to a new server-side request. This could lead to a server-side request forgery (SSRF). To mitigate, ensure that schemes and hosts are validated against an allowlist, do not forward the response to the user, and ensure proper authentication and transport-layer security in the proxied request. See https://owasp.org/www-community/attacks/Server_Side_Request_Forgery to learn more about SSRF vulnerabilities.",
        "CWE-918", SSRF, ["flask"], "vuln", "MEDIUM", "MEDIUM", "HIGH", ["Server-Side Request Forgery (SSRF)"],
        ["https://owasp.org/www-community/attacks/Server_Side_Request_Forgery"]),
    "python.jwt.security.unverified-jwt-decode.unverified-jwt-decode": (
        "ERROR",
        "Detected JWT token decoded with 'verify=False'. This bypasses any integrity checks for the token which means the token could be tampered with by malicious actors. Ensure that the JWT token is verified.",
        "CWE-287", AUTH, ["jwt"], "vuln", "MEDIUM", "MEDIUM", "MEDIUM", ["Improper Authentication"],
        ["https://github.com/we45/Vulnerable-Flask-App/blob/752ee16087c0bfb79073f68802d907569a1f0df7/app/app.py#L96"]),
    "python.lang.security.deserialization.pickle.avoid-pickle": (
        "WARNING",
        "Avoid using `pickle`, which is known to lead to code execution vulnerabilities. When unpickling, the serialized data could be manipulated to run arbitrary code. Instead, consider serializing the relevant data as JSON or a similar text-based serialization format.",
        "CWE-502", DESER, ["python"], "audit", "LOW", "LOW", "MEDIUM", ["Insecure Deserialization "],
        ["https://docs.python.org/3/library/pickle.html", "https://davidhamann.de/2020/04/05/exploiting-python-pickle/"]),
    "python.lang.security.audit.subprocess-shell-true.subprocess-shell-true": (
        "ERROR",
        "Found 'subprocess' function 'run' with 'shell=True'. This is dangerous because this call will spawn the command using a shell process. Doing so propagates current shell settings and variables, which makes it much easier for a malicious actor to execute commands. Use 'shell=False' instead.",
        "CWE-78", INJ, ["python"], "secure default", "MEDIUM", "HIGH", "LOW", ["Command Injection"],
        ["https://stackoverflow.com/questions/3172470/actual-meaning-of-shell-true-in-subprocess", "https://docs.python.org/3/library/subprocess.html"]),
    "python.requests.security.disabled-cert-validation.disabled-cert-validation": (
        "ERROR",
        "Certificate verification has been explicitly disabled. This permits insecure connections to insecure servers. Re-enable certification validation.",
        "CWE-295", AUTH, ["requests"], "vuln", "LOW", "LOW", "LOW", ["Improper Authentication"],
        ["https://stackoverflow.com/questions/41740361/is-it-safe-to-disable-ssl-certificate-verification-in-pythons-requests-lib"]),
    "python.lang.security.audit.logging.logger-credential-leak.python-logger-credential-disclosure": (
        "WARNING",
        "Detected a python logger call with a potential hardcoded secret \"fetching open orders with api key %s\" being logged. This may lead to secret credentials being exposed. Make sure that the logger is not logging  sensitive information.",
        "CWE-532", LOGF, ["python"], "audit", "MEDIUM", "HIGH", "MEDIUM", ["Mishandled Sensitive Information"],
        ["https://cwe.mitre.org/data/definitions/532.html"]),
    "python.lang.security.audit.insecure-transport.requests.request-with-http.request-with-http": (
        "INFO",
        "Detected a request using 'http://'. This request will be unencrypted, and attackers could listen into traffic on the network and be able to obtain sensitive information. Use 'https://' instead.",
        "CWE-319", CRYPTO, ["requests"], "audit", "MEDIUM", "LOW", "MEDIUM", ["Mishandled Sensitive Information"],
        ["https://owasp.org/Top10/A02_2021-Cryptographic_Failures"]),
    "python.lang.security.insecure-hash-algorithms.insecure-hash-algorithm-md5": (
        "WARNING",
        "Detected MD5 hash algorithm which is considered insecure. MD5 is not collision resistant and is therefore not suitable as a cryptographic signature. Use SHA256 or SHA3 instead.",
        "CWE-327", CRYPTO, ["python"], "vuln", "HIGH", "LOW", "MEDIUM", ["Insecure Hashing Algorithm"],
        ["https://tools.ietf.org/html/rfc6151", "https://crypto.stackexchange.com/questions/44151/how-does-the-flame-malware-take-advantage-of-md5-collision"]),
    "python.lang.security.use-defused-xml.use-defused-xml": (
        "ERROR",
        "The Python documentation recommends using `defusedxml` instead of `xml` because the native Python `xml` library is vulnerable to XML External Entity (XXE) attacks. These attacks can leak confidential data and \"XML bombs\" can cause denial of service.",
        "CWE-611", XXE, ["python"], "audit", "LOW", "LOW", "MEDIUM", ["XML Injection"],
        ["https://docs.python.org/3/library/xml.html", "https://github.com/tiran/defusedxml", "https://owasp.org/www-community/vulnerabilities/XML_External_Entity_(XXE)_Processing"]),
    "python.lang.security.audit.eval-detected.eval-detected": (
        "WARNING",
        "Detected the use of eval(). eval() can be dangerous if used to evaluate dynamic content. If this content can be input from outside the program, this may be a code injection vulnerability. Ensure evaluated content is not definable by external sources.",
        "CWE-95", INJ, ["python"], "audit", "LOW", "LOW", "HIGH", ["Code Injection"],
        ["https://owasp.org/Top10/A03_2021-Injection"]),
}


def _short(rule_id, n, alphabet="ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789"):
    digest = int(h("semgrep-id", rule_id, n, n=24), 16)
    out = ""
    for _ in range(n):
        digest, r = divmod(digest, len(alphabet))
        out += alphabet[r]
    return out


def _metadata(rule_id):
    sev, msg, cwe, owasp, tech, sub, conf, lik, imp, vclass, refs = RULES[rule_id]
    version_id = _short(rule_id + "v", 7)
    meta = {
        "cwe": [CWE_NAMES[cwe]],
        "owasp": owasp,
        "references": refs,
        "category": "security",
        "technology": tech,
        "subcategory": [sub],
        "likelihood": lik,
        "impact": imp,
        "confidence": conf,
        "license": LICENSE,
        "vulnerability_class": vclass,
        "source": f"https://semgrep.dev/r/{rule_id}",
        "shortlink": f"https://sg.run/{_short(rule_id, 4)}",
        "semgrep.dev": {
            "rule": {
                "origin": "community",
                "r_id": 9000 + int(h("rid", rule_id, n=6), 16) % 60000,
                "rule_id": _short(rule_id + "r", 6),
                "rv_id": 100000 + int(h("rvid", rule_id, n=6), 16) % 900000,
                "url": f"https://semgrep.dev/playground/r/{version_id}/{rule_id}",
                "version_id": version_id,
            }
        },
    }
    if cwe in ("CWE-22", "CWE-78", "CWE-79", "CWE-89", "CWE-352", "CWE-502", "CWE-918", "CWE-798", "CWE-287"):
        meta["cwe2022-top25"] = True
        meta["cwe2021-top25"] = True
    return sev, msg, meta


def _pos(loc, which):
    if which == "start":
        return {"line": loc.line, "col": loc.col, "offset": loc.start_offset}
    return {"line": loc.end_line, "col": loc.end_col, "offset": loc.end_offset}


def result(files, rule_id, path, anchor, nth=1, metavars=None):
    loc = locate(files, path, anchor, nth)
    sev, msg, meta = _metadata(rule_id)
    lines = loc.full_lines()
    # Semgrep's match-based id does not depend on the line: rule, path and the matched code.
    fp = hashlib.sha512(f"{rule_id}|{path}|{loc.match}".encode()).hexdigest()
    mv = {}
    for name, (mv_anchor, content) in (metavars or {}).items():
        mloc = locate(files, path, mv_anchor)
        mv[name] = {"start": _pos(mloc, "start"), "end": _pos(mloc, "end"), "abstract_content": content}
    return {
        "check_id": rule_id,
        "path": path,
        "start": _pos(loc, "start"),
        "end": _pos(loc, "end"),
        "extra": {
            "metavars": mv,
            "message": msg,
            "metadata": meta,
            "severity": sev,
            "fingerprint": fp + "_0",
            "lines": lines,
            "is_ignored": False,
            "validation_state": "NO_VALIDATOR",
            "engine_kind": "OSS",
        },
    }


def document(results, scanned, errors=()):
    results = sorted(results, key=lambda r: (r["path"], r["start"]["offset"], r["check_id"]))
    # Identical (rule, path, code) matches are told apart by the `_N` suffix, as Semgrep does.
    seen = {}
    for r in results:
        base = r["extra"]["fingerprint"][:-2]
        n = seen.get(base, 0)
        seen[base] = n + 1
        r["extra"]["fingerprint"] = f"{base}_{n}"
    return {
        "version": SEMGREP_VERSION,
        "results": results,
        "errors": list(errors),
        "paths": {"scanned": sorted(scanned)},
        "interfile_languages_used": [],
        "skipped_rules": [],
    }
