//! Checkov JSON (`checkov -o json`): one report object
//! `{check_type, results: {passed_checks, failed_checks, skipped_checks, parsing_errors}, summary}`,
//! or a list of such reports (one per framework) when several frameworks found something, or
//! only a summary (`{passed, failed, skipped, ..., checkov_version}`) when nothing was scanned.
//!
//! `failed_checks` and `skipped_checks` are streamed; passed checks are skipped unread. Each
//! failed check becomes an observation, and each skipped one too, with a [`Suppression`]
//! (`inSource`: Checkov writes the same record for a `checkov:skip=` comment and for a platform
//! suppression, so the two cannot be told apart; the justification is `suppress_comment`):
//!
//! * IaC checks (Terraform, CloudFormation, Kubernetes, Dockerfile, GitHub Actions ...) are
//!   [`FindingKind::Iac`] at a [`Location::Resource`]: the file (`file_path`, relative to the
//!   scanned directory), the resource address as Checkov names it (`aws_s3_bucket.data`,
//!   `/Dockerfile.ADD`, `on(Lint)`) and `file_line_range`; the snippet is the `code_block`
//!   without its line numbers.
//! * Secrets checks (`check_type: secrets`, `CKV_SECRET_*`) are [`FindingKind::Secret`] at a
//!   code location. Checkov masks the value and never gives it, so the evidence has no HMAC,
//!   nothing of `code_block` is kept and the snippet is `None`; the unsalted SHA-1 of the value
//!   that Checkov writes as the `resource` is kept as the `detect-secrets-sha1` fingerprint
//!   (Checkov's secrets scanner is detect-secrets, which writes the same hash).
//! * Package checks (SCA records with `vulnerability_details.package_name`) are
//!   [`FindingKind::Dependency`] (or [`FindingKind::License`]) at a package location.
//!
//! Severity: `severity` verbatim as the tool label. Offline runs write `null` (severities come
//! from the Prisma Cloud platform): such IaC findings are [`Severity::Medium`] (a failed policy
//! whose weight is unknown: neither hidden as info nor raised to high; DefectDojo does the
//! same) and secrets [`Severity::High`] (a credential in the code, as for Gitleaks), with no
//! tool label. The Checkov version is in `summary`, which Checkov writes after `results`:
//! every outcome names it, observations only when a summary came before their records.

use crate::json::{self, StreamSeq, lenient_string};
use crate::{Emitter, ParseContext, ParseError, ParseOutcome};
use rampart_model::path::normalize_path;
use rampart_model::{
    CodeLocation, Cvss, FindingKind, Location, Observation, PackageLocation, ResourceLocation,
    SecretEvidence, Severity, SeverityInfo, Suppression, ToolInfo, ToolKind, normalize_vuln_id,
};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;
use std::io::BufRead;

/// The tool name on every observation.
const TOOL: &str = "checkov";
/// Fingerprint key of the unsalted SHA-1 of a secret, as detect-secrets and Checkov write it.
pub const DETECT_SECRETS_SHA1: &str = "detect-secrets-sha1";
/// Longest title kept, in characters.
const TITLE_MAX: usize = 200;
/// Longest message kept, in characters.
const MESSAGE_MAX: usize = 2000;

