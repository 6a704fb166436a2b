//! [`SlaStore`](crate::sla::SlaStore) on PostgreSQL: the shared implementation (profiles are
//! `jsonb`, CWEs an `integer[]`, tools a `text[]`).

use rampart_model::Severity;

/// The PostgreSQL ingest stores new issues without a due date: one `UPDATE` per severity sets
/// those of the open issues scan `scan_id` created (an index range of `issues_first_scan`).
async fn new_issue_dues(
    store: &super::PgStore,
    scan_id: i64,
    dues: &[(Severity, i64)],
) -> crate::Result<u64> {
    let mut set = 0;
    for (severity, due) in dues {
        set += sqlx::query(
            "UPDATE issues SET sla_due = $1
             WHERE first_scan_id = $2 AND severity = $3 AND status = 'open' AND sla_due IS NULL",
        )
        .bind(due)
        .bind(scan_id)
        .bind(crate::codec::severity_to_db(*severity) as i16)
        .execute(&store.pool)
        .await?
        .rows_affected();
    }
    Ok(set)
}

crate::sla::sla_store_impl!(
    super::PgStore,
    sqlx::Postgres,
    "BEGIN",
    "::text",
    "array_to_string(i.cwes, ',')",
    "array_to_string(s.tools, ',')",
    new_issue_dues
);
