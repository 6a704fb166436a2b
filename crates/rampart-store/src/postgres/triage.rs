//! [`TriageStore`](crate::triage::TriageStore) on PostgreSQL: the shared implementation, with
//! the issue row locked (`FOR UPDATE`) while a decision is recorded.

crate::triage::triage_store_impl!(
    super::PgStore,
    sqlx::Postgres,
    sqlx::postgres::PgRow,
    "BEGIN",
    " FOR UPDATE"
);
