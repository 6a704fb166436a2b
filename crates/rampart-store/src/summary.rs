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

/// The application id of the summary rows of the whole portfolio.
pub(crate) const PORTFOLIO: i64 = 0;

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
    /// Issues in any status.
    pub issues: i64,
    /// Active issues by severity, critical first.
    pub open: [i64; 5],
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
    /// Adds (`sign` 1) or removes (`sign` -1) one issue's contribution (`sign` n: n alike
    /// issues).
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
        let app = self.apps.entry(f.application_id).or_default();
        app.issues += sign;
        if !is_active(&f.status) {
            return;
        }
        app.open[4 - usize::try_from(f.severity.clamp(0, 4)).unwrap_or(0)] += sign;
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

    /// Adds the portfolio's rows: every change is also a change of application 0, "all
    /// applications", so the portfolio reads a hundred rows instead of adding up every
    /// application's. (Application ids start at 1.)
    pub fn with_portfolio(mut self) -> SummaryDelta {
        let mut all = SummaryDelta::default();
        for ((_, status, severity, kind), n) in &self.issues {
            *all.issues
                .entry((PORTFOLIO, status.clone(), *severity, kind.clone()))
                .or_default() += n;
        }
        for ((_, band), n) in &self.risk {
            *all.risk.entry((PORTFOLIO, *band)).or_default() += n;
        }
        for ((_, tool), n) in &self.tools {
            *all.tools.entry((PORTFOLIO, tool.clone())).or_default() += n;
        }
        let total = all.apps.entry(PORTFOLIO).or_default();
        for a in self.apps.values() {
            total.issues += a.issues;
            for (t, o) in total.open.iter_mut().zip(a.open) {
                *t += o;
            }
            total.multi_tool += a.multi_tool;
            total.scans += a.scans;
            total.observations += a.observations;
            total.last_scan = match (total.last_scan, a.last_scan) {
                (Some(x), Some(y)) => Some(x.max(y)),
                (x, y) => x.or(y),
            };
        }
        self.issues.extend(all.issues);
        self.risk.extend(all.risk);
        self.tools.extend(all.tools);
        self.apps.extend(all.apps);
        self
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
/// tallied in memory (the ingest knows everything they contribute, including the score it
/// stored with them),
/// the existing issues it touches are read before their first change and again at the end.
#[derive(Debug, Default)]
pub(crate) struct IngestTally {
    /// Tools seen, by bit position in `NewIssue::tools`.
    tools: Vec<String>,
    /// Kinds and statuses seen, by `NewIssue::kind` / `NewIssue::status` (a new issue takes
    /// 16 bytes: a first ingest of a million findings tallies a million of them).
    names: Vec<&'static str>,
    created: crate::dense::DenseIdMap<NewIssue>,
    /// Existing issues as they were before this ingest changed them.
    pub before: BTreeMap<i64, IssueFacts>,
    /// Observation rows the ingest inserted.
    pub rows: i64,
}

#[derive(Debug)]
struct NewIssue {
    /// Bit `i`: `tools[i]` reports it.
    tools: u64,
    severity: i16,
    /// Risk band of the score the issue was created with.
    band: u8,
    kind: u8,
    status: u8,
    /// A tool past the 64th reports it: read it from the database instead.
    overflow: bool,
}

impl IngestTally {
    /// Issue `id` was created by this ingest, stored with score `risk`.
    pub fn created(
        &mut self,
        id: i64,
        kind: &'static str,
        status: &'static str,
        severity: i16,
        risk: u8,
    ) {
        let (kind, status) = (self.name(kind), self.name(status));
        self.created.insert(
            id,
            NewIssue {
                tools: 0,
                severity,
                band: risk_band(i64::from(risk)) as u8,
                kind,
                status,
                overflow: false,
            },
        );
    }

    /// The number of a kind or status name (there are a dozen).
    fn name(&mut self, name: &'static str) -> u8 {
        let at = self
            .names
            .iter()
            .position(|n| *n == name)
            .unwrap_or_else(|| {
                self.names.push(name);
                self.names.len() - 1
            });
        at as u8
    }

    /// The ingest set a new status or severity on issue `id` (ignored unless it created it).
    pub fn changed(&mut self, id: i64, status: Option<&'static str>, severity: Option<i16>) {
        if !self.created.contains(id) {
            return;
        }
        let status = status.map(|s| self.name(s));
        if let Some(n) = self.created.get_mut(id) {
            n.status = status.unwrap_or(n.status);
            n.severity = severity.unwrap_or(n.severity);
        }
    }

    /// The ingest stored a statement of `tool` about issue `id`.
    pub fn observed(&mut self, id: i64, tool: &str) {
        let Some(n) = self.created.get_mut(id) else {
            return;
        };
        let bit = match self.tools.iter().position(|t| t == tool) {
            Some(i) => i,
            None => {
                self.tools.push(tool.to_string());
                self.tools.len() - 1
            }
        };
        if bit < 64 {
            n.tools |= 1 << bit;
        } else {
            n.overflow = true;
        }
    }

    /// Issue `id`, created by this ingest, was dropped (merged into another).
    pub fn dropped(&mut self, id: i64) {
        self.created.remove(id);
    }

    /// Of `ids`, the existing issues whose state before this ingest is not recorded yet.
    pub fn unrecorded(&self, ids: impl IntoIterator<Item = i64>) -> Vec<i64> {
        let mut out: Vec<i64> = ids
            .into_iter()
            .filter(|id| !self.created.contains(*id) && !self.before.contains_key(id))
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
                .filter(|(_, n)| n.overflow)
                .map(|(id, _)| id),
        );
        ids
    }

    /// The delta: new issues (those in `after` excepted), minus the touched issues as they
    /// were, plus everything in `after` (the issues of [`to_read`](Self::to_read) as they are).
    pub fn delta(&self, application_id: i64, after: &BTreeMap<i64, IssueFacts>) -> SummaryDelta {
        let mut d = SummaryDelta::default();
        // New issues alike in everything they contribute, counted once each.
        let mut alike: HashMap<(u8, i16, u8, u8, u64), i64> = HashMap::new();
        for (id, n) in self.created.iter() {
            if !n.overflow && !after.contains_key(&id) {
                *alike
                    .entry((n.status, n.severity, n.band, n.kind, n.tools))
                    .or_default() += 1;
            }
        }
        for ((status, severity, band, kind, mask), count) in alike {
            let tools = (0..self.tools.len().min(64))
                .filter(|b| mask & (1 << b) != 0)
                .map(|b| self.tools[b].clone())
                .collect();
            d.add(
                &IssueFacts {
                    application_id,
                    status: self.names[usize::from(status)].to_string(),
                    severity,
                    kind: self.names[usize::from(kind)].to_string(),
                    // Any score of the band stands for it.
                    risk: i64::from(band) * 10,
                    tools,
                },
                count,
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

/// The summaries' rebuild from `migration` (the backend's 0010 migration text): the tables
/// emptied, then the migration's recount of the data already stored, one statement each (the
/// migration's statements hold no `;` but their terminator).
pub(crate) fn rebuild_statements(migration: &str) -> Vec<String> {
    let fill = migration
        .split_once("-- The counts of the data already stored")
        .and_then(|(_, rest)| rest.split_once('\n'))
        .map_or("", |(_, fill)| fill);
    let mut out: Vec<String> = [
        "summary_issues",
        "summary_risk",
        "summary_tools",
        "summary_apps",
    ]
    .iter()
    .map(|t| format!("DELETE FROM {t}"))
    .collect();
    out.extend(
        fill.split(';')
            .map(|s| {
                s.lines()
                    .filter(|l| !l.trim_start().starts_with("--"))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .filter(|s| !s.trim().is_empty()),
    );
    out
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
