//! [`RiskScopeStore`](crate::RiskScopeStore) on SQLite (the shared body is
//! [`risk_scope_impl`](crate::risk_scope::risk_scope_impl)).

use super::SqliteStore;
use crate::Result;
use crate::codec::split;
use sqlx::Row;

/// Issues of the statements scan `scan_id` made that it did not create, or created with
/// several. The issues a scan created are numbered from its `first_issue_id` on (migration
/// 0022), so its observations alone answer, in one range of `observations_first_scan`. For a
/// scan written before that column, the issue rows say which it created (issues have no index
/// on their first scan).
async fn made(conn: &mut sqlx::SqliteConnection, scan_id: i64) -> Result<Vec<i64>> {
    let first_new: Option<i64> =
        sqlx::query_scalar("SELECT first_issue_id FROM scans WHERE id = $1")
            .bind(scan_id)
            .fetch_optional(&mut *conn)
            .await?
            .flatten();
    if let Some(first_new) = first_new {
        return Ok(sqlx::query_scalar(
            "SELECT issue_id FROM observations WHERE first_scan_id = $1
             GROUP BY issue_id HAVING count(*) > 1 OR issue_id < $2",
        )
        .bind(scan_id)
        .bind(first_new)
        .fetch_all(&mut *conn)
        .await?);
    }
    Ok(sqlx::query_scalar(
        "SELECT o.issue_id FROM observations o JOIN issues i ON i.id = o.issue_id
         WHERE o.first_scan_id = $1 GROUP BY o.issue_id
         HAVING count(*) > 1 OR max(i.first_scan_id <> $1)",
    )
    .bind(scan_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// A scan's `tools` column (comma-joined).
fn tools(r: &sqlx::sqlite::SqliteRow) -> Result<Vec<String>> {
    Ok(split(&r.try_get::<String, _>(1)?))
}

crate::risk_scope::risk_scope_impl!(SqliteStore, made, tools);
