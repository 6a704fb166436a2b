//! [`ContextStore`] on PostgreSQL: catalog entries and versions, risk inputs and scores, VEX
//! statements.

use super::PgStore;
use super::queries::issue_by_ids;
use crate::Result;
use crate::codec::{kind_from_db, severity_from_db, status_from_db};
use crate::context::{CatalogVersion, ContextStore, IssueRiskRow, SightingRow, VexFact};
use async_trait::async_trait;
use rampart_model::{AppProfile, CatalogChange, Issue, VexStatement, VexStatus};
use sqlx::Row;
use std::collections::HashMap;
use time::OffsetDateTime;

/// The catalog and VEX-statement methods shared with the other backend.
pub(crate) mod common {
    crate::context::context_common!(sqlx::Postgres, "BEGIN", "::jsonb", "::text", "strpos");
}

/// Rows per batched statement.
const CHUNK: usize = 1000;

#[async_trait]
impl ContextStore for PgStore {
    async fn apply_catalog(
        &self,
        profiles: &[AppProfile],
        source: &str,
        at: OffsetDateTime,
    ) -> Result<Vec<CatalogChange>> {
        common::apply_catalog(&self.pool, profiles, source, at).await
    }

    async fn app_profile(&self, application: &str) -> Result<Option<AppProfile>> {
        common::app_profile(&self.pool, application).await
    }

    async fn catalog_history(&self, application: &str) -> Result<Vec<CatalogVersion>> {
        common::catalog_history(&self.pool, application).await
    }

