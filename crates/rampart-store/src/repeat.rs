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

/// The [`RepeatScanStore`] implementation, written once for both backends: `$begin` opens the
/// write transaction, `$lock` takes the target's ingest lock in it (if the backend has one),
/// `$tools_get` / `$tools_put` read and write a scan's `tools` column.
macro_rules! repeat_impl {
    ($store:ty, $begin:path, $lock:path, $tools_get:path, $tools_put:path) => {
        #[async_trait::async_trait]
        impl $crate::repeat::RepeatScanStore for $store {
            async fn has_reports(&self, application: &str, target: &str, branch: &str) -> $crate::Result<bool> {
                Ok(sqlx::query_scalar::<_, i64>(
                    "SELECT s.id FROM scans s JOIN targets t ON t.id = s.target_id JOIN applications a ON a.id = t.application_id
                     WHERE a.name = $1 AND t.name = $2 AND s.branch = $3 AND s.report_sha256 <> '' LIMIT 1",
                )
                .bind(application)
                .bind(target)
                .bind(branch)
                .fetch_optional(&self.pool)
                .await?
                .is_some())
            }

            async fn record_repeat(&self, meta: &$crate::ScanMeta, sha256: &str) -> $crate::Result<Option<$crate::repeat::RepeatedScan>> {
                let mut tx = $begin(&self.pool).await?;
                let Some(ids) = sqlx::query(
                    "SELECT t.application_id, t.id FROM targets t JOIN applications a ON a.id = t.application_id
                     WHERE a.name = $1 AND t.name = $2",
                )
                .bind(&meta.application)
                .bind(&meta.target)
                .fetch_optional(&mut *tx)
                .await?
                else {
                    return Ok(None);
                };
                let (application_id, target_id): (i64, i64) = (ids.try_get(0)?, ids.try_get(1)?);
                $lock(&mut tx, target_id).await?;
                let Some(prev) = sqlx::query(
                    "SELECT id, tools, observations, new_issues, unchanged, reopened, ingested_at FROM scans
                     WHERE target_id = $1 AND branch = $2 AND report_sha256 = $3 AND format = $4
                     ORDER BY id DESC LIMIT 1",
                )
                .bind(target_id)
                .bind(&meta.branch)
                .bind(sha256)
                .bind(&meta.format)
                .fetch_optional(&mut *tx)
                .await?
                else {
                    return Ok(None);
                };
                let prev_id: i64 = prev.try_get(0)?;
                let tools: Vec<String> = $tools_get(&prev)?;
                let prev_at: time::OffsetDateTime = prev.try_get(6)?;
                if !meta.report_sha256.is_empty()
                    && (prev_at - meta.ingested_at).abs() < time::Duration::milliseconds(1)
                {
                    return Err($crate::StoreError::AlreadyIngested(prev_id));
                }
                // Every stream of the earlier scan still ends at it.
                let current: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM streams WHERE target_id = $1 AND branch = $2 AND last_scan_id = $3",
                )
                .bind(target_id)
                .bind(&meta.branch)
                .bind(prev_id)
                .fetch_one(&mut *tx)
                .await?;
                if current != tools.len() as i64 {
                    return Ok(None);
                }
                let seen =
                    prev.try_get::<i64, _>(3)? + prev.try_get::<i64, _>(4)? + prev.try_get::<i64, _>(5)?;
                let summary = rampart_model::ScanSummary {
                    observations: prev.try_get::<i64, _>(2)?.max(0) as u64,
                    new: 0,
                    unchanged: seen.max(0) as u64,
                    fixed: 0,
                    reopened: 0,
                };
                let scan_id: i64 = sqlx::query_scalar(
                    "INSERT INTO scans (application_id, target_id, branch, commit_sha, environment, format, file_name, report_sha256, ingested_at,
                                        tools, observations, new_issues, unchanged, fixed, reopened)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12, 0, 0) RETURNING id",
                )
                .bind(application_id)
                .bind(target_id)
                .bind(&meta.branch)
                .bind(&meta.commit)
                .bind(meta.environment.map(|e| e.as_str()))
                .bind(&meta.format)
                .bind(&meta.file_name)
                .bind(sha256)
                .bind(meta.ingested_at)
                .bind($tools_put(&tools))
                .bind(summary.observations as i64)
                .bind(summary.unchanged as i64)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE streams SET last_scan_id = $1 WHERE target_id = $2 AND branch = $3 AND last_scan_id = $4",
                )
                .bind(scan_id)
                .bind(target_id)
                .bind(&meta.branch)
                .bind(prev_id)
                .execute(&mut *tx)
                .await?;
                // The summary tables count scans too: a recorded repeat is one more.
                let mut delta = $crate::summary::SummaryDelta::default();
                delta.scan(application_id, meta.ingested_at, 0);
                super::summary::apply(&mut tx, delta).await?;
                tx.commit().await?;
                Ok(Some($crate::repeat::RepeatedScan {
                    scan: rampart_model::Scan {
                        id: scan_id,
                        application: meta.application.clone(),
                        target: meta.target.clone(),
                        tool: tools.join(","),
                        branch: meta.branch.clone(),
                        commit: meta.commit.clone(),
                        environment: meta.environment,
                        format: meta.format.clone(),
                        report_sha256: sha256.to_string(),
                        ingested_at: meta.ingested_at,
                        summary,
                    },
                    repeats: prev_id,
                }))
            }
        }
    };
}
pub(crate) use repeat_impl;
