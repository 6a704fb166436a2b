//! Rampart's storage: the only crate that knows SQL.
//!
//! [`Store`] is what every caller uses; [`open`] picks the implementation from the URL:
//! SQLite (the embedded default: a file path or `sqlite:` URL) or PostgreSQL (`postgres://`).
//! An ingest is one [`IngestSession`]: one transaction, batched writes, committed by
//! [`IngestSession::finish`] or rolled back when dropped, so a failed ingest stores nothing.
//!
//! Long work is queued as jobs ([`JobQueue`], a supertrait of [`Store`]), so that any process
//! sharing the database can run it; the report bytes an ingest job needs are kept as
//! [`ReportBlobs`] (also a supertrait of [`Store`]).
//!
//! This crate must never parse reports, score risk or decide lifecycle rules: it applies the
//! [`Lifecycle`] it is given.

pub mod auth;
pub mod blobs;
pub mod codec;
pub mod context;
pub mod dashboard;
mod dense;
mod detail;
pub mod error;
pub mod gate;
pub mod intel;
mod intel_sql;
pub mod jobs;
pub mod postgres;
pub mod repeat;
pub mod risk_scope;
pub mod scoped;
pub mod sla;
pub mod sqlite;
pub mod summary;
pub mod triage;
pub mod types;

pub use blobs::{BlobInfo, ReportBlobs};
pub use error::StoreError;
// Vulnerability intelligence (issue 4): advisories, alias groups, KEV, EPSS, CWE, inventories.
pub use intel::{
    AdvisoryRow, CweInfo, CweRow, IntelCounts, IntelStore, InventoryComponent, NewInventory,
    StoredInventory, VulnIntel,
};
pub use jobs::{Job, JobQueue, JobState, NewJob};
pub use postgres::PgStore;
pub use sqlite::SqliteStore;
pub use types::*;
// Business context, risk, triage and VEX (issue 5).
pub use context::{CatalogVersion, ContextStore, IssueRiskRow, SightingRow, VexFact};
pub use triage::TriageStore;
// Users, teams, API tokens and sessions; reads filtered by team (issue 7).
pub use auth::{
    AuthStore, NewToken, Principal, SessionInfo, TeamRow, TokenRow, UserCredentials, UserRow,
};
pub use scoped::{ComponentUse, InventorySummary, ScopedApplication, ScopedReads};
// Summary tables behind the application list and the portfolio (issue 3).
pub use summary::{SummaryStore, TeamSummary};
// The web dashboard's read models (issue 7).
pub use dashboard::{
    AppCounts, ApplicationView, ComponentRow, DashboardCounts, DashboardStore, IssueFilter,
    PostureDay, StreamRow, VulnerabilityHits,
};
// Remediation SLAs and compliance evidence (issue 6).
pub use sla::{
    AcceptanceRow, AppScope, ScanCoverageRow, ScopedApp, SlaIssueRow, SlaStore, ToolFindingsRow,
};
// CI gate: branch versus baseline (issue 6).
pub use gate::{BranchPresence, GateDecision, GatePolicyOutcome, GateStore};
// Incremental risk rescoring after an ingest.
pub use risk_scope::{RiskScope, RiskScopeStore};
// Re-ingesting an unchanged report.
pub use repeat::{RepeatScanStore, RepeatedScan};

use async_trait::async_trait;
use rampart_model::{Issue, KeyedObservation, Lifecycle, Scan};
use std::sync::Arc;

/// Result of store operations.
pub type Result<T> = std::result::Result<T, StoreError>;

