//! The stored entities: applications, targets, scans, issues, components and inventories.

use crate::ids::VulnId;
use crate::observation::FindingKind;
use crate::severity::Severity;
use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;

/// What the business owns and ranks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Application {
    /// Store id.
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// When it was first seen.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A scannable part of an application: repository, image, service, cloud account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// Store id.
    pub id: i64,
    /// Owning application.
    pub application_id: i64,
    /// Name, unique within the application.
    pub name: String,
}

/// The environment a scan ran against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// Production.
    Production,
    /// Staging / pre-production.
    Staging,
    /// Development.
    Dev,
}

impl Environment {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Production => "production",
            Environment::Staging => "staging",
            Environment::Dev => "dev",
        }
    }
}

impl std::str::FromStr for Environment {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "production" | "prod" => Ok(Environment::Production),
            "staging" | "stage" => Ok(Environment::Staging),
            "dev" | "development" => Ok(Environment::Dev),
            other => Err(format!(
                "unknown environment `{other}`: expected production, staging or dev"
            )),
        }
    }
}

/// One report from one tool for one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scan {
    /// Store id.
    pub id: i64,
    /// Application name.
    pub application: String,
    /// Target name.
    pub target: String,
    /// Tool name.
    pub tool: String,
    /// Branch scanned.
    pub branch: String,
    /// Commit scanned, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Environment, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Environment>,
    /// Detected report format.
    pub format: String,
    /// SHA-256 of the report bytes.
    pub report_sha256: String,
    /// When it was ingested.
    #[serde(with = "time::serde::rfc3339")]
    pub ingested_at: OffsetDateTime,
    /// What the ingest did.
    pub summary: ScanSummary,
}

/// The outcome of ingesting one scan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanSummary {
    /// Observations in the report.
    pub observations: u64,
    /// Issues seen for the first time.
    pub new: u64,
    /// Issues that were open and are still reported.
    pub unchanged: u64,
    /// Issues no longer reported by any tool: now fixed.
    pub fixed: u64,
    /// Issues that were fixed and are reported again.
    pub reopened: u64,
}

/// The lifecycle state of an issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum IssueStatus {
    /// Reported and not triaged away.
    #[default]
    Open,
    /// No longer reported.
    Fixed,
    /// Reported again after having been fixed.
    Reopened,
    /// An analyst judged it not a real problem.
    FalsePositive,
    /// Accepted until an expiry date.
    RiskAccepted,
    /// Not exploitable here, per VEX.
    NotAffected,
    /// Reduced by a compensating control.
    Mitigated,
}

impl IssueStatus {
    /// Every status.
    pub const ALL: [IssueStatus; 7] = [
        IssueStatus::Open,
        IssueStatus::Fixed,
        IssueStatus::Reopened,
        IssueStatus::FalsePositive,
        IssueStatus::RiskAccepted,
        IssueStatus::NotAffected,
        IssueStatus::Mitigated,
    ];

    /// The snake_case name used in the API, the database and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            IssueStatus::Open => "open",
            IssueStatus::Fixed => "fixed",
            IssueStatus::Reopened => "reopened",
            IssueStatus::FalsePositive => "false_positive",
            IssueStatus::RiskAccepted => "risk_accepted",
            IssueStatus::NotAffected => "not_affected",
            IssueStatus::Mitigated => "mitigated",
        }
    }

    /// Whether the issue still needs work (open or reopened).
    pub fn is_active(self) -> bool {
        matches!(self, IssueStatus::Open | IssueStatus::Reopened)
    }
}

impl fmt::Display for IssueStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for IssueStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IssueStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s.to_ascii_lowercase().replace('-', "_"))
            .ok_or_else(|| {
                format!(
                    "unknown status `{s}`: expected one of open, fixed, reopened, false_positive, risk_accepted, not_affected, mitigated"
                )
            })
    }
}

/// The correlated problem one or more observations point at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Issue {
    /// Store id.
    pub id: i64,
    /// Application name.
    pub application: String,
    /// Identity key (hex); see [`crate::identity`].
    pub key: String,
    /// Kind of problem.
    pub kind: FindingKind,
    /// Title, from the first observation.
    pub title: String,
    /// Worst severity any observation gave.
    pub severity: Severity,
    /// Lifecycle state.
    pub status: IssueStatus,
    /// Rule id of the first observation.
    pub rule_id: String,
    /// Where it is (short form).
    pub location: String,
    /// Vulnerability ids.
    #[serde(default)]
    pub vuln_ids: Vec<VulnId>,
    /// CWE numbers.
    #[serde(default)]
    pub cwes: Vec<u32>,
    /// Tools that reported it.
    #[serde(default)]
    pub tools: Vec<String>,
    /// When first seen.
    #[serde(with = "time::serde::rfc3339")]
    pub first_seen: OffsetDateTime,
    /// When last seen in a scan.
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen: OffsetDateTime,
    /// When it became fixed, if it is fixed.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub fixed_at: Option<OffsetDateTime>,
    /// Risk score 0..100 as last computed (see `rampart_engine::risk`).
    #[serde(default)]
    pub risk: u8,
}

/// A package in an inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    /// The SBOM's own reference (`bom-ref`, SPDXID), used by dependency edges.
    pub bom_ref: String,
    /// Package name (with group / namespace where the ecosystem has one).
    pub name: String,
    /// Version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Package URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// Component type (`library`, `application`, `operating-system` ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component_type: Option<String>,
    /// License ids or expressions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<String>,
    /// Hashes as `ALG:hex`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hashes: Vec<String>,
}

/// `from` depends on `to` (both are `bom_ref`s).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DependencyEdge {
    /// The dependent.
    pub from: String,
    /// The dependency.
    pub to: String,
}

/// A target's components and dependency edges at one point in time.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Inventory {
    /// The component the SBOM describes (CycloneDX `metadata.component`), if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root: Option<Component>,
    /// All components, nested ones flattened.
    pub components: Vec<Component>,
    /// Dependency edges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub edges: Vec<DependencyEdge>,
}
