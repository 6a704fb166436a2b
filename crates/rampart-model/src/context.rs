//! Business context: what the application catalog says about an application (criticality,
//! data, exposure, owners, environments, compensating controls), the facts that say how likely
//! a vulnerability is to be exploited (EPSS, KEV), and analysts' triage decisions.

use crate::entities::IssueStatus;
use crate::severity::Severity;
use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;

/// How sensitive the data an application holds is, least sensitive first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum DataClass {
    /// Published data.
    Public,
    /// Internal data (the default when the catalog does not say).
    #[default]
    Internal,
    /// Confidential data (personal data, trade secrets).
    Confidential,
    /// Restricted data (card data, health records, credentials).
    Restricted,
}

impl DataClass {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            DataClass::Public => "public",
            DataClass::Internal => "internal",
            DataClass::Confidential => "confidential",
            DataClass::Restricted => "restricted",
        }
    }

    /// Parses a level name (case-insensitive); `None` for anything else (a tag such as `PII`).
    pub fn parse(s: &str) -> Option<DataClass> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "public" => DataClass::Public,
            "internal" => DataClass::Internal,
            "confidential" => DataClass::Confidential,
            "restricted" | "secret" => DataClass::Restricted,
            _ => return None,
        })
    }

    /// The level a data tag implies on its own: PCI and PHI are restricted, PII confidential.
    pub fn implied_by_tag(tag: &str) -> Option<DataClass> {
        match tag.to_ascii_uppercase().as_str() {
            "PCI" | "PHI" | "CHD" => Some(DataClass::Restricted),
            "PII" | "GDPR" => Some(DataClass::Confidential),
            _ => None,
        }
    }
}

impl fmt::Display for DataClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who can reach the application over the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Exposure {
    /// Reachable from the internet.
    Internet,
    /// Reachable by partners (VPN, allow-listed networks).
    Partner,
    /// Reachable only inside the company network.
    Internal,
    /// Not reachable over the network (batch jobs, air-gapped).
    Isolated,
}

impl Exposure {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Exposure::Internet => "internet",
            Exposure::Partner => "partner",
            Exposure::Internal => "internal",
            Exposure::Isolated => "isolated",
        }
    }

    /// Parses a name (case-insensitive), with a few synonyms.
    pub fn parse(s: &str) -> Option<Exposure> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "internet" | "public" | "external" | "internet-facing" => Exposure::Internet,
            "partner" | "extranet" => Exposure::Partner,
            "internal" | "intranet" | "private" => Exposure::Internal,
            "isolated" | "none" | "offline" => Exposure::Isolated,
            _ => return None,
        })
    }
}

/// Where a branch of a target runs, as the catalog says (or as a scan said).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Deployment {
    /// Serves customers.
    Production,
    /// Pre-production.
    Staging,
    /// A development environment.
    Dev,
    /// A branch that is not deployed anywhere (feature branch, pull request).
    FeatureBranch,
}

impl Deployment {
    /// snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Deployment::Production => "production",
            Deployment::Staging => "staging",
            Deployment::Dev => "dev",
            Deployment::FeatureBranch => "feature_branch",
        }
    }

    /// Parses a name (case-insensitive), with the usual synonyms.
    pub fn parse(s: &str) -> Option<Deployment> {
        Some(
            match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
                "production" | "prod" | "live" => Deployment::Production,
                "staging" | "stage" | "preprod" | "pre_production" | "uat" | "qa" => {
                    Deployment::Staging
                }
                "dev" | "development" | "test" | "sandbox" => Deployment::Dev,
                "feature" | "feature_branch" | "branch" | "pr" | "review" => {
                    Deployment::FeatureBranch
                }
                _ => return None,
            },
        )
    }
}

impl From<crate::Environment> for Deployment {
    fn from(e: crate::Environment) -> Deployment {
        match e {
            crate::Environment::Production => Deployment::Production,
            crate::Environment::Staging => Deployment::Staging,
            crate::Environment::Dev => Deployment::Dev,
        }
    }
}

