//! Semgrep JSON: the CLI's `semgrep --json` report (OSS and Pro engines), and the two exports of
//! the Semgrep AppSec Platform API ("Semgrep Pro"): code findings (`{"findings": [...]}`) and
//! Supply Chain vulnerabilities (`{"vulns": [...], "hasMore", "cursor"}`).
//!
//! Each CLI `results[]` entry becomes a code observation, or a secret observation when its rule is
//! a secrets rule ([`is_secret_rule`]); then the matched value is hashed, never kept, and scrubbed
//! from every text that is kept. `errors[]` holds the tool's own errors (parse failures,
//! timeouts): each becomes a diagnostic, not a finding. Keys may come in any order and the big
//! arrays are streamed, so the tool version is on every observation only when `version` comes
//! before `results` (as semgrep writes it); the outcome's tool list always carries it.

use crate::json::{self, StreamSeq, lenient_string};
use crate::secret;
use crate::{Emitter, ParseContext, ParseError, ParseOutcome};
use rampart_model::path::normalize_path;
use rampart_model::{
    CodeLocation, FindingKind, Location, Observation, PackageLocation, SecretEvidence, Severity,
    SeverityInfo, Suppression, ToolInfo, ToolKind, VulnId, normalize_cwe, normalize_vuln_id,
};
use serde::Deserialize;
use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde_json::Value;
use std::fmt;
use std::io::BufRead;

/// The tool name on every observation.
const TOOL: &str = "semgrep";
/// What semgrep writes in `lines` and `fingerprint` when the user is not logged in.
const REQUIRES_LOGIN: &str = "requires login";
/// Fingerprint key: the name Semgrep's own SARIF output gives the same value, so that the JSON
/// and SARIF reports of one run carry identical fingerprints.
const MATCH_BASED_ID: &str = "matchBasedId/v1";
/// Longest title kept, in characters.
const TITLE_MAX: usize = 200;
/// Longest tool-error text kept in a diagnostic, in characters.
const ERROR_MAX: usize = 300;

/// Parses a Semgrep JSON report or Semgrep API export, streaming each observation into `emitter`.
pub fn parse<R: BufRead>(
    reader: R,
    ctx: &ParseContext,
    emitter: &mut Emitter<'_>,
) -> Result<ParseOutcome, ParseError> {
    let mut doc = Doc {
        ctx,
        emitter,
        version: None,
        code_sections: 0,
        sca_sections: 0,
    };
    json::visit_document(&ctx.file_name, reader, &mut doc)?;
    if doc.code_sections + doc.sca_sections == 0 {
        return Err(ParseError::invalid(
            &ctx.file_name,
            "/",
            "no `results` array: expected a Semgrep JSON report (`semgrep --json`: an object with \
             `results` and `errors`), or a Semgrep API export (`findings` or `vulns`)",
        ));
    }
    let tool_kind = if doc.code_sections == 0 {
        ToolKind::Sca
    } else {
        ToolKind::Sast
    };
    let mut outcome = ParseOutcome {
        tool_kind: Some(tool_kind),
        ..ParseOutcome::default()
    };
    outcome.add_tool(ToolInfo {
        name: TOOL.into(),
        version: doc.version,
    });
    Ok(outcome)
}

/// Whether a rule finds secrets (so its findings are [`FindingKind::Secret`]): a rule whose id
/// has a `secrets` segment (`generic.secrets.security.detected-private-key...`,
/// `generic.secrets.gitleaks.generic-api-key...`), or whose metadata says `category: secrets`
/// or `product: secrets` (Semgrep Secrets). Code rules *about* hard-coded credentials
/// (`...jwt-hardcode.hardcoded-jwt-secret`) match code, not a secret value, and stay code
/// findings.
pub fn is_secret_rule(check_id: &str, metadata: &Value) -> bool {
    let field_is = |key: &str| {
        metadata
            .get(key)
            .and_then(Value::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case("secrets"))
    };
    check_id
        .split('.')
        .any(|seg| seg.eq_ignore_ascii_case("secrets"))
        || field_is("category")
        || field_is("product")
}

/// The parse state shared by the top-level visitor and the per-record callbacks.
struct Doc<'a, 'e> {
    ctx: &'a ParseContext,
    emitter: &'a mut Emitter<'e>,
    version: Option<String>,
    code_sections: usize,
    sca_sections: usize,
}

