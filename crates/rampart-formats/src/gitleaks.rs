//! Gitleaks JSON: a top-level array of leaks, streamed. Both generations are read:
//! v8 (`RuleID`, `Description`, `Secret`, `Match`, `File`, `StartLine`, ... `Fingerprint`) and
//! v7 (`rule`, `offender`, `line`, `lineNumber`, `file`, `commit`, ...). v7 writes `null` when
//! nothing leaked; v8 writes `[]`, which only `--format gitleaks` can tell from other tools.
//!
//! Every leak becomes a [`FindingKind::Secret`] observation. The secret value (`Secret`, v7
//! `offender`) is hashed with the installation key ([`crate::secret::evidence`]) and scrubbed
//! from every text that is kept; the full source line (v7 `line`), the author's e-mail, the date
//! and the commit message are never read.

use crate::json::{self, StreamSeq, lenient_string};
use crate::secret;
use crate::{Emitter, ParseContext, ParseError, ParseOutcome};
use rampart_model::path::normalize_path;
use rampart_model::{
    CodeLocation, FindingKind, Location, Observation, Severity, SeverityInfo, ToolInfo, ToolKind,
};
use serde::Deserialize;
use serde::de::{SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;
use std::io::BufRead;

/// The tool name on every observation.
const TOOL: &str = "gitleaks";
/// Key of Gitleaks's own fingerprint (`commit:file:rule:line`, or `file:rule:line`).
const FINGERPRINT_KEY: &str = "gitleaks";
/// Longest title kept, in characters.
const TITLE_MAX: usize = 200;
/// Longest quoted match kept in a message, in characters.
const MATCH_MAX: usize = 300;

/// Parses a Gitleaks JSON report, streaming each leak into `emitter`.
///
/// Gitleaks states no severity: every leak is [`Severity::High`] (a credential in the code),
/// with no tool label.
pub fn parse<R: BufRead>(
    reader: R,
    ctx: &ParseContext,
    emitter: &mut Emitter<'_>,
) -> Result<ParseOutcome, ParseError> {
    json::visit_document(&ctx.file_name, reader, Report { ctx, emitter })?;
    let mut outcome = ParseOutcome {
        tool_kind: Some(ToolKind::Secrets),
        ..ParseOutcome::default()
    };
    outcome.add_tool(ToolInfo {
        name: TOOL.into(),
        version: None,
    });
    Ok(outcome)
}

/// The top-level visitor: an array of leaks, or `null` (v7: no leaks).
struct Report<'a, 'e> {
    ctx: &'a ParseContext,
    emitter: &'a mut Emitter<'e>,
}

impl<'de> Visitor<'de> for Report<'_, '_> {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Gitleaks JSON report: an array of leaks (`gitleaks --report-format json`)")
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<usize, E> {
        Ok(0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<usize, A::Error> {
        let Report { ctx, emitter } = self;
        let seed = StreamSeq::new("", |i, v: Value| {
            let place = format!("/{i}");
            let built = serde_json::from_value::<Leak>(v)
                .map_err(|e| format!("skipped: not a Gitleaks leak: {e}"))
                .and_then(|leak| observation(leak, ctx, &place));
            match built {
                Ok(obs) => emitter.emit(obs),
                Err(why) => {
                    emitter.diagnose(place, why);
                    Ok(())
                }
            }
        });
        seed.visit_seq(seq)
    }
}

/// One leak, v8 or v7 (v7 names in the aliases and the `v7_` fields).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Leak {
    #[serde(rename = "RuleID", deserialize_with = "json::opt_string")]
    rule_id: Option<String>,
    #[serde(rename = "Description", deserialize_with = "json::opt_string")]
    description: Option<String>,
    #[serde(rename = "StartLine", deserialize_with = "json::opt_u32")]
    start_line: Option<u32>,
    #[serde(rename = "EndLine", deserialize_with = "json::opt_u32")]
    end_line: Option<u32>,
    #[serde(rename = "StartColumn", deserialize_with = "json::opt_u32")]
    start_column: Option<u32>,
    #[serde(rename = "EndColumn", deserialize_with = "json::opt_u32")]
    end_column: Option<u32>,
    #[serde(rename = "Match", deserialize_with = "json::opt_string")]
    matched: Option<String>,
    #[serde(rename = "Secret", deserialize_with = "json::opt_string")]
    secret: Option<String>,
    #[serde(rename = "File", alias = "file", deserialize_with = "json::opt_string")]
    file: Option<String>,
    #[serde(rename = "SymlinkFile", deserialize_with = "json::opt_string")]
    symlink_file: Option<String>,
    #[serde(
        rename = "Commit",
        alias = "commit",
        deserialize_with = "json::opt_string"
    )]
    commit: Option<String>,
    #[serde(
        rename = "Author",
        alias = "author",
        deserialize_with = "json::opt_string"
    )]
    author: Option<String>,
    #[serde(rename = "Tags", alias = "tags")]
    tags: Value,
    #[serde(rename = "Fingerprint", deserialize_with = "json::opt_string")]
    fingerprint: Option<String>,
    /// v7: the rule's name (v7 rules have no id).
    #[serde(rename = "rule", deserialize_with = "json::opt_string")]
    v7_rule: Option<String>,
    /// v7: the matched text, i.e. the secret.
    #[serde(rename = "offender", deserialize_with = "json::opt_string")]
    v7_offender: Option<String>,
    /// v7: the line number.
    #[serde(rename = "lineNumber", deserialize_with = "json::opt_u32")]
    v7_line: Option<u32>,
    /// v7: a link to the leak in the forge (commit, file and line; no secret).
    #[serde(rename = "leakURL", deserialize_with = "json::opt_string")]
    v7_leak_url: Option<String>,
}

