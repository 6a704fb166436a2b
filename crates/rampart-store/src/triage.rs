//! Triage decisions in the store (issue 5): set, undo, expire, and the history of an issue.
//! [`TriageStore`] is a supertrait of [`Store`](crate::Store); both backends implement it
//! (`sqlite/triage.rs`, `postgres/triage.rs`). The store records and applies decisions; whether
//! a request is complete is `TriageRequest::validate` (model), checked by the service.

use crate::Result;
use async_trait::async_trait;
use rampart_model::{Issue, TriageDecision, TriageRequest};
use time::OffsetDateTime;

/// Triage storage.
#[async_trait]
pub trait TriageStore: Send + Sync {
    /// Records `request` on issue `issue` at `at` and sets the issue's status: one
    /// transaction. The decision in force before (if any) ends as `superseded`. `None` when the
    /// issue does not exist.
    async fn triage(
        &self,
        issue: i64,
        request: &TriageRequest,
        at: OffsetDateTime,
    ) -> Result<Option<TriageDecision>>;

    /// Undoes the decision in force on `issue`: it ends (`undone by <actor>`) and the issue
    /// gets back the status it had before. `None` when no decision is in force.
    async fn undo_triage(
        &self,
        issue: i64,
        actor: &str,
        at: OffsetDateTime,
    ) -> Result<Option<TriageDecision>>;

    /// Every decision on `issue`, oldest first.
    async fn triage_history(&self, issue: i64) -> Result<Vec<TriageDecision>>;

    /// Ends every risk acceptance whose expiry is at or before `now`: the issue reopens
    /// (`reopened` while a tool still reports it, else `fixed`). Returns the issues reopened.
    async fn expire_triage(&self, now: OffsetDateTime) -> Result<Vec<i64>>;

    /// The decisions in force on `application`'s issues, with their issues, by issue id.
    async fn triaged_issues(&self, application: &str) -> Result<Vec<(Issue, TriageDecision)>>;
}

