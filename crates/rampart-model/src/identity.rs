//! Identity keys: which observations are the same issue.
//!
//! A key is built from what stays true when code moves: never a line number, never a message
//! text. Its readable `basis` is hashed (SHA-256, 128 bits in hex) into the stored key.
//!
//! | kind | basis |
//! |---|---|
//! | code | target, normalized path, rule family, content (snippet hash, else the tool's fingerprint) |
//! | secret | target and the keyed hash of the value; where the tool redacted it, path, rule and content |
//! | dependency | target, vulnerability (CVE preferred among the aliases), versionless purl |
//! | iac | target, file, resource address, rule family |
//! | web | target, method, normalized URL, parameter, weakness |
//! | license | target, versionless purl, license rule |
//!
//! Two observations of one scan with the same basis are told apart by the caller with an
//! occurrence suffix (`#2`, `#3` ... in report order), see [`IdentityKey::with_occurrence`].

use crate::location::Location;
use crate::observation::{FindingKind, Observation};
use sha2::{Digest, Sha256};

/// An observation's identity: the readable basis and its hash.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdentityKey {
    /// The canonical text the key hashes (contains no secret and no line number).
    pub basis: String,
    /// 32 hex characters: the first 128 bits of SHA-256 over `basis`.
    pub hex: String,
}

impl IdentityKey {
    /// The key of a canonical basis.
    pub fn from_basis(basis: String) -> IdentityKey {
        let hex = short_hash(basis.as_bytes());
        IdentityKey { basis, hex }
    }

    /// The key of the `n`-th (1-based) observation with this basis in one report.
    pub fn with_occurrence(&self, n: u32) -> IdentityKey {
        self.clone().into_occurrence(n)
    }

    /// [`with_occurrence`](Self::with_occurrence), consuming this key (the first occurrence
    /// is the key itself, with no copy).
    pub fn into_occurrence(self, n: u32) -> IdentityKey {
        if n <= 1 {
            self
        } else {
            IdentityKey::from_basis(format!("{}#{n}", self.basis))
        }
    }
}

/// First 128 bits of SHA-256 in lower-case hex.
pub fn short_hash(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(32);
    push_hex16(&mut out, &Sha256::digest(bytes));
    out
}

/// Appends the first 16 bytes of `digest` to `out` in lower-case hex, with no string of its own.
fn push_hex16(out: &mut String, digest: &[u8]) {
    let mut hex = [0u8; 32];
    if hex::encode_to_slice(&digest[..16], &mut hex).is_ok() {
        out.push_str(std::str::from_utf8(&hex).unwrap_or_default());
    }
}

/// Hash of a code snippet with white space folded, so re-indentation does not change it.
pub fn snippet_hash(snippet: &str) -> String {
    let mut out = String::with_capacity(32);
    push_snippet_hash(&mut out, snippet);
    out
}

/// [`snippet_hash`], appended to `out`: the folded words go to the hash one by one, with no
/// folded copy of the snippet.
fn push_snippet_hash(out: &mut String, snippet: &str) {
    let mut hasher = Sha256::new();
    for (i, word) in snippet.split_whitespace().enumerate() {
        if i > 0 {
            hasher.update(b" ");
        }
        hasher.update(word.as_bytes());
    }
    push_hex16(out, &hasher.finalize());
}

/// The rule family of an observation: what weakness it checks, in a form shared by every
/// report of the same tool (native or SARIF).
pub fn rule_family(obs: &Observation) -> String {
    let mut out = String::with_capacity(obs.tool.name.len() + 1 + obs.rule_id.len());
    push_rule_family(&mut out, obs);
    out
}

/// [`rule_family`], appended to `out`.
fn push_rule_family(out: &mut String, obs: &Observation) {
    out.push_str(&obs.tool.name);
    out.push(':');
    out.extend(obs.rule_id.chars().map(|c| c.to_ascii_lowercase()));
}

/// Tool fingerprints known to survive code moving (they hash content, not position).
/// Others (Gitleaks's `commit:file:rule:line`, for one) are kept as evidence but never used
/// for identity.
pub const STABLE_FINGERPRINTS: [&str; 3] =
    ["primaryLocationLineHash", "matchBasedId/v1", "contextHash"];

/// The content evidence of a code observation: the snippet hash when the tool quoted code,
/// else the tool's own location-stable fingerprint, else empty (the occurrence suffix then
/// tells findings of one rule in one file apart).
pub fn content_evidence(obs: &Observation) -> String {
    let mut out = String::new();
    push_content_evidence(&mut out, obs);
    out
}