/// Non-blank text, trimmed.
fn text(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// Builds the secret observation of one leak.
fn observation(leak: Leak, ctx: &ParseContext, place: &str) -> Result<Observation, String> {
    let rule_id = text(&leak.rule_id)
        .or(text(&leak.v7_rule))
        .ok_or("skipped: the leak names no rule (`RuleID`, or v7 `rule`)")?
        .to_string();
    // The value Gitleaks found: v8 `Secret` (the capture group), v7 `offender`, else the match.
    let value = text(&leak.secret)
        .or(text(&leak.v7_offender))
        .or(text(&leak.matched))
        .unwrap_or("")
        .to_string();
    let scrub = |t: &str| hide(t, &value);
    let description = text(&leak.description)
        .or(text(&leak.v7_rule))
        .unwrap_or(&rule_id)
        .to_string();
    let title = scrub(&one_line(&description, TITLE_MAX)).unwrap_or_else(|| rule_id.clone());
    let path = text(&leak.file).map(normalize_path).unwrap_or_default();
    let start_line = leak.start_line.or(leak.v7_line).filter(|&l| l > 0);
    let location = if path.is_empty() {
        Location::None
    } else {
        Location::Code(CodeLocation {
            path: path.clone(),
            start_line,
            end_line: leak.end_line.or(leak.v7_line).filter(|&l| l > 0),
            start_column: leak.start_column.filter(|&c| c > 0),
            end_column: leak.end_column.filter(|&c| c > 0),
        })
    };
    let commit = text(&leak.commit).map(str::to_string);

    let mut obs = Observation::new(TOOL, FindingKind::Secret, rule_id, title, location);
    obs.severity = SeverityInfo::new(Severity::High, None);
    obs.secret = Some(secret::evidence(&ctx.secret_key, &value));
    obs.message = Some(message(
        &description,
        &path,
        start_line,
        commit.as_deref(),
        text(&leak.matched),
        &value,
    ));
    if let Some(fp) = text(&leak.fingerprint).and_then(scrub) {
        obs.fingerprints.insert(FINGERPRINT_KEY.into(), fp);
    }
    obs.references = text(&leak.v7_leak_url)
        .and_then(scrub)
        .into_iter()
        .collect();
    obs.tags = tags(&leak, commit.as_deref())
        .iter()
        .filter_map(|t| scrub(t))
        .collect();
    obs.source_ref = place.to_string();
    Ok(obs)
}

/// `<description> in <path>:<line> (commit <sha>): <match with the secret as ***>`. The match is
/// left out when the secret cannot be scrubbed from it (see [`hide`]).
fn message(
    description: &str,
    path: &str,
    line: Option<u32>,
    commit: Option<&str>,
    matched: Option<&str>,
    value: &str,
) -> String {
    let mut out = hide(description, value).unwrap_or_default();
    if !path.is_empty() {
        out.push_str(&format!(" in {path}"));
        if let Some(l) = line {
            out.push_str(&format!(":{l}"));
        }
    }
    if let Some(c) = commit {
        out.push_str(&format!(" (commit {c})"));
    }
    if let Some(m) = matched.and_then(|m| hide(m, value)) {
        out.push_str(&format!(": {}", one_line(&m, MATCH_MAX)));
    }
    hide(&out, value).unwrap_or_default()
}

/// `text` with the secret `value` replaced by `***`. When the value is too short to be
/// scrubbed safely (under 4 characters) and `text` contains it, the text is dropped (`None`).
/// A value the tool already redacted (`REDACTED`) leaves the text as is.
fn hide(text: &str, value: &str) -> Option<String> {
    let v = value.trim();
    if secret::is_redacted(v) {
        return Some(text.to_string());
    }
    if v.chars().count() < 4 {
        return (!text.contains(v)).then(|| text.to_string());
    }
    let scrubbed = secret::scrub(text, v);
    (!scrubbed.contains(v)).then_some(scrubbed)
}

/// Gitleaks's tags (a list in v8, `"key, AWS"` in v7), then `commit:<sha>`, `author:<name>`
/// and `symlink:<path>` when known. The author's e-mail is personal data and is not kept.
fn tags(leak: &Leak, commit: Option<&str>) -> Vec<String> {
    let mut raw: Vec<String> = match &leak.tags {
        Value::Array(items) => items.iter().filter_map(lenient_string).collect(),
        Value::String(s) => s.split(',').map(str::to_string).collect(),
        _ => Vec::new(),
    };
    if let Some(c) = commit {
        raw.push(format!("commit:{c}"));
    }
    if let Some(a) = text(&leak.author) {
        raw.push(format!("author:{a}"));
    }
    if let Some(s) = text(&leak.symlink_file) {
        raw.push(format!("symlink:{}", normalize_path(s)));
    }
    let mut out: Vec<String> = Vec::new();
    for t in raw.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        if !out.iter().any(|o| o == t) {
            out.push(t.to_string());
        }
    }
    out
}

