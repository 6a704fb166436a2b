//! [`RiskScopeStore`](crate::RiskScopeStore) on SQLite (the shared body is
//! [`risk_scope_impl`](crate::risk_scope::risk_scope_impl)).

use super::SqliteStore;
use crate::Result;
use crate::codec::split;
use sqlx::Row;

/// Issues of the statements scan `scan_id` made that it did not create, or created with
/// several. Issue ids of one SQLite ingest are consecutive (it holds the write lock).
async fn made(conn: &mut sqlx::SqliteConnection, scan_id: i64) -> Result<Vec<i64>> {
    let (lo, hi): (Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT MIN(id), MAX(id) FROM issues WHERE first_scan_id = $1")
            .bind(scan_id)
            .fetch_one(&mut *conn)
            .await?;
    Ok(sqlx::query_scalar(
        "SELECT issue_id FROM observations WHERE first_scan_id = $1 GROUP BY issue_id
         HAVING count(*) > 1 OR issue_id < $2 OR issue_id > $3",
    )
    .bind(scan_id)
    .bind(lo.unwrap_or(i64::MAX))
    .bind(hi.unwrap_or(i64::MIN))
    .fetch_all(&mut *conn)
    .await?)
}

/// A scan's `tools` column (comma-joined).
fn tools(r: &sqlx::sqlite::SqliteRow) -> Result<Vec<String>> {
    Ok(split(&r.try_get::<String, _>(1)?))
}

crate::risk_scope::risk_scope_impl!(SqliteStore, made, tools);
