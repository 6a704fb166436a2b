//! Format detection from content, never from the file name.
//!
//! Reads the top-level keys of a JSON document (or the root element of XML) in the first
//! [`HEAD_LEN`] bytes and decides. A document that fits no known shape gets a message saying
//! what was seen and what was expected.

use crate::emit::ParseContext;
use crate::error::ParseError;
use rampart_model::ToolKind;
use std::io::Read;

/// How many bytes detection looks at.
pub const HEAD_LEN: usize = 64 * 1024;

/// An input format Rampart parses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// SARIF 2.1.0 (any producer).
    Sarif,
    /// CycloneDX JSON (1.2–1.7).
    CycloneDxJson,
    /// CycloneDX XML (1.2–1.7).
    CycloneDxXml,
    /// Trivy JSON, SchemaVersion 2.
    Trivy,
    /// Grype JSON.
    Grype,
    /// Semgrep JSON.
    Semgrep,
    /// Gitleaks JSON.
    Gitleaks,
    /// Bandit JSON.
    Bandit,
    /// Checkov JSON (one report, or a list of per-framework reports).
    Checkov,
    /// detect-secrets baseline JSON.
    DetectSecrets,
    /// SPDX 2.2 / 2.3 JSON.
    SpdxJson,
    /// SPDX 2.2 / 2.3 tag-value.
    SpdxTagValue,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 12] = [
        Format::Sarif,
        Format::CycloneDxJson,
        Format::CycloneDxXml,
        Format::Trivy,
        Format::Grype,
        Format::Semgrep,
        Format::Gitleaks,
        Format::Bandit,
        Format::Checkov,
        Format::DetectSecrets,
        Format::SpdxJson,
        Format::SpdxTagValue,
    ];

    /// The name used by `--format` and stored with each scan.
    pub fn name(self) -> &'static str {
        match self {
            Format::Sarif => "sarif",
            Format::CycloneDxJson => "cyclonedx-json",
            Format::CycloneDxXml => "cyclonedx-xml",
            Format::Trivy => "trivy",
            Format::Grype => "grype",
            Format::Semgrep => "semgrep",
            Format::Gitleaks => "gitleaks",
            Format::Bandit => "bandit",
            Format::Checkov => "checkov",
            Format::DetectSecrets => "detect-secrets",
            Format::SpdxJson => "spdx-json",
            Format::SpdxTagValue => "spdx-tag-value",
        }
    }

    /// Parses a `--format` name.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == name.to_ascii_lowercase())
    }

    /// The class of tool that writes this format, when the format alone tells.
    pub fn tool_kind(self) -> Option<ToolKind> {
        match self {
            Format::Sarif => None,
            Format::CycloneDxJson
            | Format::CycloneDxXml
            | Format::SpdxJson
            | Format::SpdxTagValue => Some(ToolKind::Sbom),
            Format::Trivy | Format::Grype => Some(ToolKind::Sca),
            Format::Semgrep | Format::Bandit => Some(ToolKind::Sast),
            Format::Gitleaks | Format::DetectSecrets => Some(ToolKind::Secrets),
            Format::Checkov => Some(ToolKind::Iac),
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Reads up to [`HEAD_LEN`] bytes from `reader` for detection. The caller chains them back
/// in front of the rest. Errors with [`ParseError::Empty`] when there is nothing but white
/// space.
pub fn read_head<R: Read>(reader: &mut R, ctx: &ParseContext) -> Result<Vec<u8>, ParseError> {
    let mut head = Vec::with_capacity(HEAD_LEN);
    reader
        .take(HEAD_LEN as u64)
        .read_to_end(&mut head)
        .map_err(|source| ParseError::Io {
            file: ctx.file_name.clone(),
            source,
        })?;
    if skip_ws(&head).is_empty() {
        return Err(ParseError::Empty {
            file: ctx.file_name.clone(),
        });
    }
    Ok(head)
}

fn skip_ws(b: &[u8]) -> &[u8] {
    let b = b.strip_prefix(&[0xEF, 0xBB, 0xBF][..]).unwrap_or(b);
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    &b[start..]
}

const EXPECTED: &str = "expected SARIF, CycloneDX (JSON or XML), SPDX 2 (JSON or tag-value), \
     Trivy, Grype, Semgrep, Gitleaks, Bandit, Checkov or detect-secrets JSON";

/// Decides the format of a report from its first bytes. `Err` says what was seen.
pub fn detect(head: &[u8]) -> Result<Format, String> {
    let body = skip_ws(head);
    let Some(&first) = body.first() else {
        return Err("the file is empty".into());
    };
    let text_prefix = &body[..body.len().min(4096)];
    if text_prefix.contains(&0) || std::str::from_utf8(valid_utf8_prefix(text_prefix)).is_err() {
        return Err(format!("binary content, not a text report: {EXPECTED}"));
    }
    match first {
        b'<' => detect_xml(body),
        b'{' => {
            let keys = object_keys(body, 1);
            if keys.first().is_some_and(|k| k == "runs") && sarif_run_first(body) {
                // Bandit writes `runs` first and `version` last, beyond the head of big logs.
                return Ok(Format::Sarif);
            }
            detect_object(&keys)
                .or_else(|| detect_semgrep_records(body, &keys))
                .ok_or_else(|| {
                    format!(
                        "a JSON object with top-level keys [{}]: {EXPECTED}",
                        preview_keys(&keys)
                    )
                })
        }
        b'[' => {
            let keys = object_keys(body, 2);
            if keys.is_empty() {
                let rest = skip_ws(&body[1..]);
                if rest.first() == Some(&b']') {
                    return Err("an empty JSON array: no tool can be told from it (a Gitleaks report with no leaks is `[]`: pass --format gitleaks)".into());
                }
            }
            if keys.iter().any(|k| k == "check_type") {
                return Ok(Format::Checkov);
            }
            // Trivy before 0.20 wrote a bare list of results.
            if keys.iter().any(|k| k == "Target")
                && keys.iter().any(|k| k == "Vulnerabilities" || k == "Misconfigurations" || k == "Type")
            {
                return Ok(Format::Trivy);
            }
            if keys.iter().any(|k| k == "RuleID" || k == "Secret")
                || (keys.iter().any(|k| k == "rule") && keys.iter().any(|k| k == "offender"))
            {
                return Ok(Format::Gitleaks);
            }
            Err(format!(
                "a JSON array of objects with keys [{}]: {EXPECTED}",
                preview_keys(&keys)
            ))
        }
        _ if spdx_tag_value(body) => Ok(Format::SpdxTagValue),
        b'n' if body.starts_with(b"null") && skip_ws(&body[4..]).is_empty() => Err(
            "a JSON `null`: no tool can be told from it (Gitleaks 7 writes `null` when it finds no leaks: pass --format gitleaks)".into(),
        ),
        _ => Err(format!("text that is neither JSON nor XML: {EXPECTED}")),
    }
}

/// Semgrep documents told by the keys of their first record: a `semgrep --json` report whose
/// `results` fill the head (first result with `check_id` and `extra`), and the Semgrep AppSec
/// Platform API exports, told apart from other `{"findings": [...]}` / `{"vulns": [...]}`
/// documents: code findings carry `match_based_id` / `syntactic_id` / `rule_name` +
/// `rule_message`, Supply Chain vulnerabilities `advisory` with `exposureType` / `groupKey` /
/// `matchedDependency`.
fn detect_semgrep_records(body: &[u8], keys: &[String]) -> Option<Format> {
    let has = |k: &str| keys.iter().any(|x| x == k);
    if !has("results") && !has("findings") && !has("vulns") {
        return None;
    }
    let first = object_keys(body, 3);
    let rec = |k: &str| first.iter().any(|x| x == k);
    let result = has("results") && rec("check_id") && rec("extra");
    let finding = has("findings")
        && (rec("match_based_id")
            || rec("syntactic_id")
            || (rec("rule_name") && rec("rule_message")));
    let vuln = has("vulns")
        && rec("advisory")
        && (rec("exposureType") || rec("groupKey") || rec("matchedDependency"));
    (result || finding || vuln).then_some(Format::Semgrep)
}

/// Whether the first object of a document that starts with `{"runs": [` is a SARIF run
/// (it has `tool` or `results`).
fn sarif_run_first(body: &[u8]) -> bool {
    object_keys(body, 3)
        .iter()
        .any(|k| k == "tool" || k == "results")
}

/// The longest prefix that does not end inside a multi-byte UTF-8 character.
fn valid_utf8_prefix(b: &[u8]) -> &[u8] {
    match std::str::from_utf8(b) {
        Ok(_) => b,
        Err(e) if e.error_len().is_none() => &b[..e.valid_up_to()],
        Err(_) => b,
    }
}

fn preview_keys(keys: &[String]) -> String {
    let mut v: Vec<&str> = keys.iter().take(8).map(String::as_str).collect();
    if keys.len() > 8 {
        v.push("...");
    }
    v.join(", ")
}

/// Whether a text document is SPDX tag-value: its first line that is not a comment is
/// `SPDXVersion: ...`.
fn spdx_tag_value(body: &[u8]) -> bool {
    String::from_utf8_lossy(&body[..body.len().min(4096)])
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .is_some_and(|l| l.starts_with("SPDXVersion:"))
}

fn detect_object(keys: &[String]) -> Option<Format> {
    let has = |k: &str| keys.iter().any(|x| x == k);
    if has("bomFormat") {
        return Some(Format::CycloneDxJson);
    }
    if has("spdxVersion") {
        return Some(Format::SpdxJson);
    }
    if has("runs") && (has("version") || has("$schema")) {
        return Some(Format::Sarif);
    }
    if has("SchemaVersion") && (has("Results") || has("ArtifactName") || has("ArtifactType")) {
        return Some(Format::Trivy);
    }
    // `trivy k8s --format json`: resources that each carry Trivy results.
    if has("ClusterName")
        && (has("Resources") || has("Vulnerabilities") || has("Misconfigurations"))
    {
        return Some(Format::Trivy);
    }
    if has("matches") && (has("descriptor") || has("source") || has("distro") || keys.len() == 1) {
        return Some(Format::Grype);
    }
    if let Some(f) = detect_python_tools(keys) {
        return Some(f);
    }
    // A report bigger than the head may show only `version, results` (semgrep's order) or only
    // `errors, interfile_languages_used, paths` (keys sorted): see also `detect_semgrep_records`.
    if (has("results") && (has("errors") || has("paths"))
        || has("skipped_rules")
        || has("interfile_languages_used"))
        && !has("metrics")
        && !has("generated_at")
        && !has("plugins_used")
    {
        return Some(Format::Semgrep);
    }
    None
}

/// Bandit, Checkov and detect-secrets reports, told by their top-level keys (a big report's
/// head may show only the first few):
/// * detect-secrets: `plugins_used` (or `filters_used` with `results`), in every version;
/// * Bandit: `metrics` with `generated_at`, `errors` or `results` (keys sorted, `metrics`
///   holds per-file counts that can fill the head);
/// * Checkov: `check_type` with `results` or `summary` (`check_type` comes first), or the
///   summary-only object Checkov writes when nothing was scanned (`checkov_version` with
///   `passed` / `failed`).
fn detect_python_tools(keys: &[String]) -> Option<Format> {
    let has = |k: &str| keys.iter().any(|x| x == k);
    if has("plugins_used") || (has("filters_used") && has("results")) {
        return Some(Format::DetectSecrets);
    }
    if has("metrics") && (has("generated_at") || has("errors") || has("results")) {
        return Some(Format::Bandit);
    }
    if has("check_type") && (has("results") || has("summary")) {
        return Some(Format::Checkov);
    }
    if has("checkov_version") && (has("passed") || has("failed")) {
        return Some(Format::Checkov);
    }
    None
}

fn detect_xml(body: &[u8]) -> Result<Format, String> {
    let text = String::from_utf8_lossy(&body[..body.len().min(HEAD_LEN)]);
    // The root element is the first tag that is not a declaration, comment or DOCTYPE.
    let mut rest: &str = &text;
    loop {
        let Some(start) = rest.find('<') else {
            return Err(format!("XML without a root element: {EXPECTED}"));
        };
        rest = &rest[start..];
        if rest.starts_with("<?") || rest.starts_with("<!") {
            match rest.find('>') {
                Some(end) => rest = &rest[end + 1..],
                None => return Err(format!("XML without a root element: {EXPECTED}")),
            }
            continue;
        }
        break;
    }
    let name: String = rest[1..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '>' && *c != '/')
        .collect();
    let local = name.rsplit(':').next().unwrap_or(&name);
    if local == "bom" && text.contains("cyclonedx.org/schema/bom") {
        return Ok(Format::CycloneDxXml);
    }
    Err(format!(
        "an XML document with root element <{name}>: {EXPECTED}"
    ))
}

/// Collects the keys of the object at `depth` (1: the top-level object; 2: the first object
/// inside a top-level array) that appear in `body`. Tolerates a truncated head.
pub fn object_keys(body: &[u8], depth: usize) -> Vec<String> {
    let mut keys = Vec::new();
    let mut d = 0usize;
    let mut i = 0usize;
    let mut objects_at_depth = 0usize;
    let mut expect_key = false;
    while i < body.len() {
        match body[i] {
            b'{' | b'[' => {
                d += 1;
                if body[i] == b'{' && d == depth {
                    objects_at_depth += 1;
                    if objects_at_depth > 1 {
                        break;
                    }
                    expect_key = true;
                }
            }
            b'}' | b']' => {
                if d == depth && objects_at_depth >= 1 {
                    break;
                }
                d = d.saturating_sub(1);
            }
            b',' if d == depth => expect_key = true,
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < body.len() && body[j] != b'"' {
                    if body[j] == b'\\' {
                        j += 1;
                    }
                    j += 1;
                }
                if d == depth && expect_key && j <= body.len() {
                    keys.push(
                        String::from_utf8_lossy(&body[start..j.min(body.len())]).into_owned(),
                    );
                    expect_key = false;
                }
                i = j;
            }
            _ => {}
        }
        i += 1;
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_top_level_only() {
        let k = object_keys(
            br#"{"a": {"b": 1, "c": [ {"d": 2} ]}, "e": "x,\"f\": 1", "g": []}"#,
            1,
        );
        assert_eq!(k, vec!["a", "e", "g"]);
        let k = object_keys(br#"[{"RuleID": "x", "Match": {"y": 1}}, {"Other": 1}]"#, 2);
        assert_eq!(k, vec!["RuleID", "Match"]);
    }

    #[test]
    fn detects_by_content() {
        assert_eq!(
            detect(br#"{"version":"2.1.0","runs":[]}"#),
            Ok(Format::Sarif)
        );
        assert_eq!(
            detect(br#"{"bomFormat":"CycloneDX"}"#),
            Ok(Format::CycloneDxJson)
        );
        assert_eq!(
            detect(br#"{"version":"2.1.0","runs":[]}"#),
            Ok(Format::Sarif)
        );
        assert_eq!(
            detect(br#"{"runs":[{"tool":{"driver":{"name":"Bandit","#),
            Ok(Format::Sarif)
        );
        assert!(detect(br#"{"runs":[{"speed":1}]}"#).is_err());
        assert_eq!(
            detect(br#"{"bomFormat":"CycloneDX"}"#),
            Ok(Format::CycloneDxJson)
        );
        assert_eq!(
            detect(b"<?xml version=\"1.0\"?>\n<!-- c -->\n<bom xmlns=\"http://cyclonedx.org/schema/bom/1.4\">"),
            Ok(Format::CycloneDxXml)
        );
        assert_eq!(
            detect(br#"{"SchemaVersion":2,"ArtifactName":"x"}"#),
            Ok(Format::Trivy)
        );
        assert_eq!(
            detect(br#"{"ClusterName":"c","Resources":[]}"#),
            Ok(Format::Trivy)
        );
        assert_eq!(
            detect(br#"[{"Target":"x","Type":"npm","Vulnerabilities":[]}]"#),
            Ok(Format::Trivy)
        );
        assert_eq!(detect(br#"{"matches":[],"source":{}}"#), Ok(Format::Grype));
        assert_eq!(
            detect(br#"{"errors":[],"results":[]}"#),
            Ok(Format::Semgrep)
        );
        assert_eq!(
            detect(br#"[{"Description":"x","RuleID":"aws"}]"#),
            Ok(Format::Gitleaks)
        );
        assert!(detect(b"[]").unwrap_err().contains("--format gitleaks"));
        assert!(detect(b"null\n").unwrap_err().contains("--format gitleaks"));
        assert!(
            detect(b"nothing")
                .unwrap_err()
                .contains("neither JSON nor XML")
        );
        assert_eq!(
            detect(br#"{"findings": [{"id": 1, "ref": {"a": 1}, "match_based_id": "x", "rule_name": "r"}]}"#),
            Ok(Format::Semgrep)
        );
        assert_eq!(
            detect(br#"{"vulns": [{"title": "t", "advisory": {"ruleId": "ssc-1"}, "exposureType": "REACHABLE"}], "hasMore": false}"#),
            Ok(Format::Semgrep)
        );
        assert!(detect(br#"{"findings": [{"SchemaVersion": "2018-10-08", "Id": "x"}]}"#).is_err());
        // Semgrep reports whose head shows only some keys.
        assert_eq!(
            detect(
                br#"{"version": "1.1", "results": [{"check_id": "a.b", "path": "x", "extra": {}}"#
            ),
            Ok(Format::Semgrep)
        );
        assert_eq!(
            detect(br#"{"errors": [], "interfile_languages_used": [], "paths": {"scanned": ["a"#),
            Ok(Format::Semgrep)
        );
        assert_eq!(
            detect(br#"{"results": [{"filename": "a.py", "test_id": "B101"}], "errors": [], "metrics": {}}"#),
            Ok(Format::Bandit)
        );
        assert_eq!(
            detect(br#"{"errors": [], "generated_at": "2026-01-01T00:00:00Z", "metrics": {"./a.py": {"loc": 1"#),
            Ok(Format::Bandit)
        );
        assert_eq!(
            detect(br#"{"check_type": "dockerfile", "results": {"passed_checks": ["#),
            Ok(Format::Checkov)
        );
        assert_eq!(
            detect(br#"[{"check_type": "terraform", "results": {}}, {"check_type": "secrets"}]"#),
            Ok(Format::Checkov)
        );
        assert_eq!(
            detect(br#"{"passed": 0, "failed": 0, "skipped": 0, "checkov_version": "3.3.30"}"#),
            Ok(Format::Checkov)
        );
        assert_eq!(
            detect(br#"{"version": "1.5.0", "plugins_used": [{"name": "AWSKeyDetector"}], "results": {}}"#),
            Ok(Format::DetectSecrets)
        );
        assert_eq!(
            detect(br#"{"exclude": {}, "generated_at": "x", "plugins_used": [], "results": {}}"#),
            Ok(Format::DetectSecrets)
        );
        assert!(
            detect(b"\x00\x01\x02garbage")
                .unwrap_err()
                .contains("binary")
        );
        assert!(detect(br#"{"hello":1}"#).unwrap_err().contains("[hello]"));
        assert!(detect(b"<html></html>").unwrap_err().contains("<html>"));
        assert!(
            detect(b"hello")
                .unwrap_err()
                .contains("neither JSON nor XML")
        );
    }
}