/// The first non-blank line of `s`, cut to `max` characters (with `…`).
fn one_line(s: &str, max: usize) -> String {
    let line = s
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    if line.chars().count() <= max {
        line.to_string()
    } else {
        let mut cut: String = line.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Format, parse_bytes};

    fn ctx() -> ParseContext {
        ParseContext::new("leaks.json", b"key".to_vec())
    }

    #[test]
    fn hide_scrubs_or_drops() {
        assert_eq!(hide("k = 'abcdef'", "abcdef").as_deref(), Some("k = '***'"));
        assert_eq!(
            hide("k = 'REDACTED'", "REDACTED").as_deref(),
            Some("k = 'REDACTED'")
        );
        assert_eq!(hide("k = 'ab1'", "ab1"), None);
        assert_eq!(hide("nothing here", "ab1").as_deref(), Some("nothing here"));
    }

    #[test]
    fn v8_leak() {
        let doc = br#"[{"RuleID": "generic-api-key", "Description": "Generic API Key",
            "StartLine": 7, "EndLine": 7, "StartColumn": 14, "EndColumn": 55,
            "Match": "Secret: 'hunter2hunter2'", "Secret": "hunter2hunter2", "File": "./a/b.ts",
            "Commit": "abc", "Author": "Jane", "Email": "jane@example.com", "Message": "add hunter2hunter2",
            "Tags": ["t1"], "Fingerprint": "abc:a/b.ts:generic-api-key:7"}]"#;
        let (out, obs) = parse_bytes(doc, None, &ctx()).unwrap();
        assert_eq!(out.format, Some(Format::Gitleaks));
        assert_eq!(out.tool_kind, Some(ToolKind::Secrets));
        let o = &obs[0];
        assert_eq!(o.rule_id, "generic-api-key");
        assert_eq!(
            o.message.as_deref(),
            Some("Generic API Key in a/b.ts:7 (commit abc): Secret: '***'")
        );
        assert_eq!(o.tags, ["t1", "commit:abc", "author:Jane"]);
        assert_eq!(o.secret, Some(secret::evidence(b"key", "hunter2hunter2")));
        let text = serde_json::to_string(o).unwrap();
        assert!(
            !text.contains("hunter2hunter2") && !text.contains("jane@"),
            "{text}"
        );
    }

    #[test]
    fn v7_null_empty_and_broken() {
        let (_, obs) = parse_bytes(b"null", Some(Format::Gitleaks), &ctx()).unwrap();
        assert!(obs.is_empty());
        let (out, obs) = parse_bytes(b"[]", Some(Format::Gitleaks), &ctx()).unwrap();
        assert!(obs.is_empty());
        assert_eq!(out.tools[0].name, "gitleaks");
        let e = parse_bytes(b"{\"a\": 1}", Some(Format::Gitleaks), &ctx()).unwrap_err();
        assert!(e.to_string().contains("an array of leaks"), "{e}");
        let e = parse_bytes(b"[{\"RuleID\": \"x\"", Some(Format::Gitleaks), &ctx()).unwrap_err();
        // Inside a streamed element serde_json reports the early end as "EOF while parsing".
        assert!(e.to_string().contains("EOF while parsing"), "{e}");
        let (out, obs) = parse_bytes(br#"[{"Description": "no rule"}, 3, {"rule": "AWS", "offender": "AKIAXXXXXXXX", "file": "x"}]"#, Some(Format::Gitleaks), &ctx()).unwrap();
        assert_eq!(obs.len(), 1);
        assert_eq!(out.diagnostics.len(), 2);
        assert_eq!(out.diagnostics[1].place, "/1");
    }
}
