"""CodeQL SARIF 2.1.0 as `codeql database analyze --format=sarif-latest --sarif-add-snippets
--sarif-category=...` (CodeQL CLI 2.19) writes it."""

from util import h, locate

CODEQL_VERSION = "2.19.3"

# Query metadata as the standard CodeQL query packs publish it.
RULES = {
    # ---- JavaScript / TypeScript
    "js/sql-injection": dict(
        name="Database query built from user-controlled sources",
        desc="Building a database query from user-controlled sources is vulnerable to insertion of malicious code by the user.",
        sev="8.8", precision="high", kind="path-problem", level="error",
        cwes=["089", "090", "943"]),
    "js/server-side-unvalidated-url-redirection": dict(
        name="Server-side URL redirect",
        desc="Server-side URL redirection based on unvalidated user input may cause redirection to malicious web sites.",
        sev="6.1", precision="high", kind="path-problem", level="warning",
        cwes=["601"]),
    "js/path-injection": dict(
        name="Uncontrolled data used in path expression",
        desc="Accessing paths influenced by users can allow an attacker to access unexpected resources.",
        sev="7.5", precision="high", kind="path-problem", level="error",
        cwes=["022", "023", "036", "073", "099"]),
    "js/reflected-xss": dict(
        name="Reflected cross-site scripting",
        desc="Writing user input directly to an HTTP response allows for a cross-site scripting vulnerability.",
        sev="6.1", precision="high", kind="path-problem", level="error",
        cwes=["079", "116"]),
    "js/hardcoded-credentials": dict(
        name="Hard-coded credentials",
        desc="Hard-coding credentials in source code may enable an attacker to gain unauthorized access.",
        sev="9.8", precision="high", kind="path-problem", level="warning",
        cwes=["259", "321", "798"]),
    "js/request-forgery": dict(
        name="Server-side request forgery",
        desc="Making a network request with user-controlled data in the URL allows for request forgery attacks.",
        sev="9.1", precision="medium", kind="path-problem", level="error",
        cwes=["918"]),
    "js/missing-rate-limiting": dict(
        name="Missing rate limiting",
        desc="An HTTP request handler that performs expensive operations without restricting the rate at which operations can be carried out is vulnerable to denial-of-service attacks.",
        sev="7.5", precision="high", kind="problem", level="warning",
        cwes=["770", "307", "400"]),
    "js/insecure-randomness": dict(
        name="Insecure randomness",
        desc="Using a cryptographically weak pseudo-random number generator to generate a security-sensitive value may allow an attacker to predict what value will be generated.",
        sev="7.8", precision="high", kind="path-problem", level="warning",
        cwes=["338"]),
    "js/clear-text-logging": dict(
        name="Clear-text logging of sensitive information",
        desc="Logging sensitive information without encryption or hashing can expose it to an attacker.",
        sev="7.5", precision="high", kind="path-problem", level="error",
        cwes=["312", "359", "532"]),
    "js/redos": dict(
        name="Inefficient regular expression",
        desc="A regular expression that requires exponential time to match certain inputs can be a performance bottleneck, and may be vulnerable to denial-of-service attacks.",
        sev="7.5", precision="high", kind="problem", level="error",
        cwes=["1333", "730", "400"]),
    "js/log-injection": dict(
        name="Log injection",
        desc="Building log entries from user-controlled sources is vulnerable to insertion of forged log entries by a malicious user.",
        sev="7.8", precision="medium", kind="path-problem", level="error",
        cwes=["117"]),
    "js/clear-text-cookie": dict(
        name="Clear text transmission of sensitive cookie",
        desc="Sending sensitive information in a cookie without requring SSL encryption can expose the cookie to an attacker.",
        sev="5.0", precision="high", kind="problem", level="warning",
        cwes=["614", "311", "312", "319"]),
    "js/stack-trace-exposure": dict(
        name="Information exposure through a stack trace",
        desc="Propagating stack trace information to an external user can unintentionally reveal implementation details that are useful to an attacker for developing a subsequent exploit.",
        sev="5.4", precision="very-high", kind="path-problem", level="warning",
        cwes=["209", "497"]),
    "js/incomplete-sanitization": dict(
        name="Incomplete string escaping or encoding",
        desc="A string transformer that does not replace or escape all occurrences of a meta-character may be ineffective.",
        sev="7.8", precision="high", kind="problem", level="warning",
        cwes=["020", "080", "116"]),
    "js/code-injection": dict(
        name="Code injection",
        desc="Interpreting unsanitized user input as code allows a malicious user arbitrary code execution.",
        sev="9.3", precision="high", kind="path-problem", level="error",
        cwes=["094", "095", "079", "116"]),
    # ---- Java
    "java/sql-injection": dict(
        name="Query built from user-controlled sources",
        desc="Building a SQL or Java Persistence query from user-controlled sources is vulnerable to insertion of malicious code by the user.",
        sev="8.8", precision="high", kind="path-problem", level="error",
        cwes=["089", "564"]),
    "java/log-injection": dict(
        name="Log Injection",
        desc="Building log entries from user-controlled data may allow insertion of forged log entries by malicious users.",
        sev="7.8", precision="medium", kind="path-problem", level="error",
        cwes=["117"]),
    "java/spring-disabled-csrf-protection": dict(
        name="Disabled Spring CSRF protection",
        desc="Disabling CSRF protection makes the application vulnerable to a Cross-Site Request Forgery (CSRF) attack.",
        sev="8.8", precision="high", kind="problem", level="error",
        cwes=["352"]),
    "java/insecure-trustmanager": dict(
        name="`TrustManager` that accepts all certificates",
        desc="Trusting all certificates allows an attacker to perform a machine-in-the-middle attack.",
        sev="7.5", precision="high", kind="path-problem", level="error",
        cwes=["295"]),
    "java/weak-cryptographic-algorithm": dict(
        name="Use of a broken or risky cryptographic algorithm",
        desc="Using broken or weak cryptographic algorithms can allow an attacker to compromise security.",
        sev="7.5", precision="high", kind="path-problem", level="warning",
        cwes=["327", "328"]),
    "java/unsafe-deserialization": dict(
        name="Deserialization of user-controlled data",
        desc="Deserializing user-controlled data may allow attackers to execute arbitrary code.",
        sev="9.8", precision="high", kind="path-problem", level="error",
        cwes=["502"]),
    "java/ssrf": dict(
        name="Server-side request forgery",
        desc="Making web requests based on unvalidated user-input may cause the server to communicate with malicious servers.",
        sev="9.1", precision="high", kind="path-problem", level="error",
        cwes=["918"]),
    "java/stack-trace-exposure": dict(
        name="Information exposure through a stack trace",
        desc="Information from a stack trace propagates to an external user. Stack traces can unintentionally reveal implementation details that are useful to an attacker for developing a subsequent exploit.",
        sev="5.4", precision="high", kind="path-problem", level="error",
        cwes=["209", "497"]),
    "java/hardcoded-credential-api-call": dict(
        name="Hard-coded credential in API call",
        desc="Using a hard-coded credential in a call to a sensitive Java API may compromise security.",
        sev="9.8", precision="medium", kind="path-problem", level="error",
        cwes=["798"]),
    "java/xxe": dict(
        name="Resolving XML external entity in user-controlled data",
        desc="Parsing user-controlled XML documents and allowing expansion of external entity references may lead to disclosure of confidential data or denial of service.",
        sev="9.1", precision="high", kind="path-problem", level="error",
        cwes=["611", "776", "827"]),
    "java/path-injection": dict(
        name="Uncontrolled data used in path expression",
        desc="Accessing paths influenced by users can allow an attacker to access unexpected resources.",
        sev="7.5", precision="high", kind="path-problem", level="error",
        cwes=["022", "023", "036", "073"]),
    "java/insecure-randomness": dict(
        name="Insecure randomness",
        desc="Using a cryptographically Insecure pseudo-random number generator to generate a security-sensitive value may allow an attacker to predict what value will be generated.",
        sev="7.8", precision="high", kind="path-problem", level="warning",
        cwes=["330", "338"]),
    "java/sensitive-log": dict(
        name="Insertion of sensitive information into log files",
        desc="Writing sensitive information to log files can allow that information to be leaked to an attacker more easily.",
        sev="7.5", precision="medium", kind="path-problem", level="error",
        cwes=["532"]),
    "java/xss": dict(
        name="Cross-site scripting",
        desc="Writing user input directly to a web page allows for a cross-site scripting vulnerability.",
        sev="6.1", precision="high", kind="path-problem", level="error",
        cwes=["079"]),
}


