//! What a CI gate reads (issue 6): which issues a branch of a target reports now, and which
//! its baseline branch reports, so that the gate judges only what the branch introduces; and
//! what it writes: each decision (`gate_decisions`, migration 0016), which compliance reports
//! read as the evidence of policies passing.
//! [`GateStore`] is a supertrait of [`Store`](crate::Store); both backends implement it
//! (`sqlite/gate.rs`, `postgres/gate.rs`) with the one macro below.

use crate::Result;
use crate::sla::AppScope;
use async_trait::async_trait;
use rampart_model::Issue;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// One policy's outcome in a gate decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct GatePolicyOutcome {
    /// No `deny` from it.
    pub passed: bool,
    /// Its deny and warn messages (at most a few dozen).
    #[serde(default)]
    pub messages: Vec<String>,
}

/// A recorded `rampart gate` decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateDecision {
    /// Store id (0 before it is recorded).
    pub id: i64,
    /// Application.
    pub application: String,
    /// Target.
    pub target: String,
    /// The branch judged.
    pub branch: String,
    /// Its baseline.
    pub baseline: String,
    /// Commit, when given.
    pub commit: Option<String>,
    /// When the gate decided.
    pub at: OffsetDateTime,
    /// Whether the gate passed.
    pub passed: bool,
    /// Issues the branch introduced (judged).
    pub introduced: u64,
    /// Of them, denied by a policy.
    pub denied: u64,
    /// Outcome by policy: `gate` (the whole decision) and each Rego package.
    pub outcomes: BTreeMap<String, GatePolicyOutcome>,
}

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

    /// Records a gate decision (its application must exist); returns its id.
    async fn record_gate_decision(&self, decision: &GateDecision) -> Result<i64>;

    /// The latest recorded decision of each application of `scope`, by application name.
    async fn latest_gate_decisions(&self, scope: &AppScope) -> Result<Vec<GateDecision>>;
}

/// `gate_decisions` columns, in the order the decision readers take them.
pub(crate) const DECISION_COLUMNS: &str = "g.id, a.name, g.target, g.branch, g.baseline, g.commit_sha, g.at, \
     g.passed, g.introduced, g.denied, g.outcomes";

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

/// Implements [`GateStore`] for a backend whose `queries::issue_by_ids` takes its pool:
/// `gate_store_impl!(Store, Database)`.
macro_rules! gate_store_impl {
    ($store:ty, $db:ty) => {
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

            async fn record_gate_decision(
                &self,
                d: &$crate::gate::GateDecision,
            ) -> $crate::Result<i64> {
                let outcomes = serde_json::to_string(&d.outcomes)
                    .map_err(|e| $crate::StoreError::Corrupt(format!("gate outcomes: {e}")))?;
                let id: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO gate_decisions (application_id, target, branch, baseline, commit_sha, at,
                                                 passed, introduced, denied, outcomes)
                     SELECT id, $2, $3, $4, $5, $6, $7, $8, $9, $10 FROM applications WHERE name = $1
                     RETURNING id",
                )
                .bind(&d.application)
                .bind(&d.target)
                .bind(&d.branch)
                .bind(&d.baseline)
                .bind(&d.commit)
                .bind(d.at)
                .bind(i64::from(d.passed))
                .bind(d.introduced as i64)
                .bind(d.denied as i64)
                .bind(outcomes)
                .fetch_optional(&self.pool)
                .await?;
                id.ok_or_else(|| $crate::StoreError::NotFound(format!("application {}", d.application)))
            }

            async fn latest_gate_decisions(
                &self,
                scope: &$crate::sla::AppScope,
            ) -> $crate::Result<Vec<$crate::gate::GateDecision>> {
                use sqlx::Row;
                let mut qb = sqlx::QueryBuilder::<$db>::new(format!(
                    "SELECT {} FROM gate_decisions g JOIN applications a ON a.id = g.application_id
                     WHERE g.id IN (SELECT MAX(id) FROM gate_decisions GROUP BY application_id)",
                    $crate::gate::DECISION_COLUMNS
                ));
                if let Some(app) = &scope.application {
                    qb.push(" AND a.name = ").push_bind(app.clone());
                }
                if let Some(team) = &scope.team {
                    qb.push(" AND a.id IN (SELECT application_id FROM app_profiles WHERE team = ")
                        .push_bind(team.clone())
                        .push(")");
                }
                qb.push(" ORDER BY a.name");
                let mut out = Vec::new();
                for r in qb.build().fetch_all(&self.pool).await? {
                    let outcomes: String = r.try_get(10)?;
                    out.push($crate::gate::GateDecision {
                        id: r.try_get(0)?,
                        application: r.try_get(1)?,
                        target: r.try_get(2)?,
                        branch: r.try_get(3)?,
                        baseline: r.try_get(4)?,
                        commit: r.try_get(5)?,
                        at: r.try_get(6)?,
                        passed: r.try_get::<i64, _>(7)? != 0,
                        introduced: r.try_get::<i64, _>(8)?.max(0) as u64,
                        denied: r.try_get::<i64, _>(9)?.max(0) as u64,
                        outcomes: serde_json::from_str(&outcomes).map_err(|e| {
                            $crate::StoreError::Corrupt(format!("gate_decisions.outcomes: {e}"))
                        })?,
                    });
                }
                Ok(out)
            }
        }
    };
}
pub(crate) use gate_store_impl;
