//! [`TriageStore`] on SQLite.

use super::SqliteStore;
use super::queries::issue_by_ids;
use crate::Result;
use crate::codec::status_from_db;
use crate::triage::TriageStore;
use async_trait::async_trait;
use rampart_model::{Issue, IssueStatus, TriageDecision, TriageRequest, VexStatus};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, Transaction};
use time::OffsetDateTime;

const DECISION_COLUMNS: &str = "id, issue_id, status, prior_status, actor, at, reason, approver, expires_at, justification, vex_status, ended_at, ended_how";

fn decision_from_row(r: &SqliteRow) -> Result<TriageDecision> {
    let status: String = r.try_get(2)?;
    let prior: String = r.try_get(3)?;
    let vex: Option<String> = r.try_get(10)?;
    Ok(TriageDecision {
        id: r.try_get(0)?,
        issue_id: r.try_get(1)?,
        status: status_from_db(&status)?,
        prior_status: status_from_db(&prior)?,
        actor: r.try_get(4)?,
        at: r.try_get(5)?,
        reason: r.try_get(6)?,
        approver: r.try_get(7)?,
        expires_at: r.try_get(8)?,
        justification: r.try_get(9)?,
        vex_status: vex.as_deref().and_then(VexStatus::parse),
        ended_at: r.try_get(11)?,
        ended_how: r.try_get(12)?,
    })
}

async fn in_force(
    tx: &mut Transaction<'static, Sqlite>,
    issue: i64,
) -> Result<Option<TriageDecision>> {
    let row = sqlx::query(&format!(
        "SELECT {DECISION_COLUMNS} FROM triage_decisions WHERE issue_id = $1 AND ended_at IS NULL ORDER BY id DESC LIMIT 1"
    ))
    .bind(issue)
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(decision_from_row).transpose()
}

async fn end(
    tx: &mut Transaction<'static, Sqlite>,
    id: i64,
    at: OffsetDateTime,
    how: &str,
) -> Result<()> {
    sqlx::query("UPDATE triage_decisions SET ended_at = $1, ended_how = $2 WHERE id = $3")
        .bind(at)
        .bind(how)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn set_status(
    tx: &mut Transaction<'static, Sqlite>,
    issue: i64,
    status: IssueStatus,
    at: OffsetDateTime,
    event: &str,
    detail: &str,
) -> Result<()> {
    sqlx::query("UPDATE issues SET status = $1 WHERE id = $2")
        .bind(status.as_str())
        .bind(issue)
        .execute(&mut **tx)
        .await?;
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
    tx: &mut Transaction<'static, Sqlite>,
    issue: i64,
    prior: IssueStatus,
) -> Result<IssueStatus> {
    let reported: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM observations WHERE issue_id = $1 AND last_scan_id IS NULL)",
    )
    .bind(issue)
    .fetch_one(&mut **tx)
    .await?;
    Ok(match prior {
        s if s.is_active() && !reported => IssueStatus::Fixed,
        IssueStatus::Fixed if reported => IssueStatus::Reopened,
        s => s,
    })
}

#[async_trait]
impl TriageStore for SqliteStore {
    async fn triage(
        &self,
        issue: i64,
        req: &TriageRequest,
        at: OffsetDateTime,
    ) -> Result<Option<TriageDecision>> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let status: Option<String> = sqlx::query_scalar("SELECT status FROM issues WHERE id = $1")
            .bind(issue)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(status) = status else {
            return Ok(None);
        };
        let current = status_from_db(&status)?;
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
        at: OffsetDateTime,
    ) -> Result<Option<TriageDecision>> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
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

    async fn triage_history(&self, issue: i64) -> Result<Vec<TriageDecision>> {
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

    async fn expire_triage(&self, now: OffsetDateTime) -> Result<Vec<i64>> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        // Few decisions carry an expiry and are in force: compare times in Rust, not as text.
        let candidates: Vec<TriageDecision> = sqlx::query(&format!(
            "SELECT {DECISION_COLUMNS} FROM triage_decisions WHERE ended_at IS NULL AND expires_at IS NOT NULL"
        ))
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(decision_from_row)
        .collect::<Result<_>>()?;
        let mut reopened = Vec::new();
        for d in candidates {
            if d.expires_at.is_none_or(|e| e > now) {
                continue;
            }
            end(&mut tx, d.id, now, "expired").await?;
            let status = match restored_status(&mut tx, d.issue_id, IssueStatus::Open).await? {
                IssueStatus::Open => IssueStatus::Reopened,
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

    async fn triaged_issues(&self, application: &str) -> Result<Vec<(Issue, TriageDecision)>> {
        let decisions: Vec<TriageDecision> = sqlx::query(&format!(
            "SELECT {DECISION_COLUMNS} FROM triage_decisions WHERE ended_at IS NULL AND issue_id IN
               (SELECT id FROM issues WHERE application_id = (SELECT id FROM applications WHERE name = $1))
             ORDER BY issue_id, id"
        ))
        .bind(application)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(decision_from_row)
        .collect::<Result<_>>()?;
        let ids: Vec<i64> = decisions.iter().map(|d| d.issue_id).collect();
        let issues = issue_by_ids(&self.pool, &ids).await?;
        Ok(issues.into_iter().zip(decisions).collect())
    }
}