def _rule(rule_id):
    r = RULES[rule_id]
    tags = ["security"] + [f"external/cwe/cwe-{c}" for c in r["cwes"]]
    help_md = (
        f"# {r['name']}\n{r['desc']}\n\n## Recommendation\nSee the query help for "
        f"`{rule_id}` in the CodeQL documentation.\n"
    )
    return {
        "id": rule_id,
        "name": rule_id,
        "shortDescription": {"text": r["name"]},
        "fullDescription": {"text": r["desc"]},
        "defaultConfiguration": {"enabled": True, "level": r["level"]},
        "help": {"text": help_md, "markdown": help_md},
        "properties": {
            "tags": tags,
            "description": r["desc"],
            "id": rule_id,
            "kind": r["kind"],
            "name": r["name"],
            "precision": r["precision"],
            "problem.severity": r["level"],
            "security-severity": r["sev"],
        },
    }


class Sarif:
    def __init__(self, files, language, pack, pack_version, category):
        self.files = files
        self.language = language
        self.pack = pack
        self.pack_version = pack_version
        self.category = category
        self.artifacts = []
        self.artifact_index = {}
        self.rule_ids = []
        self.results = []
        self.line_hash_seen = {}

    def _artifact(self, path):
        if path not in self.artifact_index:
            self.artifact_index[path] = len(self.artifacts)
            self.artifacts.append({"location": {"uri": path, "uriBaseId": "%SRCROOT%", "index": len(self.artifacts)}})
        return self.artifact_index[path]

    def _phys(self, loc, snippet):
        region = {"startLine": loc.line, "startColumn": loc.col}
        if loc.end_line != loc.line:
            region["endLine"] = loc.end_line
        region["endColumn"] = loc.end_col
        out = {
            "artifactLocation": {"uri": loc.path, "uriBaseId": "%SRCROOT%", "index": self._artifact(loc.path)},
            "region": region,
        }
        if snippet:
            s, e, text = loc.context()
            out["contextRegion"] = {"startLine": s, "endLine": e, "snippet": {"text": text}}
        return out

    @staticmethod
    def _line_hash(lines, n):
        nxt = lines[n].strip() if n < len(lines) else ""
        return h("codeql-line", lines[n - 1].strip(), nxt, n=16)

    def add(self, rule_id, path, anchor, message, nth=1, related=(), flow=None):
        """`related`: (path, anchor, text) for each `[text](n)` link in the message, in order.
        `flow`: (path, anchor, text) steps from source to sink, for path-problems."""
        if rule_id not in self.rule_ids:
            self.rule_ids.append(rule_id)
        loc = locate(self.files, path, anchor, nth)
        line_text = loc.line_text()
        digest = self._line_hash(loc.lines, loc.line)
        # The suffix counts earlier lines of the file with the same hash (not earlier results).
        count = sum(1 for n in range(1, loc.line + 1) if self._line_hash(loc.lines, n) == digest)
        indent = len(line_text) - len(line_text.lstrip())
        result = {
            "ruleId": rule_id,
            "ruleIndex": self.rule_ids.index(rule_id),
            "rule": {"id": rule_id, "index": self.rule_ids.index(rule_id)},
            "message": {"text": message},
            "locations": [{"physicalLocation": self._phys(loc, True)}],
            "partialFingerprints": {
                "primaryLocationLineHash": f"{digest}:{count}",
                "primaryLocationStartColumnFingerprint": str(max(0, loc.col - 1 - indent)),
            },
        }
        if flow:
            steps = []
            for p, a, text in flow:
                step_loc = locate(self.files, p, a)
                steps.append({"location": {"physicalLocation": self._phys(step_loc, True), "message": {"text": text}}})
            result["codeFlows"] = [{"threadFlows": [{"locations": steps}]}]
        if related:
            rel = []
            for i, (p, a, text) in enumerate(related, start=1):
                rloc = locate(self.files, p, a)
                rel.append({"id": i, "physicalLocation": self._phys(rloc, True), "message": {"text": text}})
            result["relatedLocations"] = rel
        self.results.append(result)

    def document(self, extra_rules=()):
        for r in extra_rules:
            if r not in self.rule_ids:
                self.rule_ids.append(r)
        lang_key = "js" if self.language == "javascript" else self.language
        diag_id = f"{lang_key}/diagnostics/successfully-extracted-files"
        notifications = []
        for path in sorted(self.files):
            if path.endswith((".yml", ".sh", ".json", ".hbs", ".key", ".npmrc")) or path in ("Dockerfile", ".npmrc"):
                continue
            notifications.append({
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": path, "uriBaseId": "%SRCROOT%", "index": self._artifact(path)}}}],
                "message": {"text": ""},
                "level": "none",
                "descriptor": {"id": diag_id, "index": 0},
                "properties": {"formattedMessage": {"text": ""}},
            })
        return {
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {
                    "driver": {
                        "name": "CodeQL",
                        "organization": "GitHub",
                        "semanticVersion": CODEQL_VERSION,
                        "notifications": [{
                            "id": diag_id,
                            "name": diag_id,
                            "shortDescription": {"text": "Extracted files"},
                            "fullDescription": {"text": "Lists all files in the source code directory that were extracted."},
                            "defaultConfiguration": {"enabled": True},
                            "properties": {
                                "tags": ["successfully-extracted-files"],
                                "description": "Lists all files in the source code directory that were extracted.",
                                "id": diag_id,
                                "kind": "diagnostic",
                                "name": "Extracted files",
                            },
                        }],
                        "rules": [_rule(r) for r in self.rule_ids],
                    },
                    "extensions": [
                        {"name": self.pack, "semanticVersion": self.pack_version,
                         "locations": [{"uri": f"file:///opt/hostedtoolcache/CodeQL/{CODEQL_VERSION}/x64/codeql/qlpacks/{self.pack}/{self.pack_version.split('+')[0]}/",
                                        "description": {"text": "The QL pack root directory."}},
                                       {"uri": f"file:///opt/hostedtoolcache/CodeQL/{CODEQL_VERSION}/x64/codeql/qlpacks/{self.pack}/{self.pack_version.split('+')[0]}/qlpack.yml",
                                        "description": {"text": "The QL pack definition file."}}]},
                    ],
                },
                "invocations": [{"toolExecutionNotifications": notifications, "executionSuccessful": True}],
                "artifacts": self.artifacts,
                "results": self.results,
                "automationDetails": {"id": self.category},
                "columnKind": "utf16CodeUnits",
                "properties": {"semmle.formatSpecifier": "sarif-latest"},
            }],
        }