/// The one implementation of [`TriageStore`], for both backends (the SQL is the same; the
/// transaction's `BEGIN` and the row lock differ): `triage_store_impl!(Store, Database, Row,
/// "BEGIN ...", " FOR UPDATE" or "")`, expanded in `sqlite/triage.rs` and `postgres/triage.rs`.
macro_rules! triage_store_impl {
    ($store:ty, $db:ty, $row:ty, $begin:literal, $lock:literal) => {
        const DECISION_COLUMNS: &str = "id, issue_id, status, prior_status, actor, at, reason, approver, expires_at, justification, vex_status, ended_at, ended_how";

        fn decision_from_row(r: &$row) -> $crate::Result<rampart_model::TriageDecision> {
            let status: String = sqlx::Row::try_get(r, 2)?;
            let prior: String = sqlx::Row::try_get(r, 3)?;
            let vex: Option<String> = sqlx::Row::try_get(r, 10)?;
            Ok(rampart_model::TriageDecision {
                id: sqlx::Row::try_get(r, 0)?,
                issue_id: sqlx::Row::try_get(r, 1)?,
                status: $crate::codec::status_from_db(&status)?,
                prior_status: $crate::codec::status_from_db(&prior)?,
                actor: sqlx::Row::try_get(r, 4)?,
                at: sqlx::Row::try_get(r, 5)?,
                reason: sqlx::Row::try_get(r, 6)?,
                approver: sqlx::Row::try_get(r, 7)?,
                expires_at: sqlx::Row::try_get(r, 8)?,
                justification: sqlx::Row::try_get(r, 9)?,
                vex_status: vex.as_deref().and_then(rampart_model::VexStatus::parse),
                ended_at: sqlx::Row::try_get(r, 11)?,
                ended_how: sqlx::Row::try_get(r, 12)?,
            })
        }

        async fn in_force(
            tx: &mut sqlx::Transaction<'static, $db>,
            issue: i64,
        ) -> $crate::Result<Option<rampart_model::TriageDecision>> {
            let row = sqlx::query(&format!(
                "SELECT {DECISION_COLUMNS} FROM triage_decisions WHERE issue_id = $1 AND ended_at IS NULL ORDER BY id DESC LIMIT 1"
            ))
            .bind(issue)
            .fetch_optional(&mut **tx)
            .await?;
            row.as_ref().map(decision_from_row).transpose()
        }

        async fn end(
            tx: &mut sqlx::Transaction<'static, $db>,
            id: i64,
            at: time::OffsetDateTime,
            how: &str,
        ) -> $crate::Result<()> {
            sqlx::query("UPDATE triage_decisions SET ended_at = $1, ended_how = $2 WHERE id = $3")
                .bind(at)
                .bind(how)
                .bind(id)
                .execute(&mut **tx)
                .await?;
            Ok(())
        }

        async fn set_status(
            tx: &mut sqlx::Transaction<'static, $db>,
            issue: i64,
            status: rampart_model::IssueStatus,
            at: time::OffsetDateTime,
            event: &str,
            detail: &str,
        ) -> $crate::Result<()> {
            let before = super::summary::snapshot(&mut **tx, &[issue], true).await?;
            sqlx::query("UPDATE issues SET status = $1 WHERE id = $2")
                .bind(status.as_str())
                .bind(issue)
                .execute(&mut **tx)
                .await?;
            let after = super::summary::snapshot(&mut **tx, &[issue], false).await?;
            super::summary::apply(&mut **tx, $crate::summary::difference(&before, &after)).await?;
            sqlx::query("INSERT INTO issue_events (issue_id, scan_id, at, event, detail) VALUES ($1, NULL, $2, $3, $4)")
                .bind(issue)
                .bind(at)
                .bind(event)
                .bind(detail)
                .execute(&mut **tx)
                .await?;
            Ok(())
        }

        /// The status an issue returns to when its triage ends: what it was before, unless that was
        /// active and no tool reports it any more (then fixed).
        async fn restored_status(
            tx: &mut sqlx::Transaction<'static, $db>,
            issue: i64,
            prior: rampart_model::IssueStatus,
        ) -> $crate::Result<rampart_model::IssueStatus> {
            let reported: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM observations WHERE issue_id = $1 AND last_scan_id IS NULL)",
            )
            .bind(issue)
            .fetch_one(&mut **tx)
            .await?;
            Ok(match prior {
                s if s.is_active() && !reported => rampart_model::IssueStatus::Fixed,
                rampart_model::IssueStatus::Fixed if reported => rampart_model::IssueStatus::Reopened,
                s => s,
            })
        }

        #[async_trait::async_trait]
        impl $crate::triage::TriageStore for $store {
            async fn triage(
                &self,
                issue: i64,
                req: &rampart_model::TriageRequest,
                at: time::OffsetDateTime,
            ) -> $crate::Result<Option<rampart_model::TriageDecision>> {
                let mut tx = self.pool.begin_with($begin).await?;
                let status: Option<String> = sqlx::query_scalar(concat!("SELECT status FROM issues WHERE id = $1", $lock))
                    .bind(issue)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(status) = status else {
                    return Ok(None);
                };
                let current = $crate::codec::status_from_db(&status)?;
                let before = in_force(&mut tx, issue).await?;
                // The status the issue had before any triage in force, so undo goes back past a chain.
                let prior = before.as_ref().map_or(current, |d| d.prior_status);
                if let Some(b) = &before {
                    end(&mut tx, b.id, at, "superseded").await?;
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO triage_decisions (issue_id, status, prior_status, actor, at, reason, approver, expires_at, justification, vex_status)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                )
                .bind(issue)
                .bind(req.status.as_str())
                .bind(prior.as_str())
                .bind(&req.actor)
                .bind(at)
                .bind(&req.reason)
                .bind(&req.approver)
                .bind(req.expires_at)
                .bind(&req.justification)
                .bind(req.vex_status.map(|v| v.as_str()))
                .fetch_one(&mut *tx)
                .await?;
                let status = if req.status.is_active() {
                    restored_status(&mut tx, issue, req.status).await?
                } else {
                    req.status
                };
                let detail = format!("{} by {}: {}", status, req.actor, req.reason);
                set_status(&mut tx, issue, status, at, "triaged", &detail).await?;
                let row = sqlx::query(&format!(
                    "SELECT {DECISION_COLUMNS} FROM triage_decisions WHERE id = $1"
                ))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
                let d = decision_from_row(&row)?;
                tx.commit().await?;
                Ok(Some(d))
            }

            async fn undo_triage(
                &self,
                issue: i64,
                actor: &str,
                at: time::OffsetDateTime,
            ) -> $crate::Result<Option<rampart_model::TriageDecision>> {
                let mut tx = self.pool.begin_with($begin).await?;
                let Some(mut d) = in_force(&mut tx, issue).await? else {
                    return Ok(None);
                };
                let how = format!("undone by {actor}");
                end(&mut tx, d.id, at, &how).await?;
                let status = restored_status(&mut tx, issue, d.prior_status).await?;
                set_status(
                    &mut tx,
                    issue,
                    status,
                    at,
                    "untriaged",
                    &format!("{} undone by {actor}: back to {status}", d.status),
                )
                .await?;
                tx.commit().await?;
                d.ended_at = Some(at);
                d.ended_how = Some(how);
                Ok(Some(d))
            }

            async fn triage_history(&self, issue: i64) -> $crate::Result<Vec<rampart_model::TriageDecision>> {
                sqlx::query(&format!(
                    "SELECT {DECISION_COLUMNS} FROM triage_decisions WHERE issue_id = $1 ORDER BY id"
                ))
                .bind(issue)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(decision_from_row)
                .collect()
            }

            async fn expire_triage(&self, now: time::OffsetDateTime) -> $crate::Result<Vec<i64>> {
                let mut tx = self.pool.begin_with($begin).await?;
                // Few decisions carry an expiry and are in force: compare times in Rust, not as text.
                let candidates: Vec<rampart_model::TriageDecision> = sqlx::query(&format!(
                    "SELECT {DECISION_COLUMNS} FROM triage_decisions WHERE ended_at IS NULL AND expires_at IS NOT NULL"
                ))
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(decision_from_row)
                .collect::<$crate::Result<_>>()?;
                let mut reopened = Vec::new();
                for d in candidates {
                    if d.expires_at.is_none_or(|e| e > now) {
                        continue;
                    }
                    end(&mut tx, d.id, now, "expired").await?;
                    let status = match restored_status(&mut tx, d.issue_id, rampart_model::IssueStatus::Open).await? {
                        rampart_model::IssueStatus::Open => rampart_model::IssueStatus::Reopened,
                        s => s,
                    };
                    let detail = format!(
                        "risk acceptance by {} (approved by {}) expired: {status}",
                        d.actor,
                        d.approver.as_deref().unwrap_or("-")
                    );
                    set_status(&mut tx, d.issue_id, status, now, "expired", &detail).await?;
                    reopened.push(d.issue_id);
                }
                tx.commit().await?;
                Ok(reopened)
            }

            async fn triaged_issues(&self, application: &str) -> $crate::Result<Vec<(rampart_model::Issue, rampart_model::TriageDecision)>> {
                let decisions: Vec<rampart_model::TriageDecision> = sqlx::query(&format!(
                    "SELECT {DECISION_COLUMNS} FROM triage_decisions WHERE ended_at IS NULL AND issue_id IN
                       (SELECT id FROM issues WHERE application_id = (SELECT id FROM applications WHERE name = $1))
                     ORDER BY issue_id, id"
                ))
                .bind(application)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(decision_from_row)
                .collect::<$crate::Result<_>>()?;
                let ids: Vec<i64> = decisions.iter().map(|d| d.issue_id).collect();
                let issues = super::queries::issue_by_ids(&self.pool, &ids).await?;
                Ok(issues.into_iter().zip(decisions).collect())
            }
        }

    };
}
pub(crate) use triage_store_impl;
