//! Correlation on SQLite: the prior index an ingest pairs with, and the rename pass run when
//! an ingest finishes (issue 8). The matching itself is the lifecycle's
//! ([`Lifecycle::renames`]); this file only reads and rewrites rows.

use super::corrupt;
use super::raw::with_handle;
use crate::Result;
use crate::codec::{Unpacker, is_scan_packed};
use rampart_model::rename::RenameCandidate;
use rampart_model::{Lifecycle, Observation};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, Transaction};
use time::OffsetDateTime;

/// Rows per `IN (...)` list.
const CHUNK: usize = 1000;

/// The `correlation` member of a stored observation's JSON text: the correlator writes it
/// last, so it is the tail of the object.
fn note_text(json: &str) -> Option<&str> {
    let at = json.rfind(",\"correlation\":")?;
    let body = json[at + ",\"correlation\":".len()..].trim_end();
    body.strip_suffix('}')
}

/// Hands `sink` (issue key, correlation note) for every code, secret and IaC observation of
/// `application` (of its target `target_id` only, when given: paths of two targets are two
/// different files) that has a note. One prepared statement on the connection's own handle
/// (see [`super::raw`]), rows streamed in observation order: memory holds one row at a time.
pub(crate) async fn correlation_notes(
    conn: &mut SqliteConnection,
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
    with_handle(conn, |db| {
        // CROSS JOIN keeps observations the outer loop: a rowid scan in observation order.
        let mut stmt = db.prepare(
            "SELECT i.key, o.data, o.first_scan_id FROM observations o CROSS JOIN issues i ON i.id = o.issue_id
             WHERE i.application_id = ?1 AND i.kind IN ('code', 'secret', 'iac')
               AND (?2 IS NULL OR o.stream_id IN (SELECT id FROM streams WHERE target_id = ?2))",
        )?;
        let mut rows = stmt.query(rusqlite::params![app, target_id])?;
        let mut json = String::new();
        let mut unpacker = Unpacker::new();
        while let Some(r) = rows.next()? {
            let data = r
                .get_ref(1)?
                .as_blob()
                .map_err(|e| corrupt(format!("observation data: {e}")))?;
            let scan: i64 = r.get(2)?;
            if is_scan_packed(data) {
                super::documents::load_one(db, &mut unpacker, scan)?;
            }
            unpacker.str_into(scan, data, &mut json)?;
            if let Some(note) = note_text(&json) {
                let key = r
                    .get_ref(0)?
                    .as_str()
                    .map_err(|e| corrupt(format!("issue key: {e}")))?;
                sink(key.to_string(), note.to_string());
            }
        }
        Ok(())
    })
    .await
}

/// The rename candidate of observation `id` of `issue`, written by scan `scan` as `data`.
fn candidate(
    unpacker: &mut Unpacker,
    (id, issue, scan): (i64, i64, i64),
    data: &[u8],
) -> Result<Option<RenameCandidate>> {
    let mut json = String::new();
    unpacker.str_into(scan, data, &mut json)?;
    let obs: Observation =
        serde_json::from_str(&json).map_err(|e| corrupt(format!("observation {id}: {e}")))?;
    Ok(RenameCandidate::of(id, issue, &obs))
}

/// The rename candidates of `rows` (observation, issue, first scan, data) into `out`, with
/// the dictionaries their documents need.
async fn candidates(
    tx: &mut Transaction<'static, Sqlite>,
    unpacker: &mut Unpacker,
    rows: &[SqliteRow],
    out: &mut Vec<RenameCandidate>,
) -> Result<()> {
    let documents = super::documents::of_rows(&mut **tx, unpacker, rows, (2, 3)).await?;
    for (r, (scan, data)) in rows.iter().zip(&documents) {
        let ids = (r.try_get(0)?, r.try_get(1)?, *scan);
        out.extend(candidate(unpacker, ids, data)?);
    }
    Ok(())
}

/// The rename pass: observations that opened a new issue in scan `scan_id` and are the
/// `gone` observations (observation, issue, stream) of a renamed file move to the old issue;
/// the new issue is dropped and the move recorded. Returns (dropped issue, kept issue).
pub(crate) async fn rename_pass(
    tx: &mut Transaction<'static, Sqlite>,
    application_id: i64,
    scan_id: i64,
    first_new: i64,
    at: OffsetDateTime,
    gone: &[(i64, i64, i64)],
    rules: &dyn Lifecycle,
) -> Result<Vec<(i64, i64)>> {
    if gone.is_empty() {
        return Ok(Vec::new());
    }
    let mut gone_c = Vec::new();
    let mut unpacker = Unpacker::new();
    for chunk in gone.chunks(CHUNK) {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "SELECT id, issue_id, first_scan_id, data FROM observations WHERE id IN (",
        );
        let mut sep = qb.separated(", ");
        for (obs, _, _) in chunk {
            sep.push_bind(*obs);
        }
        qb.push(")");
        let rows = qb.build().fetch_all(&mut **tx).await?;
        candidates(tx, &mut unpacker, &rows, &mut gone_c).await?;
    }
    if gone_c.is_empty() {
        return Ok(Vec::new());
    }
    let mut fresh = Vec::new();
    let rows = sqlx::query(
        // The observations of the issues this scan created are observations it made, of
        // issues numbered from `first_new` on: one range of `observations_first_scan`
        // (issues have no index on their first scan).
        "SELECT o.id, o.issue_id, o.first_scan_id, o.data FROM observations o JOIN issues i ON i.id = o.issue_id
         WHERE o.first_scan_id = $2 AND o.issue_id >= $3 AND i.first_scan_id = $2 AND i.application_id = $1 ORDER BY o.id",
    )
    .bind(application_id)
    .bind(scan_id)
    .bind(first_new)
    .fetch_all(&mut **tx)
    .await?;
    candidates(tx, &mut unpacker, &rows, &mut fresh).await?;
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

#[cfg(test)]
mod tests {
    use super::note_text;

    #[test]
    fn the_note_is_the_tail_of_the_object() {
        let json = r#"{"tool":{"name":"x"},"message":"a,\"correlation\":no","correlation":{"own_key":"ab","basis":"code"}}"#;
        assert_eq!(note_text(json), Some(r#"{"own_key":"ab","basis":"code"}"#));
        assert_eq!(note_text(r#"{"tool":{"name":"x"}}"#), None);
    }
}
