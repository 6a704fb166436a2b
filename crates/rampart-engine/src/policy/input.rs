//! The input document a policy sees (`input` in Rego): one issue judged by the gate, with its
//! observations, the application's context, its risk and how the change under review moved it.
//! `docs/policy.md` documents every field; this file is the schema.

use serde::{Deserialize, Serialize};

/// The whole `input` document for one issue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyInput {
    /// The issue.
    pub issue: IssueFacts,
    /// What each tool said about it, on the judged branch.
    #[serde(default)]
    pub observations: Vec<ObservationFacts>,
    /// The application and where the change lands.
    pub application: ApplicationFacts,
    /// The risk score and its factors.
    pub risk: RiskFacts,
    /// How the change moved the issue relative to the baseline branch.
    pub change: Change,
    /// The scan under judgement.
    pub scan: ScanFacts,
}

/// How an issue relates to the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// Reported on the branch, not on the baseline: the change introduces it.
    New,
    /// Reported on both: it pre-exists the change.
    Unchanged,
    /// Reported on the baseline, no longer on the branch: the change fixes it.
    Fixed,
}

impl Change {
    /// Lower-case name (`new`, `unchanged`, `fixed`).
    pub fn as_str(self) -> &'static str {
        match self {
            Change::New => "new",
            Change::Unchanged => "unchanged",
            Change::Fixed => "fixed",
        }
    }
}

/// What Rampart knows of the issue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct IssueFacts {
    /// Store id.
    pub id: i64,
    /// Identity key (stable across scans).
    pub key: String,
    /// `code`, `secret`, `dependency`, `iac`, `web`, `license`.
    pub kind: String,
    /// Worst severity: `info`, `low`, `medium`, `high`, `critical`.
    pub severity: String,
    /// The severity as a number, 0 (info) .. 4 (critical), for comparisons.
    pub severity_level: u8,
    /// Lifecycle status: `open`, `reopened`, `fixed`, `false_positive`, `risk_accepted`,
    /// `not_affected`, `mitigated`.
    pub status: String,
    /// Whether the status is an active one (`open` or `reopened`): triaged issues are not.
    pub active: bool,
    /// Rule id of the first observation (the vulnerability id for dependencies).
    pub rule: String,
    /// Title.
    pub title: String,
    /// Every vulnerability id, primary first.
    #[serde(default)]
    pub vulnerability_ids: Vec<String>,
    /// The CVE ids among them.
    #[serde(default)]
    pub cves: Vec<String>,
    /// CWE numbers.
    #[serde(default)]
    pub cwes: Vec<u32>,
    /// Where it is.
    pub location: LocationFacts,
    /// The package, for dependency and license issues.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<ComponentFacts>,
    /// Versions that fix it (dependency issues), as the tools listed them.
    #[serde(default)]
    pub fix_versions: Vec<String>,
    /// The license (license issues), an SPDX id or expression as the tool named it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    /// Whether it is a leaked secret.
    pub secret: bool,
    /// Listed in CISA's Known Exploited Vulnerabilities catalog (a feed or a tool said so).
    pub kev: bool,
    /// EPSS probability, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epss: Option<f64>,
    /// Tools that reported it.
    #[serde(default)]
    pub tools: Vec<String>,
    /// Its remediation deadline, when an SLA policy gives one (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sla: Option<SlaFacts>,
}

/// Where an issue is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LocationFacts {
    /// Short form: `src/app.py:42`, a purl, `GET https://...`.
    pub display: String,
    /// The file, when it is in one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// First line, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Last line, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_line: Option<u32>,
}

/// A third-party package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ComponentFacts {
    /// Package URL with version, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// Name.
    pub name: String,
    /// Installed version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Ecosystem (`npm`, `pypi`, `maven`, `deb` ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecosystem: Option<String>,
}

/// An issue's SLA: when it must be fixed by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaFacts {
    /// Due date, RFC 3339.
    pub due: String,
    /// Whether the due date has passed.
    pub breached: bool,
    /// Days left (negative once breached).
    pub days_left: i64,
}

/// One tool's statement of the issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ObservationFacts {
    /// Tool.
    pub tool: String,
    /// The tool's rule id.
    pub rule: String,
    /// The tool's severity, normalized.
    pub severity: String,
    /// The tool's own severity label, when it gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_severity: Option<String>,
    /// Title.
    pub title: String,
}

/// The application and the environment the change lands in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ApplicationFacts {
    /// Name.
    pub name: String,
    /// Criticality tier, 1 (most critical) .. 4, when the catalog says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<u8>,
    /// `critical` (tier 1), `high` (2), `medium` (3), `low` (4), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criticality: Option<String>,
    /// Data class: `public`, `internal`, `confidential`, `restricted`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_class: Option<String>,
    /// Data tags (`PII`, `PCI`, `PHI` ...).
    #[serde(default)]
    pub data_tags: Vec<String>,
    /// Exposure: `internet`, `partner`, `internal`, `isolated`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exposure: Option<String>,
    /// The environment the baseline branch runs in: `production`, `staging`, `dev`,
    /// `feature_branch`; absent when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// Whether that environment is production.
    pub production: bool,
    /// Whether the application is distributed to others (shipped binaries, libraries,
    /// on-premises installs), which is when copyleft licenses matter.
    pub distributed: bool,
    /// Owning team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// Owners besides the team.
    #[serde(default)]
    pub owners: Vec<String>,
}

/// The risk score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct RiskFacts {
    /// 0..100.
    pub score: u8,
    /// SSVC-style decision: `Act`, `Attend`, `Track*`, `Track`.
    pub decision: String,
    /// Factors in the order applied.
    #[serde(default)]
    pub factors: Vec<RiskFactorFacts>,
}

/// One risk factor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct RiskFactorFacts {
    /// Stable name (`severity`, `epss`, `kev`, `criticality`, `exposure` ...).
    pub name: String,
    /// What was found.
    pub evidence: String,
    /// Points it added (negative: removed).
    pub contribution: f64,
}

/// The scan under judgement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ScanFacts {
    /// Target.
    pub target: String,
    /// The branch judged.
    pub branch: String,
    /// The baseline branch.
    pub baseline: String,
    /// Commit, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}