/// One catalog rule: the branches (and optionally targets) that run in an environment.
/// Patterns are exact names or globs with `*`; an absent pattern matches everything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentRule {
    /// The environment.
    pub environment: Deployment,
    /// Target name pattern.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Branch patterns (empty: the application's default branches).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub branches: Vec<String>,
}

/// A control that reduces the risk of some weakness classes (a WAF, network isolation ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompensatingControl {
    /// Name, e.g. `waf`.
    pub name: String,
    /// The CWEs it mitigates.
    pub cwes: Vec<u32>,
    /// What it is, free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// What the application catalog says about one application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AppProfile {
    /// The application's name in Rampart (what `ingest --app` names).
    pub name: String,
    /// A display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Criticality tier: 1 (most critical) .. 4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<u8>,
    /// Data classification level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_class: Option<DataClass>,
    /// Data tags, upper-case: `PII`, `PCI`, `PHI` ...
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_tags: Vec<String>,
    /// Network exposure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exposure: Option<Exposure>,
    /// The owning team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// People and groups who own it besides the team (security champion ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owners: Vec<String>,
    /// Source repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// Branches that count as the default (deployed) line: `main` when not given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub default_branches: Vec<String>,
    /// Where branches run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub environments: Vec<EnvironmentRule>,
    /// Compensating controls.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<CompensatingControl>,
    /// Whether the application is distributed to others (shipped binaries, libraries,
    /// on-premises installs), which is when copyleft licenses matter. `None`: not said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distributed: Option<bool>,
    /// Days to fix by severity for this application, replacing the SLA policy's days for
    /// the severities it names.
    #[serde(default, skip_serializing_if = "SlaDays::is_empty")]
    pub sla: SlaDays,
}

/// Days to fix an issue, by severity (an application's SLA override in the catalog).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SlaDays {
    /// Critical issues.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critical: Option<u32>,
    /// High.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<u32>,
    /// Medium.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medium: Option<u32>,
    /// Low.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<u32>,
    /// Informational.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<u32>,
}

impl SlaDays {
    /// Whether no severity is named.
    pub fn is_empty(&self) -> bool {
        *self == SlaDays::default()
    }

    /// The days of each severity named, worst first.
    pub fn named(&self) -> Vec<(Severity, u32)> {
        [
            (Severity::Critical, self.critical),
            (Severity::High, self.high),
            (Severity::Medium, self.medium),
            (Severity::Low, self.low),
            (Severity::Info, self.info),
        ]
        .into_iter()
        .filter_map(|(s, d)| d.map(|d| (s, d)))
        .collect()
    }

    /// Sets the days of `severity`.
    pub fn set(&mut self, severity: Severity, days: u32) {
        let slot = match severity {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
            Severity::Info => &mut self.info,
        };
        *slot = Some(days);
    }
}

impl AppProfile {
    /// The data class, raised to what the data tags imply (PCI data is restricted even when
    /// the catalog forgot to say so).
    pub fn effective_data_class(&self) -> Option<DataClass> {
        self.data_tags
            .iter()
            .filter_map(|t| DataClass::implied_by_tag(t))
            .chain(self.data_class)
            .max()
    }
}

/// The catalog's version of one application after an apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogChange {
    /// Application.
    pub application: String,
    /// Version now in force (1 for the first).
    pub version: i64,
    /// Whether this apply changed it (`false`: same as before, no new version).
    pub changed: bool,
}