/// [`content_evidence`], appended to `out`.
fn push_content_evidence(out: &mut String, obs: &Observation) {
    if let Some(snippet) = obs.snippet.as_deref().filter(|s| !s.trim().is_empty()) {
        out.push_str("s:");
        push_snippet_hash(out, snippet);
        return;
    }
    for name in STABLE_FINGERPRINTS {
        if let Some(v) = obs.fingerprints.get(name) {
            // CodeQL appends `:occurrence` to the line hash; it is part of the identity.
            out.push_str("f:");
            out.push_str(name);
            out.push('=');
            out.push_str(v);
            return;
        }
    }
}

/// The vulnerability a dependency observation is about: the first CVE among its ids, else
/// its first id, else the rule id.
pub fn primary_vuln(obs: &Observation) -> String {
    obs.vuln_ids
        .iter()
        .find(|v| v.is_cve())
        .or_else(|| obs.vuln_ids.first())
        .map(|v| v.0.clone())
        .unwrap_or_else(|| obs.rule_id.to_ascii_uppercase())
}

/// A package URL without version, qualifiers or subpath, with the type lower-cased,
/// `%40` decoded and PyPI names normalized as PEP 503 says.
pub fn versionless_purl(purl: &str) -> String {
    let p = purl.trim();
    let p = p.split('#').next().unwrap_or(p);
    let p = p.split('?').next().unwrap_or(p);
    let p: std::borrow::Cow<str> = if p.contains('%') {
        p.replace("%40", "@")
            .replace("%2F", "/")
            .replace("%2f", "/")
            .into()
    } else {
        p.into()
    };
    // The version separator is the last '@' that is not the first character of a path segment.
    let mut cut = p.len();
    let bytes = p.as_bytes();
    for (i, b) in bytes.iter().enumerate().rev() {
        if *b == b'@' && i > 0 && bytes[i - 1] != b'/' {
            cut = i;
            break;
        }
    }
    let base = &p[..cut];
    let Some(rest) = base.strip_prefix("pkg:") else {
        return base.to_ascii_lowercase();
    };
    let (ty, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut out = String::with_capacity(base.len() + 1);
    out.push_str("pkg:");
    out.push_str(ty);
    out[4..].make_ascii_lowercase();
    out.push('/');
    match &out[4..out.len() - 1] {
        "pypi" => pep503_into(path, &mut out),
        "npm" | "deb" | "apk" | "rpm" | "golang" | "github" | "bitbucket" | "composer" => {
            let from = out.len();
            out.push_str(path);
            out[from..].make_ascii_lowercase();
        }
        _ => out.push_str(path),
    }
    out
}

/// Appends `name` normalized as PEP 503 says (runs of `-`, `_`, `.` become one `-`, lower case).
fn pep503_into(name: &str, out: &mut String) {
    let start = out.len();
    let mut sep = false;
    for c in name.chars() {
        if c == '-' || c == '_' || c == '.' {
            sep = true;
        } else {
            if sep && out.len() > start {
                out.push('-');
            }
            sep = false;
            out.push(c.to_ascii_lowercase());
        }
    }
}

/// The package part of a dependency or license key.
fn package_identity(obs: &Observation) -> String {
    match &obs.location {
        Location::Package(p) => match &p.purl {
            Some(purl) if purl.starts_with("pkg:") => versionless_purl(purl),
            _ => match p.ecosystem.as_deref().and_then(purl_type) {
                // Tools that name packages without a purl (npm audit, pip-audit, Snyk ...)
                // meet tools that give one.
                Some(ty) => {
                    let name = if ty == "maven" {
                        p.name.replacen(':', "/", 1)
                    } else {
                        p.name.clone()
                    };
                    versionless_purl(&format!("pkg:{ty}/{name}"))
                }
                None => format!(
                    "{}/{}",
                    p.ecosystem.as_deref().unwrap_or("").to_ascii_lowercase(),
                    p.name.to_ascii_lowercase()
                ),
            },
        },
        other => other.display(),
    }
}

/// The purl type of an ecosystem as tools and OSV name it.
fn purl_type(ecosystem: &str) -> Option<&'static str> {
    Some(match ecosystem.to_ascii_lowercase().as_str() {
        "npm" | "node" | "nodejs" | "yarn" | "pnpm" => "npm",
        "pypi" | "pip" | "python" | "poetry" | "pipenv" => "pypi",
        "maven" | "java" | "gradle" => "maven",
        "go" | "golang" | "gomod" => "golang",
        "crates.io" | "cargo" | "rust" => "cargo",
        "rubygems" | "gem" | "ruby" | "bundler" => "gem",
        "nuget" | ".net" | "dotnet" => "nuget",
        "packagist" | "composer" | "php" => "composer",
        "pub" | "dart" => "pub",
        "hex" | "erlang" | "elixir" => "hex",
        _ => return None,
    })
}

