//! Severity: Rampart's five levels, plus what the tool itself said and any CVSS data.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Rampart's normalized severity. Ordered from least to most severe, so `max()` picks the worst.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational: no direct risk.
    #[default]
    Info,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// Every level, least severe first.
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The lowercase name used in the API, the database and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Maps a CVSS base score (0.0–10.0) to a level with the CVSS v3/v4 qualitative scale.
    pub fn from_cvss_score(score: f64) -> Severity {
        if score >= 9.0 {
            Severity::Critical
        } else if score >= 7.0 {
            Severity::High
        } else if score >= 4.0 {
            Severity::Medium
        } else if score > 0.0 {
            Severity::Low
        } else {
            Severity::Info
        }
    }

    /// Maps a tool's own label to a level. Understands the common vocabularies: CVSS words,
    /// SARIF levels (`error`, `warning`, `note`, `none`), Semgrep's `ERROR`/`WARNING`/`INFO`,
    /// Bandit/Checkov/Trivy words, `moderate` (npm, GitHub), `negligible` (Grype) and
    /// `unknown`. Returns `None` for words it does not know, so callers can fall back.
    pub fn from_label(label: &str) -> Option<Severity> {
        let l = label.trim().to_ascii_lowercase();
        Some(match l.as_str() {
            "critical" | "crit" | "blocker" | "very high" | "veryhigh" => Severity::Critical,
            "high" | "error" | "severe" | "major" | "important" => Severity::High,
            "medium" | "moderate" | "warning" | "warn" | "med" => Severity::Medium,
            "low" | "minor" | "note" => Severity::Low,
            "info" | "informational" | "information" | "none" | "negligible" | "unknown"
            | "unspecified" | "trivial" | "style" => Severity::Info,
            _ => return None,
        })
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            other => Err(format!(
                "unknown severity `{other}`: expected critical, high, medium, low or info"
            )),
        }
    }
}

/// The CVSS version a vector or score belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CvssVersion {
    /// CVSS v2.
    V2,
    /// CVSS v3.0 or v3.1.
    V3,
    /// CVSS v4.0.
    V4,
}

/// A CVSS vector and/or base score, as a tool or an advisory stated it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cvss {
    /// Which CVSS version.
    pub version: CvssVersion,
    /// The vector string, e.g. `CVSS:3.1/AV:N/AC:L/...`, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vector: Option<String>,
    /// The base score, when given or computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
}

impl Cvss {
    /// Guesses the version from a vector's prefix (`CVSS:4.0/`, `CVSS:3.x/`, else v2).
    pub fn from_vector(vector: &str, score: Option<f64>) -> Cvss {
        let version = if vector.starts_with("CVSS:4") {
            CvssVersion::V4
        } else if vector.starts_with("CVSS:3") {
            CvssVersion::V3
        } else {
            CvssVersion::V2
        };
        Cvss {
            version,
            vector: Some(vector.to_string()),
            score,
        }
    }
}

/// The severity of one observation: Rampart's level, the tool's own label and any CVSS data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SeverityInfo {
    /// Rampart's normalized level.
    pub level: Severity,
    /// The tool's own word or number, verbatim (`ERROR`, `HIGH`, `8.8`, `warning` ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_label: Option<String>,
    /// CVSS data the tool supplied, best version first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cvss: Vec<Cvss>,
}

impl SeverityInfo {
    /// A severity from a level and the tool's label.
    pub fn new(level: Severity, tool_label: impl Into<Option<String>>) -> Self {
        SeverityInfo {
            level,
            tool_label: tool_label.into(),
            cvss: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cvss_scale_boundaries() {
        assert_eq!(Severity::from_cvss_score(9.0), Severity::Critical);
        assert_eq!(Severity::from_cvss_score(8.9), Severity::High);
        assert_eq!(Severity::from_cvss_score(7.0), Severity::High);
        assert_eq!(Severity::from_cvss_score(6.9), Severity::Medium);
        assert_eq!(Severity::from_cvss_score(4.0), Severity::Medium);
        assert_eq!(Severity::from_cvss_score(0.1), Severity::Low);
        assert_eq!(Severity::from_cvss_score(0.0), Severity::Info);
    }

    #[test]
    fn labels() {
        assert_eq!(Severity::from_label("ERROR"), Some(Severity::High));
        assert_eq!(Severity::from_label("Moderate"), Some(Severity::Medium));
        assert_eq!(Severity::from_label("negligible"), Some(Severity::Info));
        assert_eq!(Severity::from_label("bogus"), None);
        assert!(Severity::Critical > Severity::High);
        assert_eq!("HIGH".parse::<Severity>(), Ok(Severity::High));
        assert!("x".parse::<Severity>().is_err());
    }
}