/// How likely exploitation is, from EPSS and CISA KEV; every field optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ExploitFacts {
    /// EPSS probability of exploitation in the next 30 days, 0..1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epss: Option<f64>,
    /// EPSS percentile, 0..1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epss_percentile: Option<f64>,
    /// Listed in CISA's Known Exploited Vulnerabilities catalog.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kev: Option<bool>,
    /// KEV says it is known to be used in ransomware campaigns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ransomware: Option<bool>,
    /// Who said so (`grype`, `epss feed 2026-11-26` ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl ExploitFacts {
    /// Whether nothing is known.
    pub fn is_empty(&self) -> bool {
        self.epss.is_none() && self.kev.is_none() && self.ransomware.is_none()
    }

    /// Fills what `self` does not know from `other`, keeping the higher EPSS and any KEV.
    pub fn merge(&mut self, other: &ExploitFacts) {
        self.epss = match (self.epss, other.epss) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.epss_percentile = match (self.epss_percentile, other.epss_percentile) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.kev = match (self.kev, other.kev) {
            (Some(a), Some(b)) => Some(a || b),
            (a, b) => a.or(b),
        };
        self.ransomware = match (self.ransomware, other.ransomware) {
            (Some(a), Some(b)) => Some(a || b),
            (a, b) => a.or(b),
        };
        if self.source.is_none() {
            self.source = other.source.clone();
        }
    }
}

/// A VEX status (OpenVEX vocabulary; CycloneDX and CSAF states map onto it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VexStatus {
    /// The product is not affected.
    NotAffected,
    /// The product is affected.
    Affected,
    /// The product contains a fix.
    Fixed,
    /// Not yet known.
    UnderInvestigation,
    /// The finding is a false positive (CycloneDX `false_positive`).
    FalsePositive,
}

impl VexStatus {
    /// snake_case name (OpenVEX spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            VexStatus::NotAffected => "not_affected",
            VexStatus::Affected => "affected",
            VexStatus::Fixed => "fixed",
            VexStatus::UnderInvestigation => "under_investigation",
            VexStatus::FalsePositive => "false_positive",
        }
    }

    /// Parses OpenVEX, CycloneDX (`analysis.state`) and CSAF (`product_status` keys) names.
    pub fn parse(s: &str) -> Option<VexStatus> {
        Some(
            match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
                "not_affected" | "known_not_affected" => VexStatus::NotAffected,
                "affected" | "exploitable" | "known_affected" | "first_affected"
                | "last_affected" => VexStatus::Affected,
                "fixed" | "resolved" | "resolved_with_pedigree" | "first_fixed" => VexStatus::Fixed,
                "under_investigation" | "in_triage" => VexStatus::UnderInvestigation,
                "false_positive" => VexStatus::FalsePositive,
                _ => return None,
            },
        )
    }

    /// The issue status a statement of this kind sets, when it sets one.
    pub fn issue_status(self) -> Option<IssueStatus> {
        match self {
            VexStatus::NotAffected => Some(IssueStatus::NotAffected),
            VexStatus::FalsePositive => Some(IssueStatus::FalsePositive),
            VexStatus::Fixed => Some(IssueStatus::Mitigated),
            VexStatus::Affected | VexStatus::UnderInvestigation => None,
        }
    }
}

/// One VEX statement: a vulnerability's status in some products.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VexStatement {
    /// The vulnerability id the statement names (CVE, GHSA ...).
    pub vulnerability: String,
    /// Other ids of the same vulnerability.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Products as purls (or CSAF product names when no purl is given).
    pub products: Vec<String>,
    /// Status.
    pub status: VexStatus,
    /// Justification (OpenVEX / CycloneDX / CSAF flag label).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// Impact statement, detail, or action statement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// When the statement was made (the document's time when the statement has none).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub timestamp: Option<OffsetDateTime>,
    /// The document: its id, or the file name.
    pub document: String,
    /// Where in the document (JSON pointer).
    pub source_ref: String,
}

/// One triage decision on an issue, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriageDecision {
    /// Store id.
    pub id: i64,
    /// The issue.
    pub issue_id: i64,
    /// The status it set.
    pub status: IssueStatus,
    /// The status before.
    pub prior_status: IssueStatus,
    /// Who decided (`alice`, `vex:<document>`).
    pub actor: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Why.
    pub reason: String,
    /// Who approved (risk acceptance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approver: Option<String>,
    /// When a risk acceptance ends.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// VEX justification (not affected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// The VEX status of the statement behind it, when a VEX document made it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vex_status: Option<VexStatus>,
    /// When it was undone (or expired), if it was.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub ended_at: Option<OffsetDateTime>,
    /// How it ended: `undone by alice`, `expired`, `superseded`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_how: Option<String>,
}