/// Normalizes a URL for web identity: lower-case scheme and host, default ports removed,
/// ids in the path (numbers, UUIDs, long hex) replaced by `{id}`, query parameters sorted by
/// name with values dropped, fragment dropped.
pub fn normalize_url(url: &str) -> String {
    let url = url.trim();
    let url = url.split('#').next().unwrap_or(url);
    let (scheme, rest) = match url.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r),
        None => (String::new(), url),
    };
    let (authority, path_query) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => match rest.find('?') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        },
    };
    let mut host = authority.to_ascii_lowercase();
    for (sch, port) in [("http", ":80"), ("https", ":443")] {
        if scheme == sch && host.ends_with(port) {
            host.truncate(host.len() - port.len());
        }
    }
    let (path, query) = path_query.split_once('?').unwrap_or((path_query, ""));
    let path = if path.is_empty() {
        "/".to_string()
    } else {
        path.split('/')
            .map(|seg| if is_id_segment(seg) { "{id}" } else { seg })
            .collect::<Vec<_>>()
            .join("/")
    };
    let mut names: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split('=').next().unwrap_or(p))
        .collect();
    names.sort_unstable();
    names.dedup();
    let mut out = if scheme.is_empty() {
        format!("{host}{path}")
    } else {
        format!("{scheme}://{host}{path}")
    };
    if !names.is_empty() {
        out.push('?');
        out.push_str(&names.join("&"));
    }
    out
}

/// Whether a URL path segment is an id (`42`, a UUID, 16+ hex digits) rather than a route.
fn is_id_segment(seg: &str) -> bool {
    if seg.is_empty() {
        return false;
    }
    let hex = seg.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    seg.chars().all(|c| c.is_ascii_digit())
        || (hex && seg.len() == 36 && seg.matches('-').count() == 4)
        || (hex && !seg.contains('-') && seg.len() >= 16)
}

/// Computes an observation's identity within `target`.
pub fn identity_key(target: &str, obs: &Observation) -> IdentityKey {
    let basis = match (obs.kind, &obs.location) {
        (FindingKind::Secret, loc) => match obs.secret.as_ref().and_then(|s| s.hmac.as_deref()) {
            Some(h) => format!("secret|{target}|{h}"),
            None => format!(
                "secret|{target}|{}|{}|{}",
                loc.file().unwrap_or("-"),
                rule_family(obs),
                content_evidence(obs)
            ),
        },
        (FindingKind::Dependency, _) => {
            format!(
                "dep|{target}|{}|{}",
                primary_vuln(obs),
                package_identity(obs)
            )
        }
        (FindingKind::License, _) => format!(
            "license|{target}|{}|{}",
            package_identity(obs),
            obs.rule_id.to_ascii_lowercase()
        ),
        (FindingKind::Iac, Location::Resource(r)) => format!(
            "iac|{target}|{}|{}|{}",
            r.file.as_deref().unwrap_or("-"),
            r.resource,
            rule_family(obs)
        ),
        (FindingKind::Web, Location::Web(w)) => format!(
            "web|{target}|{}|{}|{}|{}",
            w.method.as_deref().unwrap_or("GET").to_ascii_uppercase(),
            normalize_url(&w.url),
            w.parameter.as_deref().unwrap_or(""),
            obs.cwes
                .first()
                .map(|c| format!("cwe-{c}"))
                .unwrap_or_else(|| rule_family(obs))
        ),
        // Most findings: written into one buffer, as the other arms would format it.
        (kind, Location::Code(c)) => {
            let mut basis = String::with_capacity(
                target.len() + c.path.len() + obs.tool.name.len() + obs.rule_id.len() + 48,
            );
            for part in [kind.as_str(), "|", target, "|", &c.path, "|"] {
                basis.push_str(part);
            }
            push_rule_family(&mut basis, obs);
            basis.push('|');
            push_content_evidence(&mut basis, obs);
            basis
        }
        (kind, loc) => format!(
            "{}|{target}|{}|{}|{}",
            kind.as_str(),
            loc.file().unwrap_or("-"),
            rule_family(obs),
            content_evidence(obs)
        ),
    };
    IdentityKey::from_basis(basis)
}

