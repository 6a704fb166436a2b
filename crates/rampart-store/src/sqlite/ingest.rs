//! One ingest on SQLite: a write transaction, batched multi-row statements.

use super::corrupt;
use crate::codec::{join, pack_json, severity_to_db, status_from_db};
use crate::{IngestSession, Result, ScanEnd, ScanMeta};
use async_trait::async_trait;
use rampart_model::{IssueStatus, KeyedObservation, Lifecycle, Scan, ScanSummary, SeenTransition};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool, Transaction};
use std::collections::{HashMap, HashSet};

/// Rows per multi-row statement (SQLite allows 32,766 bound values).
const CHUNK: usize = 1000;

struct ActiveObservation {
    id: i64,
    issue_id: i64,
    seen: bool,
}

#[derive(Clone, Copy)]
struct IssueState {
    id: i64,
    status: IssueStatus,
    severity: i64,
}

/// An identity key (32 hex digits) as a number, for compact in-memory indexes.
fn key_number(hex: &str) -> Result<u128> {
    u128::from_str_radix(hex, 16)
        .map_err(|_| corrupt(format!("identity key {hex:?} is not 32 hex digits")))
}

/// Rows per `group_concat` chunk when bulk-loading an index.
const LOAD_CHUNK: i64 = 8192;

struct StreamState {
    id: i64,
    previous_scan: Option<i64>,
    active: HashMap<i64, ActiveObservation>,
}

/// An ingest in progress on SQLite.
pub(crate) struct SqliteIngest {
    tx: Transaction<'static, Sqlite>,
    meta: ScanMeta,
    application_id: i64,
    target_id: i64,
    scan_id: i64,
    streams: HashMap<String, StreamState>,
    seen_issues: HashSet<i64>,
    new_locations: HashMap<(i64, i64), String>,
    summary: ScanSummary,
    /// The application's issues by key, loaded at the first write (we hold the write lock, so
    /// nobody else changes them until commit).
    issues: Option<HashMap<u128, IssueState>>,
    next_issue_id: i64,
}

