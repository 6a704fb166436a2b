//! [`RiskScopeStore`] on PostgreSQL: a handful of indexed queries (migration 0011).

use super::PgStore;
use crate::Result;
use crate::risk_scope::{EarlierScan, RiskScope, RiskScopeStore, previous_and_full};
use async_trait::async_trait;
use sqlx::Row;
use std::collections::BTreeSet;
use time::{Duration, OffsetDateTime};

#[async_trait]
impl RiskScopeStore for PgStore {
    async fn risk_scope(&self, scan_id: i64, dormant_after: Duration) -> Result<RiskScope> {
        let mut conn = self.pool.acquire().await?;
        let Some(scan) = sqlx::query(
            "SELECT application_id, target_id, branch, environment, ingested_at FROM scans WHERE id = $1",
        )
        .bind(scan_id)
        .fetch_optional(&mut *conn)
        .await?
        else {
            return Ok(RiskScope::default());
        };
        let (app, target, branch): (i64, i64, String) =
            (scan.try_get(0)?, scan.try_get(1)?, scan.try_get(2)?);
        let env: Option<String> = scan.try_get(3)?;
        let now: OffsetDateTime = scan.try_get(4)?;
        let mut issues = BTreeSet::new();
        // Statements the scan made: of issues it did not create, or several of one it did.
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT o.issue_id FROM observations o JOIN issues i ON i.id = o.issue_id
             WHERE o.first_scan_id = $1 GROUP BY o.issue_id
             HAVING count(*) > 1 OR bool_or(i.first_scan_id <> $1)",
        )
        .bind(scan_id)
        .fetch_all(&mut *conn)
        .await?;
        issues.extend(ids);
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT DISTINCT issue_id FROM issue_events WHERE scan_id = $1")
                .bind(scan_id)
                .fetch_all(&mut *conn)
                .await?;
        issues.extend(ids);
        // Statements that ended: at each stream's previous scan.
        let streams: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, tool FROM streams WHERE target_id = $1 AND branch = $2 AND last_scan_id = $3",
        )
        .bind(target)
        .bind(&branch)
        .bind(scan_id)
        .fetch_all(&mut *conn)
        .await?;
        let earlier: Vec<EarlierScan> = sqlx::query(
            "SELECT id, tools, environment, ingested_at FROM scans
             WHERE target_id = $1 AND branch = $2 AND id < $3 ORDER BY id DESC",
        )
        .bind(target)
        .bind(&branch)
        .bind(scan_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(EarlierScan {
                id: r.try_get(0)?,
                tools: r.try_get(1)?,
                environment: r.try_get(2)?,
                at: r.try_get(3)?,
            })
        })
        .collect::<Result<_>>()?;
        let app_times: Vec<OffsetDateTime> = sqlx::query_scalar(
            "SELECT ingested_at FROM scans WHERE application_id = $1 AND id < $2",
        )
        .bind(app)
        .bind(scan_id)
        .fetch_all(&mut *conn)
        .await?;
        let tools: Vec<String> = streams.iter().map(|(_, t)| t.clone()).collect();
        let (previous, full) = previous_and_full(
            &tools,
            env.as_deref(),
            now,
            &earlier,
            &app_times,
            dormant_after,
        );
        for ((stream, _), (_, prev)) in streams.iter().zip(&previous) {
            let ids: Vec<i64> = sqlx::query_scalar(
                "SELECT DISTINCT issue_id FROM observations
                 WHERE stream_id = $1 AND last_scan_id IS NOT NULL AND last_scan_id >= $2",
            )
            .bind(stream)
            .bind(prev)
            .fetch_all(&mut *conn)
            .await?;
            issues.extend(ids);
        }
        Ok(RiskScope {
            issues: issues.into_iter().collect(),
            full,
        })
    }
}