impl<'de> Visitor<'de> for &mut Doc<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(
            "a Semgrep JSON report: an object with `results` (semgrep --json), \
             `findings` or `vulns` (Semgrep API exports)",
        )
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "version" => {
                    let v: Value = map.next_value()?;
                    self.version = lenient_string(&v).filter(|s| !s.trim().is_empty());
                }
                "results" => {
                    self.code_sections += 1;
                    map.next_value_seed(StreamSeq::new("/results", |i, v: Value| {
                        self.cli_result(i, v)
                    }))?;
                }
                "errors" => {
                    map.next_value_seed(StreamSeq::new("/errors", |i, v: Value| {
                        self.tool_error(i, &v);
                        Ok(())
                    }))?;
                }
                "findings" => {
                    self.code_sections += 1;
                    map.next_value_seed(StreamSeq::new("/findings", |i, v: Value| {
                        self.app_finding(i, v)
                    }))?;
                }
                "vulns" => {
                    self.sca_sections += 1;
                    map.next_value_seed(StreamSeq::new("/vulns", |i, v: Value| {
                        self.ssc_vuln(i, v)
                    }))?;
                }
                "hasMore" => {
                    if map.next_value::<Value>()? == Value::Bool(true) {
                        self.emitter.diagnose(
                            "/hasMore",
                            "this export is one page of a paginated Semgrep API answer \
                             (`hasMore: true`): records of the next pages are not in this file",
                        );
                    }
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
    /// Emits one CLI result, or diagnoses why it cannot be used.
    fn cli_result(&mut self, i: usize, v: Value) -> Result<(), String> {
        let place = format!("/results/{i}");
        let built = serde_json::from_value::<CliResult>(v)
            .map_err(|e| format!("skipped: not a Semgrep result: {e}"))
            .and_then(|r| cli_observation(r, self.ctx, self.version.as_deref(), &place));
        self.emit_or_diagnose(built, place)
    }

    /// Emits one Semgrep API code finding, or diagnoses why it is skipped.
    fn app_finding(&mut self, i: usize, v: Value) -> Result<(), String> {
        let place = format!("/findings/{i}");
        let built = serde_json::from_value::<AppFinding>(v)
            .map_err(|e| format!("skipped: not a Semgrep API finding: {e}"))
            .and_then(|f| app_observation(f, &place));
        self.emit_or_diagnose(built, place)
    }

    /// Emits one Semgrep Supply Chain vulnerability, or diagnoses why it is skipped.
    fn ssc_vuln(&mut self, i: usize, v: Value) -> Result<(), String> {
        let place = format!("/vulns/{i}");
        let built = serde_json::from_value::<SscVuln>(v)
            .map_err(|e| format!("skipped: not a Semgrep Supply Chain vulnerability: {e}"))
            .and_then(|f| ssc_observation(f, &place));
        self.emit_or_diagnose(built, place)
    }

    fn emit_or_diagnose(
        &mut self,
        built: Result<Observation, String>,
        place: String,
    ) -> Result<(), String> {
        match built {
            Ok(obs) => self.emitter.emit(obs),
            Err(why) => {
                self.emitter.diagnose(place, why);
                Ok(())
            }
        }
    }

    /// Turns one entry of `errors` (the tool's own error) into a diagnostic.
    fn tool_error(&mut self, i: usize, v: &Value) {
        self.emitter
            .diagnose(format!("/errors/{i}"), describe_tool_error(v));
    }
}

/// `semgrep warn (PartialParsing) in src/a.ts: Syntax error at line src/a.ts:14:` — the level,
/// type, path and first line of the message of one `errors[]` entry.
fn describe_tool_error(v: &Value) -> String {
    let text = |key: &str| {
        v.get(key)
            .and_then(lenient_string)
            .filter(|s| !s.is_empty())
    };
    let kind = match v.get("type") {
        Some(Value::Array(parts)) => parts.first().and_then(lenient_string),
        Some(other) => lenient_string(other),
        None => None,
    };
    let mut out = format!(
        "semgrep {}",
        text("level").unwrap_or_else(|| "error".into())
    );
    if let Some(k) = kind.filter(|k| !k.is_empty()) {
        out.push_str(&format!(" ({k})"));
    }
    if let Some(p) = text("path") {
        out.push_str(&format!(" in {p}"));
    }
    if let Some(r) = text("rule_id") {
        out.push_str(&format!(" for rule {r}"));
    }
    match text("message") {
        Some(m) => out.push_str(&format!(": {}", one_line(&m, ERROR_MAX))),
        None => out.push_str(": (no message)"),
    }
    out
}

// ---------------------------------------------------------------------------------------------
// `semgrep --json` results

/// A line/column position (1-based; `col` of `end` is the column after the match).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Position {
    #[serde(deserialize_with = "json::opt_u32")]
    line: Option<u32>,
    #[serde(deserialize_with = "json::opt_u32")]
    col: Option<u32>,
}

/// One entry of `results`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CliResult {
    #[serde(deserialize_with = "json::opt_string")]
    check_id: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    path: Option<String>,
    start: Option<Position>,
    end: Option<Position>,
    extra: Option<Extra>,
}

/// `results[].extra`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Extra {
    #[serde(deserialize_with = "json::opt_string")]
    message: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    severity: Option<String>,
    metadata: Value,
    #[serde(deserialize_with = "json::opt_string")]
    lines: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    fingerprint: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    fix: Option<String>,
    fix_regex: Value,
    is_ignored: Value,
    metavars: Value,
}

