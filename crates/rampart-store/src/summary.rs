//! Summary tables (migration 0010): the counts behind `apps list`, the portfolio and the
//! dashboard's overview, kept current with deltas instead of counted per request.
//!
//! Every store write that changes what an issue contributes (its status, severity, kind, risk
//! band, or the tools still reporting it) adds the issue's contribution after the change and
//! subtracts the one before, in the same transaction: the ingest (`{sqlite,postgres}/ingest.rs`,
//! new issues tallied in memory, existing ones read before and after), triage
//! (`triage.rs`) and risk rescoring (`ContextStore::set_risk`). [`SummaryDelta`] is that
//! difference; each backend's `summary.rs` reads contributions and applies a delta as the last
//! statement before commit, in key order (so concurrent writers never deadlock on a counter).
//!
//! [`SummaryStore`] reads the summaries per team and recounts everything from the issue and
//! observation tables (what the suite compares the summaries with, and how they are rebuilt).

use crate::{ApplicationSummary, PortfolioSummary, Result};
use async_trait::async_trait;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use time::OffsetDateTime;

/// The risk band of a score: band `b` holds `10b ..= 10b + 9`; band 9 also holds 100.
pub fn risk_band(risk: i64) -> i16 {
    (risk.clamp(0, 100) / 10).min(9) as i16
}

/// Whether a stored status counts as active (open or reopened).
pub(crate) fn is_active(status: &str) -> bool {
    matches!(status, "open" | "reopened")
}

/// What one issue contributes to the summaries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IssueFacts {
    /// Application id.
    pub application_id: i64,
    /// Stored status.
    pub status: String,
    /// Stored severity (0 info .. 4 critical).
    pub severity: i16,
    /// Stored kind.
    pub kind: String,
    /// Risk score 0..100.
    pub risk: i64,
    /// Tools with an active statement about the issue, distinct.
    pub tools: Vec<String>,
}

/// Per-application changes that are not issue contributions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AppDelta {
    /// Active issues reported by more than one tool.
    pub multi_tool: i64,
    /// Scans.
    pub scans: i64,
    /// Observation rows.
    pub observations: i64,
    /// A scan at this time happened (the latest is kept).
    pub last_scan: Option<OffsetDateTime>,
}

/// A change of the summaries. Maps are ordered: they are applied in key order.
#[derive(Debug, Clone, Default)]
pub(crate) struct SummaryDelta {
    /// (application, status, severity, kind) → issues.
    pub issues: BTreeMap<(i64, String, i16, String), i64>,
    /// (application, risk band) → active issues.
    pub risk: BTreeMap<(i64, i16), i64>,
    /// (application, tool) → active issues the tool reports.
    pub tools: BTreeMap<(i64, String), i64>,
    /// Per application.
    pub apps: BTreeMap<i64, AppDelta>,
}

impl SummaryDelta {
    /// Adds (`sign` 1) or removes (`sign` -1) one issue's contribution.
    pub fn add(&mut self, f: &IssueFacts, sign: i64) {
        *self
            .issues
            .entry((
                f.application_id,
                f.status.clone(),
                f.severity,
                f.kind.clone(),
            ))
            .or_default() += sign;
        if !is_active(&f.status) {
            return;
        }
        *self
            .risk
            .entry((f.application_id, risk_band(f.risk)))
            .or_default() += sign;
        for t in &f.tools {
            *self.tools.entry((f.application_id, t.clone())).or_default() += sign;
        }
        if f.tools.len() > 1 {
            self.apps.entry(f.application_id).or_default().multi_tool += sign;
        }
    }

    /// Records one scan of `application_id` at `at` that stored `observations` new rows.
    pub fn scan(&mut self, application_id: i64, at: OffsetDateTime, observations: i64) {
        let a = self.apps.entry(application_id).or_default();
        a.scans += 1;
        a.observations += observations;
        a.last_scan = Some(a.last_scan.map_or(at, |l| l.max(at)));
    }

    /// Drops entries that add nothing.
    pub fn prune(&mut self) {
        self.issues.retain(|_, n| *n != 0);
        self.risk.retain(|_, n| *n != 0);
        self.tools.retain(|_, n| *n != 0);
        self.apps.retain(|_, a| *a != AppDelta::default());
    }
}

/// The delta between two snapshots of the same issues (issues missing from `after` were
/// deleted).
pub(crate) fn difference(
    before: &BTreeMap<i64, IssueFacts>,
    after: &BTreeMap<i64, IssueFacts>,
) -> SummaryDelta {
    let mut d = SummaryDelta::default();
    for f in before.values() {
        d.add(f, -1);
    }
    for f in after.values() {
        d.add(f, 1);
    }
    d
}

