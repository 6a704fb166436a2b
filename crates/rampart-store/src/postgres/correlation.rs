//! Correlation on PostgreSQL: the prior index an ingest pairs with, and the rename pass run
//! when an ingest finishes (issue 8). The matching itself is the lifecycle's
//! ([`Lifecycle::renames`]); this file only reads and rewrites rows.

use super::corrupt;
use crate::Result;
use rampart_model::rename::RenameCandidate;
use rampart_model::{Lifecycle, Observation};
use sqlx::{PgConnection, Postgres, Row, Transaction};
use time::OffsetDateTime;

/// Observations per chunk of the prior index.
const NOTE_CHUNK: i64 = 20_000;

/// Hands `sink` (issue key, correlation note) for every code, secret and IaC observation of
/// `application` (of its target `target_id` only, when given: paths of two targets are two
/// different files) that has a note, in chunks of [`NOTE_CHUNK`] rows.
pub(crate) async fn correlation_notes(
    conn: &mut PgConnection,
    application: &str,
    target_id: Option<i64>,
    sink: &mut (dyn FnMut(String, String) + Send),
) -> Result<()> {
    let Some(app): Option<i64> = sqlx::query_scalar("SELECT id FROM applications WHERE name = $1")
        .bind(application)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(());
    };
    let mut after = 0i64;
    loop {
        let rows = sqlx::query(
            "SELECT o.id, i.key, (o.data->'correlation')::text FROM observations o
             JOIN issues i ON i.id = o.issue_id
             WHERE i.application_id = $1 AND i.kind IN ('code', 'secret', 'iac') AND o.id > $2
               AND o.data ? 'correlation'
               AND ($4::bigint IS NULL OR o.stream_id IN (SELECT id FROM streams WHERE target_id = $4))
             ORDER BY o.id LIMIT $3",
        )
        .bind(app)
        .bind(after)
        .bind(NOTE_CHUNK)
        .bind(target_id)
        .fetch_all(&mut *conn)
        .await?;
        for r in &rows {
            after = r.try_get(0)?;
            sink(r.try_get(1)?, r.try_get(2)?);
        }
        if (rows.len() as i64) < NOTE_CHUNK {
            return Ok(());
        }
    }
}

fn candidate(id: i64, issue: i64, data: serde_json::Value) -> Result<Option<RenameCandidate>> {
    let obs: Observation =
        serde_json::from_value(data).map_err(|e| corrupt(format!("observation {id}: {e}")))?;
    Ok(RenameCandidate::of(id, issue, &obs))
}

/// The rename pass: observations that opened a new issue in scan `scan_id` and are the
/// `gone` observations (observation, issue, stream) of a renamed file move to the old issue;
/// the new issue is dropped and the move recorded. Returns (dropped issue, kept issue).
pub(crate) async fn rename_pass(
    tx: &mut Transaction<'static, Postgres>,
    application_id: i64,
    scan_id: i64,
    at: OffsetDateTime,
    gone: &[(i64, i64, i64)],
    rules: &dyn Lifecycle,
) -> Result<Vec<(i64, i64)>> {
    if gone.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = gone.iter().map(|g| g.0).collect();
    let mut gone_c = Vec::new();
    for r in sqlx::query("SELECT id, issue_id, data FROM observations WHERE id = ANY($1)")
        .bind(&ids)
        .fetch_all(&mut **tx)
        .await?
    {
        gone_c.extend(candidate(r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)?);
    }
    if gone_c.is_empty() {
        return Ok(Vec::new());
    }
    let mut fresh = Vec::new();
    for r in sqlx::query(
        // The observations of the issues this scan created are observations it made
        // (`observations_first_scan`; issues have no index on their first scan).
        "SELECT o.id, o.issue_id, o.data FROM observations o JOIN issues i ON i.id = o.issue_id
         WHERE o.first_scan_id = $2 AND i.first_scan_id = $2 AND i.application_id = $1 ORDER BY o.id",
    )
    .bind(application_id)
    .bind(scan_id)
    .fetch_all(&mut **tx)
    .await?
    {
        fresh.extend(candidate(r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)?);
    }
    let mut out = Vec::new();
    for pair in rules.renames(&gone_c, &fresh) {
        sqlx::query("UPDATE observations SET issue_id = $1 WHERE issue_id = $2")
            .bind(pair.old_issue)
            .bind(pair.new_issue)
            .execute(&mut **tx)
            .await?;
        sqlx::query("DELETE FROM issues WHERE id = $1")
            .bind(pair.new_issue)
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT INTO issue_events (issue_id, scan_id, at, event, detail) VALUES ($1, $2, $3, 'moved', $4)",
        )
        .bind(pair.old_issue)
        .bind(scan_id)
        .bind(at)
        .bind(&pair.detail)
        .execute(&mut **tx)
        .await?;
        out.push((pair.new_issue, pair.old_issue));
    }
    Ok(out)
}
