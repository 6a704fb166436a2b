//! What a CI gate reads (issue 6): which issues a branch of a target reports now, and which
//! its baseline branch reports, so that the gate judges only what the branch introduces.
//! [`GateStore`] is a supertrait of [`Store`](crate::Store); both backends implement it
//! (`sqlite/gate.rs`, `postgres/gate.rs`) with the one query below.

use crate::Result;
use async_trait::async_trait;
use rampart_model::Issue;

/// Where one issue is reported now: on the branch, on the baseline, or on both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BranchPresence {
    /// The issue.
    pub issue_id: i64,
    /// The branch's latest scans of the target still report it.
    pub on_branch: bool,
    /// The baseline's latest scans of the target (of the tools the branch ran) still report it.
    pub on_baseline: bool,
}

/// Branch-versus-baseline reads for the CI gate.
#[async_trait]
pub trait GateStore: Send + Sync {
    /// Every issue that the latest scan of a stream of `target` (of `application`) on
    /// `branch`, or on `baseline`, still reports, with where. Only the baseline's streams of
    /// tools the branch also ran count: a tool the branch did not run fixes nothing. In issue
    /// id order; empty when the application or target is unknown.
    async fn branch_presence(
        &self,
        application: &str,
        target: &str,
        branch: &str,
        baseline: &str,
    ) -> Result<Vec<BranchPresence>>;

    /// The issues with these ids (any application, any status), in id order.
    async fn issues_by_ids(&self, ids: &[i64]) -> Result<Vec<Issue>>;
}

/// The query of [`GateStore::branch_presence`], the same on both backends: active observations
/// (`last_scan_id IS NULL`, the partial index `observations_stream_active`) of the target's
/// streams on either branch, grouped by issue.
pub(crate) const BRANCH_PRESENCE: &str = "
SELECT o.issue_id,
       CAST(MAX(CASE WHEN st.branch = $3 THEN 1 ELSE 0 END) AS BIGINT) AS on_branch,
       CAST(MAX(CASE WHEN st.branch = $4 THEN 1 ELSE 0 END) AS BIGINT) AS on_baseline
FROM streams st
JOIN observations o ON o.stream_id = st.id AND o.last_scan_id IS NULL
WHERE st.target_id = (SELECT t.id FROM targets t JOIN applications a ON a.id = t.application_id
                      WHERE a.name = $1 AND t.name = $2)
  AND (st.branch = $3
       OR (st.branch = $4 AND st.tool IN (SELECT b.tool FROM streams b
                                          WHERE b.target_id = st.target_id AND b.branch = $3)))
GROUP BY o.issue_id
ORDER BY o.issue_id";

/// Implements [`GateStore`] for a backend whose `queries::issue_by_ids` takes its pool.
macro_rules! gate_store_impl {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::gate::GateStore for $store {
            async fn branch_presence(
                &self,
                application: &str,
                target: &str,
                branch: &str,
                baseline: &str,
            ) -> $crate::Result<Vec<$crate::gate::BranchPresence>> {
                use sqlx::Row;
                let rows = sqlx::query($crate::gate::BRANCH_PRESENCE)
                    .bind(application)
                    .bind(target)
                    .bind(branch)
                    .bind(baseline)
                    .fetch_all(&self.pool)
                    .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    let on_branch: i64 = r.try_get(1)?;
                    let on_baseline: i64 = r.try_get(2)?;
                    out.push($crate::gate::BranchPresence {
                        issue_id: r.try_get(0)?,
                        on_branch: on_branch > 0,
                        on_baseline: on_baseline > 0,
                    });
                }
                Ok(out)
            }

            async fn issues_by_ids(
                &self,
                ids: &[i64],
            ) -> $crate::Result<Vec<rampart_model::Issue>> {
                super::queries::issue_by_ids(&self.pool, ids).await
            }
        }
    };
}
pub(crate) use gate_store_impl;
