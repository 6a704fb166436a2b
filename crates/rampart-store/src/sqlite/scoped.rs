//! [`ScopedReads`](crate::ScopedReads) on SQLite: the shared implementation in `scoped.rs`.

use super::SqliteStore;

crate::scoped::scoped_reads_impl!(SqliteStore, sqlx::Sqlite);
