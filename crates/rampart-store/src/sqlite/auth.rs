//! [`AuthStore`](crate::AuthStore) on SQLite: the shared implementation in `auth.rs`.

use super::SqliteStore;

crate::auth::auth_store_impl!(SqliteStore, sqlx::Sqlite, "BEGIN IMMEDIATE");
