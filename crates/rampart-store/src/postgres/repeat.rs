//! [`RepeatScanStore`](crate::RepeatScanStore) on PostgreSQL, under the target's ingest lock
//! like an ingest (the shared body is [`repeat_impl`](crate::repeat::repeat_impl)).

use super::PgStore;
use super::ingest::TARGET_LOCK_SPACE;
use crate::Result;
use sqlx::{PgPool, Postgres, Row, Transaction};

async fn begin(pool: &PgPool) -> Result<Transaction<'static, Postgres>> {
    Ok(pool.begin().await?)
}

/// The target's ingest lock (`postgres/ingest.rs`), until the transaction ends.
async fn lock(tx: &mut Transaction<'static, Postgres>, target: i64) -> Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(TARGET_LOCK_SPACE | target)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A scan's `tools` column (an array).
fn tools_get(r: &sqlx::postgres::PgRow) -> Result<Vec<String>> {
    Ok(r.try_get(1)?)
}

fn tools_put(tools: &[String]) -> Vec<String> {
    tools.to_vec()
}

crate::repeat::repeat_impl!(PgStore, begin, lock, tools_get, tools_put);
