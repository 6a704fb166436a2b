//! [`ContextStore`] on PostgreSQL: catalog entries and versions, risk inputs and scores, VEX
//! statements.

use super::PgStore;
use super::queries::issue_by_ids;
use crate::codec::{kind_from_db, severity_from_db, status_from_db};
use crate::context::{CatalogVersion, ContextStore, IssueRiskRow, SightingRow, VexFact};
use crate::sqlite_owners_column as owners_column;
use crate::{Result, StoreError};
use async_trait::async_trait;
use rampart_model::{AppProfile, CatalogChange, Issue, VexStatement, VexStatus};
use sqlx::{Postgres, QueryBuilder, Row};
use std::collections::HashMap;
use time::OffsetDateTime;

/// Rows per batched statement.
const CHUNK: usize = 1000;

/// The `--team` / `--owner` filters of an issue list, as `AND` terms on `i.application_id`.
pub(crate) fn push_owner_filters(qb: &mut QueryBuilder<'_, Postgres>, q: &crate::IssueQuery) {
    if let Some(team) = &q.team {
        qb.push(" AND i.application_id IN (SELECT application_id FROM app_profiles WHERE team = ")
            .push_bind(team.clone())
            .push(")");
    }
    if let Some(owner) = &q.owner {
        qb.push(" AND i.application_id IN (SELECT application_id FROM app_profiles WHERE strpos(owners, ")
            .push_bind(format!(",{owner},"))
            .push(") > 0)");
    }
}

fn json_err(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(format!("stored JSON: {e}"))
}

#[async_trait]
impl ContextStore for PgStore {
    async fn apply_catalog(
        &self,
        profiles: &[AppProfile],
        source: &str,
        at: OffsetDateTime,
    ) -> Result<Vec<CatalogChange>> {
        let mut tx = self.pool.begin().await?;
        let mut out = Vec::with_capacity(profiles.len());
        for p in profiles {
            sqlx::query("INSERT INTO applications (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                .bind(&p.name)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            let app: i64 = sqlx::query_scalar("SELECT id FROM applications WHERE name = $1")
                .bind(&p.name)
                .fetch_one(&mut *tx)
                .await?;
            let json = serde_json::to_value(p).map_err(json_err)?;
            let current: Option<(i64, serde_json::Value)> = sqlx::query_as(
                "SELECT version, profile FROM app_profiles WHERE application_id = $1 FOR UPDATE",
            )
            .bind(app)
            .fetch_optional(&mut *tx)
            .await?;
            let version = match &current {
                Some((v, old)) if *old == json => {
                    out.push(CatalogChange {
                        application: p.name.clone(),
                        version: *v,
                        changed: false,
                    });
                    continue;
                }
                Some((v, _)) => v + 1,
                None => 1,
            };
            sqlx::query(
                "INSERT INTO app_profiles (application_id, version, team, owners, profile, source, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (application_id) DO UPDATE SET version = excluded.version, team = excluded.team,
                   owners = excluded.owners, profile = excluded.profile, source = excluded.source, updated_at = excluded.updated_at",
            )
            .bind(app)
            .bind(version)
            .bind(&p.team)
            .bind(owners_column(p))
            .bind(&json)
            .bind(source)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            sqlx::query("INSERT INTO catalog_versions (application_id, version, at, source, profile) VALUES ($1, $2, $3, $4, $5)")
                .bind(app)
                .bind(version)
                .bind(at)
                .bind(source)
                .bind(&json)
                .execute(&mut *tx)
                .await?;
            out.push(CatalogChange {
                application: p.name.clone(),
                version,
                changed: true,
            });
        }
        tx.commit().await?;
        Ok(out)
    }

    async fn app_profile(&self, application: &str) -> Result<Option<AppProfile>> {
        let row: Option<serde_json::Value> = sqlx::query_scalar(
            "SELECT p.profile FROM app_profiles p JOIN applications a ON a.id = p.application_id WHERE a.name = $1",
        )
        .bind(application)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|j| serde_json::from_value(j).map_err(json_err))
            .transpose()
    }

    async fn catalog_history(&self, application: &str) -> Result<Vec<CatalogVersion>> {
        sqlx::query(
            "SELECT v.version, v.at, v.source, v.profile FROM catalog_versions v JOIN applications a ON a.id = v.application_id
             WHERE a.name = $1 ORDER BY v.version",
        )
        .bind(application)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            let json: serde_json::Value = r.try_get(3)?;
            Ok(CatalogVersion {
                application: application.to_string(),
                version: r.try_get(0)?,
                at: r.try_get(1)?,
                source: r.try_get(2)?,
                profile: serde_json::from_value(json).map_err(json_err)?,
            })
        })
        .collect()
    }

    async fn risk_inputs(
        &self,
        application: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<IssueRiskRow>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT i.id FROM issues i WHERE i.application_id = (SELECT id FROM applications WHERE name = $1)
             AND i.id > $2 ORDER BY i.id LIMIT $3",
        )
        .bind(application)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
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
        let mut tx = self.pool.begin().await?;
        for chunk in scores.chunks(CHUNK) {
            let ids: Vec<i64> = chunk.iter().map(|(id, _)| *id).collect();
            let risks: Vec<i16> = chunk.iter().map(|(_, r)| i16::from(*r)).collect();
            changed += sqlx::query(
                "UPDATE issues i SET risk = v.r FROM UNNEST($1::bigint[], $2::smallint[]) AS v(id, r)
                 WHERE i.id = v.id AND i.risk <> v.r",
            )
            .bind(&ids)
            .bind(&risks)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(changed)
    }

    async fn add_vex_statements(
        &self,
        application: Option<&str>,
        statements: &[VexStatement],
        at: OffsetDateTime,
    ) -> Result<u64> {
        let mut added = 0;
        let mut tx = self.pool.begin().await?;
        for s in statements {
            let json = serde_json::to_value(s).map_err(json_err)?;
            added += sqlx::query(
                "INSERT INTO vex_statements (application, document, source_ref, statement, imported_at)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(application)
            .bind(&s.document)
            .bind(&s.source_ref)
            .bind(json)
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(added)
    }

    async fn vex_statements(&self, application: &str) -> Result<Vec<VexStatement>> {
        let rows: Vec<serde_json::Value> = sqlx::query_scalar(
            "SELECT statement FROM vex_statements WHERE application IS NULL OR application = $1 ORDER BY id",
        )
        .bind(application)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|j| serde_json::from_value(j).map_err(json_err))
            .collect()
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
