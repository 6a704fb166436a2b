//! [`crate::DashboardStore`] on SQLite.

use super::SqliteStore;
use crate::Result;
use rampart_model::TeamScope;
use sqlx::{QueryBuilder, Row, Sqlite};

/// The methods shared with the other backend.
pub(crate) mod common {
    crate::dashboard::dashboard_common!(sqlx::Sqlite, "LIKE", "BEGIN IMMEDIATE");
}

crate::dashboard::impl_dashboard_store!(SqliteStore);

/// Up to `limit` visible issues naming one of `ids` (case-insensitive), highest risk first.
/// `vuln_ids` is stored comma-joined: match whole ids only.
async fn vulnerability_issue_ids(
    pool: &sqlx::SqlitePool,
    scope: &TeamScope,
    ids: &[String],
    limit: u32,
) -> Result<Vec<i64>> {
    let mut qb = QueryBuilder::<Sqlite>::new("SELECT i.id FROM issues i WHERE (0 = 1");
    for v in ids.iter().take(200) {
        qb.push(" OR instr(',' || UPPER(i.vuln_ids) || ',', ")
            .push_bind(format!(",{},", v.to_ascii_uppercase()))
            .push(") > 0");
    }
    qb.push(")");
    crate::scoped::push_scope(&mut qb, scope, "i.application_id");
    qb.push(" ORDER BY i.risk DESC, i.id DESC LIMIT ")
        .push_bind(i64::from(limit));
    Ok(qb
        .build()
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| r.try_get::<i64, _>(0))
        .collect::<std::result::Result<_, _>>()?)
}
