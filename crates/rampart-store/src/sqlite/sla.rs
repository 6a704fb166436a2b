//! [`SlaStore`](crate::sla::SlaStore) on SQLite: the shared implementation.

crate::sla::sla_store_impl!(
    super::SqliteStore,
    sqlx::Sqlite,
    "BEGIN IMMEDIATE",
    "",
    "i.cwes",
    "s.tools"
);
