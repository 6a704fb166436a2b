//! [`ContextStore`] on SQLite: catalog entries and versions, risk inputs and scores, VEX
//! statements.

use super::SqliteStore;
use super::queries::issue_by_ids;
use crate::Result;
use crate::codec::{Unpacker, kind_from_db, severity_from_db, split, status_from_db};
use crate::context::{CatalogVersion, ContextStore, IssueRiskRow, SightingRow, VexFact};
use async_trait::async_trait;
use rampart_model::{AppProfile, CatalogChange, Issue, VexStatement, VexStatus};
use sqlx::{QueryBuilder, Row, Sqlite};
use std::collections::HashMap;
use time::OffsetDateTime;

/// The catalog and VEX-statement methods shared with the other backend.
pub(crate) mod common {
    crate::context::context_common!(sqlx::Sqlite, "BEGIN IMMEDIATE", "", "", "instr");
}

/// Rows per batched statement.
const CHUNK: usize = 500;

#[async_trait]
impl ContextStore for SqliteStore {
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
        let mut unpacker = Unpacker::new();
        for chunk in ids.chunks(CHUNK) {
            let mut qb = QueryBuilder::<Sqlite>::new(
                "SELECT id, kind, severity, status, cwes, vuln_ids, risk FROM issues WHERE id IN (",
            );
            let mut sep = qb.separated(", ");
            for id in chunk {
                sep.push_bind(*id);
            }
            qb.push(") ORDER BY id");
            let mut index: HashMap<i64, usize> = HashMap::new();
            for r in qb.build().fetch_all(&self.pool).await? {
                let kind: String = r.try_get(1)?;
                let status: String = r.try_get(3)?;
                let cwes: String = r.try_get(4)?;
                let vulns: String = r.try_get(5)?;
                let id: i64 = r.try_get(0)?;
                index.insert(id, out.len());
                out.push(IssueRiskRow {
                    id,
                    kind: kind_from_db(&kind)?,
                    severity: severity_from_db(r.try_get(2)?),
                    status: status_from_db(&status)?,
                    cwes: split(&cwes).iter().filter_map(|c| c.parse().ok()).collect(),
                    vuln_ids: split(&vulns),
                    risk: r.try_get::<i64, _>(6)?.clamp(0, 100) as u8,
                    sightings: Vec::new(),
                    vex: None,
                });
            }
            let mut qb = QueryBuilder::<Sqlite>::new(
                "SELECT o.issue_id, t.name, st.branch, sc.environment, sc.ingested_at, o.last_scan_id IS NULL, o.data, o.first_scan_id
                 FROM observations o JOIN streams st ON st.id = o.stream_id JOIN targets t ON t.id = st.target_id
                 LEFT JOIN scans sc ON sc.id = COALESCE(o.last_scan_id, st.last_scan_id)
                 WHERE o.issue_id IN (",
            );
            let mut sep = qb.separated(", ");
            for id in chunk {
                sep.push_bind(*id);
            }
            qb.push(") ORDER BY o.issue_id, o.id");
            let rows = qb.build().fetch_all(&self.pool).await?;
            let data = super::documents::of_rows(&self.pool, &mut unpacker, &rows, (7, 6)).await?;
            for (r, (scan, data)) in rows.iter().zip(&data) {
                let issue: i64 = r.try_get(0)?;
                let Some(&at) = index.get(&issue) else {
                    continue;
                };
                let seen: Option<OffsetDateTime> = r.try_get(4)?;
                out[at].sightings.push(SightingRow {
                    target: r.try_get(1)?,
                    branch: r.try_get(2)?,
                    environment: r.try_get(3)?,
                    last_seen: seen.unwrap_or(OffsetDateTime::UNIX_EPOCH),
                    active: r.try_get(5)?,
                    observation: unpacker.json(*scan, data)?,
                });
            }
            let mut qb = QueryBuilder::<Sqlite>::new(
                "SELECT issue_id, vex_status, justification, actor FROM triage_decisions
                 WHERE vex_status IS NOT NULL AND ended_at IS NULL AND issue_id IN (",
            );
            let mut sep = qb.separated(", ");
            for id in chunk {
                sep.push_bind(*id);
            }
            qb.push(") ORDER BY id");
            for r in qb.build().fetch_all(&self.pool).await? {
                let issue: i64 = r.try_get(0)?;
                let status: String = r.try_get(1)?;
                let Some(&at) = index.get(&issue) else {
                    continue;
                };
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
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        // One score per issue (the last given), in id order.
        let scores: Vec<(i64, u8)> = scores
            .iter()
            .copied()
            .collect::<std::collections::BTreeMap<i64, u8>>()
            .into_iter()
            .collect();
        let mut delta = crate::summary::SummaryDelta::default();
        for chunk in scores.chunks(CHUNK) {
            // The summaries: the risk band of each active issue before and after.
            let mut qb = QueryBuilder::<Sqlite>::new(
                "SELECT id, application_id, risk FROM issues WHERE status IN ('open', 'reopened') AND id IN (",
            );
            let mut sep = qb.separated(", ");
            for (id, _) in chunk {
                sep.push_bind(*id);
            }
            qb.push(")");
            let new: HashMap<i64, u8> = chunk.iter().copied().collect();
            for r in qb.build().fetch_all(&mut *tx).await? {
                let (id, app, was): (i64, i64, i64) = (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
                let now = new.get(&id).map_or(was, |r| i64::from(*r));
                if now != was {
                    *delta
                        .risk
                        .entry((app, crate::summary::risk_band(was)))
                        .or_default() -= 1;
                    *delta
                        .risk
                        .entry((app, crate::summary::risk_band(now)))
                        .or_default() += 1;
                }
            }
            let mut qb = QueryBuilder::<Sqlite>::new("WITH v(id, r) AS (");
            qb.push_values(chunk, |mut b, (id, r)| {
                b.push_bind(*id).push_bind(i64::from(*r));
            });
            qb.push(
                ") UPDATE issues SET risk = (SELECT r FROM v WHERE v.id = issues.id)
                 WHERE id IN (SELECT id FROM v) AND risk <> (SELECT r FROM v WHERE v.id = issues.id)",
            );
            changed += qb.build().execute(&mut *tx).await?.rows_affected();
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
        let mut ids: Vec<i64> = Vec::new();
        for chunk in vuln_ids.chunks(CHUNK) {
            let mut qb = QueryBuilder::<Sqlite>::new(
                "SELECT i.id FROM issues i WHERE i.application_id = (SELECT id FROM applications WHERE name = ",
            );
            qb.push_bind(application.to_string()).push(") AND (0 = 1");
            for v in chunk {
                // vuln_ids is stored comma-joined; match whole ids only.
                qb.push(" OR instr(',' || i.vuln_ids || ',', ")
                    .push_bind(format!(",{v},"))
                    .push(") > 0");
            }
            qb.push(")");
            ids.extend(
                qb.build()
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .filter_map(|r| r.try_get::<i64, _>(0).ok()),
            );
        }
        ids.sort_unstable();
        ids.dedup();
        issue_by_ids(&self.pool, &ids).await
    }
}
