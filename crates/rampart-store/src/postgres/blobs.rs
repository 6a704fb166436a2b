//! Report blobs on PostgreSQL: `report_blobs` and its LZ4-compressed `bytea` chunks (the
//! shared body is [`report_blobs_impl`](crate::blobs::report_blobs_impl)).

use super::PgStore;
use crate::blobs::{check_digest, chunk_count};
use crate::{Result, StoreError};
use sqlx::PgPool;

/// Announces blob `sha256` of `size` bytes ([`ReportBlobs::begin_report_blob`](crate::ReportBlobs::begin_report_blob)).
async fn begin_report_blob(pool: &PgPool, sha256: &str, size: u64) -> Result<bool> {
    check_digest(sha256)?;
    let size_db = i64::try_from(size)
        .map_err(|_| StoreError::Unsupported(format!("report of {size} bytes")))?;
    let chunks = i32::try_from(chunk_count(size)).unwrap_or(i32::MAX);
    let mut tx = pool.begin().await?;
    // Serializes two uploads of the same report; the row lock lasts until commit.
    let sealed: Option<bool> = sqlx::query_scalar(
        "INSERT INTO report_blobs (sha256, size, chunks, created_at) VALUES ($1, $2, $3, now())
         ON CONFLICT (sha256) DO UPDATE SET created_at = report_blobs.created_at
         RETURNING sealed",
    )
    .bind(sha256)
    .bind(size_db)
    .bind(chunks)
    .fetch_optional(&mut *tx)
    .await?;
    if sealed == Some(true) {
        tx.commit().await?;
        return Ok(false);
    }
    sqlx::query("UPDATE report_blobs SET size = $2, chunks = $3 WHERE sha256 = $1")
        .bind(sha256)
        .bind(size_db)
        .bind(chunks)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM report_blob_chunks WHERE sha256 = $1 AND seq >= $2")
        .bind(sha256)
        .bind(chunks)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

crate::blobs::report_blobs_impl!(
    PgStore,
    sqlx::postgres::PgRow,
    i32,
    "payload->'report'->>'sha256'"
);
