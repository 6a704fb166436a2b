//! [`SlaStore`](crate::sla::SlaStore) on PostgreSQL: the shared implementation (profiles are
//! `jsonb`, CWEs an `integer[]`, tools a `text[]`).

crate::sla::sla_store_impl!(
    super::PgStore,
    sqlx::Postgres,
    "BEGIN",
    "::text",
    "array_to_string(i.cwes, ',')",
    "array_to_string(s.tools, ',')"
);
