//! Bandit JSON (`bandit -f json`): an object with `errors`, `generated_at`, `metrics` and
//! `results` (keys sorted, as Bandit writes them; any order is read).
//!
//! Each `results[]` entry becomes a [`FindingKind::Code`] observation: `test_id` (`B608`) is the
//! rule id, `issue_severity` the severity (verbatim as the tool label) and `issue_confidence` a
//! `confidence:<level>` tag. Bandit quotes the code around a finding with a line number in front
//! of each line (`"41 def f():\n42     q = ..."`); the snippet keeps only the lines of the
//! finding (`line_range`), without their numbers, which is the text Bandit's own SARIF output
//! and Semgrep quote. `errors[]` (files Bandit could not scan) become diagnostics. Bandit writes
//! no version field: the version is read from the `more_info` documentation URL
//! (`https://bandit.readthedocs.io/en/1.9.4/...`) when it names one.

use crate::json::{self, StreamSeq, lenient_string};
use crate::{Emitter, ParseContext, ParseError, ParseOutcome};
use rampart_model::path::normalize_path;
use rampart_model::{
    CodeLocation, FindingKind, Location, Observation, Severity, SeverityInfo, ToolInfo, ToolKind,
    normalize_cwe,
};
use serde::Deserialize;
use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde_json::Value;
use std::fmt;
use std::io::BufRead;

/// The tool name on every observation.
const TOOL: &str = "bandit";
/// Where Bandit's documentation lives; the next path segment after `/en/` is the version.
const DOCS_PREFIX: &str = "bandit.readthedocs.io/en/";
/// Longest title kept, in characters.
const TITLE_MAX: usize = 200;
/// Longest tool-error text kept in a diagnostic, in characters.
const ERROR_MAX: usize = 300;

/// Parses a Bandit JSON report, streaming each result into `emitter`.
pub fn parse<R: BufRead>(
    reader: R,
    ctx: &ParseContext,
    emitter: &mut Emitter<'_>,
) -> Result<ParseOutcome, ParseError> {
    let mut doc = Doc {
        emitter,
        version: None,
        has_results: false,
    };
    json::visit_document(&ctx.file_name, reader, &mut doc)?;
    if !doc.has_results {
        return Err(ParseError::invalid(
            &ctx.file_name,
            "/",
            "no `results` array: expected a Bandit JSON report (`bandit -f json`: an object \
             with `results`, `errors`, `metrics` and `generated_at`)",
        ));
    }
    let mut outcome = ParseOutcome {
        tool_kind: Some(ToolKind::Sast),
        ..ParseOutcome::default()
    };
    outcome.add_tool(ToolInfo {
        name: TOOL.into(),
        version: doc.version,
    });
    Ok(outcome)
}

/// The parse state shared by the top-level visitor and the per-record callbacks.
struct Doc<'a, 'e> {
    emitter: &'a mut Emitter<'e>,
    /// The first version found in a `more_info` URL.
    version: Option<String>,
    has_results: bool,
}

