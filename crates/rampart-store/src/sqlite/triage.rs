//! [`TriageStore`](crate::triage::TriageStore) on SQLite: the shared implementation, in a
//! write transaction (`BEGIN IMMEDIATE`).

crate::triage::triage_store_impl!(
    super::SqliteStore,
    sqlx::Sqlite,
    sqlx::sqlite::SqliteRow,
    "BEGIN IMMEDIATE",
    ""
);
