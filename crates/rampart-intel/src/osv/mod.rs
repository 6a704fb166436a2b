//! OSV records (<https://ossf.github.io/osv-schema/>), read leniently from JSON or YAML, and the
//! evaluation of their affected ranges against a version ([`eval`]).
//!
//! Leniency: missing fields and explicit `null`s read as empty; unknown fields are ignored;
//! `database_specific` / `ecosystem_specific` are kept as JSON values. Version strings must be
//! strings: an unquoted YAML scalar such as `1.10` is read as the text `1.10` (never as a number),
//! while a JSON number where a version belongs makes the record fail with a clear error.

pub mod compiled;
pub mod eval;
mod index;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

pub use eval::{AffectedBy, Affectedness, Bound, Unknown, affected, evaluate_ranges};
pub use index::{AdvisoryIndex, Candidate};

use crate::ecosystem::Ecosystem;

/// Reads a JSON/YAML field that may be `null` as its default.
fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// One OSV record.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Record {
    /// OSV schema version the record declares.
    #[serde(deserialize_with = "nullable")]
    pub schema_version: Option<String>,
    /// The record id (`GHSA-…`, `PYSEC-…`, `GO-…`).
    #[serde(deserialize_with = "nullable")]
    pub id: String,
    /// Last modification time (RFC 3339).
    #[serde(deserialize_with = "nullable")]
    pub modified: Option<String>,
    /// Publication time (RFC 3339).
    #[serde(deserialize_with = "nullable")]
    pub published: Option<String>,
    /// Withdrawal time (RFC 3339): a withdrawn record must not match anything.
    #[serde(deserialize_with = "nullable")]
    pub withdrawn: Option<String>,
    /// Ids of the same vulnerability in other databases.
    #[serde(deserialize_with = "nullable")]
    pub aliases: Vec<String>,
    /// Ids of related, but different, vulnerabilities.
    #[serde(deserialize_with = "nullable")]
    pub related: Vec<String>,
    /// Ids of upstream records this one is derived from.
    #[serde(deserialize_with = "nullable")]
    pub upstream: Vec<String>,
    /// One-line summary.
    #[serde(deserialize_with = "nullable")]
    pub summary: Option<String>,
    /// Details (Markdown).
    #[serde(deserialize_with = "nullable")]
    pub details: Option<String>,
    /// Severity scores of the whole record.
    #[serde(deserialize_with = "nullable")]
    pub severity: Vec<SeverityScore>,
    /// The affected packages.
    #[serde(deserialize_with = "nullable")]
    pub affected: Vec<Affected>,
    /// References (advisories, fixes, reports).
    #[serde(deserialize_with = "nullable")]
    pub references: Vec<Reference>,
    /// Database-specific data (GHSA puts `cwe_ids`, `severity`, `github_reviewed` here).
    #[serde(deserialize_with = "nullable")]
    pub database_specific: Option<Value>,
}

/// One `affected[]` entry: a package, its ranges and/or enumerated versions.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Affected {
    /// The package (absent in some GIT-only records).
    #[serde(deserialize_with = "nullable")]
    pub package: Option<Package>,
    /// Severity specific to this package.
    #[serde(deserialize_with = "nullable")]
    pub severity: Vec<SeverityScore>,
    /// Affected ranges (OR-ed).
    #[serde(deserialize_with = "nullable")]
    pub ranges: Vec<Range>,
    /// Enumerated affected versions.
    #[serde(deserialize_with = "nullable")]
    pub versions: Vec<String>,
    /// Ecosystem-specific data, kept as is.
    #[serde(deserialize_with = "nullable")]
    pub ecosystem_specific: Option<Value>,
    /// Database-specific data, kept as is.
    #[serde(deserialize_with = "nullable")]
    pub database_specific: Option<Value>,
}

impl Affected {
    /// The package's ecosystem, parsed.
    pub fn ecosystem(&self) -> Option<Ecosystem> {
        self.package
            .as_ref()
            .filter(|p| !p.ecosystem.trim().is_empty())
            .map(|p| Ecosystem::parse(&p.ecosystem))
    }

    /// Every `fixed` version of the SEMVER and ECOSYSTEM ranges, in the order written.
    pub fn fixed_versions(&self) -> Vec<&str> {
        self.ranges
            .iter()
            .filter(|r| r.kind != RangeKind::Git)
            .flat_map(|r| r.events.iter())
            .filter_map(|e| match e {
                Event::Fixed(v) => Some(v.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// An affected package.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Package {
    /// OSV ecosystem (`PyPI`, `Debian:12` ...).
    #[serde(deserialize_with = "nullable")]
    pub ecosystem: String,
    /// Package name as the ecosystem spells it.
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    /// The package's purl, when given.
    #[serde(deserialize_with = "nullable")]
    pub purl: Option<String>,
}

/// The type of a range.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum RangeKind {
    /// Versions ordered by SemVer 2.0.
    Semver,
    /// Versions ordered by the package ecosystem's scheme.
    #[default]
    Ecosystem,
    /// Git commits: not evaluable against a package version.
    Git,
    /// A type this crate does not know.
    Other(String),
}

impl Serialize for RangeKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(match self {
            RangeKind::Semver => "SEMVER",
            RangeKind::Ecosystem => "ECOSYSTEM",
            RangeKind::Git => "GIT",
            RangeKind::Other(k) => k,
        })
    }
}

impl<'de> Deserialize<'de> for RangeKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Option::<String>::deserialize(d)?.unwrap_or_default();
        Ok(match s.trim().to_ascii_uppercase().as_str() {
            "SEMVER" => RangeKind::Semver,
            "ECOSYSTEM" => RangeKind::Ecosystem,
            "GIT" => RangeKind::Git,
            _ => RangeKind::Other(s),
        })
    }
}

