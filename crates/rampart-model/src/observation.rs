//! An observation: one tool's statement of one problem in one scan, normalized.

use crate::ids::VulnId;
use crate::location::Location;
use crate::severity::SeverityInfo;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The tool that produced a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ToolInfo {
    /// Lower-case tool name (`semgrep`, `trivy`, `codeql`, `gitleaks` ...).
    pub name: String,
    /// The tool's version, when the report says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// What class of tool a report comes from; used for scan coverage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ToolKind {
    /// Static analysis of source code.
    Sast,
    /// Software composition analysis (dependencies).
    Sca,
    /// Secret detection.
    Secrets,
    /// Infrastructure-as-code analysis.
    Iac,
    /// Container image scanning.
    Container,
    /// Dynamic application testing.
    Dast,
    /// A software bill of materials.
    Sbom,
}

impl ToolKind {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ToolKind::Sast => "sast",
            ToolKind::Sca => "sca",
            ToolKind::Secrets => "secrets",
            ToolKind::Iac => "iac",
            ToolKind::Container => "container",
            ToolKind::Dast => "dast",
            ToolKind::Sbom => "sbom",
        }
    }
}

/// What kind of problem an observation describes; decides how its identity key is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingKind {
    /// A weakness in first-party code (SAST).
    Code,
    /// A leaked credential.
    Secret,
    /// A vulnerable third-party package (SCA, container).
    Dependency,
    /// A misconfigured cloud / IaC resource.
    Iac,
    /// A weakness of a running web application (DAST).
    Web,
    /// A license finding on a package.
    License,
}

impl FindingKind {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Code => "code",
            FindingKind::Secret => "secret",
            FindingKind::Dependency => "dependency",
            FindingKind::Iac => "iac",
            FindingKind::Web => "web",
            FindingKind::License => "license",
        }
    }

    /// Parses the lower-case name.
    pub fn parse(s: &str) -> Option<FindingKind> {
        Some(match s.to_ascii_lowercase().as_str() {
            "code" | "sast" => FindingKind::Code,
            "secret" | "secrets" => FindingKind::Secret,
            "dependency" | "sca" => FindingKind::Dependency,
            "iac" => FindingKind::Iac,
            "web" | "dast" => FindingKind::Web,
            "license" => FindingKind::License,
            _ => return None,
        })
    }
}

/// What Rampart keeps of a secret a scanner found: never the value, only a keyed hash
/// (HMAC-SHA-256 with the installation's key, so two tools that saw the same secret agree)
/// and a redacted preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretEvidence {
    /// Hex HMAC-SHA-256 of the secret value; `None` when the tool redacted the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hmac: Option<String>,
    /// A redacted preview such as `AKIA…(20 chars)`; never enough to use the secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<String>,
}

/// A suppression the tool itself recorded (SARIF `suppressions`, `nosec` comments ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    /// How it was suppressed (`inSource`, `external`, `baseline` ...).
    pub kind: String,
    /// Its status when given (`accepted`, `underReview`, `rejected`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The justification, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
}

/// One tool's statement of one problem, normalized. Immutable once parsed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// The tool that reported it.
    pub tool: ToolInfo,
    /// What kind of problem this is.
    pub kind: FindingKind,
    /// The tool's rule / check / query id; for dependency findings, the vulnerability id.
    pub rule_id: String,
    /// The rule's human name, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_name: Option<String>,
    /// A one-line title.
    pub title: String,
    /// The tool's message or description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Severity as normalized, with the tool's own label and any CVSS data.
    pub severity: SeverityInfo,
    /// CWE numbers the tool named.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cwes: Vec<u32>,
    /// Vulnerability ids: the primary id first, then aliases.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vuln_ids: Vec<VulnId>,
    /// Where it is.
    pub location: Location,
    /// The tool's own stable fingerprints (SARIF `fingerprints` and `partialFingerprints`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fingerprints: BTreeMap<String, String>,
    /// The offending code, when the tool quoted it (never for secrets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
    /// For secret findings: keyed hash and redacted preview, never the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<SecretEvidence>,
    /// A suppression the tool recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Suppression>,
    /// Remediation advice, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
    /// Reference URLs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// Free-form tags (SARIF rule tags, categories).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Exploit likelihood the tool reported (EPSS, KEV), when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exploit: Option<crate::context::ExploitFacts>,
    /// Where in the report this came from, as a JSON pointer (`/runs/0/results/12`) or an XML path.
    pub source_ref: String,
    /// Exploitation facts (EPSS, KEV) of the vulnerability's alias group, when an intelligence
    /// feed gave them (Rampart's own SBOM matches carry them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intel: Option<Box<crate::intel::VulnIntel>>,
}

impl Observation {
    /// A minimal observation, for building in parsers and tests; fill the rest field by field.
    pub fn new(
        tool: &str,
        kind: FindingKind,
        rule_id: impl Into<String>,
        title: impl Into<String>,
        location: Location,
    ) -> Observation {
        Observation {
            tool: ToolInfo {
                name: tool.to_ascii_lowercase(),
                version: None,
            },
            kind,
            rule_id: rule_id.into(),
            rule_name: None,
            title: title.into(),
            message: None,
            severity: SeverityInfo::default(),
            cwes: Vec::new(),
            vuln_ids: Vec::new(),
            location,
            fingerprints: BTreeMap::new(),
            snippet: None,
            secret: None,
            suppression: None,
            remediation: None,
            references: Vec::new(),
            tags: Vec::new(),
            exploit: None,
            source_ref: String::new(),
            intel: None,
        }
    }
}