/// Builds the observation of one CLI result.
fn cli_observation(
    r: CliResult,
    ctx: &ParseContext,
    version: Option<&str>,
    place: &str,
) -> Result<Observation, String> {
    let check_id = r
        .check_id
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .ok_or("skipped: the result has no `check_id`")?;
    let extra = r.extra.unwrap_or_default();
    let meta = &extra.metadata;
    let secret_rule = is_secret_rule(&check_id, meta);
    let kind = if secret_rule {
        FindingKind::Secret
    } else {
        FindingKind::Code
    };
    let start = r.start.unwrap_or_default();
    let end = r.end.unwrap_or_default();
    let location = code_location(r.path.as_deref(), &start, &end);
    let short = short_name(&check_id).to_string();
    let message = extra
        .message
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty());
    let title = make_title(&short, message);

    let mut obs = Observation::new(TOOL, kind, check_id, title, location);
    obs.tool.version = version.map(str::to_string);
    obs.rule_name = Some(short);
    obs.message = message.map(str::to_string);
    obs.severity = severity(extra.severity.as_deref());
    obs.cwes = cwes(meta.get("cwe"));
    obs.references = references(meta);
    obs.tags = metadata_tags(meta);
    obs.remediation = remediation(extra.fix.as_deref(), &extra.fix_regex);
    obs.source_ref = place.to_string();
    if let Some(fp) = known(extra.fingerprint.as_deref()) {
        obs.fingerprints
            .insert(MATCH_BASED_ID.into(), fp.to_string());
    }
    if extra.is_ignored == Value::Bool(true) {
        obs.suppression = Some(Suppression {
            kind: "inSource".into(),
            status: None,
            justification: None,
        });
    }
    let lines = known(extra.lines.as_deref());
    if secret_rule {
        let value = secret_value(&extra.metavars, lines, &start, &end);
        obs.secret = Some(match &value {
            Some(v) => secret::evidence(&ctx.secret_key, v),
            None => SecretEvidence {
                hmac: None,
                preview: None,
            },
        });
        let mut hidden: Vec<String> = value.into_iter().collect();
        hidden.extend(metavar_contents(&extra.metavars));
        hide_secrets(&mut obs, &hidden);
    } else {
        obs.snippet = lines.map(str::to_string);
    }
    Ok(obs)
}

/// A value semgrep really wrote: `None` for missing, empty and `requires login`.
fn known(s: Option<&str>) -> Option<&str> {
    s.filter(|v| !v.trim().is_empty() && v.trim() != REQUIRES_LOGIN)
}

/// The code location of a CLI result; `None` when it names no file.
fn code_location(path: Option<&str>, start: &Position, end: &Position) -> Location {
    let path = path.map(normalize_path).unwrap_or_default();
    if path.is_empty() {
        return Location::None;
    }
    Location::Code(CodeLocation {
        path,
        start_line: start.line.filter(|&l| l > 0),
        end_line: end.line.filter(|&l| l > 0),
        start_column: start.col.filter(|&c| c > 0),
        end_column: end.col.filter(|&c| c > 0),
    })
}

/// The secret value of a secrets finding: the `$SECRET` metavariable when the rule binds it,
/// else the matched text cut out of `lines` by the start and end columns, else the quoted
/// lines themselves. `None` when semgrep quoted nothing (`requires login`).
fn secret_value(
    metavars: &Value,
    lines: Option<&str>,
    start: &Position,
    end: &Position,
) -> Option<String> {
    let bound = metavars
        .get("$SECRET")
        .and_then(|m| m.get("abstract_content"))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if let Some(b) = bound {
        return Some(b.to_string());
    }
    let lines = lines?;
    matched_text(lines, start, end)
        .or_else(|| Some(lines.trim().to_string()))
        .filter(|s| !s.is_empty())
}

/// Cuts the match out of the quoted `lines` (which start at `start.line`) by byte columns.
/// `None` when the columns do not fit the text.
fn matched_text(lines: &str, start: &Position, end: &Position) -> Option<String> {
    let (sl, el) = (start.line?, end.line?);
    let (sc, ec) = (start.col?.checked_sub(1)?, end.col?.checked_sub(1)?);
    let rows: Vec<&str> = lines.lines().collect();
    let count = usize::try_from(el.checked_sub(sl)?).ok()?.checked_add(1)?;
    if rows.len() != count {
        return None;
    }
    let (first, last) = (rows.first()?, rows.last()?);
    let text = if count == 1 {
        first.get(sc as usize..ec as usize)?.to_string()
    } else {
        let mut parts = vec![first.get(sc as usize..)?.to_string()];
        parts.extend(rows.get(1..count - 1)?.iter().map(|s| s.to_string()));
        parts.push(last.get(..ec as usize)?.to_string());
        parts.join("\n")
    };
    let text = text.trim().to_string();
    (!text.is_empty()).then_some(text)
}

/// Every metavariable's bound text of at least 4 characters: in a secrets rule any of them may
/// be (part of) the secret, and messages interpolate them.
fn metavar_contents(metavars: &Value) -> Vec<String> {
    let Some(map) = metavars.as_object() else {
        return Vec::new();
    };
    map.values()
        .filter_map(|m| m.get("abstract_content").and_then(Value::as_str))
        .map(|s| s.trim().to_string())
        .filter(|s| s.chars().count() >= 4)
        .collect()
}

/// Replaces every text in `hidden` with `***` in the texts an observation keeps.
fn hide_secrets(obs: &mut Observation, hidden: &[String]) {
    let scrub_all = |text: &str| {
        hidden
            .iter()
            .fold(text.to_string(), |acc, s| secret::scrub(&acc, s))
    };
    obs.title = scrub_all(&obs.title);
    obs.message = obs.message.as_deref().map(scrub_all);
    obs.remediation = obs.remediation.as_deref().map(scrub_all);
    obs.tags = obs.tags.iter().map(|t| scrub_all(t)).collect();
    obs.snippet = None;
}