/// One range of an affected package.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Range {
    /// SEMVER, ECOSYSTEM or GIT.
    #[serde(rename = "type")]
    pub kind: RangeKind,
    /// The repository of a GIT range.
    #[serde(deserialize_with = "nullable")]
    pub repo: Option<String>,
    /// The events, as written.
    #[serde(deserialize_with = "nullable")]
    pub events: Vec<Event>,
    /// Database-specific data, kept as is.
    #[serde(deserialize_with = "nullable")]
    pub database_specific: Option<Value>,
}

/// A range event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The first affected version (`0`: since the beginning).
    Introduced(String),
    /// The first version that is no longer affected (exclusive bound).
    Fixed(String),
    /// The last affected version (inclusive bound).
    LastAffected(String),
    /// Versions at or above this one are never affected by the range.
    Limit(String),
    /// An event object with none of the known keys.
    Unknown,
}

impl Event {
    /// The event's version or commit.
    pub fn version(&self) -> Option<&str> {
        match self {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => {
                Some(v)
            }
            Event::Unknown => None,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawEvent {
    #[serde(deserialize_with = "nullable")]
    introduced: Option<String>,
    #[serde(deserialize_with = "nullable")]
    fixed: Option<String>,
    #[serde(deserialize_with = "nullable")]
    last_affected: Option<String>,
    #[serde(deserialize_with = "nullable")]
    limit: Option<String>,
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(1))?;
        match self {
            Event::Introduced(v) => map.serialize_entry("introduced", v)?,
            Event::Fixed(v) => map.serialize_entry("fixed", v)?,
            Event::LastAffected(v) => map.serialize_entry("last_affected", v)?,
            Event::Limit(v) => map.serialize_entry("limit", v)?,
            Event::Unknown => {}
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = RawEvent::deserialize(d)?;
        Ok(if let Some(v) = raw.introduced {
            Event::Introduced(v)
        } else if let Some(v) = raw.fixed {
            Event::Fixed(v)
        } else if let Some(v) = raw.last_affected {
            Event::LastAffected(v)
        } else if let Some(v) = raw.limit {
            Event::Limit(v)
        } else {
            Event::Unknown
        })
    }
}

/// A severity score: a type (`CVSS_V3`, `CVSS_V4`, `CVSS_V2`, `Ubuntu`) and its value (a CVSS
/// vector for the CVSS types).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SeverityScore {
    /// The score type.
    #[serde(rename = "type", deserialize_with = "nullable")]
    pub kind: String,
    /// The score or vector.
    #[serde(deserialize_with = "nullable")]
    pub score: String,
}

/// A reference.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Reference {
    /// `ADVISORY`, `FIX`, `WEB`, `REPORT`, `PACKAGE` ...
    #[serde(rename = "type", deserialize_with = "nullable")]
    pub kind: String,
    /// The URL.
    #[serde(deserialize_with = "nullable")]
    pub url: String,
}

impl Record {
    /// Whether the record is withdrawn (and so must not match anything).
    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn
            .as_deref()
            .is_some_and(|w| !w.trim().is_empty())
    }

    /// CWE numbers from `database_specific.cwe_ids` (GHSA), normalized.
    pub fn cwe_ids(&self) -> Vec<u32> {
        let mut out: Vec<u32> = self
            .database_specific
            .as_ref()
            .and_then(|d| d.get("cwe_ids"))
            .and_then(Value::as_array)
            .map(|ids| {
                ids.iter()
                    .filter_map(Value::as_str)
                    .filter_map(rampart_model::normalize_cwe)
                    .collect()
            })
            .unwrap_or_default();
        out.dedup();
        out
    }

    /// The database's own severity label (`database_specific.severity`, e.g. GHSA `HIGH`).
    pub fn database_severity(&self) -> Option<&str> {
        self.database_specific
            .as_ref()
            .and_then(|d| d.get("severity"))
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
    }

    /// The CVSS vectors of the record and of its affected entries: `(type, vector)` for the
    /// `CVSS_V2` / `CVSS_V3` / `CVSS_V4` scores, record-level first.
    pub fn cvss_vectors(&self) -> Vec<(&str, &str)> {
        self.severity
            .iter()
            .chain(self.affected.iter().flat_map(|a| a.severity.iter()))
            .filter(|s| s.kind.starts_with("CVSS_") && !s.score.trim().is_empty())
            .map(|s| (s.kind.as_str(), s.score.as_str()))
            .collect()
    }
}

