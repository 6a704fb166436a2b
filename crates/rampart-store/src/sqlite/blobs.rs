//! Report blobs on SQLite: `report_blobs` and its LZ4-compressed chunks (the shared body is
//! [`report_blobs_impl`](crate::blobs::report_blobs_impl)).

use super::SqliteStore;
use crate::blobs::{check_digest, chunk_count};
use crate::{Result, StoreError};
use sqlx::SqlitePool;

fn now_ms() -> i64 {
    i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000)
        .unwrap_or(i64::MAX)
}

/// Announces blob `sha256` of `size` bytes ([`ReportBlobs::begin_report_blob`](crate::ReportBlobs::begin_report_blob)).
async fn begin_report_blob(pool: &SqlitePool, sha256: &str, size: u64) -> Result<bool> {
    check_digest(sha256)?;
    let size_db = i64::try_from(size)
        .map_err(|_| StoreError::Unsupported(format!("report of {size} bytes")))?;
    let chunks = i64::from(chunk_count(size));
    let mut tx = pool.begin().await?;
    // Writing first takes SQLite's write lock, so two uploads of one report take turns.
    let sealed: bool = sqlx::query_scalar(
        "INSERT INTO report_blobs (sha256, size, chunks, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (sha256) DO UPDATE SET
            size = CASE WHEN sealed THEN size ELSE excluded.size END,
            chunks = CASE WHEN sealed THEN chunks ELSE excluded.chunks END
         RETURNING sealed",
    )
    .bind(sha256)
    .bind(size_db)
    .bind(chunks)
    .bind(now_ms())
    .fetch_one(&mut *tx)
    .await?;
    if sealed {
        tx.commit().await?;
        return Ok(false);
    }
    sqlx::query("DELETE FROM report_blob_chunks WHERE sha256 = $1 AND seq >= $2")
        .bind(sha256)
        .bind(chunks)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

crate::blobs::report_blobs_impl!(
    SqliteStore,
    sqlx::sqlite::SqliteRow,
    i64,
    "json_extract(payload, '$.report.sha256')"
);
