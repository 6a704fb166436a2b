//! [`GateStore`](crate::gate::GateStore) on PostgreSQL: the shared query.

crate::gate::gate_store_impl!(super::PgStore, sqlx::Postgres);