/// Rampart's persistent state. Implemented for SQLite and PostgreSQL; callers never know which.
/// The job queue's methods ([`JobQueue`]) are part of it, and so are business context, risk
/// and VEX ([`ContextStore`]), triage ([`TriageStore`]), intelligence ([`IntelStore`]) and
/// users, teams, tokens and sessions ([`AuthStore`]) and reads filtered by team ([`ScopedReads`]).
#[async_trait]
pub trait Store:
    JobQueue
    + ReportBlobs
    + ContextStore
    + TriageStore
    + IntelStore
    + SlaStore
    + SummaryStore
    + GateStore
    + AuthStore
    + ScopedReads
    + DashboardStore
    + RiskScopeStore
    + RepeatScanStore
    + Send
    + Sync
{
    /// The installation's secret key for HMAC-ing secret values (created on first use).
    async fn installation_key(&self) -> Result<Vec<u8>>;

    /// Whether this store keeps observation documents packed by [`codec::ScanPacker`] rather
    /// than as JSON. When it does, the ingest packs them on its document thread
    /// ([`KeyedObservation::stored`](rampart_model::KeyedObservation::stored)), so the writer
    /// (the one thread a SQLite ingest is bound by) only binds the bytes, and hands the
    /// session the scan's dictionary ([`IngestSession::use_dictionary`]).
    fn packs_observations(&self) -> bool {
        false
    }

    /// Copies what committed writes left in a write-ahead log into the database file now,
    /// and waits for it: SQLite does this on a thread of its own after each ingest (off the
    /// ingest's path), and `rampart bench` times it separately. PostgreSQL checkpoints by
    /// itself: nothing to do.
    async fn checkpoint(&self) -> Result<()> {
        Ok(())
    }

    /// Starts the ingest of one report: one transaction until `finish`.
    async fn begin_ingest(&self, meta: ScanMeta) -> Result<Box<dyn IngestSession>>;

    /// Issues matching `query`, in its order.
    async fn list_issues(&self, query: &IssueQuery) -> Result<Vec<Issue>>;

    /// One issue with every observation and its history.
    async fn issue_detail(&self, id: i64) -> Result<Option<IssueDetail>>;

    /// Every application with its open-issue counts.
    async fn list_applications(&self) -> Result<Vec<ApplicationSummary>>;

    /// The most recent scans, newest first, optionally of one application.
    async fn list_scans(&self, application: Option<&str>, limit: u32) -> Result<Vec<Scan>>;

    /// Counts across the portfolio.
    async fn portfolio(&self) -> Result<PortfolioSummary>;

    /// For every open (or reopened) issue of `application`, the tools whose latest scans
    /// still report it, sorted; the raw material of the tool-overlap report.
    async fn open_issue_tools(&self, application: &str) -> Result<Vec<Vec<String>>>;

    // --- Correlation (issue 8) ---
    /// Hands `sink`, for every code, secret and IaC observation of `application` that carries
    /// a correlation note, the key of its issue and the note (the JSON object stored as the
    /// observation's `correlation` member): the prior index a new ingest pairs with. Read in
    /// chunks, so memory does not grow with the application.
    async fn correlation_notes(
        &self,
        application: &str,
        sink: &mut (dyn FnMut(String, String) + Send),
    ) -> Result<()>;
}

/// One ingest in progress: a transaction. Dropping it without `finish` rolls it back.
#[async_trait]
pub trait IngestSession: Send {
    /// [`Store::correlation_notes`] of the session's target (paths of two targets are two
    /// different files), read inside the session's transaction after it took the target's
    /// write lock: no ingest that commits meanwhile is missing from the prior index a report
    /// is paired with, and none of another target's can change what it pairs with.
    async fn correlation_notes(
        &mut self,
        sink: &mut (dyn FnMut(String, String) + Send),
    ) -> Result<()>;

    /// The dictionary the ingest packed this scan's documents against
    /// ([`codec::ScanPacker::dictionary`]), given before the first batch packed with it; the
    /// session stores it with the scan. Stores that keep JSON ignore it.
    fn use_dictionary(&mut self, _dictionary: Vec<u8>) {}

    /// Writes a batch of keyed observations, applying `rules` to the issues they point at.
    async fn write(&mut self, batch: Vec<KeyedObservation>, rules: &dyn Lifecycle) -> Result<()>;

    /// Stores `inventory` (an SBOM's; its application and target are the session's) as the
    /// current inventory of the session's target × branch, linked to this scan, with the digest
    /// of its match, inside the session's transaction: nothing of it is stored unless the
    /// session finishes. Returns the previous inventory's match digest (empty when none).
    async fn put_inventory(
        &mut self,
        inventory: NewInventory,
        match_digest: &str,
    ) -> Result<String>;

    /// Closes the scan: observations of `end.tools` that this scan no longer reports end,
    /// issues no longer reported anywhere move as `rules` say, and the transaction commits.
    async fn finish(self: Box<Self>, end: ScanEnd, rules: &dyn Lifecycle) -> Result<Scan>;
}

/// Opens the store at `url`: a PostgreSQL URL (`postgres://` or `postgresql://`), or a SQLite
/// file path / `sqlite:` URL (created when missing). Migrations run on open.
pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    if is_postgres_url(url) {
        return Ok(Arc::new(postgres::PgStore::open(url).await?));
    }
    Ok(Arc::new(sqlite::SqliteStore::open(url).await?))
}

/// Whether `url` names a PostgreSQL database.
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}
