//! One ingest on PostgreSQL: a transaction holding the target's advisory lock, one
//! `UNNEST`-array statement per batch per table.
//!
//! Two ingests into one target are serialized by `pg_advisory_xact_lock`: an issue's key
//! contains its target, so every stream that can point at an issue (any tool, any branch) is a
//! stream of that target, and the "is any statement about this issue still active?" question
//! asked when a scan ends is answered without a concurrent scan of another tool changing the
//! answer underneath. Ingests into different targets run in parallel; issues are inserted with
//! `ON CONFLICT (application_id, key) DO NOTHING` and re-selected, so even a caller that keys
//! observations with another target's name never creates a duplicate.

use super::copy::BinaryRows;
use super::corrupt;
use crate::codec::{severity_to_db, status_from_db};
use crate::summary::IngestTally;
use crate::{IngestSession, Result, ScanEnd, ScanMeta};
use async_trait::async_trait;
use rampart_model::{IssueStatus, KeyedObservation, Lifecycle, Scan, ScanSummary, SeenTransition};
use sqlx::{PgPool, Postgres, Row, Transaction};
use std::collections::{HashMap, HashSet};

/// Observation rows below which an ingest never refreshes the planner's statistics.
const ANALYZE_AFTER: u64 = 10_000;

/// After a bulk load that grew the observations by a fifth or more (a first big ingest above
/// all), refreshes the statistics at once, so the next list query is planned on the tables as
/// they now are; autovacuum would get there only after a minute or so. `SKIP_LOCKED`: never
/// waits behind another process's `ANALYZE`.
async fn refresh_statistics(pool: &PgPool, rows_written: u64) -> Result<()> {
    if rows_written < ANALYZE_AFTER {
        return Ok(());
    }
    let known: f32 =
        sqlx::query_scalar("SELECT reltuples FROM pg_class WHERE oid = 'observations'::regclass")
            .fetch_one(pool)
            .await?;
    if (rows_written as f32) * 5.0 >= known.max(0.0) {
        sqlx::query("ANALYZE (SKIP_LOCKED) issues, observations")
            .execute(pool)
            .await?;
    }
    Ok(())
}

/// Separates vulnerability ids in the text handed to `string_to_array` (ids never contain it).
const SEP: &str = "\u{1f}";

/// The advisory-lock key space of ingest locks (high byte), so other advisory locks taken by
/// Rampart or by the operator's own tools never collide with them.
pub(super) const TARGET_LOCK_SPACE: i64 = 0x52 << 56;

struct ActiveObservation {
    id: i64,
    issue_id: i64,
    seen: bool,
}

struct StreamState {
    id: i64,
    previous_scan: Option<i64>,
    active: HashMap<i64, ActiveObservation>,
}

/// An ingest in progress on PostgreSQL.
pub(crate) struct PgIngest {
    tx: Transaction<'static, Postgres>,
    meta: ScanMeta,
    application_id: i64,
    target_id: i64,
    /// This ingest created the target: no issue of it exists yet, so a batch's keys need no
    /// lookup but those this ingest created in an earlier batch (`created`), and its new
    /// issues are written with `COPY` (see [`PgIngest::copy_issues`]).
    new_target: bool,
    /// The keys of the issues this ingest wrote with `COPY` (as [`key_bits`]).
    created: HashSet<u128>,
    scan_id: i64,
    streams: HashMap<String, StreamState>,
    seen_issues: HashSet<i64>,
    /// Observation rows this ingest inserted.
    rows_written: u64,
    summary: ScanSummary,
    /// What this ingest changes in the summary tables.
    tally: IngestTally,
    pool: PgPool,
}

/// Sever stored for a model severity.
fn sev(s: rampart_model::Severity) -> i16 {
    severity_to_db(s) as i16
}

