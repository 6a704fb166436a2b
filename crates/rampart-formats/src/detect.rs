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
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 7] = [
        Format::Sarif,
        Format::CycloneDxJson,
        Format::CycloneDxXml,
        Format::Trivy,
        Format::Grype,
        Format::Semgrep,
        Format::Gitleaks,
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
        }
    }

    /// Parses a `--format` name.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name.to_ascii_lowercase())
    }

    /// The class of tool that writes this format, when the format alone tells.
    pub fn tool_kind(self) -> Option<ToolKind> {
        match self {
            Format::Sarif => None,
            Format::CycloneDxJson | Format::CycloneDxXml => Some(ToolKind::Sbom),
            Format::Trivy | Format::Grype => Some(ToolKind::Sca),
            Format::Semgrep => Some(ToolKind::Sast),
            Format::Gitleaks => Some(ToolKind::Secrets),
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
    let start = b.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(b.len());
    &b[start..]
}

const EXPECTED: &str = "expected SARIF, CycloneDX (JSON or XML), Trivy, Grype, Semgrep or Gitleaks JSON";

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
            detect_object(&keys).ok_or_else(|| {
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
        _ => Err(format!("text that is neither JSON nor XML: {EXPECTED}")),
    }
}

/// Whether the first object of a document that starts with `{"runs": [` is a SARIF run
/// (it has `tool` or `results`).
fn sarif_run_first(body: &[u8]) -> bool {
    object_keys(body, 3).iter().any(|k| k == "tool" || k == "results")
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

fn detect_object(keys: &[String]) -> Option<Format> {
    let has = |k: &str| keys.iter().any(|x| x == k);
    if has("bomFormat") {
        return Some(Format::CycloneDxJson);
    }
    if has("runs") && (has("version") || has("$schema")) {
        return Some(Format::Sarif);
    }
    if has("SchemaVersion") && (has("Results") || has("ArtifactName") || has("ArtifactType")) {
        return Some(Format::Trivy);
    }
    if has("matches") && (has("descriptor") || has("source") || has("distro") || keys.len() == 1) {
        return Some(Format::Grype);
    }
    if has("results")
        && (has("errors") || has("paths") || has("skipped_rules") || has("interfile_languages_used"))
        && !has("metrics")
        && !has("generated_at")
        && !has("plugins_used")
    {
        return Some(Format::Semgrep);
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
    Err(format!("an XML document with root element <{name}>: {EXPECTED}"))
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
                    keys.push(String::from_utf8_lossy(&body[start..j.min(body.len())]).into_owned());
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
        let k = object_keys(br#"{"a": {"b": 1, "c": [ {"d": 2} ]}, "e": "x,\"f\": 1", "g": []}"#, 1);
        assert_eq!(k, vec!["a", "e", "g"]);
        let k = object_keys(br#"[{"RuleID": "x", "Match": {"y": 1}}, {"Other": 1}]"#, 2);
        assert_eq!(k, vec!["RuleID", "Match"]);
    }

    #[test]
    fn detects_by_content() {
        assert_eq!(detect(br#"{"version":"2.1.0","runs":[]}"#), Ok(Format::Sarif));
        assert_eq!(detect(br#"{"runs":[{"tool":{"driver":{"name":"Bandit","#), Ok(Format::Sarif));
        assert!(detect(br#"{"runs":[{"speed":1}]}"#).is_err());
        assert_eq!(detect(br#"{"bomFormat":"CycloneDX"}"#), Ok(Format::CycloneDxJson));
        assert_eq!(
            detect(b"<?xml version=\"1.0\"?>\n<!-- c -->\n<bom xmlns=\"http://cyclonedx.org/schema/bom/1.4\">"),
            Ok(Format::CycloneDxXml)
        );
        assert_eq!(detect(br#"{"SchemaVersion":2,"ArtifactName":"x"}"#), Ok(Format::Trivy));
        assert_eq!(detect(br#"{"matches":[],"source":{}}"#), Ok(Format::Grype));
        assert_eq!(detect(br#"{"errors":[],"results":[]}"#), Ok(Format::Semgrep));
        assert_eq!(detect(br#"[{"Description":"x","RuleID":"aws"}]"#), Ok(Format::Gitleaks));
        assert!(detect(b"[]").unwrap_err().contains("--format gitleaks"));
        assert!(detect(b"\x00\x01\x02garbage").unwrap_err().contains("binary"));
        assert!(detect(br#"{"hello":1}"#).unwrap_err().contains("[hello]"));
        assert!(detect(b"<html></html>").unwrap_err().contains("<html>"));
        assert!(detect(b"hello").unwrap_err().contains("neither JSON nor XML"));
    }
}