impl<'de> Visitor<'de> for &mut Doc<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Bandit JSON report: an object with `results` (`bandit -f json`)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "results" => {
                    self.has_results = true;
                    map.next_value_seed(StreamSeq::new("/results", |i, v: Value| {
                        self.result(i, v)
                    }))?;
                }
                "errors" => {
                    map.next_value_seed(StreamSeq::new("/errors", |i, v: Value| {
                        self.emitter
                            .diagnose(format!("/errors/{i}"), describe_error(&v));
                        Ok(())
                    }))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

impl Doc<'_, '_> {
    /// Emits one result, or diagnoses why it cannot be used.
    fn result(&mut self, i: usize, v: Value) -> Result<(), String> {
        let place = format!("/results/{i}");
        let built = serde_json::from_value::<BanditResult>(v)
            .map_err(|e| format!("skipped: not a Bandit result: {e}"))
            .and_then(|r| observation(r, &place));
        match built {
            Ok(obs) => {
                if self.version.is_none() {
                    self.version.clone_from(&obs.tool.version);
                }
                self.emitter.emit(obs)
            }
            Err(why) => {
                self.emitter.diagnose(place, why);
                Ok(())
            }
        }
    }
}

/// `bandit could not scan bad.py: syntax error while parsing AST from file` — one `errors[]`
/// entry (`{filename, reason}`).
fn describe_error(v: &Value) -> String {
    let text = |key: &str| {
        v.get(key)
            .and_then(lenient_string)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let file = text("filename").unwrap_or_else(|| "a file".into());
    let reason = text("reason").unwrap_or_else(|| "(no reason given)".into());
    format!(
        "bandit could not scan {file}: {}",
        one_line(&reason, ERROR_MAX)
    )
}

/// One entry of `results`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct BanditResult {
    #[serde(deserialize_with = "json::opt_string")]
    test_id: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    test_name: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    issue_text: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    issue_severity: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    issue_confidence: Option<String>,
    issue_cwe: Value,
    #[serde(deserialize_with = "json::opt_string")]
    filename: Option<String>,
    #[serde(deserialize_with = "json::opt_u32")]
    line_number: Option<u32>,
    line_range: Value,
    #[serde(deserialize_with = "json::opt_u32")]
    col_offset: Option<u32>,
    #[serde(deserialize_with = "json::opt_u32")]
    end_col_offset: Option<u32>,
    #[serde(deserialize_with = "json::opt_string")]
    code: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    more_info: Option<String>,
}

/// Non-blank text, trimmed.
fn text(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// Builds the observation of one result.
fn observation(r: BanditResult, place: &str) -> Result<Observation, String> {
    let rule_id = text(&r.test_id)
        .or(text(&r.test_name))
        .ok_or("skipped: the result names no test (`test_id` or `test_name`)")?
        .to_string();
    let rule_name = text(&r.test_name).map(str::to_string);
    let message = text(&r.issue_text).map(str::to_string);
    let title = message
        .as_deref()
        .map(|m| one_line(m, TITLE_MAX))
        .filter(|t| !t.is_empty())
        .or_else(|| rule_name.clone())
        .unwrap_or_else(|| rule_id.clone());
    let (start_line, end_line) = line_span(r.line_number, &r.line_range);
    let path = text(&r.filename).map(normalize_path).unwrap_or_default();
    let location = if path.is_empty() {
        Location::None
    } else {
        Location::Code(CodeLocation {
            path,
            start_line,
            end_line,
            // Bandit's offsets are Python AST columns: 0-based, the end one exclusive.
            start_column: r.col_offset.and_then(|c| c.checked_add(1)),
            end_column: r.end_col_offset.and_then(|c| c.checked_add(1)),
        })
    };

    let mut obs = Observation::new(TOOL, FindingKind::Code, rule_id, title, location);
    obs.tool.version = text(&r.more_info).and_then(version_from_docs_url);
    obs.rule_name = rule_name;
    obs.message = message;
    obs.severity = severity(text(&r.issue_severity));
    obs.cwes = cwe(&r.issue_cwe).into_iter().collect();
    obs.snippet = match (text(&r.code), start_line) {
        (Some(code), Some(first)) => snippet(code, first, end_line.unwrap_or(first)),
        _ => None,
    };
    obs.references = text(&r.more_info).map(str::to_string).into_iter().collect();
    if let Some(c) = text(&r.issue_confidence) {
        obs.tags
            .push(format!("confidence:{}", c.to_ascii_lowercase()));
    }
    obs.source_ref = place.to_string();
    Ok(obs)
}

/// First and last line of a finding: `line_number` (else the first of `line_range`) and the
/// last of `line_range` (else `line_number`). Lines below 1 are dropped.
fn line_span(line_number: Option<u32>, line_range: &Value) -> (Option<u32>, Option<u32>) {
    let range: Vec<u32> = match line_range {
        Value::Array(items) => items
            .iter()
            .filter_map(|v| lenient_string(v)?.trim().parse().ok())
            .filter(|&l| l > 0)
            .collect(),
        _ => Vec::new(),
    };
    let start = line_number
        .filter(|&l| l > 0)
        .or_else(|| range.iter().copied().min());
    let end = range
        .iter()
        .copied()
        .max()
        .filter(|&e| start.is_none_or(|s| e >= s))
        .or(start);
    (start, end)
}

/// The lines `first..=last` of Bandit's numbered `code` quote, without their numbers, each
/// ending with a newline. A quoted line is `<number> <text>` (`<number>\t<text>` in some
/// writers); a line without a number continues the one before it. `None` when the quote holds
/// none of those lines.
pub fn snippet(code: &str, first: u32, last: u32) -> Option<String> {
    let mut lines: Vec<(Option<u32>, String)> = Vec::new();
    for raw in code.split_inclusive('\n') {
        let digits = raw.chars().take_while(char::is_ascii_digit).count();
        let number = raw[..digits].parse::<u32>().ok();
        match (number, lines.last_mut()) {
            (None, Some(prev)) => prev.1.push_str(raw),
            (None, None) => lines.push((None, raw.to_string())),
            (Some(n), _) => {
                let rest = &raw[digits..];
                let rest = rest
                    .strip_prefix(' ')
                    .or_else(|| rest.strip_prefix('\t'))
                    .unwrap_or(rest);
                lines.push((Some(n), rest.to_string()));
            }
        }
    }
    let mut out = String::new();
    for (_, line) in lines
        .iter()
        .filter(|(n, _)| n.is_some_and(|n| n >= first && n <= last))
    {
        let line = line.strip_suffix('\n').unwrap_or(line);
        let line = line.strip_suffix('\r').unwrap_or(line);
        out.push_str(line);
        out.push('\n');
    }
    (!out.trim().is_empty()).then_some(out)
}

/// The Bandit version in a documentation URL (`.../en/1.9.4/plugins/...`); `None` for
/// `latest` and other non-version segments.
pub fn version_from_docs_url(url: &str) -> Option<String> {
    let pos = url.find(DOCS_PREFIX)?;
    let segment = url[pos + DOCS_PREFIX.len()..].split('/').next()?;
    let looks_like_version = segment.starts_with(|c: char| c.is_ascii_digit())
        && segment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '+');
    looks_like_version.then(|| segment.to_string())
}

/// Bandit's severity word (`LOW`, `MEDIUM`, `HIGH`, `UNDEFINED`) as Rampart's level, the word
/// kept verbatim; unknown words and a missing severity are [`Severity::Info`].
fn severity(label: Option<&str>) -> SeverityInfo {
    let level = label.and_then(Severity::from_label).unwrap_or_default();
    SeverityInfo::new(level, label.map(str::to_string))
}

/// The CWE of `issue_cwe` (`{"id": 89, "link": ...}`; a bare number or `CWE-89` is read too).
fn cwe(v: &Value) -> Option<u32> {
    let id = match v {
        Value::Object(o) => o.get("id")?,
        other => other,
    };
    normalize_cwe(&lenient_string(id)?)
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
        ParseContext::new("bandit.json", b"key".to_vec())
    }

    #[test]
    fn snippet_keeps_the_finding_lines_without_numbers() {
        let code = "41     async def create(conn):\n42         q = (\"INSERT \"\n43              \"VALUES\" % x)\n44         async with c:\n";
        assert_eq!(
            snippet(code, 42, 43).as_deref(),
            Some("        q = (\"INSERT \"\n             \"VALUES\" % x)\n")
        );
        // One separator goes (a space, or a tab in the screen format); a tab after the space
        // is the line's own indentation.
        assert_eq!(
            snippet("9 \n10 \tx = 1\n", 10, 10).as_deref(),
            Some("\tx = 1\n")
        );
        assert_eq!(snippet("10\tx = 1\n", 10, 10).as_deref(), Some("x = 1\n"));
        assert_eq!(
            snippet("1 import os\n2 assert False", 2, 2).as_deref(),
            Some("assert False\n")
        );
        assert_eq!(snippet("9 \n", 9, 9), None);
        assert_eq!(snippet("no numbers at all", 1, 1), None);
        assert_eq!(snippet("", 1, 1), None);
        // A line without a number continues the numbered line before it.
        assert_eq!(
            snippet("5 a\n b\n6 c\r\n", 5, 6).as_deref(),
            Some("a\n b\nc\n")
        );
    }

    #[test]
    fn versions_from_docs_urls() {
        let v = |u: &str| version_from_docs_url(u);
        assert_eq!(
            v("https://bandit.readthedocs.io/en/1.9.4/plugins/b113.html").as_deref(),
            Some("1.9.4")
        );
        assert_eq!(
            v("https://bandit.readthedocs.io/en/latest/plugins/b101.html"),
            None
        );
        assert_eq!(v("https://example.com/en/1.0/"), None);
    }

    #[test]
    fn result_and_errors() {
        let doc = br#"{"errors": [{"filename": "./x.py", "reason": "syntax error while parsing AST from file"}],
            "generated_at": "2026-01-01T00:00:00Z", "metrics": {"_totals": {}},
            "results": [{"code": "1 import os\n2 assert False\n", "col_offset": 0, "end_col_offset": 12,
              "filename": "./one/one.py", "issue_confidence": "HIGH", "issue_cwe": {"id": 703, "link": "x"},
              "issue_severity": "LOW", "issue_text": "Use of assert detected.", "line_number": 2,
              "line_range": [2], "more_info": "https://bandit.readthedocs.io/en/1.7.5/plugins/b101_assert_used.html",
              "test_id": "B101", "test_name": "assert_used"},
              {"filename": "a.py"}, 7]}"#;
        let (out, obs) = parse_bytes(doc, None, &ctx()).unwrap();
        assert_eq!(out.format, Some(Format::Bandit));
        assert_eq!(out.tool_kind, Some(ToolKind::Sast));
        assert_eq!(out.tools[0].version.as_deref(), Some("1.7.5"));
        assert_eq!(obs.len(), 1);
        let o = &obs[0];
        assert_eq!(
            (o.rule_id.as_str(), o.rule_name.as_deref()),
            ("B101", Some("assert_used"))
        );
        assert_eq!(o.severity.level, Severity::Low);
        assert_eq!(o.severity.tool_label.as_deref(), Some("LOW"));
        assert_eq!(o.cwes, [703]);
        assert_eq!(o.tags, ["confidence:high"]);
        assert_eq!(o.snippet.as_deref(), Some("assert False\n"));
        assert_eq!(
            o.location,
            Location::Code(CodeLocation {
                path: "one/one.py".into(),
                start_line: Some(2),
                end_line: Some(2),
                start_column: Some(1),
                end_column: Some(13),
            })
        );
        assert_eq!(o.source_ref, "/results/0");
        let places: Vec<&str> = out.diagnostics.iter().map(|d| d.place.as_str()).collect();
        assert_eq!(places, ["/errors/0", "/results/1", "/results/2"]);
        assert!(
            out.diagnostics[0]
                .message
                .contains("could not scan ./x.py: syntax error")
        );
    }

    #[test]
    fn broken_documents() {
        let e = parse_bytes(b"[1]", Some(Format::Bandit), &ctx()).unwrap_err();
        assert!(e.to_string().contains("a Bandit JSON report"), "{e}");
        let e = parse_bytes(b"{\"errors\": []}", Some(Format::Bandit), &ctx()).unwrap_err();
        assert!(e.to_string().contains("no `results` array"), "{e}");
        let e = parse_bytes(
            b"{\"results\": [{\"test_id\": ",
            Some(Format::Bandit),
            &ctx(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("EOF while parsing"), "{e}");
    }
}