/// The rule's short name: the last segment of the check id.
fn short_name(check_id: &str) -> &str {
    check_id
        .rsplit('.')
        .find(|s| !s.is_empty())
        .unwrap_or(check_id)
}

/// `<short name>: <first line of the message>`, at most [`TITLE_MAX`] characters.
fn make_title(short: &str, message: Option<&str>) -> String {
    match message.map(|m| m.lines().find(|l| !l.trim().is_empty()).unwrap_or("")) {
        Some(first) if !first.trim().is_empty() => {
            one_line(&format!("{short}: {}", first.trim()), TITLE_MAX)
        }
        _ => one_line(short, TITLE_MAX),
    }
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

/// Maps Semgrep's severities: legacy `ERROR`/`WARNING`/`INFO` (high/medium/low, as Semgrep's
/// platform and SARIF output rank them), and the newer `CRITICAL`/`HIGH`/`MEDIUM`/`LOW`.
/// `EXPERIMENT`, `INVENTORY` and unknown words are informational. The label is kept verbatim.
fn severity(label: Option<&str>) -> SeverityInfo {
    let Some(raw) = label.map(str::trim).filter(|l| !l.is_empty()) else {
        return SeverityInfo::new(Severity::Info, None);
    };
    let level = match raw.to_ascii_uppercase().as_str() {
        "INFO" => Severity::Low,
        "EXPERIMENT" | "INVENTORY" => Severity::Info,
        _ => Severity::from_label(raw).unwrap_or(Severity::Info),
    };
    SeverityInfo::new(level, Some(raw.to_string()))
}

/// The strings of a field that may be a string, a list of strings or absent.
fn strings(v: Option<&Value>) -> Vec<String> {
    let out: Vec<String> = match v {
        Some(Value::Array(items)) => items.iter().filter_map(lenient_string).collect(),
        Some(other) => lenient_string(other).into_iter().collect(),
        None => Vec::new(),
    };
    out.into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// CWE numbers of `CWE-89: ...` strings (one or a list), deduplicated in order.
fn cwes(v: Option<&Value>) -> Vec<u32> {
    let mut out = Vec::new();
    for c in strings(v).iter().filter_map(|s| normalize_cwe(s)) {
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// Pushes `item` unless it is already in `list`.
fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// `metadata.references`, then the rule's page (`source`) and its origin (`source-rule-url`).
fn references(meta: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["references", "source", "source-rule-url", "source_rule_url"] {
        for r in strings(meta.get(key)) {
            push_unique(&mut out, r);
        }
    }
    out
}

/// Metadata that classifies a finding, as `name:value` tags (OWASP categories, impact and
/// likelihood, confidence, category, technology ...).
fn metadata_tags(meta: &Value) -> Vec<String> {
    const KEYS: [&str; 8] = [
        "category",
        "subcategory",
        "confidence",
        "impact",
        "likelihood",
        "owasp",
        "vulnerability_class",
        "technology",
    ];
    let mut out = Vec::new();
    for key in KEYS {
        for v in strings(meta.get(key)) {
            push_unique(&mut out, format!("{key}:{v}"));
        }
    }
    out
}

/// The autofix: `fix` (replacement text), else `fix_regex` described.
fn remediation(fix: Option<&str>, fix_regex: &Value) -> Option<String> {
    if let Some(f) = fix.filter(|f| !f.trim().is_empty()) {
        return Some(f.to_string());
    }
    let regex = fix_regex.get("regex").and_then(lenient_string)?;
    let replacement = fix_regex
        .get("replacement")
        .and_then(lenient_string)
        .unwrap_or_default();
    Some(format!(
        "replace the match of regex `{regex}` with `{replacement}`"
    ))
}

// ---------------------------------------------------------------------------------------------
// Semgrep API: code findings (`GET /api/v1/deployments/{slug}/findings`)

/// `findings[].location`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AppLocation {
    #[serde(deserialize_with = "json::opt_string")]
    file_path: Option<String>,
    #[serde(deserialize_with = "json::opt_u32")]
    line: Option<u32>,
    #[serde(deserialize_with = "json::opt_u32")]
    column: Option<u32>,
    #[serde(deserialize_with = "json::opt_u32")]
    end_line: Option<u32>,
    #[serde(deserialize_with = "json::opt_u32")]
    end_column: Option<u32>,
}

/// `findings[].rule`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AppRule {
    #[serde(deserialize_with = "json::opt_string")]
    name: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    message: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    category: Option<String>,
    subcategories: Value,
    vulnerability_classes: Value,
    cwe_names: Value,
    owasp_names: Value,
}

/// One entry of `findings`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AppFinding {
    #[serde(deserialize_with = "json::opt_string")]
    rule_name: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    rule_message: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    severity: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    confidence: Option<String>,
    categories: Value,
    #[serde(deserialize_with = "json::opt_string")]
    state: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    status: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    triage_state: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    triage_reason: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    triage_comment: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    syntactic_id: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    match_based_id: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    line_of_code_url: Option<String>,
    location: Option<AppLocation>,
    rule: Option<AppRule>,
    assistant: Value,
}

/// Builds the observation of one Semgrep API code finding. Findings Semgrep reports as fixed or
/// removed are skipped (with a diagnostic): they are not present in the code any more.
fn app_observation(f: AppFinding, place: &str) -> Result<Observation, String> {
    for state in [&f.state, &f.status].into_iter().flatten() {
        if matches!(state.to_ascii_lowercase().as_str(), "fixed" | "removed") {
            return Err(format!(
                "skipped: Semgrep reports this finding as `{state}`, no longer in the code"
            ));
        }
    }
    let rule = f.rule.unwrap_or_default();
    let rule_id = [&f.rule_name, &rule.name]
        .into_iter()
        .flatten()
        .map(|s| s.trim())
        .find(|s| !s.is_empty())
        .map(str::to_string)
        .ok_or("skipped: the finding names no rule (`rule_name` or `rule.name`)")?;
    let message = [&f.rule_message, &rule.message]
        .into_iter()
        .flatten()
        .map(|s| s.trim())
        .find(|s| !s.is_empty());
    let loc = f.location.unwrap_or_default();
    let path = loc
        .file_path
        .as_deref()
        .map(normalize_path)
        .unwrap_or_default();
    let location = if path.is_empty() {
        Location::None
    } else {
        Location::Code(CodeLocation {
            path,
            start_line: loc.line.filter(|&l| l > 0),
            end_line: loc.end_line.filter(|&l| l > 0),
            start_column: loc.column.filter(|&c| c > 0),
            end_column: loc.end_column.filter(|&c| c > 0),
        })
    };
    let secret_rule = is_secret_rule(&rule_id, &Value::Null)
        || rule
            .category
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case("secrets"));
    let kind = if secret_rule {
        FindingKind::Secret
    } else {
        FindingKind::Code
    };
    let short = short_name(&rule_id).to_string();
    let mut obs = Observation::new(
        TOOL,
        kind,
        rule_id.clone(),
        make_title(&short, message),
        location,
    );
    obs.rule_name = Some(short);
    obs.message = message.map(str::to_string);
    obs.severity = severity(f.severity.as_deref());
    obs.cwes = cwes(Some(&rule.cwe_names));
    obs.references = f
        .line_of_code_url
        .into_iter()
        .filter(|u| !u.is_empty())
        .collect();
    obs.tags = app_tags(f.confidence.as_deref(), &f.categories, &rule, &f.assistant);
    obs.remediation = app_remediation(&f.assistant);
    obs.suppression = app_suppression(
        f.triage_state.as_deref(),
        f.triage_reason.as_deref(),
        f.triage_comment.as_deref(),
    );
    obs.source_ref = place.to_string();
    if let Some(id) = f.match_based_id.filter(|s| !s.is_empty()) {
        obs.fingerprints.insert(MATCH_BASED_ID.into(), id);
    }
    if let Some(id) = f.syntactic_id.filter(|s| !s.is_empty()) {
        obs.fingerprints.insert("syntacticId".into(), id);
    }
    if secret_rule {
        // The API quotes no matched text: nothing to hash, and no snippet.
        obs.secret = Some(SecretEvidence {
            hmac: None,
            preview: None,
        });
    }
    Ok(obs)
}

