//! Report blobs on SQLite: `report_blobs` and its LZ4-compressed chunks.

use super::SqliteStore;
use crate::blobs::{BlobInfo, ReportBlobs, check_digest, chunk_count, pack_chunk, unpack_chunk};
use crate::{Result, StoreError};
use async_trait::async_trait;
use sqlx::Row;

fn now_ms() -> i64 {
    i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000)
        .unwrap_or(i64::MAX)
}

#[async_trait]
impl ReportBlobs for SqliteStore {
    async fn begin_report_blob(&self, sha256: &str, size: u64) -> Result<bool> {
        check_digest(sha256)?;
        let size_db = i64::try_from(size)
            .map_err(|_| StoreError::Unsupported(format!("report of {size} bytes")))?;
        let chunks = i64::from(chunk_count(size));
        let mut tx = self.pool.begin().await?;
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

    async fn put_report_chunk(&self, sha256: &str, seq: u32, bytes: &[u8]) -> Result<()> {
        check_digest(sha256)?;
        let packed = pack_chunk(bytes);
        sqlx::query(
            "INSERT OR REPLACE INTO report_blob_chunks (sha256, seq, data) VALUES ($1, $2, $3)",
        )
        .bind(sha256)
        .bind(i64::from(seq))
        .bind(packed)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn seal_report_blob(&self, sha256: &str) -> Result<BlobInfo> {
        let row = sqlx::query(
            "UPDATE report_blobs SET sealed = 1
             WHERE sha256 = $1
               AND (SELECT COUNT(*) FROM report_blob_chunks c WHERE c.sha256 = report_blobs.sha256 AND c.seq < report_blobs.chunks) = chunks
             RETURNING size, chunks",
        )
        .bind(sha256)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| {
            StoreError::NotFound(format!(
                "report blob {sha256} is not announced or misses chunks"
            ))
        })?;
        Ok(BlobInfo {
            sha256: sha256.to_string(),
            size: row.try_get::<i64, _>(0)?.max(0) as u64,
            chunks: row.try_get::<i64, _>(1)?.max(0) as u32,
        })
    }

    async fn report_blob(&self, sha256: &str) -> Result<Option<BlobInfo>> {
        let row = sqlx::query("SELECT size, chunks FROM report_blobs WHERE sha256 = $1 AND sealed")
            .bind(sha256)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(BlobInfo {
                sha256: sha256.to_string(),
                size: r.try_get::<i64, _>(0)?.max(0) as u64,
                chunks: r.try_get::<i64, _>(1)?.max(0) as u32,
            })
        })
        .transpose()
    }

    async fn report_chunk(&self, sha256: &str, seq: u32) -> Result<Vec<u8>> {
        let stored: Option<Vec<u8>> = sqlx::query_scalar(
            "SELECT c.data FROM report_blob_chunks c JOIN report_blobs b ON b.sha256 = c.sha256
             WHERE c.sha256 = $1 AND c.seq = $2 AND b.sealed",
        )
        .bind(sha256)
        .bind(i64::from(seq))
        .fetch_optional(&self.pool)
        .await?;
        let stored = stored
            .ok_or_else(|| StoreError::NotFound(format!("chunk {seq} of report blob {sha256}")))?;
        unpack_chunk(sha256, seq, &stored)
    }

    async fn release_report_blob(&self, sha256: &str) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let deleted = sqlx::query(
            "DELETE FROM report_blobs WHERE sha256 = $1 AND NOT EXISTS (
                SELECT 1 FROM jobs WHERE state IN ('queued', 'running') AND json_extract(payload, '$.report.sha256') = $1)",
        )
        .bind(sha256)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if deleted > 0 {
            sqlx::query("DELETE FROM report_blob_chunks WHERE sha256 = $1")
                .bind(sha256)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(deleted > 0)
    }
}