/// An observation with its identity key and a content hash (what makes this statement of the
/// tool differ from another, location included), ready to store.
#[derive(Debug, Clone)]
pub struct KeyedObservation {
    /// The observation, boxed: a keyed observation passes through four threads and several
    /// batches on its way to the store, and each hand-over moves a pointer, not the struct.
    pub observation: Box<Observation>,
    /// Its identity key.
    pub key: IdentityKey,
    /// 64-bit content hash over the key and the serialized observation: equal hashes in one
    /// stream mean the tool said exactly the same thing again.
    pub hash: i64,
    /// The observation serialized as JSON (stored as is); empty when the ingest packed it
    /// into [`stored`](Self::stored) without keeping a copy.
    pub json: String,
    /// The risk score (0-100) of the issue this observation opens, when it opens one: the
    /// ingest scores each observation as a lone new issue before it is written, so a new
    /// issue is stored with its score (0 until then; issues with more than one observation
    /// are rescored after the ingest).
    pub risk: u8,
    /// The SLA due date (Unix seconds) of the issue this observation opens, when it opens one:
    /// set by the ingest like [`risk`](Self::risk), so a new issue is stored with its due date
    /// (`None`: no SLA for its severity, or not computed).
    pub sla_due: Option<i64>,
    /// `json` as the store packs it, when the ingest packed it ahead of the writer
    /// (`Store::packs_observations`); empty otherwise.
    pub stored: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::VulnId;
    use crate::location::{CodeLocation, PackageLocation, WebLocation};

    fn code(path: &str, line: u32, snippet: &str) -> Observation {
        let mut o = Observation::new(
            "semgrep",
            FindingKind::Code,
            "python.sqli",
            "SQL injection",
            Location::Code(CodeLocation {
                path: path.into(),
                start_line: Some(line),
                ..Default::default()
            }),
        );
        o.snippet = Some(snippet.into());
        o
    }

    #[test]
    fn line_numbers_and_messages_are_not_identity() {
        let a = code("app.py", 10, "cur.execute(q % x)");
        let mut b = code("app.py", 42, "  cur.execute(q  % x)\n");
        b.message = Some("another text".into());
        assert_eq!(identity_key("repo", &a), identity_key("repo", &b));
        assert!(!identity_key("repo", &a).basis.contains("10"));
        let c = code("other.py", 10, "cur.execute(q % x)");
        assert_ne!(identity_key("repo", &a), identity_key("repo", &c));
    }

    /// Keys are stored: the code basis written into one buffer must be, byte for byte, the
    /// basis as it was formatted before (and as the other arms still format theirs).
    #[test]
    fn code_basis_is_written_as_it_was_formatted() {
        fn formatted(target: &str, o: &Observation) -> String {
            let evidence = match o.snippet.as_deref().filter(|s| !s.trim().is_empty()) {
                Some(snippet) => {
                    let folded = snippet.split_whitespace().collect::<Vec<_>>().join(" ");
                    format!(
                        "s:{}",
                        hex::encode(&Sha256::digest(folded.as_bytes())[..16])
                    )
                }
                None => STABLE_FINGERPRINTS
                    .iter()
                    .find_map(|n| o.fingerprints.get(*n).map(|v| format!("f:{n}={v}")))
                    .unwrap_or_default(),
            };
            let Location::Code(c) = &o.location else {
                unreachable!()
            };
            format!(
                "{}|{target}|{}|{}:{}|{evidence}",
                o.kind.as_str(),
                c.path,
                o.tool.name,
                o.rule_id.to_ascii_lowercase()
            )
        }
        let mut cases = vec![
            code("src/app.py", 3, "  cur.execute( q %\tx )\n"),
            code("src/Überall.py", 3, "x"),
            code("a.py", 1, "   "),
        ];
        cases[1].rule_id = "Py/SQL-Injection-Ä".into();
        cases[2].fingerprints.insert(
            "primaryLocationLineHash".into(),
            "9e3779b97f4a7c15:2".into(),
        );
        // No snippet and no stable fingerprint: empty evidence.
        let mut bare = code("b.py", 1, "");
        bare.snippet = None;
        cases.push(bare);
        for o in &cases {
            let key = identity_key("repo", o);
            assert_eq!(key.basis, formatted("repo", o));
            assert_eq!(
                key.hex,
                hex::encode(&Sha256::digest(key.basis.as_bytes())[..16])
            );
        }
        assert_eq!(
            snippet_hash(" a\t b\n"),
            hex::encode(&Sha256::digest(b"a b")[..16])
        );
    }

