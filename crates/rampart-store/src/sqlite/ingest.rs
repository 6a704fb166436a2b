//! One ingest on SQLite: a write transaction on a pooled connection. The bulk work (loading
//! the indexes, inserting issues, observations and events) runs as prepared statements
//! directly on the connection's SQLite handle (see [`super::raw`]); the rest goes through sqlx.

use super::bulk;
use super::checkpoint::Checkpointer;
use super::corrupt;
use super::dispose::Disposer;
use super::raw::with_handle;
use crate::codec::{is_scan_packed, join, pack_json, severity_to_db, status_from_db};
use crate::summary::IngestTally;
use crate::{IngestSession, Result, ScanEnd, ScanMeta};
use async_trait::async_trait;
use rampart_model::keymap::KeyMap;
use rampart_model::{IssueStatus, KeyedObservation, Lifecycle, Scan, ScanSummary, SeenTransition};
use rusqlite::params;
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool, Transaction};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use time::format_description::well_known::Rfc3339;

/// Rows per multi-row statement (SQLite allows 32,766 bound values).
const CHUNK: usize = 1000;

/// Written statements from which a batch is freed on the [`Disposer`]'s thread.
const DISPOSE_AT: usize = 256;

struct ActiveObservation {
    id: i64,
    issue_id: i64,
    seen: bool,
}

/// An issue of the application as the ingest tracks it: 16 bytes, so that the index of a
/// million issues stays small.
#[derive(Clone, Copy)]
struct IssueState {
    id: i64,
    severity: i16,
    status: IssueStatus,
}

/// An identity key (32 hex digits) as a number, for compact in-memory indexes.
fn key_number(hex: &str) -> Result<u128> {
    u128::from_str_radix(hex, 16)
        .map_err(|_| corrupt(format!("identity key {hex:?} is not 32 hex digits")))
}

struct StreamState {
    id: i64,
    previous_scan: Option<i64>,
    /// The stream's active statements by their hash.
    active: KeyMap<ActiveObservation, i64>,
}

/// An ingest in progress on SQLite.
pub(crate) struct SqliteIngest {
    tx: Transaction<'static, Sqlite>,
    meta: ScanMeta,
    /// `meta.ingested_at` as stored (RFC 3339, as sqlx writes it), formatted once.
    now_text: String,
    application_id: i64,
    target_id: i64,
    scan_id: i64,
    streams: HashMap<String, StreamState>,
    /// Existing issues (ids below `first_new`) this scan reported; the issues it creates are
    /// counted in `summary.new` instead, so a first ingest keeps no set of them.
    seen_issues: HashSet<i64>,
    new_locations: HashMap<(i64, i64), String>,
    summary: ScanSummary,
    /// The application's issues by key, loaded at the first write (we hold the write lock, so
    /// nobody else changes them until commit).
    issues: Option<KeyMap<IssueState>>,
    next_issue_id: i64,
    /// The first id of the issues this ingest creates.
    first_new: i64,
    /// What this ingest changes in the summary tables.
    tally: IngestTally,
    /// Told when the ingest has committed, to copy its pages into the database file.
    checkpointer: Option<Arc<Checkpointer>>,
    /// Frees large written batches off this (the writer) thread.
    disposer: Option<Disposer<Vec<Pending>>>,
    /// The dictionary this scan's documents are packed against, until it is stored: with the
    /// first batch that writes one of them.
    dictionary: Option<Vec<u8>>,
}

/// One statement of a batch that the stream's previous scan did not make.
struct Pending {
    stream_id: i64,
    issue_id: i64,
    location: String,
    ko: KeyedObservation,
}

/// Inserts history events (`(issue, event, detail)`) for scan `scan_id` at `at`.
fn insert_events(
    db: &rusqlite::Connection,
    scan_id: i64,
    at: &str,
    events: &[(i64, &str, String)],
) -> Result<()> {
    let mut stmt = db.prepare_cached(
        "INSERT INTO issue_events (issue_id, scan_id, at, event, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (issue, event, detail) in events {
        stmt.execute(params![issue, scan_id, at, event, detail])?;
    }
    Ok(())
}

