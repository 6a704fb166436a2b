//! [`RepeatScanStore`](crate::RepeatScanStore) on SQLite (the shared body is
//! [`repeat_impl`](crate::repeat::repeat_impl)).

use super::SqliteStore;
use crate::Result;
use crate::codec::split;
use sqlx::{Row, Sqlite, SqlitePool, Transaction};

/// The write transaction: `BEGIN IMMEDIATE` takes the database's write lock.
async fn begin(pool: &SqlitePool) -> Result<Transaction<'static, Sqlite>> {
    Ok(pool.begin_with("BEGIN IMMEDIATE").await?)
}

/// Nothing more to lock: the transaction holds the only write lock.
async fn lock(_tx: &mut Transaction<'static, Sqlite>, _target: i64) -> Result<()> {
    Ok(())
}

/// A scan's `tools` column (comma-joined).
fn tools_get(r: &sqlx::sqlite::SqliteRow) -> Result<Vec<String>> {
    Ok(split(&r.try_get::<String, _>(1)?))
}

fn tools_put(tools: &[String]) -> String {
    tools.join(",")
}

crate::repeat::repeat_impl!(SqliteStore, begin, lock, tools_get, tools_put);