/// Why an OSV document could not be read.
#[derive(Debug, thiserror::Error)]
pub enum OsvError {
    /// Broken JSON or JSON of the wrong shape (the message has line and column).
    #[error("OSV JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Broken YAML or YAML of the wrong shape (the message has line and column).
    #[error("OSV YAML: {0}")]
    Yaml(#[from] yaml_serde::Error),
    /// A record without an `id`.
    #[error("OSV record #{index} has no `id` (expected a non-empty string)")]
    MissingId {
        /// Position of the record in the document.
        index: usize,
    },
    /// A document that is neither a record, an array of records nor `{"vulns": [...]}`.
    #[error(
        "not an OSV document: expected a record object, an array of records or {{\"vulns\": [...]}}"
    )]
    NotOsv,
}

/// The format of an OSV document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// JSON.
    Json,
    /// YAML.
    Yaml,
}

impl Format {
    /// Guesses the format from a file name (`.yaml` / `.yml` → YAML, else JSON).
    pub fn from_path(path: &str) -> Format {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".yaml") || lower.ends_with(".yml") {
            Format::Yaml
        } else {
            Format::Json
        }
    }
}

/// Reads one OSV record from JSON bytes.
pub fn from_json(bytes: &[u8]) -> Result<Record, OsvError> {
    checked(serde_json::from_slice::<Record>(bytes)?, 0)
}

/// Reads one OSV record from YAML bytes.
pub fn from_yaml(bytes: &[u8]) -> Result<Record, OsvError> {
    checked(yaml_serde::from_slice::<Record>(bytes)?, 0)
}

fn checked(record: Record, index: usize) -> Result<Record, OsvError> {
    if record.id.trim().is_empty() {
        return Err(OsvError::MissingId { index });
    }
    Ok(record)
}

/// Reads an OSV document: one record, an array of records, or an osv.dev API answer
/// (`{"vulns": [...]}`). A record that cannot be read is returned as an error in its place, so a
/// bad record never hides the good ones.
pub fn parse_document(
    bytes: &[u8],
    format: Format,
) -> Result<Vec<Result<Record, OsvError>>, OsvError> {
    if format == Format::Yaml {
        return Ok(vec![from_yaml(bytes)]);
    }
    let doc: Value = serde_json::from_slice(bytes)?;
    let items = match doc {
        Value::Array(items) => items,
        Value::Object(mut map) if !map.contains_key("id") && map.contains_key("vulns") => {
            match map.remove("vulns") {
                Some(Value::Array(items)) => items,
                _ => return Err(OsvError::NotOsv),
            }
        }
        one @ Value::Object(_) => vec![one],
        _ => return Err(OsvError::NotOsv),
    };
    Ok(items
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            serde_json::from_value::<Record>(v)
                .map_err(OsvError::from)
                .and_then(|r| checked(r, i))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_versions_stay_text() {
        let y = b"id: X-1\naffected:\n- package: {ecosystem: PyPI, name: a}\n  versions: [1.10, 2, 1.0]\n  ranges:\n  - type: ECOSYSTEM\n    events: [{introduced: 0}, {fixed: 1.20}]\n";
        let r = from_yaml(y).unwrap();
        let a = &r.affected[0];
        assert_eq!(a.versions, vec!["1.10", "2", "1.0"]);
        assert_eq!(
            a.ranges[0].events,
            vec![Event::Introduced("0".into()), Event::Fixed("1.20".into())]
        );
    }

    #[test]
    fn json_round_trip() {
        let y = b"id: X-1\nmodified: '2024-01-01T00:00:00Z'\naffected:\n- package: {ecosystem: PyPI, name: a}\n  versions: [1.10]\n  ranges:\n  - type: ECOSYSTEM\n    events: [{introduced: 0}, {last_affected: 1.20}]\n";
        let r = from_yaml(y).unwrap();
        let back = from_json(serde_json::to_string(&r).unwrap().as_bytes()).unwrap();
        assert_eq!(back.affected[0].versions, vec!["1.10"]);
        assert_eq!(
            back.affected[0].ranges[0].events[1],
            Event::LastAffected("1.20".into())
        );
        assert_eq!(back.affected[0].ranges[0].kind, RangeKind::Ecosystem);
        assert_eq!(back.modified, r.modified);
    }

    #[test]
    fn lenient_nulls_and_errors() {
        let r = from_json(br#"{"id":"A-1","aliases":null,"affected":[{"package":null,"ranges":null}],"withdrawn":null}"#).unwrap();
        assert!(r.aliases.is_empty() && !r.is_withdrawn());
        assert!(matches!(
            from_json(br#"{"aliases":[]}"#),
            Err(OsvError::MissingId { .. })
        ));
        let err = from_json(br#"{"id":"A-1","affected":[{"versions":[1]}]}"#).unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
        let many = parse_document(
            br#"{"vulns":[{"id":"A"},{"id":""},{"id":"B"}]}"#,
            Format::Json,
        )
        .unwrap();
        assert_eq!(many.len(), 3);
        assert!(many[1].is_err());
    }
}