impl SqliteIngest {
    /// Opens the write transaction, creates the application, target and scan rows.
    pub(crate) async fn begin(
        pool: &SqlitePool,
        meta: ScanMeta,
        checkpointer: Option<Arc<Checkpointer>>,
    ) -> Result<SqliteIngest> {
        let now_text = meta
            .ingested_at
            .format(&Rfc3339)
            .map_err(|e| corrupt(format!("scan time {}: {e}", meta.ingested_at)))?;
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
        if !meta.report_sha256.is_empty() {
            let earlier: Vec<(i64, time::OffsetDateTime)> = sqlx::query_as(
                "SELECT id, ingested_at FROM scans WHERE target_id = $1 AND branch = $2 AND report_sha256 = $3",
            )
            .bind(target_id)
            .bind(&meta.branch)
            .bind(&meta.report_sha256)
            .fetch_all(&mut *tx)
            .await?;
            // Stored times may be rounded (PostgreSQL keeps microseconds).
            if let Some((id, _)) = earlier
                .iter()
                .find(|(_, at)| (*at - meta.ingested_at).abs() < time::Duration::milliseconds(1))
            {
                return Err(crate::StoreError::AlreadyIngested(*id));
            }
        }
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
            now_text,
            application_id,
            target_id,
            scan_id,
            streams: HashMap::new(),
            seen_issues: HashSet::new(),
            new_locations: HashMap::new(),
            summary: ScanSummary::default(),
            issues: None,
            next_issue_id: 0,
            first_new: i64::MAX,
            tally: IngestTally::default(),
            checkpointer,
            disposer: None,
            dictionary: None,
        })
    }

    /// Loads (creating when new) the stream of `tool` and its active observations.
    async fn load_stream(&mut self, tool: &str) -> Result<()> {
        if self.streams.contains_key(tool) {
            return Ok(());
        }
        let (target_id, branch) = (self.target_id, &self.meta.branch);
        let state = with_handle(&mut self.tx, |db| {
            db.execute(
                "INSERT INTO streams (target_id, branch, tool) VALUES (?1, ?2, ?3) ON CONFLICT (target_id, branch, tool) DO NOTHING",
                params![target_id, branch, tool],
            )?;
            let (id, previous_scan): (i64, Option<i64>) = db.query_row(
                "SELECT id, last_scan_id FROM streams WHERE target_id = ?1 AND branch = ?2 AND tool = ?3",
                params![target_id, branch, tool],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let mut active = KeyMap::new();
            let mut stmt = db.prepare(
                "SELECT id, issue_id, hash FROM observations WHERE stream_id = ?1 AND last_scan_id IS NULL",
            )?;
            let mut rows = stmt.query([id])?;
            while let Some(r) = rows.next()? {
                active.insert(
                    r.get(2)?,
                    ActiveObservation {
                        id: r.get(0)?,
                        issue_id: r.get(1)?,
                        seen: false,
                    },
                );
            }
            Ok(StreamState {
                id,
                previous_scan,
                active,
            })
        })
        .await?;
        self.streams.insert(tool.to_string(), state);
        Ok(())
    }

    /// Loads the application's issue index (key → id, status, severity) and the next free
    /// issue id, once per ingest, in one pass over the application's issues.
    async fn load_issue_index(&mut self) -> Result<()> {
        if self.issues.is_some() {
            return Ok(());
        }
        let application_id = self.application_id;
        let (index, max) = with_handle(&mut self.tx, |db| {
            let mut index = KeyMap::new();
            let mut stmt = db.prepare(
                "SELECT key, id, status, severity FROM issues WHERE application_id = ?1",
            )?;
            let mut rows = stmt.query([application_id])?;
            while let Some(r) = rows.next()? {
                let text = |i: usize| -> Result<&str> {
                    r.get_ref(i)?
                        .as_str()
                        .map_err(|e| corrupt(format!("issue column {i}: {e}")))
                };
                let key = key_number(text(0)?)?;
                let status = text(2)?;
                let state = IssueState {
                    id: r.get(1)?,
                    status: status_from_db(status)?,
                    severity: r.get::<_, i64>(3)? as i16,
                };
                index.insert(key, state);
            }
            let max: Option<i64> = db.query_row("SELECT MAX(id) FROM issues", [], |r| r.get(0))?;
            Ok((index, max))
        })
        .await?;
        self.next_issue_id = max.unwrap_or(0) + 1;
        self.first_new = self.next_issue_id;
        self.issues = Some(index);
        Ok(())
    }

    /// Records, for the summaries, the state before this ingest of the existing issues `ids`
    /// not recorded yet.
    async fn record_before(&mut self, ids: impl IntoIterator<Item = i64>) -> Result<()> {
        let ids = self.tally.unrecorded(ids);
        if !ids.is_empty() {
            let facts = super::summary::snapshot(&mut self.tx, &ids, true).await?;
            self.tally.before.extend(facts);
        }
        Ok(())
    }

    async fn record_events(&mut self, events: &[(i64, &str, String)]) -> Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        let (scan_id, at) = (self.scan_id, &self.now_text);
        with_handle(&mut self.tx, |db| insert_events(db, scan_id, at, events)).await
    }
}

