//! Business context, risk and VEX in the store (issue 5): the application catalog with its
//! versions, the inputs the risk score is computed from and the stored score, and imported VEX
//! statements. [`ContextStore`] is a supertrait of [`Store`](crate::Store); both backends
//! implement it (`sqlite/context.rs`, `postgres/context.rs`).

use crate::Result;
use async_trait::async_trait;
use rampart_model::{
    AppProfile, CatalogChange, FindingKind, Issue, IssueStatus, Severity, VexStatement, VexStatus,
};
use serde::Serialize;
use time::OffsetDateTime;

/// One version of an application's catalog entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CatalogVersion {
    /// Application.
    pub application: String,
    /// Version (1 for the first).
    pub version: i64,
    /// When it was applied.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The file it came from.
    pub source: String,
    /// The entry.
    pub profile: AppProfile,
}

/// Where one observation of an issue was made: a stream's target and branch as of a scan.
#[derive(Debug, Clone, PartialEq)]
pub struct SightingRow {
    /// Target.
    pub target: String,
    /// Branch.
    pub branch: String,
    /// The environment that scan declared (`production`, `staging`, `dev`).
    pub environment: Option<String>,
    /// When the stream last reported it.
    pub last_seen: OffsetDateTime,
    /// Whether the stream's latest scan still reports it.
    pub active: bool,
    /// The normalized observation.
    pub observation: serde_json::Value,
}

/// The VEX decision currently in force on an issue.
#[derive(Debug, Clone, PartialEq)]
pub struct VexFact {
    /// The statement's status.
    pub status: VexStatus,
    /// Its justification.
    pub justification: Option<String>,
    /// Who (`vex:<document>`).
    pub actor: String,
}

/// What the risk score of one issue is computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueRiskRow {
    /// Issue id.
    pub id: i64,
    /// Kind.
    pub kind: FindingKind,
    /// Worst severity.
    pub severity: Severity,
    /// Status.
    pub status: IssueStatus,
    /// CWEs.
    pub cwes: Vec<u32>,
    /// Vulnerability ids.
    pub vuln_ids: Vec<String>,
    /// The stored score.
    pub risk: u8,
    /// Every observation with where it was made.
    pub sightings: Vec<SightingRow>,
    /// The VEX decision in force, if any.
    pub vex: Option<VexFact>,
}

/// Business context, risk and VEX storage.
#[async_trait]
pub trait ContextStore: Send + Sync {
    /// Records the catalog entries of `profiles` (creating applications that do not exist yet):
    /// an entry that differs from the current one becomes a new version. One transaction.
    async fn apply_catalog(
        &self,
        profiles: &[AppProfile],
        source: &str,
        at: OffsetDateTime,
    ) -> Result<Vec<CatalogChange>>;

    /// The current catalog entry of `application`.
    async fn app_profile(&self, application: &str) -> Result<Option<AppProfile>>;

    /// Every version of `application`'s entry, oldest first.
    async fn catalog_history(&self, application: &str) -> Result<Vec<CatalogVersion>>;

    /// Up to `limit` issues of `application` with ids above `after`, in id order, with what
    /// their risk is computed from (a page: callers loop on the last id).
    async fn risk_inputs(
        &self,
        application: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<IssueRiskRow>>;

    /// The same for a set of issues (any application).
    async fn risk_inputs_of(&self, ids: &[i64]) -> Result<Vec<IssueRiskRow>>;

    /// Stores risk scores, in batches; returns how many changed.
    async fn set_risk(&self, scores: &[(i64, u8)]) -> Result<u64>;

    /// Stores VEX statements (about `application`, or every application when `None`);
    /// statements already stored are not stored twice. Returns how many were new.
    async fn add_vex_statements(
        &self,
        application: Option<&str>,
        statements: &[VexStatement],
        at: OffsetDateTime,
    ) -> Result<u64>;

    /// The VEX statements that apply to `application` (its own and the global ones).
    async fn vex_statements(&self, application: &str) -> Result<Vec<VexStatement>>;

    /// Issues of `application` (any status) naming any of `vuln_ids`.
    async fn issues_with_vulns(&self, application: &str, vuln_ids: &[String])
    -> Result<Vec<Issue>>;
}
