//! [`ScopedReads`](crate::ScopedReads) on PostgreSQL: the shared implementation in `scoped.rs`.

use super::PgStore;

crate::scoped::scoped_reads_impl!(PgStore, sqlx::Postgres);