/// Parses a Checkov JSON report (or list of reports), streaming each failed and skipped check
/// into `emitter`.
pub fn parse<R: BufRead>(
    reader: R,
    ctx: &ParseContext,
    emitter: &mut Emitter<'_>,
) -> Result<ParseOutcome, ParseError> {
    let mut doc = Doc {
        emitter,
        version: None,
        reports: 0,
        iac: 0,
        secrets: 0,
        packages: 0,
    };
    json::visit_document(&ctx.file_name, reader, Top { doc: &mut doc })?;
    let tool_kind = if doc.iac == 0 && doc.packages == 0 && doc.secrets > 0 {
        ToolKind::Secrets
    } else if doc.iac == 0 && doc.packages > 0 {
        ToolKind::Sca
    } else {
        ToolKind::Iac
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

/// The parse state shared by the visitors and the per-record callbacks.
struct Doc<'a, 'e> {
    emitter: &'a mut Emitter<'e>,
    /// `summary.checkov_version` (or top-level `checkov_version`), once read.
    version: Option<String>,
    /// Report objects seen (the summary-only form counts).
    reports: usize,
    /// Observations emitted, per kind of check: decide the outcome's tool kind.
    iac: usize,
    secrets: usize,
    packages: usize,
}

/// The top-level visitor: one report object, or an array of them.
struct Top<'d, 'a, 'e> {
    doc: &'d mut Doc<'a, 'e>,
}

impl<'de> Visitor<'de> for Top<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(
            "a Checkov JSON report (`checkov -o json`): an object with `check_type` and \
             `results`, or a list of such objects",
        )
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        Report {
            doc: self.doc,
            prefix: String::new(),
        }
        .visit_map(map)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut k = 0usize;
        while seq
            .next_element_seed(Report {
                doc: &mut *self.doc,
                prefix: format!("/{k}"),
            })?
            .is_some()
        {
            k += 1;
        }
        Ok(())
    }
}

/// One report object (the whole document, or one element of the top-level list).
struct Report<'d, 'a, 'e> {
    doc: &'d mut Doc<'a, 'e>,
    /// JSON pointer of the report (`""` or `/1`).
    prefix: String,
}

impl<'de> DeserializeSeed<'de> for Report<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Report<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "a Checkov report object (`check_type`, `results`, `summary`) at {}",
            if self.prefix.is_empty() {
                "/"
            } else {
                &self.prefix
            }
        )
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Report { doc, prefix } = self;
        let mut check_type: Option<String> = None;
        // A report has `check_type` or `results`; the summary-only form has `checkov_version`
        // or both `passed` and `failed` (a `summary` alone, as in OSV records, is not enough).
        let (mut report, mut version, mut passed, mut failed) = (false, false, false, false);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "check_type" => {
                    report = true;
                    let v: Value = map.next_value()?;
                    check_type = lenient_string(&v)
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty());
                }
                "results" => {
                    report = true;
                    map.next_value_seed(Results {
                        doc: &mut *doc,
                        prefix: &prefix,
                        check_type: check_type.as_deref(),
                    })?;
                }
                "summary" => {
                    let v: Value = map.next_value()?;
                    doc.take_version(v.get("checkov_version"));
                }
                "checkov_version" => {
                    version = true;
                    let v: Value = map.next_value()?;
                    doc.take_version(Some(&v));
                }
                "passed" | "failed" => {
                    passed |= key == "passed";
                    failed |= key == "failed";
                    map.next_value::<IgnoredAny>()?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !(report || version || passed && failed) {
            return Err(de::Error::custom(format!(
                "at {}: no `check_type` or `results`: expected a Checkov report",
                if prefix.is_empty() { "/" } else { &prefix }
            )));
        }
        doc.reports += 1;
        Ok(())
    }
}