impl PgIngest {
    /// Opens the transaction, creates the application and target rows when new, takes the
    /// target's lock and creates the scan row.
    pub(crate) async fn begin(pool: &PgPool, meta: ScanMeta) -> Result<PgIngest> {
        let mut tx = pool.begin().await?;
        sqlx::query(
            "INSERT INTO applications (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(&meta.application)
        .bind(meta.ingested_at)
        .execute(&mut *tx)
        .await?;
        let application_id: i64 = sqlx::query_scalar("SELECT id FROM applications WHERE name = $1")
            .bind(&meta.application)
            .fetch_one(&mut *tx)
            .await?;
        let created: Option<i64> = sqlx::query_scalar(
            "INSERT INTO targets (application_id, name) VALUES ($1, $2) ON CONFLICT (application_id, name) DO NOTHING RETURNING id",
        )
        .bind(application_id)
        .bind(&meta.target)
        .fetch_optional(&mut *tx)
        .await?;
        let new_target = created.is_some();
        let target_id: i64 = match created {
            Some(id) => id,
            None => {
                sqlx::query_scalar("SELECT id FROM targets WHERE application_id = $1 AND name = $2")
                    .bind(application_id)
                    .bind(&meta.target)
                    .fetch_one(&mut *tx)
                    .await?
            }
        };
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(TARGET_LOCK_SPACE | target_id)
            .execute(&mut *tx)
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
        Ok(PgIngest {
            tx,
            meta,
            application_id,
            target_id,
            new_target,
            created: HashSet::new(),
            scan_id,
            streams: HashMap::new(),
            seen_issues: HashSet::new(),
            rows_written: 0,
            summary: ScanSummary::default(),
            tally: IngestTally::default(),
            pool: pool.clone(),
        })
    }

    /// Loads (creating when new) the stream of `tool` and its active observations.
    async fn load_stream(&mut self, tool: &str) -> Result<()> {
        if self.streams.contains_key(tool) {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO streams (target_id, branch, tool) VALUES ($1, $2, $3) ON CONFLICT (target_id, branch, tool) DO NOTHING",
        )
        .bind(self.target_id)
        .bind(&self.meta.branch)
        .bind(tool)
        .execute(&mut *self.tx)
        .await?;
        let row = sqlx::query(
            "SELECT id, last_scan_id FROM streams WHERE target_id = $1 AND branch = $2 AND tool = $3",
        )
        .bind(self.target_id)
        .bind(&self.meta.branch)
        .bind(tool)
        .fetch_one(&mut *self.tx)
        .await?;
        let id: i64 = row.try_get(0)?;
        let previous_scan: Option<i64> = row.try_get(1)?;
        let rows = sqlx::query(
            "SELECT id, issue_id, hash FROM observations WHERE stream_id = $1 AND last_scan_id IS NULL",
        )
        .bind(id)
        .fetch_all(&mut *self.tx)
        .await?;
        let mut active = HashMap::with_capacity(rows.len());
        for r in rows {
            active.insert(
                r.try_get::<i64, _>(2)?,
                ActiveObservation {
                    id: r.try_get(0)?,
                    issue_id: r.try_get(1)?,
                    seen: false,
                },
            );
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

    /// Issues of this application among `keys`: key → (id, status, severity).
    async fn select_issues(&mut self, keys: &[String]) -> Result<HashMap<String, IssueRow>> {
        let rows = sqlx::query(
            "SELECT id, key, status, severity FROM issues WHERE application_id = $1 AND key = ANY($2)",
        )
        .bind(self.application_id)
        .bind(keys)
        .fetch_all(&mut *self.tx)
        .await?;
        let mut out = HashMap::with_capacity(rows.len());
        for r in rows {
            let status: String = r.try_get(2)?;
            out.insert(
                r.try_get::<String, _>(1)?,
                IssueRow {
                    id: r.try_get(0)?,
                    status: status_from_db(&status)?,
                    severity: r.try_get(3)?,
                },
            );
        }
        Ok(out)
    }

    /// Records, for the summaries, the state before this ingest of the existing issues `ids`
    /// not recorded yet, and locks them until commit.
    async fn record_before(&mut self, ids: impl IntoIterator<Item = i64>) -> Result<()> {
        let ids = self.tally.unrecorded(ids);
        if !ids.is_empty() {
            let facts = super::summary::snapshot(&mut self.tx, &ids, true).await?;
            self.tally.before.extend(facts);
        }
        Ok(())
    }

    /// Inserts one issue per key of `rows` (first observation names it); returns key → id of
    /// those this transaction created (a key another transaction created first is left out).
    async fn insert_issues(
        &mut self,
        rows: &[&KeyedObservation],
        status: IssueStatus,
    ) -> Result<HashMap<String, i64>> {
        let n = rows.len();
        let (mut keys, mut kinds, mut titles, mut sevs) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let (mut rules, mut locations, mut vulns, mut cwes) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for ko in rows {
            let o = &ko.observation;
            keys.push(ko.key.hex.as_str());
            kinds.push(o.kind.as_str());
            titles.push(o.title.as_str());
            sevs.push(sev(o.severity.level));
            rules.push(o.rule_id.as_str());
            locations.push(o.location.display());
            vulns.push(
                o.vuln_ids
                    .iter()
                    .map(|v| v.0.as_str())
                    .collect::<Vec<_>>()
                    .join(SEP),
            );
            cwes.push(crate::codec::join(&o.cwes));
        }
        let risks: Vec<i16> = rows.iter().map(|ko| i16::from(ko.risk)).collect();
        // The due date goes in with the row: set afterwards, it would rewrite every new issue
        // (`sla_due` is indexed, so such an update is never HOT: a second row version and an
        // entry in every index of `issues`).
        let dues: Vec<Option<i64>> = rows.iter().map(|ko| ko.sla_due).collect();
        let inserted = sqlx::query(
            "INSERT INTO issues (application_id, key, kind, title, severity, status, rule_id, location, vuln_ids, cwes, first_scan_id, first_seen, last_seen, risk, sla_due)
             SELECT $1, t.key, t.kind, t.title, t.severity, $2, t.rule_id, t.location,
                    string_to_array(t.vuln_ids, $3), string_to_array(t.cwes, ',')::integer[], $4, $5, $5, t.risk, t.sla_due
             FROM UNNEST($6::text[], $7::text[], $8::text[], $9::smallint[], $10::text[], $11::text[], $12::text[], $13::text[], $14::smallint[], $15::bigint[])
                  AS t(key, kind, title, severity, rule_id, location, vuln_ids, cwes, risk, sla_due)
             ORDER BY t.key
             ON CONFLICT (application_id, key) DO NOTHING
             RETURNING id, key",
        )
        .bind(self.application_id)
        .bind(status.as_str())
        .bind(SEP)
        .bind(self.scan_id)
        .bind(self.meta.ingested_at)
        .bind(&keys)
        .bind(&kinds)
        .bind(&titles)
        .bind(&sevs)
        .bind(&rules)
        .bind(&locations)
        .bind(&vulns)
        .bind(&cwes)
        .bind(&risks)
        .bind(&dues)
        .fetch_all(&mut *self.tx)
        .await?;
        inserted
            .into_iter()
            .map(|r| Ok((r.try_get::<String, _>(1)?, r.try_get::<i64, _>(0)?)))
            .collect()
    }

    /// Writes one new issue per key of `rows` (first observation names it) with one binary
    /// `COPY`, ids taken from the table's sequence first; returns key → id of them all.
    ///
    /// Only for a target this ingest created: its keys contain its name, the target row stays
    /// locked until commit, so no other transaction writes them and no conflict handling is
    /// needed. (A caller that keys observations with another target's name while that
    /// target's first ingest runs gets a unique-key error and its ingest stores nothing: never
    /// a duplicate issue.) `COPY` fills heap pages many rows at a time, and spares each row
    /// the speculative insertion of `ON CONFLICT` and the parsing of `UNNEST` arrays.
    async fn copy_issues(
        &mut self,
        rows: &[&KeyedObservation],
        status: IssueStatus,
    ) -> Result<HashMap<String, i64>> {
        // The identity column's sequence (named by PostgreSQL after table and column), named
        // as a literal: resolved once when the statement is parsed, where
        // `pg_get_serial_sequence` would cost ~8 µs per id.
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT nextval('issues_id_seq') FROM generate_series(1, $1)")
                .bind(rows.len() as i64)
                .fetch_all(&mut *self.tx)
                .await?;
        if ids.len() != rows.len() {
            return Err(corrupt("the issue sequence gave too few ids"));
        }
        let bytes: usize = rows
            .iter()
            .map(|ko| ko.observation.title.len() + ko.observation.rule_id.len() + 240)
            .sum();
        let mut copy = BinaryRows::new(16, bytes);
        let mut out = HashMap::with_capacity(rows.len());
        for (ko, id) in rows.iter().zip(ids) {
            let o = &ko.observation;
            let cwes: Vec<i32> = o.cwes.iter().map(|c| *c as i32).collect();
            copy.row()
                .int8(id)
                .int8(self.application_id)
                .text(&ko.key.hex)
                .text(o.kind.as_str())
                .text(&o.title)
                .int2(sev(o.severity.level))
                .text(status.as_str())
                .text(&o.rule_id)
                .text(&o.location.display())
                .text_array(o.vuln_ids.iter().map(|v| v.0.as_str()))
                .int4_array(&cwes)
                .int8(self.scan_id)
                .timestamptz(self.meta.ingested_at)
                .timestamptz(self.meta.ingested_at)
                .int2(i16::from(ko.risk))
                .opt_int8(ko.sla_due);
            self.created.insert(key_bits(&ko.key.hex));
            out.insert(ko.key.hex.clone(), id);
        }
        copy.send(
            &mut self.tx,
            "COPY issues (id, application_id, key, kind, title, severity, status, rule_id, location, vuln_ids, cwes, first_scan_id, first_seen, last_seen, risk, sla_due) FROM STDIN (FORMAT binary)",
        )
        .await?;
        Ok(out)
    }

    async fn record_events(&mut self, events: &[(i64, &str, String)]) -> Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = events.iter().map(|e| e.0).collect();
        let kinds: Vec<&str> = events.iter().map(|e| e.1).collect();
        let details: Vec<&str> = events.iter().map(|e| e.2.as_str()).collect();
        sqlx::query(
            "INSERT INTO issue_events (issue_id, scan_id, at, event, detail)
             SELECT t.issue_id, $1, $2, t.event, t.detail
             FROM UNNEST($3::bigint[], $4::text[], $5::text[]) AS t(issue_id, event, detail)",
        )
        .bind(self.scan_id)
        .bind(self.meta.ingested_at)
        .bind(&ids)
        .bind(&kinds)
        .bind(&details)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Sets `status` (and `fixed_at`, `last_seen` as given) on each issue.
    async fn set_statuses(&mut self, changes: &[(i64, IssueStatus)], fixed: bool) -> Result<()> {
        if changes.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = changes.iter().map(|c| c.0).collect();
        let statuses: Vec<&str> = changes.iter().map(|c| c.1.as_str()).collect();
        let sql = if fixed {
            "UPDATE issues SET status = t.status, fixed_at = $1
             FROM UNNEST($2::bigint[], $3::text[]) AS t(id, status) WHERE issues.id = t.id"
        } else {
            "UPDATE issues SET status = t.status, fixed_at = NULL, last_seen = $1
             FROM UNNEST($2::bigint[], $3::text[]) AS t(id, status) WHERE issues.id = t.id"
        };
        sqlx::query(sql)
            .bind(self.meta.ingested_at)
            .bind(&ids)
            .bind(&statuses)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Applies the seen-transition to existing issues this scan reports for the first time
    /// and raises severities; records their ids.
    async fn touch_existing(
        &mut self,
        existing: &HashMap<String, IssueRow>,
        worst: &HashMap<&str, i16>,
        issue_ids: &mut HashMap<String, i64>,
        rules: &dyn Lifecycle,
    ) -> Result<()> {
        let mut reopened: Vec<(i64, IssueStatus)> = Vec::new();
        let mut upgrades: Vec<(i64, i16)> = Vec::new();
        for (key, row) in existing {
            issue_ids.insert(key.clone(), row.id);
            if self.seen_issues.insert(row.id) {
                let (transition, new_status) = rules.on_seen(Some(row.status));
                if transition == SeenTransition::Reopened {
                    reopened.push((row.id, new_status));
                    self.tally.changed(row.id, Some(new_status.as_str()), None);
                }
            }
            if let Some(w) = worst.get(key.as_str()).filter(|w| **w > row.severity) {
                upgrades.push((row.id, *w));
                self.tally.changed(row.id, None, Some(*w));
            }
        }
        reopened.sort_unstable_by_key(|r| r.0);
        self.set_statuses(&reopened, false).await?;
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
        if !upgrades.is_empty() {
            upgrades.sort_unstable_by_key(|u| u.0);
            let ids: Vec<i64> = upgrades.iter().map(|u| u.0).collect();
            let sevs: Vec<i16> = upgrades.iter().map(|u| u.1).collect();
            sqlx::query(
                "UPDATE issues SET severity = t.severity
                 FROM UNNEST($1::bigint[], $2::smallint[]) AS t(id, severity)
                 WHERE issues.id = t.id AND issues.severity < t.severity",
            )
            .bind(&ids)
            .bind(&sevs)
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }

    /// Inserts the new statements of this batch with one binary `COPY` (no conflict is
    /// possible and no id is needed back).
    async fn insert_observations(
        &mut self,
        pending: &[(i64, KeyedObservation)],
        issue_ids: &HashMap<String, i64>,
    ) -> Result<()> {
        let bytes: usize = pending.iter().map(|(_, k)| k.json.len() + 160).sum();
        let mut rows = BinaryRows::new(9, bytes);
        for (stream_id, ko) in pending {
            let issue_id = issue_ids
                .get(&ko.key.hex)
                .copied()
                .ok_or_else(|| corrupt(format!("no issue for key {}", ko.key.hex)))?;
            let o = &ko.observation;
            self.tally.observed(issue_id, &o.tool.name);
            rows.row()
                .int8(issue_id)
                .int8(*stream_id)
                .int8(ko.hash)
                .int8(self.scan_id)
                .text(&o.tool.name)
                .text(&o.rule_id)
                .int2(sev(o.severity.level))
                .text(&o.location.display())
                .jsonb(&ko.json);
        }
        rows.send(
            &mut self.tx,
            "COPY observations (issue_id, stream_id, hash, first_scan_id, tool, rule_id, severity, location, data) FROM STDIN (FORMAT binary)",
        )
        .await?;
        self.rows_written += pending.len() as u64;
        Ok(())
    }
}

impl PgIngest {
    /// `moved` events: a statement that ended in a stream where this scan made a new one
    /// about the same issue, at another location.
    async fn moved_events(
        &mut self,
        gone: &[(i64, i64, i64)],
    ) -> Result<Vec<(i64, &'static str, String)>> {
        if gone.is_empty() || self.rows_written == 0 {
            return Ok(Vec::new());
        }
        let mut issues: Vec<i64> = gone.iter().map(|g| g.1).collect();
        issues.sort_unstable();
        issues.dedup();
        let new: HashMap<(i64, i64), String> = sqlx::query(
            "SELECT DISTINCT ON (issue_id, stream_id) issue_id, stream_id, location FROM observations
             WHERE issue_id = ANY($1) AND first_scan_id = $2 ORDER BY issue_id, stream_id, id DESC",
        )
        .bind(&issues)
        .bind(self.scan_id)
        .fetch_all(&mut *self.tx)
        .await?
        .into_iter()
        .map(|r| Ok(((r.try_get(0)?, r.try_get(1)?), r.try_get(2)?)))
        .collect::<Result<_>>()?;
        let moved: Vec<&(i64, i64, i64)> = gone
            .iter()
            .filter(|(_, issue, stream)| new.contains_key(&(*issue, *stream)))
            .collect();
        if moved.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = moved.iter().map(|m| m.0).collect();
        let old: HashMap<i64, String> =
            sqlx::query("SELECT id, location FROM observations WHERE id = ANY($1)")
                .bind(&ids)
                .fetch_all(&mut *self.tx)
                .await?
                .into_iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
                .collect::<Result<_>>()?;
        let mut events = Vec::new();
        for (obs, issue, stream) in moved {
            let from = old.get(obs).map_or("", String::as_str);
            let to = new.get(&(*issue, *stream)).map_or("", String::as_str);
            if from != to {
                events.push((*issue, "moved", format!("moved from {from} to {to}")));
            }
        }
        Ok(events)
    }
}

/// An issue key as a number for the set of keys an ingest created: the 128 bits of its 32
/// hex characters, or a hash of another text (a false match only costs a lookup).
fn key_bits(hex: &str) -> u128 {
    match u128::from_str_radix(hex, 16) {
        Ok(v) if hex.len() == 32 => v,
        _ => {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            hex.hash(&mut h);
            u128::from(h.finish())
        }
    }
}

/// What a write needs to know of an existing issue.
struct IssueRow {
    id: i64,
    status: IssueStatus,
    severity: i16,
}

#[async_trait]
impl IngestSession for PgIngest {
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
        let mut keys: Vec<String> = pending.iter().map(|(_, k)| k.key.hex.clone()).collect();
        keys.sort_unstable();
        keys.dedup();
        let mut worst: HashMap<&str, i16> = HashMap::new();
        for (_, k) in &pending {
            let s = sev(k.observation.severity.level);
            let w = worst.entry(k.key.hex.as_str()).or_insert(s);
            *w = (*w).max(s);
        }
        let existing = if self.new_target {
            // A key seen in an earlier batch of this ingest (or a rare false match of the
            // set, which the lookup then does not find).
            let again: Vec<String> = keys
                .iter()
                .filter(|k| self.created.contains(&key_bits(k)))
                .cloned()
                .collect();
            if again.is_empty() {
                HashMap::new()
            } else {
                self.select_issues(&again).await?
            }
        } else {
            self.select_issues(&keys).await?
        };
        self.record_before(existing.values().map(|r| r.id)).await?;
        let mut issue_ids: HashMap<String, i64> = HashMap::with_capacity(keys.len());
        self.touch_existing(&existing, &worst, &mut issue_ids, rules)
            .await?;
        // 3. New issues, one per new key (the first observation names it).
        let mut new_rows: Vec<&KeyedObservation> = Vec::new();
        let mut new_keys: HashSet<&str> = HashSet::new();
        for (_, ko) in &pending {
            if !existing.contains_key(&ko.key.hex) && new_keys.insert(ko.key.hex.as_str()) {
                new_rows.push(ko);
            }
        }
        if !new_rows.is_empty() {
            let (_, new_status) = rules.on_seen(None);
            let inserted = if self.new_target {
                new_rows.sort_unstable_by(|a, b| a.key.hex.cmp(&b.key.hex));
                self.copy_issues(&new_rows, new_status).await?
            } else {
                self.insert_issues(&new_rows, new_status).await?
            };
            for id in inserted.values() {
                self.seen_issues.insert(*id);
            }
            for ko in &new_rows {
                if let Some(id) = inserted.get(&ko.key.hex) {
                    let o = &ko.observation;
                    self.tally.created(
                        *id,
                        o.kind.as_str(),
                        new_status.as_str(),
                        sev(o.severity.level),
                        ko.risk,
                    );
                }
            }
            self.summary.new += inserted.len() as u64;
            // A key another transaction created meanwhile is an existing issue after all.
            let raced: Vec<String> = new_rows
                .iter()
                .map(|ko| ko.key.hex.clone())
                .filter(|k| !inserted.contains_key(k))
                .collect();
            issue_ids.extend(inserted);
            if !raced.is_empty() {
                let raced = self.select_issues(&raced).await?;
                self.record_before(raced.values().map(|r| r.id)).await?;
                self.touch_existing(&raced, &worst, &mut issue_ids, rules)
                    .await?;
            }
        }
        // 4. The new statements.
        self.insert_observations(&pending, &issue_ids).await
    }

    async fn finish(mut self: Box<Self>, end: ScanEnd, rules: &dyn Lifecycle) -> Result<Scan> {
        self.meta.report_sha256 = end.report_sha256;
        for t in &end.tools {
            self.load_stream(t).await?;
        }
        let mut tool_names: Vec<String> = self.streams.keys().cloned().collect();
        tool_names.sort();
        // 1. Statements this scan no longer makes end at the stream's previous scan.
        let mut gone: Vec<(i64, i64, i64)> = Vec::new(); // (observation, issue, stream)
        let mut gone_prev: Vec<i64> = Vec::new();
        for s in self.streams.values() {
            for a in s.active.values().filter(|a| !a.seen) {
                gone.push((a.id, a.issue_id, s.id));
                gone_prev.push(s.previous_scan.unwrap_or(self.scan_id));
            }
        }
        self.record_before(gone.iter().map(|g| g.1)).await?;
        if !gone.is_empty() {
            let ids: Vec<i64> = gone.iter().map(|g| g.0).collect();
            sqlx::query(
                "UPDATE observations SET last_scan_id = t.prev
                 FROM UNNEST($1::bigint[], $2::bigint[]) AS t(id, prev) WHERE observations.id = t.id",
            )
            .bind(&ids)
            .bind(&gone_prev)
            .execute(&mut *self.tx)
            .await?;
        }
        // 1b. Files renamed with their findings keep their issues (correlation.rs).
        let renamed = super::correlation::rename_pass(
            &mut self.tx,
            self.application_id,
            self.scan_id,
            self.meta.ingested_at,
            &gone,
            rules,
        )
        .await?;
        let mut renamed_kept: HashSet<i64> = HashSet::new();
        for (dropped, kept) in renamed {
            self.tally.dropped(dropped);
            self.summary.new = self.summary.new.saturating_sub(1);
            self.seen_issues.remove(&dropped);
            self.seen_issues.insert(kept);
            renamed_kept.insert(kept);
        }
        // 2. Issues whose last statement ended: fixed (per the rules); moved ones recorded.
        let mut candidates: Vec<i64> = gone.iter().map(|g| g.1).collect();
        candidates.sort_unstable();
        candidates.dedup();
        let mut fixed: Vec<(i64, IssueStatus)> = Vec::new();
        if !candidates.is_empty() {
            let rows = sqlx::query(
                "SELECT i.id, i.status FROM issues i WHERE i.id = ANY($1)
                   AND NOT EXISTS (SELECT 1 FROM observations o WHERE o.issue_id = i.id AND o.last_scan_id IS NULL)
                 ORDER BY i.id",
            )
            .bind(&candidates)
            .fetch_all(&mut *self.tx)
            .await?;
            for r in rows {
                let status: String = r.try_get(1)?;
                if let Some(s) = rules.on_gone(status_from_db(&status)?) {
                    fixed.push((r.try_get(0)?, s));
                }
            }
        }
        self.set_statuses(&fixed, true).await?;
        let mut events: Vec<(i64, &str, String)> = fixed
            .iter()
            .map(|(id, _)| {
                (
                    *id,
                    "fixed",
                    format!("no longer reported (scan {})", self.scan_id),
                )
            })
            .collect();
        self.summary.fixed = fixed.len() as u64;
        // (The rename pass recorded its own moves.)
        events.extend(
            self.moved_events(&gone)
                .await?
                .into_iter()
                .filter(|(issue, _, _)| !renamed_kept.contains(issue)),
        );
        self.record_events(&events).await?;
        // 3. The streams now end at this scan; the scan records its summary.
        let stream_ids: Vec<i64> = self.streams.values().map(|s| s.id).collect();
        sqlx::query("UPDATE streams SET last_scan_id = $1 WHERE id = ANY($2)")
            .bind(self.scan_id)
            .bind(&stream_ids)
            .execute(&mut *self.tx)
            .await?;
        let seen = self.seen_issues.len() as u64;
        self.summary.unchanged = seen.saturating_sub(self.summary.new + self.summary.reopened);
        sqlx::query(
            "UPDATE scans SET tools = $1, observations = $2, new_issues = $3, unchanged = $4, fixed = $5, reopened = $6, report_sha256 = $8 WHERE id = $7",
        )
        .bind(&tool_names)
        .bind(self.summary.observations as i64)
        .bind(self.summary.new as i64)
        .bind(self.summary.unchanged as i64)
        .bind(self.summary.fixed as i64)
        .bind(self.summary.reopened as i64)
        .bind(self.scan_id)
        .bind(&self.meta.report_sha256)
        .execute(&mut *self.tx)
        .await?;
        // 4. The summaries, last: their rows stay locked only until the commit.
        let after = super::summary::snapshot(&mut self.tx, &self.tally.to_read(), false).await?;
        let mut delta = self.tally.delta(self.application_id, &after);
        delta.scan(
            self.application_id,
            self.meta.ingested_at,
            self.rows_written as i64,
        );
        super::summary::apply(&mut self.tx, delta).await?;
        let PgIngest {
            tx,
            meta,
            scan_id,
            summary,
            rows_written,
            pool,
            ..
        } = *self;
        tx.commit().await?;
        refresh_statistics(&pool, rows_written).await?;
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