#[async_trait]
impl IngestSession for SqliteIngest {
    fn use_dictionary(&mut self, dictionary: Vec<u8>) {
        self.dictionary = Some(dictionary);
    }

    async fn put_inventory(
        &mut self,
        inventory: crate::NewInventory,
        match_digest: &str,
    ) -> Result<String> {
        let inventory = crate::NewInventory {
            scan_id: Some(self.scan_id),
            ..inventory
        };
        let (_, previous) = super::intel::write_inventory(
            &mut self.tx,
            self.target_id,
            &inventory,
            Some(match_digest),
        )
        .await?;
        Ok(previous)
    }

    async fn correlation_notes(
        &mut self,
        sink: &mut (dyn FnMut(String, String) + Send),
    ) -> Result<()> {
        super::correlation::correlation_notes(
            &mut self.tx,
            &self.meta.application,
            Some(self.target_id),
            sink,
        )
        .await
    }

    async fn write(&mut self, batch: Vec<KeyedObservation>, rules: &dyn Lifecycle) -> Result<()> {
        self.summary.observations += batch.len() as u64;
        // 1. Statements the stream's previous scan already made: nothing to write.
        let mut pending: Vec<Pending> = Vec::with_capacity(batch.len());
        for ko in batch {
            if !self.streams.contains_key(&ko.observation.tool.name) {
                self.load_stream(&ko.observation.tool.name).await?;
            }
            let stream = self
                .streams
                .get_mut(&ko.observation.tool.name)
                .ok_or_else(|| corrupt("stream vanished"))?;
            if let Some(a) = stream.active.get_mut(&ko.hash) {
                a.seen = true;
                self.seen_issues.insert(a.issue_id);
            } else {
                pending.push(Pending {
                    stream_id: stream.id,
                    issue_id: 0,
                    location: ko.observation.location.display(),
                    ko,
                });
            }
        }
        if pending.is_empty() {
            return Ok(());
        }
        // 2. Which issues exist; lifecycle transitions for those seen first in this scan.
        self.load_issue_index().await?;
        let mut index = self.issues.take().unwrap_or_default();
        let (_, new_status) = rules.on_seen(None);
        let first_new = self.next_issue_id;
        let mut reopened: Vec<(i64, IssueStatus)> = Vec::new();
        let mut upgrades: Vec<(i64, i16)> = Vec::new();
        for p in &mut pending {
            let key = key_number(&p.ko.key.hex)?;
            let severity = severity_to_db(p.ko.observation.severity.level) as i16;
            let state = match index.get_mut(&key) {
                Some(state) => {
                    if state.id < self.first_new && self.seen_issues.insert(state.id) {
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
                    self.summary.new += 1;
                    state
                }
            };
            p.issue_id = state.id;
        }
        self.issues = Some(index);
        self.summary.reopened += reopened.len() as u64;
        // The summaries: existing issues as they were, new ones as they are written.
        self.record_before(
            pending
                .iter()
                .map(|p| p.issue_id)
                .filter(|id| *id < first_new),
        )
        .await?;
        let mut next_new = first_new;
        for p in &pending {
            if p.issue_id == next_new {
                next_new += 1;
                let o = &p.ko.observation;
                let sev = severity_to_db(o.severity.level) as i16;
                self.tally.created(
                    p.issue_id,
                    o.kind.as_str(),
                    new_status.as_str(),
                    sev,
                    p.ko.risk,
                );
            }
            self.tally.observed(p.issue_id, &p.ko.observation.tool.name);
        }
        for (id, status) in &reopened {
            self.tally.changed(*id, Some(status.as_str()), None);
        }
        for (id, severity) in &upgrades {
            self.tally.changed(*id, None, Some(*severity));
        }
        self.tally.rows += pending.len() as i64;
        let reopen_events: Vec<(i64, &str, String)> = reopened
            .iter()
            .map(|(id, _)| {
                (
                    *id,
                    "reopened",
                    format!("reported again in scan {}", self.scan_id),
                )
            })
            .collect();
        let dictionary = if pending.iter().any(|p| is_scan_packed(&p.ko.stored)) {
            self.dictionary.take()
        } else {
            None
        };
        let (application_id, scan_id, now) = (self.application_id, self.scan_id, &self.now_text);
        with_handle(&mut self.tx, |db| {
            if let Some(dictionary) = &dictionary {
                db.execute(
                    "INSERT INTO scan_dictionaries (scan_id, dictionary) VALUES (?1, ?2)",
                    params![scan_id, dictionary],
                )?;
            }
            // The new issues, named by their first observation.
            let mut next_new = first_new;
            let firsts: Vec<&Pending> = pending
                .iter()
                .filter(|p| {
                    // Later observations of an issue this batch created come after it.
                    let first = p.issue_id == next_new;
                    next_new += i64::from(first);
                    first
                })
                .collect();
            bulk::insert(
                db,
                "issues (id, application_id, key, kind, title, severity, status, rule_id, location, vuln_ids, cwes, first_scan_id, first_seen, last_seen, risk, sla_due)",
                16,
                &firsts,
                |row, p| {
                    let o = &p.ko.observation;
                    row.int(p.issue_id)
                        .int(application_id)
                        .text(&p.ko.key.hex)
                        .text(o.kind.as_str())
                        .text(&o.title)
                        .int(severity_to_db(o.severity.level))
                        .text(new_status.as_str())
                        .text(&o.rule_id)
                        .text(&p.location)
                        .text_owned(join(&o.vuln_ids))
                        .text_owned(join(&o.cwes))
                        .int(scan_id)
                        .text(now)
                        .text(now)
                        .int(p.ko.risk.into())
                        .opt_int(p.ko.sla_due);
                },
            )?;
            // 4. Reopened issues and severity upgrades.
            let mut reopen = db.prepare_cached(
                "UPDATE issues SET status = ?1, fixed_at = NULL, last_seen = ?2 WHERE id = ?3",
            )?;
            for (id, status) in &reopened {
                reopen.execute(params![status.as_str(), now, id])?;
            }
            insert_events(db, scan_id, now, &reopen_events)?;
            let mut upgrade =
                db.prepare_cached("UPDATE issues SET severity = ?1 WHERE id = ?2 AND severity < ?1")?;
            for (id, severity) in &upgrades {
                upgrade.execute(params![severity, id])?;
            }
            // 5. The new statements.
            bulk::insert(
                db,
                "observations (issue_id, stream_id, hash, first_scan_id, tool, rule_id, severity, location, data)",
                9,
                &pending,
                |row, p| {
                    let o = &p.ko.observation;
                    row.int(p.issue_id)
                        .int(p.stream_id)
                        .int(p.ko.hash)
                        .int(scan_id)
                        .text(&o.tool.name)
                        .text(&o.rule_id)
                        .int(severity_to_db(o.severity.level))
                        .text(&p.location);
                    if p.ko.stored.is_empty() {
                        row.blob_owned(pack_json(&p.ko.json));
                    } else {
                        row.blob(&p.ko.stored);
                    }
                },
            )?;
            Ok(())
        })
        .await?;
        // Remember where existing issues are now said to be, to record moves at the end.
        for p in pending.iter().filter(|p| p.issue_id < first_new) {
            self.new_locations
                .insert((p.stream_id, p.issue_id), p.location.clone());
        }
        if pending.len() >= DISPOSE_AT {
            self.disposer
                .get_or_insert_with(Disposer::new)
                .dispose(pending);
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
        self.record_before(gone.iter().map(|g| g.1)).await?;
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
            self.first_new,
            now,
            &gone,
            rules,
        )
        .await?;
        for (dropped, kept) in renamed {
            self.tally.dropped(dropped);
            self.summary.new = self.summary.new.saturating_sub(1);
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
        self.summary.unchanged = seen.saturating_sub(self.summary.reopened);
        sqlx::query(
            "UPDATE scans SET tools = $1, observations = $2, new_issues = $3, unchanged = $4, fixed = $5, reopened = $6, report_sha256 = $8, first_issue_id = $9 WHERE id = $7",
        )
        .bind(tool_names.join(","))
        .bind(self.summary.observations as i64)
        .bind(self.summary.new as i64)
        .bind(self.summary.unchanged as i64)
        .bind(self.summary.fixed as i64)
        .bind(self.summary.reopened as i64)
        .bind(self.scan_id)
        .bind(&self.meta.report_sha256)
        // Where the ids of the issues this scan created begin (migration 0022); unknown when
        // it wrote no statement, and then it created none.
        .bind((self.first_new != i64::MAX).then_some(self.first_new))
        .execute(&mut *self.tx)
        .await?;
        // 4. The summaries.
        let after = super::summary::snapshot(&mut self.tx, &self.tally.to_read(), false).await?;
        let mut delta = self.tally.delta(self.application_id, &after);
        delta.scan(self.application_id, now, self.tally.rows);
        super::summary::apply(&mut self.tx, delta).await?;
        let SqliteIngest {
            tx,
            meta,
            scan_id,
            summary,
            checkpointer,
            ..
        } = *self;
        tx.commit().await?;
        if let Some(c) = checkpointer {
            c.kick();
        }
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
