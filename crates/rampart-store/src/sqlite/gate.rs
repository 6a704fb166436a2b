//! [`GateStore`](crate::gate::GateStore) on SQLite: the shared query.

crate::gate::gate_store_impl!(super::SqliteStore, sqlx::Sqlite);
