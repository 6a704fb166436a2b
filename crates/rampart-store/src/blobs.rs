//! Report blobs: the bytes of a report queued for ingest, kept in the database so that any
//! worker sharing it (on any host) can run the job.
//!
//! A blob is named by the SHA-256 of its bytes (hex) and stored as chunks of at most
//! [`CHUNK_SIZE`] original bytes, each LZ4-compressed on its own: the uploader and the worker
//! stream a report chunk by chunk and never hold it whole. The uploader announces the blob
//! ([`ReportBlobs::begin_report_blob`]), writes every chunk, then seals it; only a sealed blob
//! is read. Identical reports are stored once.

use crate::{Result, StoreError};
use async_trait::async_trait;
use serde::Serialize;

/// Original bytes per chunk (4 MiB).
pub const CHUNK_SIZE: usize = 4 << 20;

/// A stored report blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlobInfo {
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// Original size in bytes.
    pub size: u64,
    /// Number of chunks.
    pub chunks: u32,
}

/// Chunks a report of `size` bytes is stored in.
pub fn chunk_count(size: u64) -> u32 {
    u32::try_from(size.div_ceil(CHUNK_SIZE as u64)).unwrap_or(u32::MAX)
}

/// The stored (compressed) form of a chunk.
pub(crate) fn pack_chunk(bytes: &[u8]) -> Vec<u8> {
    lz4_flex::compress_prepend_size(bytes)
}

/// The original bytes of a stored chunk.
pub(crate) fn unpack_chunk(sha256: &str, seq: u32, stored: &[u8]) -> Result<Vec<u8>> {
    lz4_flex::decompress_size_prepended(stored)
        .map_err(|e| StoreError::Corrupt(format!("report blob {sha256} chunk {seq}: {e}")))
}

/// Checks that `sha256` looks like a hex SHA-256 (it is used as a key, never as SQL).
pub(crate) fn check_digest(sha256: &str) -> Result<()> {
    if sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(StoreError::Unsupported(format!(
            "`{sha256}` is not a hex SHA-256 digest"
        )))
    }
}

/// Report bytes kept for queued ingests; implemented by every [`crate::Store`].
#[async_trait]
pub trait ReportBlobs: Send + Sync {
    /// Announces blob `sha256` of `size` bytes. Returns `false` when a sealed blob with this
    /// digest is already stored (nothing to upload), `true` when the caller must write its
    /// [`chunk_count`] chunks and seal it. Announcing again an unsealed blob restarts it.
    async fn begin_report_blob(&self, sha256: &str, size: u64) -> Result<bool>;

    /// Stores chunk `seq` (0-based) of blob `sha256`: at most [`CHUNK_SIZE`] original bytes.
    async fn put_report_chunk(&self, sha256: &str, seq: u32, bytes: &[u8]) -> Result<()>;

    /// Marks blob `sha256` complete. Errors when a chunk is missing.
    async fn seal_report_blob(&self, sha256: &str) -> Result<BlobInfo>;

    /// A sealed blob, or `None`.
    async fn report_blob(&self, sha256: &str) -> Result<Option<BlobInfo>>;

    /// The original bytes of chunk `seq` of a sealed blob.
    async fn report_chunk(&self, sha256: &str, seq: u32) -> Result<Vec<u8>>;

    /// Deletes blob `sha256` unless a queued or running job still names it (in its payload's
    /// `report.sha256`). Returns whether it was deleted.
    async fn release_report_blob(&self, sha256: &str) -> Result<bool>;
}