impl SqliteIngest {
    /// Opens the write transaction, creates the application, target and scan rows.
    pub(crate) async fn begin(pool: &SqlitePool, meta: ScanMeta) -> Result<SqliteIngest> {
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query("INSERT INTO applications (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(&meta.application)
            .bind(meta.ingested_at)
            .execute(&mut *tx)
            .await?;
        let application_id: i64 = sqlx::query_scalar("SELECT id FROM applications WHERE name = $1")
            .bind(&meta.application)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO targets (application_id, name) VALUES ($1, $2) ON CONFLICT (application_id, name) DO NOTHING")
            .bind(application_id)
            .bind(&meta.target)
            .execute(&mut *tx)
            .await?;
        let target_id: i64 =
            sqlx::query_scalar("SELECT id FROM targets WHERE application_id = $1 AND name = $2")
                .bind(application_id)
                .bind(&meta.target)
                .fetch_one(&mut *tx)
                .await?;
        let scan_id: i64 = sqlx::query_scalar(
            "INSERT INTO scans (application_id, target_id, branch, commit_sha, environment, format, file_name, report_sha256, ingested_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(application_id)
        .bind(target_id)
        .bind(&meta.branch)
        .bind(&meta.commit)
        .bind(meta.environment.map(|e| e.as_str()))
        .bind(&meta.format)
        .bind(&meta.file_name)
        .bind(&meta.report_sha256)
        .bind(meta.ingested_at)
        .fetch_one(&mut *tx)
        .await?;
        Ok(SqliteIngest {
            tx,
            meta,
            application_id,
            target_id,
            scan_id,
            streams: HashMap::new(),
            seen_issues: HashSet::new(),
            new_locations: HashMap::new(),
            summary: ScanSummary::default(),
            issues: None,
            next_issue_id: 0,
        })
    }

    /// Loads (creating when new) the stream of `tool` and its active observations.
    async fn load_stream(&mut self, tool: &str) -> Result<()> {
        if self.streams.contains_key(tool) {
            return Ok(());
        }
        sqlx::query("INSERT INTO streams (target_id, branch, tool) VALUES ($1, $2, $3) ON CONFLICT (target_id, branch, tool) DO NOTHING")
            .bind(self.target_id)
            .bind(&self.meta.branch)
            .bind(tool)
            .execute(&mut *self.tx)
            .await?;
        let row = sqlx::query("SELECT id, last_scan_id FROM streams WHERE target_id = $1 AND branch = $2 AND tool = $3")
            .bind(self.target_id)
            .bind(&self.meta.branch)
            .bind(tool)
            .fetch_one(&mut *self.tx)
            .await?;
        let id: i64 = row.try_get(0)?;
        let previous_scan: Option<i64> = row.try_get(1)?;
        let mut active = HashMap::new();
        let chunks: Vec<String> = sqlx::query_scalar(
            "SELECT group_concat(id || ':' || issue_id || ':' || hash, ',') FROM observations
             WHERE stream_id = $1 AND last_scan_id IS NULL GROUP BY id / $2",
        )
        .bind(id)
        .bind(LOAD_CHUNK)
        .fetch_all(&mut *self.tx)
        .await?;
        for chunk in &chunks {
            for triple in chunk.split(',') {
                let mut parts = triple.split(':').map(str::parse::<i64>);
                let (Some(Ok(obs)), Some(Ok(issue)), Some(Ok(hash))) =
                    (parts.next(), parts.next(), parts.next())
                else {
                    return Err(corrupt(format!("observation index entry {triple:?}")));
                };
                active.insert(
                    hash,
                    ActiveObservation {
                        id: obs,
                        issue_id: issue,
                        seen: false,
                    },
                );
            }
        }
        self.streams.insert(
            tool.to_string(),
            StreamState {
                id,
                previous_scan,
                active,
            },
        );
        Ok(())
    }

    /// Loads the application's issue index (key → id, status, severity) and the next free
    /// issue id, once per ingest, in a few large reads.
    async fn load_issue_index(&mut self) -> Result<()> {
        if self.issues.is_some() {
            return Ok(());
        }
        let chunks: Vec<String> = sqlx::query_scalar(
            "SELECT group_concat(key || ':' || id || ':' || status || ':' || severity, ',') FROM issues
             WHERE application_id = $1 GROUP BY id / $2",
        )
        .bind(self.application_id)
        .bind(LOAD_CHUNK)
        .fetch_all(&mut *self.tx)
        .await?;
        let mut index = HashMap::new();
        for chunk in &chunks {
            for entry in chunk.split(',') {
                let mut parts = entry.split(':');
                let (Some(key), Some(id), Some(status), Some(severity)) =
                    (parts.next(), parts.next(), parts.next(), parts.next())
                else {
                    return Err(corrupt(format!("issue index entry {entry:?}")));
                };
                let state = IssueState {
                    id: id
                        .parse()
                        .map_err(|_| corrupt(format!("issue id {id:?}")))?,
                    status: status_from_db(status)?,
                    severity: severity
                        .parse()
                        .map_err(|_| corrupt(format!("severity {severity:?}")))?,
                };
                index.insert(key_number(key)?, state);
            }
        }
        let max: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM issues")
            .fetch_one(&mut *self.tx)
            .await?;
        self.next_issue_id = max.unwrap_or(0) + 1;
        self.issues = Some(index);
        Ok(())
    }

    async fn record_events(&mut self, events: &[(i64, &str, String)]) -> Result<()> {
        for chunk in events.chunks(CHUNK) {
            let mut qb = QueryBuilder::<Sqlite>::new(
                "INSERT INTO issue_events (issue_id, scan_id, at, event, detail) ",
            );
            qb.push_values(chunk, |mut b, (issue, event, detail)| {
                b.push_bind(*issue)
                    .push_bind(self.scan_id)
                    .push_bind(self.meta.ingested_at)
                    .push_bind(*event)
                    .push_bind(detail);
            });
            qb.build().execute(&mut *self.tx).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl IngestSession for SqliteIngest {
    async fn write(&mut self, batch: Vec<KeyedObservation>, rules: &dyn Lifecycle) -> Result<()> {
        self.summary.observations += batch.len() as u64;
        // 1. Statements the stream's previous scan already made: nothing to write.
        let mut pending: Vec<(i64, KeyedObservation)> = Vec::new();
        for ko in batch {
            self.load_stream(&ko.observation.tool.name).await?;
            let stream = self
                .streams
                .get_mut(&ko.observation.tool.name)
                .ok_or_else(|| corrupt("stream vanished"))?;
            if let Some(a) = stream.active.get_mut(&ko.hash) {
                a.seen = true;
                self.seen_issues.insert(a.issue_id);
            } else {
                pending.push((stream.id, ko));
            }
        }
        if pending.is_empty() {
            return Ok(());
        }
        // 2. Which issues exist; lifecycle transitions for those seen first in this scan.
        self.load_issue_index().await?;
        let mut index = self.issues.take().unwrap_or_default();
        let (_, new_status) = rules.on_seen(None);
        let mut issue_of: Vec<i64> = Vec::with_capacity(pending.len());
        let mut new_rows: Vec<(i64, &KeyedObservation)> = Vec::new();
        let mut reopened: Vec<(i64, IssueStatus)> = Vec::new();
        let mut upgrades: Vec<(i64, i64)> = Vec::new();
        for (_, ko) in &pending {
            let key = key_number(&ko.key.hex)?;
            let severity = severity_to_db(ko.observation.severity.level);
            let state = match index.get_mut(&key) {
                Some(state) => {
                    if self.seen_issues.insert(state.id) {
                        let (transition, status) = rules.on_seen(Some(state.status));
                        if transition == SeenTransition::Reopened {
                            reopened.push((state.id, status));
                        }
                        state.status = status;
                    }
                    if severity > state.severity {
                        state.severity = severity;
                        upgrades.push((state.id, severity));
                    }
                    *state
                }
                None => {
                    // 3. A new issue; the first observation names it.
                    let state = IssueState {
                        id: self.next_issue_id,
                        status: new_status,
                        severity,
                    };
                    self.next_issue_id += 1;
                    index.insert(key, state);
                    self.seen_issues.insert(state.id);
                    self.summary.new += 1;
                    new_rows.push((state.id, ko));
                    state
                }
            };
            issue_of.push(state.id);
        }
        self.issues = Some(index);
        for chunk in new_rows.chunks(CHUNK / 2) {
            let mut qb = QueryBuilder::<Sqlite>::new(
                "INSERT INTO issues (id, application_id, key, kind, title, severity, status, rule_id, location, vuln_ids, cwes, first_scan_id, first_seen, last_seen) ",
            );
            qb.push_values(chunk, |mut b, (id, ko)| {
                let o = &ko.observation;
                b.push_bind(*id)
                    .push_bind(self.application_id)
                    .push_bind(&ko.key.hex)
                    .push_bind(o.kind.as_str())
                    .push_bind(&o.title)
                    .push_bind(severity_to_db(o.severity.level))
                    .push_bind(new_status.as_str())
                    .push_bind(&o.rule_id)
                    .push_bind(o.location.display())
                    .push_bind(join(&o.vuln_ids))
                    .push_bind(join(&o.cwes))
                    .push_bind(self.scan_id)
                    .push_bind(self.meta.ingested_at)
                    .push_bind(self.meta.ingested_at);
            });
            qb.build().execute(&mut *self.tx).await?;
        }
        // 4. Reopened issues and severity upgrades.
        if !reopened.is_empty() {
            for (id, status) in &reopened {
                sqlx::query(
                    "UPDATE issues SET status = $1, fixed_at = NULL, last_seen = $2 WHERE id = $3",
                )
                .bind(status.as_str())
                .bind(self.meta.ingested_at)
                .bind(id)
                .execute(&mut *self.tx)
                .await?;
            }
            self.summary.reopened += reopened.len() as u64;
            let events: Vec<(i64, &str, String)> = reopened
                .iter()
                .map(|(id, _)| {
                    (
                        *id,
                        "reopened",
                        format!("reported again in scan {}", self.scan_id),
                    )
                })
                .collect();
            self.record_events(&events).await?;
        }
        for (id, sev) in upgrades {
            sqlx::query("UPDATE issues SET severity = $1 WHERE id = $2 AND severity < $1")
                .bind(sev)
                .bind(id)
                .execute(&mut *self.tx)
                .await?;
        }
        // 5. The new statements.
        let rows: Vec<(i64, &(i64, KeyedObservation))> =
            issue_of.iter().copied().zip(pending.iter()).collect();
        for chunk in rows.chunks(CHUNK / 2) {
            let mut qb = QueryBuilder::<Sqlite>::new(
                "INSERT INTO observations (issue_id, stream_id, hash, first_scan_id, tool, rule_id, severity, location, data) ",
            );
            qb.push_values(chunk, |mut b, (issue_id, (stream_id, ko))| {
                let o = &ko.observation;
                b.push_bind(*issue_id)
                    .push_bind(*stream_id)
                    .push_bind(ko.hash)
                    .push_bind(self.scan_id)
                    .push_bind(&o.tool.name)
                    .push_bind(&o.rule_id)
                    .push_bind(severity_to_db(o.severity.level))
                    .push_bind(o.location.display())
                    .push_bind(pack_json(&ko.json));
            });
            qb.build().execute(&mut *self.tx).await?;
        }
        // Remember where existing issues are now said to be, to record moves at the end.
        let first_new = self.next_issue_id - new_rows.len() as i64;
        for (issue_id, (stream_id, ko)) in rows {
            if issue_id < first_new {
                self.new_locations
                    .insert((*stream_id, issue_id), ko.observation.location.display());
            }
        }
        Ok(())
    }

    async fn finish(mut self: Box<Self>, end: ScanEnd, rules: &dyn Lifecycle) -> Result<Scan> {
        self.meta.report_sha256 = end.report_sha256;
        for t in &end.tools {
            self.load_stream(t).await?;
        }
        let now = self.meta.ingested_at;
        let mut tool_names: Vec<String> = self.streams.keys().cloned().collect();
        tool_names.sort();
        // 1. Statements this scan no longer makes end at the stream's previous scan.
        let mut gone: Vec<(i64, i64, i64)> = Vec::new(); // (observation, issue, stream)
        for s in self.streams.values() {
            for a in s.active.values().filter(|a| !a.seen) {
                gone.push((a.id, a.issue_id, s.id));
            }
        }
        let previous: HashMap<i64, i64> = self
            .streams
            .values()
            .map(|s| (s.id, s.previous_scan.unwrap_or(self.scan_id)))
            .collect();
        let mut by_stream: HashMap<i64, Vec<i64>> = HashMap::new();
        for (obs, _, stream) in &gone {
            by_stream.entry(*stream).or_default().push(*obs);
        }
        for (stream, ids) in &by_stream {
            for chunk in ids.chunks(CHUNK) {
                let mut qb = QueryBuilder::<Sqlite>::new("UPDATE observations SET last_scan_id = ");
                qb.push_bind(previous.get(stream).copied().unwrap_or(self.scan_id))
                    .push(" WHERE id IN (");
                let mut sep = qb.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                qb.push(")");
                qb.build().execute(&mut *self.tx).await?;
            }
        }
        // 1b. Files renamed with their findings keep their issues (correlation.rs).
        let renamed = super::correlation::rename_pass(
            &mut self.tx,
            self.application_id,
            self.scan_id,
            now,
            &gone,
            rules,
        )
        .await?;
        for (dropped, kept) in renamed {
            self.summary.new = self.summary.new.saturating_sub(1);
            self.seen_issues.remove(&dropped);
            self.seen_issues.insert(kept);
        }
        // 2. Issues whose last statement ended: fixed (per the rules); moved ones recorded.
        let mut candidates: Vec<i64> = gone.iter().map(|g| g.1).collect();
        candidates.sort_unstable();
        candidates.dedup();
        let mut still_active: HashSet<i64> = HashSet::new();
        let mut statuses: HashMap<i64, IssueStatus> = HashMap::new();
        for chunk in candidates.chunks(CHUNK) {
            let mut qb = QueryBuilder::<Sqlite>::new(
                "SELECT i.id, i.status, EXISTS (SELECT 1 FROM observations o WHERE o.issue_id = i.id AND o.last_scan_id IS NULL) FROM issues i WHERE i.id IN (",
            );
            let mut sep = qb.separated(", ");
            for id in chunk {
                sep.push_bind(*id);
            }
            qb.push(")");
            for r in qb.build().fetch_all(&mut *self.tx).await? {
                let id: i64 = r.try_get(0)?;
                let status: String = r.try_get(1)?;
                statuses.insert(id, status_from_db(&status)?);
                if r.try_get::<bool, _>(2)? {
                    still_active.insert(id);
                }
            }
        }
        let mut fixed: Vec<(i64, IssueStatus)> = Vec::new();
        for id in &candidates {
            if still_active.contains(id) {
                continue;
            }
            if let Some(status) = statuses.get(id).and_then(|s| rules.on_gone(*s)) {
                fixed.push((*id, status));
            }
        }
        let mut events: Vec<(i64, &str, String)> = Vec::new();
        for (id, status) in &fixed {
            sqlx::query("UPDATE issues SET status = $1, fixed_at = $2 WHERE id = $3")
                .bind(status.as_str())
                .bind(now)
                .bind(id)
                .execute(&mut *self.tx)
                .await?;
            events.push((
                *id,
                "fixed",
                format!("no longer reported (scan {})", self.scan_id),
            ));
        }
        self.summary.fixed = fixed.len() as u64;
        // Moved: an issue whose statement ended in a stream that made a new one about it.
        let moved: Vec<(i64, i64, i64)> = gone
            .iter()
            .filter(|(_, issue, stream)| self.new_locations.contains_key(&(*stream, *issue)))
            .copied()
            .collect();
        for chunk in moved.chunks(CHUNK) {
            let mut qb =
                QueryBuilder::<Sqlite>::new("SELECT id, location FROM observations WHERE id IN (");
            let mut sep = qb.separated(", ");
            for (obs, _, _) in chunk {
                sep.push_bind(*obs);
            }
            qb.push(")");
            let old: HashMap<i64, String> = qb
                .build()
                .fetch_all(&mut *self.tx)
                .await?
                .into_iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
                .collect::<Result<_>>()?;
            for (obs, issue, stream) in chunk {
                let from = old.get(obs).cloned().unwrap_or_default();
                let to = self
                    .new_locations
                    .get(&(*stream, *issue))
                    .cloned()
                    .unwrap_or_default();
                if from != to {
                    events.push((*issue, "moved", format!("moved from {from} to {to}")));
                }
            }
        }
        self.record_events(&events).await?;
        // 3. The streams now end at this scan; the scan records its summary.
        for s in self.streams.values() {
            sqlx::query("UPDATE streams SET last_scan_id = $1 WHERE id = $2")
                .bind(self.scan_id)
                .bind(s.id)
                .execute(&mut *self.tx)
                .await?;
        }
        let seen = self.seen_issues.len() as u64;
        self.summary.unchanged = seen.saturating_sub(self.summary.new + self.summary.reopened);
        sqlx::query(
            "UPDATE scans SET tools = $1, observations = $2, new_issues = $3, unchanged = $4, fixed = $5, reopened = $6, report_sha256 = $8 WHERE id = $7",
        )
        .bind(tool_names.join(","))
        .bind(self.summary.observations as i64)
        .bind(self.summary.new as i64)
        .bind(self.summary.unchanged as i64)
        .bind(self.summary.fixed as i64)
        .bind(self.summary.reopened as i64)
        .bind(self.scan_id)
        .bind(&self.meta.report_sha256)
        .execute(&mut *self.tx)
        .await?;
        let SqliteIngest {
            tx,
            meta,
            scan_id,
            summary,
            ..
        } = *self;
        tx.commit().await?;
        Ok(Scan {
            id: scan_id,
            application: meta.application,
            target: meta.target,
            tool: tool_names.join(","),
            branch: meta.branch,
            commit: meta.commit,
            environment: meta.environment,
            format: meta.format,
            report_sha256: meta.report_sha256,
            ingested_at: meta.ingested_at,
            summary,
        })
    }
}
