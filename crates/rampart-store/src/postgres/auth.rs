//! [`AuthStore`](crate::AuthStore) on PostgreSQL: the shared implementation in `auth.rs`.

use super::PgStore;

crate::auth::auth_store_impl!(PgStore, sqlx::Postgres, "BEGIN");