    async fn risk_inputs(
        &self,
        application: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<IssueRiskRow>> {
        let ids = common::issue_page(&self.pool, application, after, limit).await?;
        self.risk_inputs_of(&ids).await
    }

    async fn risk_inputs_of(&self, ids: &[i64]) -> Result<Vec<IssueRiskRow>> {
        let mut out: Vec<IssueRiskRow> = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(CHUNK) {
            let mut index: HashMap<i64, usize> = HashMap::new();
            for r in sqlx::query(
                "SELECT id, kind, severity, status, cwes, vuln_ids, risk FROM issues WHERE id = ANY($1) ORDER BY id",
            )
            .bind(chunk)
            .fetch_all(&self.pool)
            .await?
            {
                let kind: String = r.try_get(1)?;
                let status: String = r.try_get(3)?;
                let cwes: Vec<i32> = r.try_get(4)?;
                let id: i64 = r.try_get(0)?;
                index.insert(id, out.len());
                out.push(IssueRiskRow {
                    id,
                    kind: kind_from_db(&kind)?,
                    severity: severity_from_db(i64::from(r.try_get::<i16, _>(2)?)),
                    status: status_from_db(&status)?,
                    cwes: cwes.into_iter().filter_map(|c| u32::try_from(c).ok()).collect(),
                    vuln_ids: r.try_get(5)?,
                    risk: r.try_get::<i16, _>(6)?.clamp(0, 100) as u8,
                    sightings: Vec::new(),
                    vex: None,
                });
            }
            for r in sqlx::query(
                "SELECT o.issue_id, t.name, st.branch, sc.environment, sc.ingested_at, o.last_scan_id IS NULL, o.data
                 FROM observations o JOIN streams st ON st.id = o.stream_id JOIN targets t ON t.id = st.target_id
                 LEFT JOIN scans sc ON sc.id = COALESCE(o.last_scan_id, st.last_scan_id)
                 WHERE o.issue_id = ANY($1) ORDER BY o.issue_id, o.id",
            )
            .bind(chunk)
            .fetch_all(&self.pool)
            .await?
            {
                let issue: i64 = r.try_get(0)?;
                let Some(&at) = index.get(&issue) else { continue };
                let seen: Option<OffsetDateTime> = r.try_get(4)?;
                out[at].sightings.push(SightingRow {
                    target: r.try_get(1)?,
                    branch: r.try_get(2)?,
                    environment: r.try_get(3)?,
                    last_seen: seen.unwrap_or(OffsetDateTime::UNIX_EPOCH),
                    active: r.try_get(5)?,
                    observation: r.try_get(6)?,
                });
            }
            for r in sqlx::query(
                "SELECT issue_id, vex_status, justification, actor FROM triage_decisions
                 WHERE vex_status IS NOT NULL AND ended_at IS NULL AND issue_id = ANY($1) ORDER BY id",
            )
            .bind(chunk)
            .fetch_all(&self.pool)
            .await?
            {
                let issue: i64 = r.try_get(0)?;
                let status: String = r.try_get(1)?;
                let Some(&at) = index.get(&issue) else { continue };
                out[at].vex = VexStatus::parse(&status).map(|status| VexFact {
                    status,
                    justification: r.try_get(2).ok().flatten(),
                    actor: r.try_get(3).unwrap_or_default(),
                });
            }
        }
        Ok(out)
    }

    async fn set_risk(&self, scores: &[(i64, u8)]) -> Result<u64> {
        let mut changed = 0;
        let mut delta = crate::summary::SummaryDelta::default();
        let mut tx = self.pool.begin().await?;
        // One score per issue (the last given), in id order.
        let scores: Vec<(i64, u8)> = scores
            .iter()
            .copied()
            .collect::<std::collections::BTreeMap<i64, u8>>()
            .into_iter()
            .collect();
        for chunk in scores.chunks(CHUNK) {
            let ids: Vec<i64> = chunk.iter().map(|(id, _)| *id).collect();
            let risks: Vec<i16> = chunk.iter().map(|(_, r)| i16::from(*r)).collect();
            // The old and new risk band of each changed active issue, for the summaries.
            for r in sqlx::query(
                "WITH old AS (
                     SELECT i.id, i.application_id, i.status, i.risk AS was, v.r
                     FROM issues i JOIN UNNEST($1::bigint[], $2::smallint[]) AS v(id, r) ON i.id = v.id
                     WHERE i.risk <> v.r ORDER BY i.id FOR UPDATE OF i),
                 upd AS (UPDATE issues i SET risk = old.r FROM old WHERE i.id = old.id RETURNING 1)
                 SELECT application_id, status IN ('open', 'reopened'), LEAST(was / 10, 9)::smallint,
                        LEAST(r / 10, 9)::smallint, COUNT(*)
                 FROM old GROUP BY 1, 2, 3, 4",
            )
            .bind(&ids)
            .bind(&risks)
            .fetch_all(&mut *tx)
            .await?
            {
                let (app, active, n): (i64, bool, i64) =
                    (r.try_get(0)?, r.try_get(1)?, r.try_get(4)?);
                changed += n.max(0) as u64;
                if active {
                    *delta.risk.entry((app, r.try_get(2)?)).or_default() -= n;
                    *delta.risk.entry((app, r.try_get(3)?)).or_default() += n;
                }
            }
        }
        super::summary::apply(&mut tx, delta).await?;
        tx.commit().await?;
        Ok(changed)
    }

    async fn add_vex_statements(
        &self,
        application: Option<&str>,
        statements: &[VexStatement],
        at: OffsetDateTime,
    ) -> Result<u64> {
        common::add_vex_statements(&self.pool, application, statements, at).await
    }

    async fn vex_statements(&self, application: &str) -> Result<Vec<VexStatement>> {
        common::vex_statements(&self.pool, application).await
    }

    async fn issues_with_vulns(
        &self,
        application: &str,
        vuln_ids: &[String],
    ) -> Result<Vec<Issue>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT i.id FROM issues i WHERE i.application_id = (SELECT id FROM applications WHERE name = $1)
             AND i.vuln_ids && $2::text[] ORDER BY i.id",
        )
        .bind(application)
        .bind(vuln_ids)
        .fetch_all(&self.pool)
        .await?;
        issue_by_ids(&self.pool, &ids).await
    }
}
