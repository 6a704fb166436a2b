//! [`SlaStore`](crate::sla::SlaStore) on SQLite: the shared implementation.

use rampart_model::Severity;

/// The SQLite ingest stores each new issue's due date as it inserts the issue
/// (`KeyedObservation::sla_due`): nothing is left to set.
async fn new_issue_dues(
    _store: &super::SqliteStore,
    _scan_id: i64,
    _dues: &[(Severity, i64)],
) -> crate::Result<u64> {
    Ok(0)
}

crate::sla::sla_store_impl!(
    super::SqliteStore,
    sqlx::Sqlite,
    "BEGIN IMMEDIATE",
    "",
    "i.cwes",
    "s.tools",
    new_issue_dues
);