/// Folds snapshot rows `(issue, application, status, severity, kind, risk, tool or NULL)`,
/// several rows per issue (one per active tool), into per-issue facts, in issue order.
pub(crate) fn facts_from_rows(
    rows: impl IntoIterator<Item = (i64, i64, String, i16, String, i64, Option<String>)>,
) -> BTreeMap<i64, IssueFacts> {
    let mut out: BTreeMap<i64, IssueFacts> = BTreeMap::new();
    for (id, app, status, severity, kind, risk, tool) in rows {
        let f = out.entry(id).or_insert_with(|| IssueFacts {
            application_id: app,
            status,
            severity,
            kind,
            risk,
            tools: Vec::new(),
        });
        if let Some(t) = tool.filter(|t| !f.tools.contains(t)) {
            f.tools.push(t);
        }
    }
    out
}

/// What an ingest changes in the summaries, gathered as it writes: the issues it creates are
/// tallied in memory (the ingest knows everything they contribute: risk is 0 until scored),
/// the existing issues it touches are read before their first change and again at the end.
#[derive(Debug, Default)]
pub(crate) struct IngestTally {
    /// Tools seen, by bit position in `NewIssue::tools`.
    tools: Vec<String>,
    created: HashMap<i64, NewIssue>,
    /// Existing issues as they were before this ingest changed them.
    pub before: BTreeMap<i64, IssueFacts>,
    /// Observation rows the ingest inserted.
    pub rows: i64,
}

#[derive(Debug)]
struct NewIssue {
    kind: &'static str,
    status: &'static str,
    severity: i16,
    /// Bit `i`: `tools[i]` reports it. `None` past 64 tools: read from the database instead.
    tools: Option<u64>,
}

impl IngestTally {
    /// Issue `id` was created by this ingest.
    pub fn created(&mut self, id: i64, kind: &'static str, status: &'static str, severity: i16) {
        self.created.insert(
            id,
            NewIssue {
                kind,
                status,
                severity,
                tools: Some(0),
            },
        );
    }

    /// The ingest set a new status or severity on issue `id` (ignored unless it created it).
    pub fn changed(&mut self, id: i64, status: Option<&'static str>, severity: Option<i16>) {
        if let Some(n) = self.created.get_mut(&id) {
            n.status = status.unwrap_or(n.status);
            n.severity = severity.unwrap_or(n.severity);
        }
    }

    /// The ingest stored a statement of `tool` about issue `id`.
    pub fn observed(&mut self, id: i64, tool: &str) {
        let Some(n) = self.created.get_mut(&id) else {
            return;
        };
        let bit = match self.tools.iter().position(|t| t == tool) {
            Some(i) => i,
            None => {
                self.tools.push(tool.to_string());
                self.tools.len() - 1
            }
        };
        n.tools = n.tools.and_then(|m| (bit < 64).then(|| m | (1 << bit)));
    }

    /// Issue `id`, created by this ingest, was dropped (merged into another).
    pub fn dropped(&mut self, id: i64) {
        self.created.remove(&id);
    }

    /// Of `ids`, the existing issues whose state before this ingest is not recorded yet.
    pub fn unrecorded(&self, ids: impl IntoIterator<Item = i64>) -> Vec<i64> {
        let mut out: Vec<i64> = ids
            .into_iter()
            .filter(|id| !self.created.contains_key(id) && !self.before.contains_key(id))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The issues to read once the ingest is done: those it touched, and new ones whose tools
    /// did not fit the in-memory tally.
    pub fn to_read(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self.before.keys().copied().collect();
        ids.extend(
            self.created
                .iter()
                .filter(|(_, n)| n.tools.is_none())
                .map(|(id, _)| *id),
        );
        ids
    }

    /// The delta: new issues (those in `after` excepted), minus the touched issues as they
    /// were, plus everything in `after` (the issues of [`to_read`](Self::to_read) as they are).
    pub fn delta(&self, application_id: i64, after: &BTreeMap<i64, IssueFacts>) -> SummaryDelta {
        let mut d = SummaryDelta::default();
        for (id, n) in &self.created {
            let Some(mask) = n.tools.filter(|_| !after.contains_key(id)) else {
                continue;
            };
            let tools = (0..self.tools.len().min(64))
                .filter(|b| mask & (1 << b) != 0)
                .map(|b| self.tools[b].clone())
                .collect();
            d.add(
                &IssueFacts {
                    application_id,
                    status: n.status.to_string(),
                    severity: n.severity,
                    kind: n.kind.to_string(),
                    risk: 0,
                    tools,
                },
                1,
            );
        }
        for f in self.before.values() {
            d.add(f, -1);
        }
        for f in after.values() {
            d.add(f, 1);
        }
        d
    }
}

/// The summaries of one owner team (the catalog's `team`; applications without one are the
/// team `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TeamSummary {
    /// Team name.
    pub team: Option<String>,
    /// Applications of the team.
    pub applications: u64,
    /// Open (or reopened) issues by severity, critical first.
    pub open_by_severity: [u64; 5],
    /// Open issues by risk band (band `b` holds risk `10b ..= 10b + 9`, band 9 also 100).
    pub open_by_risk: [u64; 10],
}

