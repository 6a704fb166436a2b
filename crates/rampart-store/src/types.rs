//! What callers pass to and get from the store.

use rampart_model::{Environment, FindingKind, Issue, IssueStatus, Severity, TeamScope};
use serde::Serialize;
use time::OffsetDateTime;

/// What is known of a scan before its observations are written.
#[derive(Debug, Clone)]
pub struct ScanMeta {
    /// Application name (created when new).
    pub application: String,
    /// Target name (created when new).
    pub target: String,
    /// Branch.
    pub branch: String,
    /// Commit.
    pub commit: Option<String>,
    /// Environment.
    pub environment: Option<Environment>,
    /// Detected format name.
    pub format: String,
    /// The report's file name.
    pub file_name: String,
    /// SHA-256 of the report bytes, hex, when known before the ingest (else empty; see
    /// [`ScanEnd`]). When given, `begin_ingest` fails with [`crate::StoreError::AlreadyIngested`]
    /// if the target and branch already hold a scan of these bytes at `ingested_at`: a queued
    /// ingest that runs twice (its lease expired after the first attempt committed) records
    /// one scan. The check runs under the ingest's lock, so two attempts never both pass it.
    pub report_sha256: String,
    /// When the scan is recorded.
    pub ingested_at: OffsetDateTime,
}

/// What is known of a scan once its report has been read to the end.
#[derive(Debug, Clone, Default)]
pub struct ScanEnd {
    /// The tools the report names (even when they reported nothing), so that their previous
    /// statements that this scan no longer makes end.
    pub tools: Vec<String>,
    /// SHA-256 of the report bytes, hex.
    pub report_sha256: String,
}

/// How to order an issue list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IssueSort {
    /// Worst severity first, then newest.
    #[default]
    Severity,
    /// Most recently first seen first.
    Newest,
    /// By id.
    Id,
    /// Highest risk score first, then newest.
    Risk,
}

/// A filter over issues. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct IssueQuery {
    /// Only this application.
    pub application: Option<String>,
    /// Only these severities.
    pub severities: Vec<Severity>,
    /// Only these statuses (empty: open and reopened).
    pub statuses: Vec<IssueStatus>,
    /// Any status.
    pub all_statuses: bool,
    /// Only issues some observation of this tool points at.
    pub tool: Option<String>,
    /// Only this kind.
    pub kinds: Vec<FindingKind>,
    /// Only applications the catalog gives this owner team.
    pub team: Option<String>,
    /// Only applications this person or group owns (the team or a listed owner).
    pub owner: Option<String>,
    /// Order.
    pub sort: IssueSort,
    /// At most this many.
    pub limit: Option<u32>,
    /// Only applications owned by these teams, filtered in SQL (the server always sets the
    /// caller's; the default, `All`, is for local CLI use).
    pub scope: TeamScope,
    /// Keyset pagination: only issues after this one in the sort order (`Risk`, `Severity`
    /// and `Id` sorts; `Newest` ignores it).
    pub after: Option<IssueCursor>,
}

/// Where a page of issues ended: the sort key (risk or severity; unused for `Id`) and the id
/// of its last issue. The next page starts strictly after it, whatever was written meanwhile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IssueCursor {
    /// The last issue's risk (`Risk` sort) or stored severity (`Severity` sort).
    pub key: i64,
    /// The last issue's id.
    pub id: i64,
}

/// One stored observation of an issue.
#[derive(Debug, Clone, Serialize)]
pub struct ObservationRecord {
    /// Store id.
    pub id: i64,
    /// Tool.
    pub tool: String,
    /// Target.
    pub target: String,
    /// Branch.
    pub branch: String,
    /// Rule.
    pub rule_id: String,
    /// Severity the tool gave.
    pub severity: Severity,
    /// Location (short form).
    pub location: String,
    /// First scan that made this statement.
    pub first_scan_id: i64,
    /// Last scan that made it; `None` while the latest scan of its stream still does.
    pub last_scan_id: Option<i64>,
    /// Whether the latest scan still makes it.
    pub active: bool,
    /// The full normalized observation.
    pub observation: serde_json::Value,
}

/// One event in an issue's history.
#[derive(Debug, Clone, Serialize)]
pub struct IssueEvent {
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The scan that caused it, if any.
    pub scan_id: Option<i64>,
    /// What happened: `new`, `fixed`, `reopened`, `moved` ...
    pub event: String,
    /// Details.
    pub detail: String,
}

/// An issue with everything known about it.
#[derive(Debug, Clone, Serialize)]
pub struct IssueDetail {
    /// The issue.
    pub issue: Issue,
    /// Every observation, active first.
    pub observations: Vec<ObservationRecord>,
    /// History, oldest first.
    pub events: Vec<IssueEvent>,
}

/// An application with its counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApplicationSummary {
    /// Name.
    pub name: String,
    /// Targets.
    pub targets: u64,
    /// Scans.
    pub scans: u64,
    /// Open (or reopened) issues by severity, critical first: [critical, high, medium, low, info].
    pub open_by_severity: [u64; 5],
    /// Issues in any status.
    pub issues_total: u64,
    /// Last scan time.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_scan: Option<OffsetDateTime>,
    /// The highest risk score of an open (or reopened) issue; 0 without one.
    pub max_risk: u8,
    /// Open (or reopened) issues by risk band: band `b` holds risk `10b ..= 10b + 9` (band 9
    /// also 100).
    pub open_by_risk: [u64; 10],
}

/// Counts across all applications.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct PortfolioSummary {
    /// Applications.
    pub applications: u64,
    /// Scans.
    pub scans: u64,
    /// Observation rows.
    pub observations: u64,
    /// Issues by status.
    pub issues_by_status: Vec<(String, u64)>,
    /// Open issues by severity, critical first.
    pub open_by_severity: [u64; 5],
    /// Open issues by kind.
    pub open_by_kind: Vec<(String, u64)>,
    /// Open issues per tool that reports them (an issue seen by two tools counts for each).
    pub open_by_tool: Vec<(String, u64)>,
    /// Open issues reported by more than one tool.
    pub open_multi_tool: u64,
    /// Open issues by risk band: band `b` holds risk `10b ..= 10b + 9` (band 9 also 100).
    pub open_by_risk: [u64; 10],
}