/// Tags of an API finding: confidence, categories, subcategories, vulnerability classes, OWASP
/// categories and Semgrep Assistant's verdict.
fn app_tags(
    confidence: Option<&str>,
    categories: &Value,
    rule: &AppRule,
    assistant: &Value,
) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(c) = confidence.filter(|c| !c.is_empty()) {
        push_unique(&mut out, format!("confidence:{c}"));
    }
    let groups: [(&str, Vec<String>); 5] = [
        ("category", strings(Some(categories))),
        (
            "category",
            strings(
                rule.category
                    .as_ref()
                    .map(|c| Value::String(c.clone()))
                    .as_ref(),
            ),
        ),
        ("subcategory", strings(Some(&rule.subcategories))),
        (
            "vulnerability_class",
            strings(Some(&rule.vulnerability_classes)),
        ),
        ("owasp", strings(Some(&rule.owasp_names))),
    ];
    for (name, values) in groups {
        for v in values {
            push_unique(&mut out, format!("{name}:{v}"));
        }
    }
    if let Some(verdict) = assistant
        .pointer("/autotriage/verdict")
        .and_then(lenient_string)
        .filter(|v| !v.is_empty())
    {
        push_unique(&mut out, format!("autotriage:{verdict}"));
    }
    out
}

/// Semgrep Assistant's guidance (summary and steps), else its autofix code.
fn app_remediation(assistant: &Value) -> Option<String> {
    let text = |p: &str| {
        assistant
            .pointer(p)
            .and_then(lenient_string)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    match (text("/guidance/summary"), text("/guidance/instructions")) {
        (Some(s), Some(i)) => Some(format!("{s}\n{i}")),
        (Some(s), None) => Some(s),
        (None, Some(i)) => Some(i),
        (None, None) => text("/autofix/fix_code"),
    }
}

/// A triage in Semgrep that ignores the finding, as a suppression.
fn app_suppression(
    state: Option<&str>,
    reason: Option<&str>,
    comment: Option<&str>,
) -> Option<Suppression> {
    let status = match state?.to_ascii_lowercase().as_str() {
        "ignored" => "accepted",
        "provisionally_ignored" => "underReview",
        _ => return None,
    };
    let why: Vec<&str> = [reason, comment]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    Some(Suppression {
        kind: "external".into(),
        status: Some(status.into()),
        justification: (!why.is_empty()).then(|| why.join(": ")),
    })
}

// ---------------------------------------------------------------------------------------------
// Semgrep API: Supply Chain vulnerabilities (`vulns`)

/// A dependency as the Supply Chain export names it.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct SscDependency {
    #[serde(deserialize_with = "json::opt_string")]
    name: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    version_specifier: Option<String>,
}