/// The one implementation of [`ReportBlobs`] for both backends, but for announcing a blob (how
/// two uploads of one report are serialized differs): `report_blobs_impl!(Store, Row,
/// Int, "payload's report.sha256")`, where `Int` is the type of the `chunks` and `seq` columns and
/// the last is the expression reading a job payload's `report.sha256`. The expanding module
/// defines `begin_report_blob(pool, sha256, size)`. Expanded in `sqlite/blobs.rs` and
/// `postgres/blobs.rs`.
macro_rules! report_blobs_impl {
    ($store:ty, $row:ty, $int:ty, $payload_sha:literal) => {
        /// A seq or chunk count as the column stores it.
        fn int(n: u32) -> $int {
            <$int>::try_from(n).unwrap_or(<$int>::MAX)
        }

        /// `BlobInfo` of blob `sha256` from a row of (size, chunks).
        fn blob_info(sha256: &str, r: &$row) -> $crate::Result<$crate::blobs::BlobInfo> {
            use sqlx::Row as _;
            Ok($crate::blobs::BlobInfo {
                sha256: sha256.to_string(),
                size: r.try_get::<i64, _>(0)?.max(0) as u64,
                chunks: r.try_get::<$int, _>(1)?.max(0) as u32,
            })
        }

        #[async_trait::async_trait]
        impl $crate::blobs::ReportBlobs for $store {
            async fn begin_report_blob(&self, sha256: &str, size: u64) -> $crate::Result<bool> {
                begin_report_blob(&self.pool, sha256, size).await
            }

            async fn put_report_chunk(&self, sha256: &str, seq: u32, bytes: &[u8]) -> $crate::Result<()> {
                $crate::blobs::check_digest(sha256)?;
                let packed = $crate::blobs::pack_chunk(bytes);
                sqlx::query(
                    "INSERT INTO report_blob_chunks (sha256, seq, data) VALUES ($1, $2, $3)
                     ON CONFLICT (sha256, seq) DO UPDATE SET data = EXCLUDED.data",
                )
                .bind(sha256)
                .bind(int(seq))
                .bind(packed)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn seal_report_blob(&self, sha256: &str) -> $crate::Result<$crate::blobs::BlobInfo> {
                let row = sqlx::query(
                    "UPDATE report_blobs AS b SET sealed = TRUE
                     WHERE sha256 = $1
                       AND (SELECT COUNT(*) FROM report_blob_chunks c WHERE c.sha256 = b.sha256 AND c.seq < b.chunks) = b.chunks
                     RETURNING size, chunks",
                )
                .bind(sha256)
                .fetch_optional(&self.pool)
                .await?
                .ok_or_else(|| {
                    $crate::StoreError::NotFound(format!(
                        "report blob {sha256} is not announced or misses chunks"
                    ))
                })?;
                blob_info(sha256, &row)
            }

            async fn report_blob(&self, sha256: &str) -> $crate::Result<Option<$crate::blobs::BlobInfo>> {
                let row = sqlx::query("SELECT size, chunks FROM report_blobs WHERE sha256 = $1 AND sealed")
                    .bind(sha256)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| blob_info(sha256, &r)).transpose()
            }

            async fn report_chunk(&self, sha256: &str, seq: u32) -> $crate::Result<Vec<u8>> {
                let stored: Option<Vec<u8>> = sqlx::query_scalar(
                    "SELECT c.data FROM report_blob_chunks c JOIN report_blobs b ON b.sha256 = c.sha256
                     WHERE c.sha256 = $1 AND c.seq = $2 AND b.sealed",
                )
                .bind(sha256)
                .bind(int(seq))
                .fetch_optional(&self.pool)
                .await?;
                let stored = stored.ok_or_else(|| {
                    $crate::StoreError::NotFound(format!("chunk {seq} of report blob {sha256}"))
                })?;
                $crate::blobs::unpack_chunk(sha256, seq, &stored)
            }

            async fn release_report_blob(&self, sha256: &str) -> $crate::Result<bool> {
                let mut tx = self.pool.begin().await?;
                let deleted = sqlx::query(concat!(
                    "DELETE FROM report_blobs WHERE sha256 = $1 AND NOT EXISTS (
                        SELECT 1 FROM jobs WHERE state IN ('queued', 'running') AND ",
                    $payload_sha,
                    " = $1)"
                ))
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
    };
}
pub(crate) use report_blobs_impl;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_round_trip_and_count() {
        let bytes: Vec<u8> = (0..2_000)
            .flat_map(|i| format!("{{\"result\":{i}}},").into_bytes())
            .collect();
        let packed = pack_chunk(&bytes);
        assert!(packed.len() < bytes.len());
        assert_eq!(unpack_chunk("x", 0, &packed).unwrap(), bytes);
        // A truncated chunk never reads back as the original.
        assert_ne!(
            unpack_chunk("x", 0, &packed[..packed.len() / 2]).ok(),
            Some(bytes.clone())
        );
        assert_eq!(chunk_count(0), 0);
        assert_eq!(chunk_count(1), 1);
        assert_eq!(chunk_count(CHUNK_SIZE as u64), 1);
        assert_eq!(chunk_count(CHUNK_SIZE as u64 + 1), 2);
    }

    #[test]
    fn digests_are_checked() {
        assert!(check_digest(&"a".repeat(64)).is_ok());
        assert!(check_digest("abc").is_err());
        assert!(check_digest(&format!("{}'", "a".repeat(63))).is_err());
    }
}