/// A triage request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriageRequest {
    /// The status to set: false_positive, risk_accepted, mitigated, not_affected (or open to
    /// reopen by hand).
    pub status: IssueStatus,
    /// Who.
    pub actor: String,
    /// Why.
    pub reason: String,
    /// Approver (required for risk_accepted).
    #[serde(default)]
    pub approver: Option<String>,
    /// Expiry (required for risk_accepted).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// VEX justification (required for not_affected).
    #[serde(default)]
    pub justification: Option<String>,
    /// The VEX status behind it, for decisions from VEX documents.
    #[serde(default)]
    pub vex_status: Option<VexStatus>,
}

/// The OpenVEX justifications for `not_affected`.
pub const VEX_JUSTIFICATIONS: [&str; 5] = [
    "component_not_present",
    "vulnerable_code_not_present",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "inline_mitigations_already_exist",
];

impl TriageRequest {
    /// Checks the request is complete for its status; the error says what is missing.
    pub fn validate(&self, now: OffsetDateTime) -> Result<(), String> {
        if self.reason.trim().is_empty() {
            return Err("a reason is required".into());
        }
        match self.status {
            IssueStatus::FalsePositive | IssueStatus::Mitigated | IssueStatus::Open => {}
            IssueStatus::RiskAccepted => {
                if self.approver.as_deref().is_none_or(|a| a.trim().is_empty()) {
                    return Err("risk_accepted needs an approver (--approver)".into());
                }
                match self.expires_at {
                    None => return Err("risk_accepted needs an expiry date (--expires)".into()),
                    Some(e) if e <= now => {
                        return Err(format!("the expiry date {e} is not in the future"));
                    }
                    _ => {}
                }
            }
            IssueStatus::NotAffected => match self.justification.as_deref() {
                Some(j) if VEX_JUSTIFICATIONS.contains(&j) => {}
                Some(j) => {
                    return Err(format!(
                        "unknown VEX justification `{j}`: expected one of {}",
                        VEX_JUSTIFICATIONS.join(", ")
                    ));
                }
                None if self.vex_status.is_some() => {}
                None => {
                    return Err(format!(
                        "not_affected needs a VEX justification (--justification): one of {}",
                        VEX_JUSTIFICATIONS.join(", ")
                    ));
                }
            },
            other => {
                return Err(format!(
                    "`{other}` is not a triage decision: expected false_positive, risk_accepted, mitigated, not_affected or open"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn tags_raise_the_data_class() {
        let p = AppProfile {
            data_class: Some(DataClass::Internal),
            data_tags: vec!["PCI".into()],
            ..Default::default()
        };
        assert_eq!(p.effective_data_class(), Some(DataClass::Restricted));
        assert_eq!(AppProfile::default().effective_data_class(), None);
    }

    #[test]
    fn triage_requests_are_checked() {
        let now = datetime!(2026-11-27 12:00 UTC);
        let mut r = TriageRequest {
            status: IssueStatus::RiskAccepted,
            actor: "alice".into(),
            reason: "vendor patch in Q1".into(),
            approver: None,
            expires_at: Some(datetime!(2027-01-01 0:00 UTC)),
            justification: None,
            vex_status: None,
        };
        assert!(r.validate(now).unwrap_err().contains("approver"));
        r.approver = Some("bob".into());
        assert!(r.validate(now).is_ok());
        r.expires_at = Some(datetime!(2026-01-01 0:00 UTC));
        assert!(r.validate(now).unwrap_err().contains("not in the future"));
        r.status = IssueStatus::NotAffected;
        assert!(r.validate(now).unwrap_err().contains("justification"));
        r.justification = Some("vulnerable_code_not_present".into());
        assert!(r.validate(now).is_ok());
        r.status = IssueStatus::Fixed;
        assert!(r.validate(now).is_err());
    }
}
