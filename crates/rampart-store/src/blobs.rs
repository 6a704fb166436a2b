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
