//! Re-ingesting an unchanged report: the scan is recorded, nothing else changes. When the
//! latest scan of every stream a report fed was a scan of the very same bytes (same target,
//! branch and format), reading the report again would make exactly the statements those
//! streams hold: every one is seen again, none ends, no issue is new, fixed or reopened. So
//! the store records the new scan (with the counts the full ingest would give) and moves the
//! streams to it, in one transaction under the ingest's lock, without the report being parsed.
//! [`RepeatScanStore`] is a supertrait of [`Store`](crate::Store); both backends implement it
//! (`sqlite/repeat.rs`, `postgres/repeat.rs`).

use crate::{Result, ScanMeta};
use async_trait::async_trait;
use rampart_model::Scan;

/// A repeated report recorded as a scan.
#[derive(Debug, Clone, PartialEq)]
pub struct RepeatedScan {
    /// The scan recorded.
    pub scan: Scan,
    /// The earlier scan of the same bytes it repeats.
    pub repeats: i64,
}

/// Recording a scan of a report identical to the latest one of its streams.
#[async_trait]
pub trait RepeatScanStore: Send + Sync {
    /// Whether `application`'s target `target` holds a scan of branch `branch` whose report's
    /// SHA-256 is known (cheap; a caller hashes a report only when a repeat is possible).
    async fn has_reports(&self, application: &str, target: &str, branch: &str) -> Result<bool>;

    /// Records the scan `meta` of a report whose bytes have SHA-256 `sha256` as a repeat of
    /// the latest scan of the target and branch with those bytes and `meta.format`, when that
    /// scan is still the latest of each of its streams. `None` when it does not apply (the
    /// caller ingests the report in full); nothing is written then.
    async fn record_repeat(&self, meta: &ScanMeta, sha256: &str) -> Result<Option<RepeatedScan>>;
}
