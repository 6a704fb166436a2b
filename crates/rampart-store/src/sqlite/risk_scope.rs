//! [`RiskScopeStore`](crate::RiskScopeStore) on SQLite (the shared body is
//! [`risk_scope_impl`](crate::risk_scope::risk_scope_impl)).

use super::SqliteStore;
use crate::Result;
use crate::codec::split;
use sqlx::Row;

/// Issues of the statements scan `scan_id` made that it did not create, or created with
/// several (the issue rows say which it created: issues have no index on their first scan).
async fn made(conn: &mut sqlx::SqliteConnection, scan_id: i64) -> Result<Vec<i64>> {
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
