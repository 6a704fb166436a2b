//! [`crate::DashboardStore`] on PostgreSQL.

use super::PgStore;
use crate::Result;
use rampart_model::TeamScope;
use sqlx::{Postgres, QueryBuilder, Row};

/// The methods shared with the other backend.
pub(crate) mod common {
    crate::dashboard::dashboard_common!(sqlx::Postgres, "ILIKE", "BEGIN");
}

crate::dashboard::impl_dashboard_store!(PgStore);

/// Up to `limit` visible issues naming one of `ids` (case-insensitive), highest risk first.
async fn vulnerability_issue_ids(
    pool: &sqlx::PgPool,
    scope: &TeamScope,
    ids: &[String],
    limit: u32,
) -> Result<Vec<i64>> {
    let upper: Vec<String> = ids.iter().map(|v| v.to_ascii_uppercase()).collect();
    let mut qb = QueryBuilder::<Postgres>::new(
        "SELECT i.id FROM issues i WHERE EXISTS (SELECT 1 FROM unnest(i.vuln_ids) v WHERE UPPER(v) = ANY(",
    );
    qb.push_bind(upper).push("))");
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