/// Teams in name order, the team `None` (applications without one) last.
pub(crate) fn teams_in_order(teams: BTreeMap<Option<String>, TeamSummary>) -> Vec<TeamSummary> {
    let (none, mut named): (Vec<_>, Vec<_>) = teams
        .into_iter()
        .map(|(team, mut t)| {
            t.team = team;
            t
        })
        .partition(|t| t.team.is_none());
    named.extend(none);
    named
}

/// Reading the summaries by team, and recounting them.
#[async_trait]
pub trait SummaryStore: Send + Sync {
    /// Open counts per owner team, from the summary tables, by team name (no team last).
    async fn team_summaries(&self) -> Result<Vec<TeamSummary>>;

    /// [`Store::list_applications`](crate::Store::list_applications) counted from the issue
    /// and observation tables instead of the summaries (slow: it reads every issue).
    async fn recount_applications(&self) -> Result<Vec<ApplicationSummary>>;

    /// [`Store::portfolio`](crate::Store::portfolio) counted from the issue and observation
    /// tables instead of the summaries (slow: it reads every issue and active observation).
    async fn recount_portfolio(&self) -> Result<PortfolioSummary>;

    /// Rebuilds the summary tables from a full recount (after a bulk load that bypassed the
    /// store's write paths, or to repair them), in one transaction.
    async fn rebuild_summaries(&self) -> Result<()>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(status: &str, risk: i64, tools: &[&str]) -> IssueFacts {
        IssueFacts {
            application_id: 7,
            status: status.into(),
            severity: 3,
            kind: "code".into(),
            risk,
            tools: tools.iter().map(|t| t.to_string()).collect(),
        }
    }

    #[test]
    fn bands_cover_0_to_100() {
        assert_eq!(risk_band(0), 0);
        assert_eq!(risk_band(9), 0);
        assert_eq!(risk_band(10), 1);
        assert_eq!(risk_band(99), 9);
        assert_eq!(risk_band(100), 9);
        assert_eq!(risk_band(-5), 0);
    }

    #[test]
    fn a_fix_moves_one_issue_out_of_the_active_counts() {
        let mut d = SummaryDelta::default();
        d.add(&facts("open", 55, &["semgrep", "codeql"]), -1);
        d.add(&facts("fixed", 55, &[]), 1);
        d.prune();
        assert_eq!(d.issues[&(7, "open".into(), 3, "code".into())], -1);
        assert_eq!(d.issues[&(7, "fixed".into(), 3, "code".into())], 1);
        assert_eq!(d.risk[&(7, 5)], -1);
        assert_eq!(d.tools[&(7, "semgrep".into())], -1);
        assert_eq!(d.apps[&7].multi_tool, -1);
    }

    #[test]
    fn an_unchanged_issue_adds_nothing() {
        let mut d = SummaryDelta::default();
        d.add(&facts("open", 30, &["semgrep"]), -1);
        d.add(&facts("open", 30, &["semgrep"]), 1);
        d.prune();
        assert!(d.issues.is_empty() && d.risk.is_empty() && d.tools.is_empty());
        assert!(d.apps.is_empty());
    }

    #[test]
    fn snapshot_rows_fold_per_issue() {
        let f = facts_from_rows([
            (1, 7, "open".into(), 3, "code".into(), 10, Some("a".into())),
            (1, 7, "open".into(), 3, "code".into(), 10, Some("b".into())),
            (2, 7, "fixed".into(), 1, "code".into(), 0, None),
        ]);
        assert_eq!(f[&1].tools, ["a", "b"]);
        assert!(f[&2].tools.is_empty());
    }
}