impl Doc<'_, '_> {
    /// Records the Checkov version of a `checkov_version` value, unless one is known.
    fn take_version(&mut self, v: Option<&Value>) {
        if self.version.is_none() {
            self.version = v
                .and_then(lenient_string)
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty());
        }
    }

    /// Emits one failed or skipped check, or diagnoses why it cannot be used.
    fn check(
        &mut self,
        place: String,
        v: Value,
        check_type: Option<&str>,
        skipped: bool,
    ) -> Result<(), String> {
        let built = serde_json::from_value::<Check>(v)
            .map_err(|e| format!("skipped: not a Checkov check result: {e}"))
            .and_then(|c| observation(c, check_type, skipped, self.version.as_deref(), &place));
        match built {
            Ok(obs) => {
                match obs.kind {
                    FindingKind::Secret => self.secrets += 1,
                    FindingKind::Dependency | FindingKind::License => self.packages += 1,
                    _ => self.iac += 1,
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

/// The `results` object of one report.
struct Results<'d, 'p, 'a, 'e> {
    doc: &'d mut Doc<'a, 'e>,
    prefix: &'p str,
    check_type: Option<&'p str>,
}

impl<'de> DeserializeSeed<'de> for Results<'_, '_, '_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Results<'_, '_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "an object with `failed_checks`, `passed_checks`, `skipped_checks` at {}/results",
            self.prefix
        )
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Results {
            doc,
            prefix,
            check_type,
        } = self;
        while let Some(key) = map.next_key::<String>()? {
            let pointer = format!("{prefix}/results/{key}");
            match key.as_str() {
                "failed_checks" | "skipped_checks" => {
                    let skipped = key == "skipped_checks";
                    map.next_value_seed(StreamSeq::new(&pointer, |i, v: Value| {
                        doc.check(format!("{pointer}/{i}"), v, check_type, skipped)
                    }))?;
                }
                "parsing_errors" => {
                    map.next_value_seed(StreamSeq::new(&pointer, |i, v: Value| {
                        let file = lenient_string(&v).unwrap_or_else(|| v.to_string());
                        doc.emitter.diagnose(
                            format!("{pointer}/{i}"),
                            format!("checkov could not parse {file}: its checks did not run"),
                        );
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

/// One failed or skipped check.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Check {
    #[serde(deserialize_with = "json::opt_string")]
    check_id: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    bc_check_id: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    check_name: Option<String>,
    check_result: Value,
    code_block: Value,
    #[serde(deserialize_with = "json::opt_string")]
    file_path: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    repo_file_path: Option<String>,
    file_line_range: Value,
    #[serde(deserialize_with = "json::opt_string")]
    resource: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    check_class: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    severity: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    bc_category: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    description: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    short_description: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    guideline: Option<String>,
    vulnerability_details: Value,
}

/// Non-blank text, trimmed.
fn text(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// A non-blank string field of a JSON object.
fn field<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// What a check is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Iac,
    Secret,
    Package,
    License,
}

/// Decides the class of a check from its report's `check_type`, its id and its class.
fn classify(c: &Check, check_id: &str, check_type: Option<&str>) -> Class {
    let secrets_type = check_type.is_some_and(|t| t.eq_ignore_ascii_case("secrets"));
    let secrets_class = text(&c.check_class).is_some_and(|k| k.contains(".secrets."));
    if secrets_type || secrets_class || check_id.starts_with("CKV_SECRET_") {
        return Class::Secret;
    }
    if field(&c.vulnerability_details, "package_name").is_some() {
        let license = check_id.contains("_LIC_")
            || c.vulnerability_details.get("license").is_some()
                && field(&c.vulnerability_details, "id").is_none_or(|id| !id.contains('-'));
        return if license {
            Class::License
        } else {
            Class::Package
        };
    }
    Class::Iac
}

/// Builds the observation of one failed or skipped check.
fn observation(
    c: Check,
    check_type: Option<&str>,
    skipped: bool,
    version: Option<&str>,
    place: &str,
) -> Result<Observation, String> {
    let check_id = text(&c.check_id)
        .ok_or("skipped: the check has no `check_id`")?
        .to_string();
    let class = classify(&c, &check_id, check_type);
    let check_name = text(&c.check_name).map(str::to_string);
    let title = check_name
        .as_deref()
        .map(|n| one_line(n, TITLE_MAX))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| check_id.clone());
    let path = text(&c.file_path)
        .or(text(&c.repo_file_path))
        .map(normalize_path)
        .unwrap_or_default();
    let (start_line, end_line) = line_range(&c.file_line_range);

    let (kind, location) = match class {
        Class::Secret => (
            FindingKind::Secret,
            code_location(&path, start_line, end_line),
        ),
        Class::Package | Class::License => (
            if class == Class::License {
                FindingKind::License
            } else {
                FindingKind::Dependency
            },
            package_location(&c.vulnerability_details, &path),
        ),
        Class::Iac => (
            FindingKind::Iac,
            resource_location(text(&c.resource), &path, start_line, end_line),
        ),
    };
    let rule_id = match class {
        Class::Package => field(&c.vulnerability_details, "id")
            .unwrap_or(&check_id)
            .to_string(),
        _ => check_id.clone(),
    };

    let mut obs = Observation::new(TOOL, kind, rule_id, title, location);
    obs.tool.version = version.map(str::to_string);
    obs.rule_name = check_name.clone();
    obs.message = text(&c.description)
        .or(text(&c.short_description))
        .or(field(&c.vulnerability_details, "description"))
        .or(check_name.as_deref())
        .map(|m| cut(m, MESSAGE_MAX));
    obs.severity = severity(
        text(&c.severity).or(field(&c.vulnerability_details, "severity")),
        class,
    );
    obs.references = references(&c);
    obs.tags = tags(&c, check_type);
    obs.source_ref = place.to_string();
    if skipped {
        obs.suppression = Some(Suppression {
            kind: "inSource".into(),
            status: Some("accepted".into()),
            justification: field(&c.check_result, "suppress_comment").map(str::to_string),
        });
    }
    match class {
        Class::Secret => {
            obs.secret = Some(SecretEvidence {
                hmac: None,
                preview: None,
            });
            if let Some(h) = text(&c.resource).filter(|r| is_sha1_hex(r)) {
                obs.fingerprints
                    .insert(DETECT_SECRETS_SHA1.into(), h.to_ascii_lowercase());
            }
        }
        Class::Package => {
            obs.vuln_ids = field(&c.vulnerability_details, "id")
                .and_then(normalize_vuln_id)
                .into_iter()
                .collect();
            obs.severity.cvss = cvss(&c.vulnerability_details);
        }
        Class::License => {}
        Class::Iac => obs.snippet = code_block(&c.code_block),
    }
    Ok(obs)
}

/// `file_line_range` (`[first, last]`). A range starting at line 0 is Checkov's mark of a
/// whole-file check (`[0, 0]` for some Dockerfile checks, `[0, 1]` for GitHub Actions
/// workflows): it gives no lines.
fn line_range(v: &Value) -> (Option<u32>, Option<u32>) {
    let line = |i: usize| {
        v.get(i)
            .and_then(lenient_string)
            .and_then(|s| s.trim().parse::<u32>().ok())
            .filter(|&l| l > 0)
    };
    let Some(start) = line(0) else {
        return (None, None);
    };
    (Some(start), line(1).filter(|&e| e >= start).or(Some(start)))
}

fn code_location(path: &str, start_line: Option<u32>, end_line: Option<u32>) -> Location {
    if path.is_empty() {
        return Location::None;
    }
    Location::Code(CodeLocation {
        path: path.to_string(),
        start_line,
        end_line,
        start_column: None,
        end_column: None,
    })
}

/// The resource of an IaC check; a check with no resource name is about its file.
fn resource_location(
    resource: Option<&str>,
    path: &str,
    start_line: Option<u32>,
    end_line: Option<u32>,
) -> Location {
    let resource = resource.unwrap_or(path);
    if resource.is_empty() {
        return Location::None;
    }
    Location::Resource(ResourceLocation {
        file: (!path.is_empty()).then(|| path.to_string()),
        resource: resource.to_string(),
        start_line,
        end_line,
    })
}

/// The package of an SCA record (`vulnerability_details.package_name` / `package_version`).
fn package_location(details: &Value, path: &str) -> Location {
    let fixed: Vec<String> = ["lowest_fixed_version", "fixed_version", "fix_version"]
        .iter()
        .filter_map(|k| field(details, k))
        .chain(
            details
                .get("fixed_versions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str),
        )
        .map(str::to_string)
        .fold(Vec::new(), |mut acc, v| {
            if !acc.contains(&v) {
                acc.push(v);
            }
            acc
        });
    Location::Package(PackageLocation {
        purl: None,
        ecosystem: None,
        name: field(details, "package_name")
            .unwrap_or_default()
            .to_string(),
        version: field(details, "package_version").map(str::to_string),
        fixed_versions: fixed,
        found_in: (!path.is_empty()).then(|| path.to_string()),
    })
}

/// CVSS data of an SCA record: its `vector` (with `cvss` as the score).
fn cvss(details: &Value) -> Vec<Cvss> {
    let score = details.get("cvss").and_then(Value::as_f64);
    field(details, "vector")
        .map(|v| Cvss::from_vector(v, score))
        .into_iter()
        .collect()
}

/// The code of an IaC finding: the `code_block` lines (`[[number, text], ...]`) without their
/// numbers. `None` when empty.
fn code_block(v: &Value) -> Option<String> {
    let lines = v.as_array()?;
    let mut out = String::new();
    for line in lines {
        let text = match line {
            Value::Array(pair) => pair.get(1).and_then(Value::as_str),
            Value::String(s) => Some(s.as_str()),
            _ => None,
        };
        if let Some(t) = text {
            out.push_str(t);
            if !t.ends_with('\n') {
                out.push('\n');
            }
        }
    }
    (!out.trim().is_empty()).then_some(out)
}

/// Checkov's severity word as Rampart's level, verbatim as the tool label; see the module
/// documentation for the defaults when there is none.
fn severity(label: Option<&str>, class: Class) -> SeverityInfo {
    let default = match class {
        Class::Secret => Severity::High,
        _ => Severity::Medium,
    };
    match label {
        Some(l) => SeverityInfo::new(
            Severity::from_label(l).unwrap_or(default),
            Some(l.to_string()),
        ),
        None => SeverityInfo::new(default, None),
    }
}

/// `guideline`, then the advisory link of an SCA record.
fn references(c: &Check) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in [text(&c.guideline), field(&c.vulnerability_details, "link")]
        .into_iter()
        .flatten()
    {
        if !out.iter().any(|o| o == r) {
            out.push(r.to_string());
        }
    }
    out
}

/// `check_type:<framework>`, `bc_check_id:<id>`, `category:<bc_category>` and one
/// `evaluated_key:<key>` per attribute the check evaluated (the checked property).
fn tags(c: &Check, check_type: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(t) = check_type {
        out.push(format!("check_type:{t}"));
    }
    if let Some(b) = text(&c.bc_check_id) {
        out.push(format!("bc_check_id:{b}"));
    }
    if let Some(cat) = text(&c.bc_category) {
        out.push(format!("category:{cat}"));
    }
    for k in c
        .check_result
        .get("evaluated_keys")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        let tag = format!("evaluated_key:{k}");
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    out
}

/// Whether `s` is 40 hex digits (a SHA-1).
fn is_sha1_hex(s: &str) -> bool {
    s.len() == 40 && s.chars().all(|c| c.is_ascii_hexdigit())
}

/// The first non-blank line of `s`, cut to `max` characters (with `…`).
fn one_line(s: &str, max: usize) -> String {
    let line = s
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    cut(line, max)
}

/// `s` trimmed and cut to `max` characters (with `…`).
fn cut(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Format, parse_bytes};

    fn ctx() -> ParseContext {
        ParseContext::new("checkov.json", b"key".to_vec())
    }

    const TF_FAILED: &str = r#"{"check_id": "CKV_AWS_19", "bc_check_id": "BC_AWS_S3_14",
        "check_name": "Ensure all data stored in the S3 bucket is securely encrypted at rest",
        "check_result": {"result": "FAILED", "evaluated_keys": ["server_side_encryption_configuration"]},
        "code_block": [[1, "resource \"aws_s3_bucket\" \"data\" {\n"], [2, "  bucket = \"d\"\n"], [3, "}"]],
        "file_path": "/s3.tf", "file_line_range": [1, 3], "resource": "aws_s3_bucket.data",
        "severity": null, "guideline": "https://docs.example/s3-encryption"}"#;

    #[test]
    fn terraform_failed_and_skipped() {
        let doc = format!(
            r#"{{"check_type": "terraform", "results": {{"passed_checks": [{{"check_id": "X"}}],
            "failed_checks": [{TF_FAILED}, {{"check_name": "no id"}}],
            "skipped_checks": [{{"check_id": "CKV_AWS_18", "check_name": "logging",
              "check_result": {{"result": "SKIPPED", "suppress_comment": "logs go elsewhere"}},
              "file_path": "/s3.tf", "file_line_range": [1, 3], "resource": "aws_s3_bucket.data"}}],
            "parsing_errors": ["/bad.tf"]}},
            "summary": {{"passed": 1, "failed": 1, "checkov_version": "3.3.30"}}}}"#
        );
        let (out, obs) = parse_bytes(doc.as_bytes(), None, &ctx()).unwrap();
        assert_eq!(out.format, Some(Format::Checkov));
        assert_eq!(out.tool_kind, Some(ToolKind::Iac));
        assert_eq!(out.tools[0].version.as_deref(), Some("3.3.30"));
        assert_eq!(obs.len(), 2);
        let o = &obs[0];
        assert_eq!(o.kind, FindingKind::Iac);
        assert_eq!(o.rule_id, "CKV_AWS_19");
        assert_eq!(o.severity, SeverityInfo::new(Severity::Medium, None));
        assert_eq!(
            o.location,
            Location::Resource(ResourceLocation {
                file: Some("s3.tf".into()),
                resource: "aws_s3_bucket.data".into(),
                start_line: Some(1),
                end_line: Some(3),
            })
        );
        assert_eq!(
            o.snippet.as_deref(),
            Some("resource \"aws_s3_bucket\" \"data\" {\n  bucket = \"d\"\n}\n")
        );
        assert_eq!(
            o.tags,
            [
                "check_type:terraform",
                "bc_check_id:BC_AWS_S3_14",
                "evaluated_key:server_side_encryption_configuration"
            ]
        );
        assert_eq!(o.references, ["https://docs.example/s3-encryption"]);
        assert_eq!(o.source_ref, "/results/failed_checks/0");
        let s = &obs[1];
        assert_eq!(s.source_ref, "/results/skipped_checks/0");
        let sup = s.suppression.as_ref().unwrap();
        assert_eq!(sup.kind, "inSource");
        assert_eq!(sup.justification.as_deref(), Some("logs go elsewhere"));
        let places: Vec<&str> = out.diagnostics.iter().map(|d| d.place.as_str()).collect();
        assert_eq!(
            places,
            ["/results/failed_checks/1", "/results/parsing_errors/0"]
        );
    }

    #[test]
    fn list_of_reports_with_secrets() {
        let doc = format!(
            r#"[{{"check_type": "terraform", "results": {{"failed_checks": [{TF_FAILED}]}}}},
            {{"check_type": "secrets", "results": {{"failed_checks": [{{"check_id": "CKV_SECRET_2",
              "check_name": "AWS Access Key", "check_result": {{"result": "FAILED"}},
              "code_block": [[15, "aws_access_key_id = AKIA************\n"]],
              "file_path": "/config/aws.conf", "file_line_range": [15, 16],
              "resource": "25910F981E85CA04BAF359199DD0BD4A3AE738B6", "severity": "HIGH"}}]}},
              "summary": {{"checkov_version": "2.0.1"}}}}]"#
        );
        let (out, obs) = parse_bytes(doc.as_bytes(), None, &ctx()).unwrap();
        assert_eq!(out.format, Some(Format::Checkov));
        assert_eq!(obs.len(), 2);
        assert_eq!(obs[0].source_ref, "/0/results/failed_checks/0");
        let s = &obs[1];
        assert_eq!(s.source_ref, "/1/results/failed_checks/0");
        assert_eq!(s.kind, FindingKind::Secret);
        assert_eq!(s.snippet, None);
        assert_eq!(
            s.secret,
            Some(SecretEvidence {
                hmac: None,
                preview: None
            })
        );
        assert_eq!(
            s.fingerprints.get(DETECT_SECRETS_SHA1).map(String::as_str),
            Some("25910f981e85ca04baf359199dd0bd4a3ae738b6")
        );
        assert_eq!(s.location.display(), "config/aws.conf:15");
        assert_eq!(s.severity.tool_label.as_deref(), Some("HIGH"));
        assert!(!serde_json::to_string(s).unwrap().contains("AKIA"));
    }

    #[test]
    fn package_record() {
        let doc = br#"{"check_type": "sca_package", "results": {"failed_checks": [{"check_id": "CKV_CVE_2021_23337",
            "check_name": "SCA package scan", "file_path": "/package.json", "resource": "package.json.lodash",
            "vulnerability_details": {"id": "CVE-2021-23337", "package_name": "lodash", "package_version": "4.17.20",
              "severity": "high", "cvss": 7.2, "vector": "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H",
              "lowest_fixed_version": "4.17.21", "link": "https://nvd.nist.gov/vuln/detail/CVE-2021-23337"}}]}}"#;
        let (out, obs) = parse_bytes(doc, None, &ctx()).unwrap();
        assert_eq!(out.tool_kind, Some(ToolKind::Sca));
        let o = &obs[0];
        assert_eq!(o.kind, FindingKind::Dependency);
        assert_eq!(o.rule_id, "CVE-2021-23337");
        assert_eq!(o.vuln_ids[0].0, "CVE-2021-23337");
        assert_eq!(o.severity.level, Severity::High);
        assert_eq!(o.severity.cvss[0].score, Some(7.2));
        let Location::Package(p) = &o.location else {
            panic!("{:?}", o.location)
        };
        assert_eq!(
            (p.name.as_str(), p.version.as_deref()),
            ("lodash", Some("4.17.20"))
        );
        assert_eq!(p.fixed_versions, ["4.17.21"]);
    }

    #[test]
    fn summary_only_empty_and_broken() {
        let (out, obs) = parse_bytes(
            br#"{"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 0, "resource_count": 0, "checkov_version": "3.3.30"}"#,
            None,
            &ctx(),
        )
        .unwrap();
        assert!(obs.is_empty());
        assert_eq!(out.tools[0].version.as_deref(), Some("3.3.30"));
        let (_, obs) = parse_bytes(b"[]", Some(Format::Checkov), &ctx()).unwrap();
        assert!(obs.is_empty());
        let e = parse_bytes(b"{\"a\": 1}", Some(Format::Checkov), &ctx()).unwrap_err();
        assert!(e.to_string().contains("expected a Checkov report"), "{e}");
        // An OSV record has a `summary` too: not a Checkov report.
        let e = parse_bytes(
            br#"{"id": "GHSA-x", "summary": "s"}"#,
            Some(Format::Checkov),
            &ctx(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("expected a Checkov report"), "{e}");
        let e = parse_bytes(
            b"[{\"check_type\": \"x\"}, 3]",
            Some(Format::Checkov),
            &ctx(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("a Checkov report object"), "{e}");
        let e = parse_bytes(
            b"{\"check_type\": \"x\", \"results\": [1]}",
            Some(Format::Checkov),
            &ctx(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("failed_checks"), "{e}");
        let e = parse_bytes(b"\"x\"", Some(Format::Checkov), &ctx()).unwrap_err();
        assert!(e.to_string().contains("a Checkov JSON report"), "{e}");
    }
}
