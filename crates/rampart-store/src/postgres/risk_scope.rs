//! [`RiskScopeStore`](crate::RiskScopeStore) on PostgreSQL (the shared body is
//! [`risk_scope_impl`](crate::risk_scope::risk_scope_impl)).

use super::PgStore;
use crate::Result;
use sqlx::Row;

/// Issues of the statements scan `scan_id` made that it did not create, or created with
/// several (ids of concurrent ingests of other targets interleave: ask the issue rows).
async fn made(conn: &mut sqlx::PgConnection, scan_id: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT o.issue_id FROM observations o JOIN issues i ON i.id = o.issue_id
         WHERE o.first_scan_id = $1 GROUP BY o.issue_id
         HAVING count(*) > 1 OR bool_or(i.first_scan_id <> $1)",
    )
    .bind(scan_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// A scan's `tools` column (an array).
fn tools(r: &sqlx::postgres::PgRow) -> Result<Vec<String>> {
    Ok(r.try_get(1)?)
}

crate::risk_scope::risk_scope_impl!(PgStore, made, tools);