/// `vulns[].dependencyFileLocation`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct SscFile {
    #[serde(deserialize_with = "json::opt_string")]
    path: Option<String>,
}

/// `vulns[].advisory.references`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct SscReferences {
    cve_ids: Value,
    cwe_ids: Value,
    owasp_ids: Value,
    urls: Value,
}

/// `vulns[].advisory`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct SscAdvisory {
    #[serde(deserialize_with = "json::opt_string")]
    rule_id: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    title: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    description: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    ecosystem: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    severity: Option<String>,
    references: Option<SscReferences>,
    #[serde(deserialize_with = "json::opt_string")]
    rule_text: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    reachability: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    reachable_if: Option<String>,
}

/// `vulns[].triage`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct SscTriage {
    #[serde(deserialize_with = "json::opt_string")]
    status: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    dismiss_reason: Option<String>,
}

/// One entry of `vulns`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct SscVuln {
    #[serde(deserialize_with = "json::opt_string")]
    title: Option<String>,
    advisory: Option<SscAdvisory>,
    #[serde(deserialize_with = "json::opt_string")]
    exposure_type: Option<String>,
    matched_dependency: Option<SscDependency>,
    closest_safe_dependency: Option<SscDependency>,
    dependency_file_location: Option<SscFile>,
    triage: Option<SscTriage>,
    #[serde(deserialize_with = "json::opt_string")]
    transitivity: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    repository_name: Option<String>,
}

/// Builds the dependency observation of one Supply Chain vulnerability. Those Semgrep triaged
/// as closed or fixed are skipped (with a diagnostic).
fn ssc_observation(v: SscVuln, place: &str) -> Result<Observation, String> {
    let triage = v.triage.unwrap_or_default();
    if let Some(s) = triage.status.as_deref()
        && matches!(s.to_ascii_uppercase().as_str(), "CLOSED" | "FIXED")
    {
        return Err(format!(
            "skipped: Semgrep triaged this vulnerability as `{s}`, no longer open"
        ));
    }
    let adv = v.advisory.unwrap_or_default();
    let rule_id = adv
        .rule_id
        .clone()
        .filter(|s| !s.trim().is_empty())
        .ok_or("skipped: the vulnerability has no `advisory.ruleId`")?;
    let dep = v.matched_dependency.unwrap_or_default();
    let name = dep
        .name
        .clone()
        .filter(|s| !s.trim().is_empty())
        .ok_or("skipped: the vulnerability names no package (`matchedDependency.name`)")?;
    let refs = adv.references.unwrap_or_default();
    let ecosystem = rule_namespace(adv.rule_text.as_deref(), &name).or(adv.ecosystem.clone());
    let version = dep
        .version_specifier
        .clone()
        .filter(|s| !s.trim().is_empty());
    let fixed: Vec<String> = v
        .closest_safe_dependency
        .filter(|s| {
            s.name
                .as_deref()
                .is_none_or(|n| n.eq_ignore_ascii_case(&name))
        })
        .and_then(|s| s.version_specifier)
        .filter(|s| !s.trim().is_empty())
        .into_iter()
        .collect();
    let location = Location::Package(PackageLocation {
        purl: ecosystem
            .as_deref()
            .and_then(|e| purl(e, &name, version.as_deref())),
        ecosystem: ecosystem.clone(),
        name: name.clone(),
        version,
        fixed_versions: fixed.clone(),
        found_in: v
            .dependency_file_location
            .and_then(|f| f.path)
            .map(|p| normalize_path(&p))
            .filter(|p| !p.is_empty()),
    });
    let title = [&adv.title, &v.title]
        .into_iter()
        .flatten()
        .map(|t| t.trim())
        .find(|t| !t.is_empty())
        .map(|t| one_line(t, TITLE_MAX))
        .unwrap_or_else(|| format!("{rule_id} in {name}"));
    let mut obs = Observation::new(TOOL, FindingKind::Dependency, rule_id, title, location);
    obs.message = ssc_message(adv.description.as_deref(), adv.reachable_if.as_deref());
    obs.severity = severity(adv.severity.as_deref());
    obs.cwes = cwes(Some(&refs.cwe_ids));
    obs.references = strings(Some(&refs.urls));
    obs.vuln_ids = ssc_vuln_ids(&refs);
    obs.remediation = fixed.first().map(|f| format!("upgrade {name} to {f}"));
    obs.suppression = (triage
        .status
        .as_deref()
        .map(str::to_ascii_uppercase)
        .as_deref()
        == Some("IGNORED"))
    .then(|| Suppression {
        kind: "external".into(),
        status: Some("accepted".into()),
        justification: triage.dismiss_reason.clone(),
    });
    let mut tags = Vec::new();
    for (key, val) in [
        ("exposure", v.exposure_type),
        ("reachability", adv.reachability),
        ("transitivity", v.transitivity),
        ("repository", v.repository_name),
    ] {
        if let Some(val) = val.filter(|s| !s.is_empty()) {
            push_unique(&mut tags, format!("{key}:{val}"));
        }
    }
    for o in strings(Some(&refs.owasp_ids)) {
        push_unique(&mut tags, format!("owasp:{o}"));
    }
    obs.tags = tags;
    obs.source_ref = place.to_string();
    Ok(obs)
}