    #[test]
    fn occurrences_differ() {
        let k = identity_key("repo", &code("a.py", 1, "x"));
        assert_eq!(k.with_occurrence(1), k);
        assert_ne!(k.with_occurrence(2), k);
    }

    #[test]
    fn dependency_keys_ignore_version_and_prefer_cve() {
        let dep = |purl: &str, ids: &[&str]| {
            let mut o = Observation::new(
                "trivy",
                FindingKind::Dependency,
                ids[0],
                "t",
                Location::Package(PackageLocation {
                    purl: Some(purl.into()),
                    name: "x".into(),
                    ..Default::default()
                }),
            );
            o.vuln_ids = ids.iter().map(|s| VulnId(s.to_string())).collect();
            o
        };
        let a = dep(
            "pkg:apk/alpine/musl@1.1.22-r3?arch=x86_64&distro=3.10.2",
            &["CVE-2019-14697"],
        );
        let mut b = dep(
            "pkg:apk/alpine/musl@1.1.22-r3?arch=x86_64&upstream=musl&distro=alpine-3.10.2",
            &["GHSA-xxxx-yyyy-zzzz", "CVE-2019-14697"],
        );
        b.tool.name = "grype".into();
        assert_eq!(identity_key("img", &a), identity_key("img", &b));
        assert_eq!(
            versionless_purl("pkg:npm/%40angular/core@12.0.0"),
            "pkg:npm/@angular/core"
        );
        assert_eq!(
            versionless_purl("pkg:npm/@angular/core"),
            "pkg:npm/@angular/core"
        );
        assert_eq!(
            versionless_purl("pkg:PyPI/Django_Rest.Framework@3.0"),
            "pkg:pypi/django-rest-framework"
        );
        // Maven names keep their case; npm's do not; qualifiers and subpaths go.
        assert_eq!(
            versionless_purl("pkg:maven/org.Apache/Log4j-Core@2.14.1?type=jar"),
            "pkg:maven/org.Apache/Log4j-Core"
        );
        assert_eq!(
            versionless_purl(" pkg:NPM/Lodash@4.17.20#lib/x "),
            "pkg:npm/lodash"
        );
        assert_eq!(versionless_purl("pkg:pypi/__a..b__@1"), "pkg:pypi/a-b");
        // A tool that names the package without a purl meets one that gives it.
        let mut c = dep("pkg:pypi/django-rest-framework@3.0", &["CVE-2019-14697"]);
        let mut d = c.clone();
        d.tool.name = "pip-audit".into();
        d.location = Location::Package(PackageLocation {
            purl: None,
            ecosystem: Some("PyPI".into()),
            name: "Django_Rest.Framework".into(),
            ..Default::default()
        });
        c.tool.name = "trivy".into();
        assert_eq!(identity_key("t", &c), identity_key("t", &d));
    }

    #[test]
    fn urls() {
        assert_eq!(
            normalize_url("HTTPS://Example.COM:443/a?b=2&a=1#frag"),
            "https://example.com/a?a&b"
        );
        assert_eq!(normalize_url("http://h:8080"), "http://h:8080/");
        assert_eq!(
            normalize_url("http://h/users/42/orders/3f2b9c1e-8a4d-4e2f-9b1a-0c5d6e7f8a9b?x=1"),
            "http://h/users/{id}/orders/{id}?x"
        );
        assert_eq!(normalize_url("http://h/v2/api"), "http://h/v2/api");
        let w = |u: &str| {
            Observation::new(
                "zap",
                FindingKind::Web,
                "40012",
                "XSS",
                Location::Web(WebLocation {
                    url: u.into(),
                    method: Some("get".into()),
                    parameter: Some("q".into()),
                }),
            )
        };
        assert_eq!(
            identity_key("t", &w("http://x/?q=1&z=2")),
            identity_key("t", &w("HTTP://X:80/?z=9&q=<script>"))
        );
    }
}
