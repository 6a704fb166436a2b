//! Application catalogs: Rampart's own YAML (`applications:`; see `docs/catalog.md`) and
//! Backstage descriptor files (`catalog-info.yaml`: `Component` entities, with `rampart.dev/*`
//! annotations for what Backstage has no field for). Both become [`AppProfile`]s.
//!
//! Errors name the file, the place (line and column, or the entry such as
//! `applications[2] (payments-api).tier`) and what was expected.

mod backstage;
mod rampart;

use crate::ParseError;
use rampart_model::{AppProfile, CompensatingControl, DataClass, Severity, SlaDays, normalize_cwe};

/// What one catalog file says.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CatalogFile {
    /// The applications it describes, in file order.
    pub profiles: Vec<AppProfile>,
    /// Entries it holds that are not applications (Backstage APIs, Systems, Templates ...),
    /// as `document N: kind K name`.
    pub skipped: Vec<String>,
}

/// Parses a catalog file: Backstage entities when the first document has `apiVersion` and
/// `kind`, else Rampart's format (`applications:`).
pub fn parse(file: &str, text: &str) -> Result<CatalogFile, ParseError> {
    if text.trim().is_empty() {
        return Err(ParseError::Empty { file: file.into() });
    }
    let backstage = text.lines().any(|l| l.starts_with("apiVersion:"))
        && text.lines().any(|l| l.starts_with("kind:"));
    let out = if backstage {
        backstage::parse(file, text)?
    } else if text.lines().any(|l| l.starts_with("applications:")) {
        rampart::parse(file, text)?
    } else {
        return Err(ParseError::invalid(
            file,
            "top level",
            "expected a Rampart catalog (an `applications:` list) or Backstage entities (`apiVersion:` and `kind:`)",
        ));
    };
    let mut seen = std::collections::HashSet::new();
    for p in &out.profiles {
        if !seen.insert(p.name.as_str()) {
            return Err(ParseError::invalid(
                file,
                format!("application {}", p.name),
                "the application is described twice: expected each name once per file",
            ));
        }
    }
    Ok(out)
}

/// An application's SLA override from `(severity, days)` pairs: `critical: 3`.
pub(crate) fn sla_days<'a>(
    pairs: impl IntoIterator<Item = (&'a str, u32)>,
) -> Result<SlaDays, String> {
    let mut out = SlaDays::default();
    for (name, days) in pairs {
        let severity = match name.trim().to_ascii_lowercase().as_str() {
            "critical" => Severity::Critical,
            "high" => Severity::High,
            "medium" => Severity::Medium,
            "low" => Severity::Low,
            "info" => Severity::Info,
            other => {
                return Err(format!(
                    "`{other}`: expected critical, high, medium, low or info"
                ));
            }
        };
        if days == 0 {
            return Err(format!("{name}: 0 days: expected at least 1"));
        }
        out.set(severity, days);
    }
    Ok(out)
}

/// A yes/no word (`true`, `false`, `yes`, `no`).
pub(crate) fn yes_no(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" => Some(true),
        "false" | "no" => Some(false),
        _ => None,
    }
}

/// A yaml_serde error as a `ParseError` with its line and column.
pub(crate) fn yaml_error(file: &str, e: &yaml_serde::Error) -> ParseError {
    let place = e
        .location()
        .map(|l| format!("line {}, column {}", l.line(), l.column()))
        .unwrap_or_else(|| "document".into());
    ParseError::invalid(file, place, e.to_string())
}

/// Splits a data classification list into the level and the tags: `[PII, PCI]`,
/// `restricted`, `[confidential, PII]`. Unknown words are tags, upper-cased.
pub(crate) fn data_classification(items: &[String]) -> (Option<DataClass>, Vec<String>) {
    let mut level = None;
    let mut tags = Vec::new();
    for item in items.iter().flat_map(|i| i.split(',')) {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        match DataClass::parse(item) {
            Some(d) => level = level.max(Some(d)),
            None => {
                let t = item.to_ascii_uppercase();
                if !tags.contains(&t) {
                    tags.push(t);
                }
            }
        }
    }
    (level, tags)
}

/// A criticality word as a tier: critical 1, high 2, medium 3, low 4.
pub(crate) fn tier_of_criticality(word: &str) -> Option<u8> {
    match word.trim().to_ascii_lowercase().as_str() {
        "critical" | "mission-critical" => Some(1),
        "high" => Some(2),
        "medium" | "moderate" => Some(3),
        "low" => Some(4),
        _ => None,
    }
}

/// A compensating control from its name and CWE list; errors name what is wrong.
pub(crate) fn control(
    name: &str,
    cwes: &[String],
    description: Option<String>,
) -> Result<CompensatingControl, String> {
    if name.trim().is_empty() {
        return Err("a compensating control needs a name".into());
    }
    let mut out = Vec::new();
    for c in cwes {
        match normalize_cwe(c) {
            Some(n) => out.push(n),
            None => return Err(format!("`{c}` is not a CWE: expected CWE-<number>")),
        }
    }
    if out.is_empty() {
        return Err(format!(
            "control `{name}` names no CWE: expected the weakness classes it mitigates"
        ));
    }
    Ok(CompensatingControl {
        name: name.trim().to_string(),
        cwes: out,
        description,
    })
}

#[cfg(test)]
mod tests;