/// The advisory description, with the reachability condition when Semgrep states one.
fn ssc_message(description: Option<&str>, reachable_if: Option<&str>) -> Option<String> {
    let d = description.map(str::trim).filter(|s| !s.is_empty());
    let r = reachable_if.map(str::trim).filter(|s| !s.is_empty());
    match (d, r) {
        (Some(d), Some(r)) => Some(format!("{d}\nReachable if {r}")),
        (Some(d), None) => Some(d.to_string()),
        (None, Some(r)) => Some(format!("Reachable if {r}")),
        (None, None) => None,
    }
}

/// CVE ids first, then the GHSA ids found in the reference URLs; normalized, deduplicated.
fn ssc_vuln_ids(refs: &SscReferences) -> Vec<VulnId> {
    let mut out: Vec<VulnId> = Vec::new();
    let ghsa = strings(Some(&refs.urls))
        .into_iter()
        .filter_map(|u| ghsa_in(&u));
    for id in strings(Some(&refs.cve_ids)).into_iter().chain(ghsa) {
        if let Some(v) = normalize_vuln_id(&id)
            && !out.contains(&v)
        {
            out.push(v);
        }
    }
    out
}

/// The `GHSA-xxxx-xxxx-xxxx` id in a URL, if any.
fn ghsa_in(url: &str) -> Option<String> {
    let start = url.find("GHSA-")?;
    let id: String = url
        .get(start..)?
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    (id.len() == 19).then_some(id)
}

/// The ecosystem of `package` as the advisory's rule text (a JSON document) declares it in
/// `r2c-internal-project-depends-on`: more precise than `advisory.ecosystem`, which names only
/// the first of the ecosystems a multi-ecosystem advisory covers.
fn rule_namespace(rule_text: Option<&str>, package: &str) -> Option<String> {
    let rule: Value = serde_json::from_str(rule_text?).ok()?;
    let deps = rule.get("r2c-internal-project-depends-on")?;
    let candidates: Vec<&Value> = match deps.get("depends-on-either") {
        Some(Value::Array(items)) => items.iter().collect(),
        _ => vec![deps],
    };
    candidates
        .into_iter()
        .find(|d| {
            d.get("package")
                .and_then(Value::as_str)
                .is_some_and(|p| p.eq_ignore_ascii_case(package))
        })
        .and_then(|d| d.get("namespace").and_then(lenient_string))
        .filter(|s| !s.is_empty())
}

