//! Report blobs on PostgreSQL: `report_blobs` and its LZ4-compressed `bytea` chunks.

use super::PgStore;
use crate::blobs::{BlobInfo, ReportBlobs, check_digest, chunk_count, pack_chunk, unpack_chunk};
use crate::{Result, StoreError};
use async_trait::async_trait;
use sqlx::Row;

#[async_trait]
impl ReportBlobs for PgStore {
    async fn begin_report_blob(&self, sha256: &str, size: u64) -> Result<bool> {
        check_digest(sha256)?;
        let size_db = i64::try_from(size)
            .map_err(|_| StoreError::Unsupported(format!("report of {size} bytes")))?;
        let chunks = i32::try_from(chunk_count(size)).unwrap_or(i32::MAX);
        let mut tx = self.pool.begin().await?;
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

    async fn put_report_chunk(&self, sha256: &str, seq: u32, bytes: &[u8]) -> Result<()> {
        check_digest(sha256)?;
        let packed = pack_chunk(bytes);
        sqlx::query(
            "INSERT INTO report_blob_chunks (sha256, seq, data) VALUES ($1, $2, $3)
             ON CONFLICT (sha256, seq) DO UPDATE SET data = EXCLUDED.data",
        )
        .bind(sha256)
        .bind(i32::try_from(seq).unwrap_or(i32::MAX))
        .bind(packed)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn seal_report_blob(&self, sha256: &str) -> Result<BlobInfo> {
        let row = sqlx::query(
            "UPDATE report_blobs b SET sealed = TRUE
             WHERE sha256 = $1
               AND (SELECT COUNT(*) FROM report_blob_chunks c WHERE c.sha256 = b.sha256 AND c.seq < b.chunks) = b.chunks
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
            chunks: row.try_get::<i32, _>(1)?.max(0) as u32,
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
                chunks: r.try_get::<i32, _>(1)?.max(0) as u32,
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
        .bind(i32::try_from(seq).unwrap_or(i32::MAX))
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
                SELECT 1 FROM jobs WHERE state IN ('queued', 'running') AND payload->'report'->>'sha256' = $1)",
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