/// A package URL for a Semgrep Supply Chain ecosystem, package and exact version; `None` for
/// ecosystems without a purl type here. A version that is a range is left out.
fn purl(ecosystem: &str, name: &str, version: Option<&str>) -> Option<String> {
    let ty = match ecosystem.to_ascii_lowercase().as_str() {
        "pypi" => "pypi",
        "npm" => "npm",
        "gem" | "rubygems" => "gem",
        "maven" => "maven",
        "gomod" | "go" | "golang" => "golang",
        "cargo" | "crates.io" => "cargo",
        "composer" | "packagist" => "composer",
        "nuget" => "nuget",
        "pub" => "pub",
        "hex" | "mix" => "hex",
        _ => return None,
    };
    let name = name.trim();
    let path = match ty {
        "maven" => name.replacen(':', "/", 1),
        "npm" => name.replacen('@', "%40", 1),
        _ => name.to_string(),
    };
    let exact = version.map(str::trim).filter(|v| {
        !v.is_empty()
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+'))
    });
    Some(match exact {
        Some(v) => format!("pkg:{ty}/{path}@{v}"),
        None => format!("pkg:{ty}/{path}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Format, parse_bytes};
    use serde_json::json;

    fn ctx() -> ParseContext {
        ParseContext::new("t.json", b"k".to_vec())
    }

    #[test]
    fn severities() {
        let lvl = |l: &str| severity(Some(l)).level;
        assert_eq!(lvl("ERROR"), Severity::High);
        assert_eq!(lvl("WARNING"), Severity::Medium);
        assert_eq!(lvl("INFO"), Severity::Low);
        assert_eq!(lvl("CRITICAL"), Severity::Critical);
        assert_eq!(lvl("LOW"), Severity::Low);
        assert_eq!(lvl("INVENTORY"), Severity::Info);
        assert_eq!(
            severity(Some("WARNING")).tool_label.as_deref(),
            Some("WARNING")
        );
        assert_eq!(severity(None), SeverityInfo::new(Severity::Info, None));
    }

    #[test]
    fn secret_rules() {
        assert!(is_secret_rule(
            "generic.secrets.gitleaks.jwt.jwt",
            &Value::Null
        ));
        assert!(is_secret_rule("x.y", &json!({"category": "secrets"})));
        assert!(!is_secret_rule(
            "javascript.jsonwebtoken.security.jwt-hardcode.hardcoded-jwt-secret",
            &json!({"technology": ["jwt", "secrets"]})
        ));
    }

    #[test]
    fn matched_text_by_columns() {
        let p = |line, col| Position {
            line: Some(line),
            col: Some(col),
        };
        assert_eq!(
            matched_text("  key: abcd1234", &p(3, 8), &p(3, 16)).as_deref(),
            Some("abcd1234")
        );
        assert_eq!(
            matched_text("x = -----BEGIN\nAAAA\n-----END y", &p(1, 5), &p(3, 9)).as_deref(),
            Some("-----BEGIN\nAAAA\n-----END")
        );
        assert_eq!(matched_text("short", &p(1, 3), &p(1, 99)), None);
        assert_eq!(matched_text("one line", &p(1, 1), &p(2, 3)), None);
        assert_eq!(matched_text("x", &p(1, 0), &p(1, 1)), None);
    }

    #[test]
    fn secret_findings_keep_no_value() {
        let report = r#"{"version": "1.0.0", "results": [{
            "check_id": "generic.secrets.security.detected-generic-secret.detected-generic-secret",
            "path": "./conf/app.yml",
            "start": {"line": 4, "col": 3}, "end": {"line": 4, "col": 25},
            "extra": {
                "message": "Secret s3cr3tVALUE99 found", "severity": "ERROR",
                "lines": "  token: s3cr3tVALUE99", "fix": "token: s3cr3tVALUE99x",
                "fingerprint": "abc_0",
                "metavars": {"$SECRET": {"abstract_content": "s3cr3tVALUE99"}}
            }
        }], "errors": []}"#;
        let (out, obs) = parse_bytes(report.as_bytes(), None, &ctx()).unwrap();
        assert_eq!(out.format, Some(Format::Semgrep));
        assert_eq!(obs.len(), 1);
        let o = &obs[0];
        assert_eq!(o.kind, FindingKind::Secret);
        assert_eq!(o.snippet, None);
        assert_eq!(o.message.as_deref(), Some("Secret *** found"));
        let ev = o.secret.as_ref().unwrap();
        assert_eq!(ev, &secret::evidence(b"k", "s3cr3tVALUE99"));
        let text = serde_json::to_string(o).unwrap();
        assert!(!text.contains("s3cr3tVALUE99"), "{text}");
        assert_eq!(
            o.fingerprints.get(MATCH_BASED_ID).map(String::as_str),
            Some("abc_0")
        );
        assert_eq!(o.tool.version.as_deref(), Some("1.0.0"));
    }

    #[test]
    fn bad_records_are_diagnosed_and_the_parse_goes_on() {
        let report = r#"{"results": [
            {"path": "a.py", "extra": {"message": "no check id"}},
            {"check_id": "r.x", "start": "nonsense", "path": "a.py"},
            {"check_id": "r.y", "path": "b.py", "extra": null, "start": null},
            7
        ], "errors": [{"level": "warn", "type": ["PartialParsing", []],
            "message": "Syntax error\n code", "path": "c.ts"}]}"#;
        let (out, obs) = parse_bytes(report.as_bytes(), None, &ctx()).unwrap();
        assert_eq!(obs.len(), 1);
        assert_eq!(obs[0].rule_id, "r.y");
        let places: Vec<&str> = out.diagnostics.iter().map(|d| d.place.as_str()).collect();
        assert_eq!(
            places,
            ["/results/0", "/results/1", "/results/3", "/errors/0"]
        );
        assert_eq!(
            out.diagnostics[3].message,
            "semgrep warn (PartialParsing) in c.ts: Syntax error"
        );
    }

    #[test]
    fn structural_errors_name_the_place() {
        let e = parse_bytes(
            br#"{"results": {"a": 1}, "errors": []}"#,
            Some(Format::Semgrep),
            &ctx(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("t.json") && e.contains("/results") && e.contains("array"),
            "{e}"
        );
        let e = parse_bytes(br#"{"errors": []}"#, Some(Format::Semgrep), &ctx())
            .unwrap_err()
            .to_string();
        assert!(e.contains("no `results` array"), "{e}");
        let e = parse_bytes(b"[1]", Some(Format::Semgrep), &ctx())
            .unwrap_err()
            .to_string();
        assert!(e.contains("a Semgrep JSON report"), "{e}");
    }

    #[test]
    fn purls() {
        assert_eq!(
            purl("pypi", "grpcio", Some("1.47.0")).as_deref(),
            Some("pkg:pypi/grpcio@1.47.0")
        );
        assert_eq!(
            purl("npm", "@a/b", Some("< 2")).as_deref(),
            Some("pkg:npm/%40a/b")
        );
        assert_eq!(
            purl("maven", "g:a", Some("1")).as_deref(),
            Some("pkg:maven/g/a@1")
        );
        assert_eq!(purl("unknown", "x", None), None);
        assert_eq!(
            ghsa_in("https://github.com/advisories/GHSA-6628-q6j9-w8vg").as_deref(),
            Some("GHSA-6628-q6j9-w8vg")
        );
    }
}
