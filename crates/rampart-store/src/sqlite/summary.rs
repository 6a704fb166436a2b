//! Summary tables on SQLite (see [`crate::summary`]): reading issue contributions, applying
//! deltas, the application list and the portfolio read from the summaries, and the recount
//! both are checked against. SQLite has one writer at a time, so no row is locked here.

use super::SqliteStore;
use crate::summary::{IssueFacts, SummaryDelta, SummaryStore, TeamSummary, facts_from_rows};
use crate::{ApplicationSummary, PortfolioSummary, Result};
use async_trait::async_trait;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use std::collections::{BTreeMap, HashMap};

/// Issue ids per snapshot statement (each is bound twice).
const CHUNK: usize = 1000;

/// What the issues `ids` contribute now. (`_lock` is for PostgreSQL; a SQLite write
/// transaction already excludes every other writer.)
pub(crate) async fn snapshot(
    conn: &mut SqliteConnection,
    ids: &[i64],
    _lock: bool,
) -> Result<BTreeMap<i64, IssueFacts>> {
    let mut out = BTreeMap::new();
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    for chunk in sorted.chunks(CHUNK) {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "SELECT i.id, i.application_id, i.status, i.severity, i.kind, i.risk, t.tool
             FROM issues i LEFT JOIN (SELECT DISTINCT issue_id, tool FROM observations
                                      WHERE last_scan_id IS NULL AND issue_id IN (",
        );
        let mut sep = qb.separated(", ");
        for id in chunk {
            sep.push_bind(*id);
        }
        qb.push(")) t ON t.issue_id = i.id AND i.status IN ('open', 'reopened') WHERE i.id IN (");
        let mut sep = qb.separated(", ");
        for id in chunk {
            sep.push_bind(*id);
        }
        qb.push(")");
        let mut tuples = Vec::new();
        for r in qb.build().fetch_all(&mut *conn).await? {
            tuples.push((
                r.try_get(0)?,
                r.try_get(1)?,
                r.try_get(2)?,
                r.try_get::<i64, _>(3)?.clamp(0, 4) as i16,
                r.try_get(4)?,
                r.try_get(5)?,
                r.try_get(6)?,
            ));
        }
        out.extend(facts_from_rows(tuples));
    }
    Ok(out)
}

/// Adds `delta` to the summary tables.
pub(crate) async fn apply(conn: &mut SqliteConnection, delta: SummaryDelta) -> Result<()> {
    let mut delta = delta.with_portfolio();
    delta.prune();
    for ((app, status, sev, kind), n) in &delta.issues {
        sqlx::query(
            "INSERT INTO summary_issues (application_id, status, severity, kind, n) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (application_id, status, severity, kind) DO UPDATE SET n = n + excluded.n",
        )
        .bind(app)
        .bind(status)
        .bind(i64::from(*sev))
        .bind(kind)
        .bind(n)
        .execute(&mut *conn)
        .await?;
    }
    for ((app, band), n) in &delta.risk {
        sqlx::query(
            "INSERT INTO summary_risk (application_id, band, n) VALUES ($1, $2, $3)
             ON CONFLICT (application_id, band) DO UPDATE SET n = n + excluded.n",
        )
        .bind(app)
        .bind(i64::from(*band))
        .bind(n)
        .execute(&mut *conn)
        .await?;
    }
    for ((app, tool), n) in &delta.tools {
        sqlx::query(
            "INSERT INTO summary_tools (application_id, tool, n) VALUES ($1, $2, $3)
             ON CONFLICT (application_id, tool) DO UPDATE SET n = n + excluded.n",
        )
        .bind(app)
        .bind(tool)
        .bind(n)
        .execute(&mut *conn)
        .await?;
    }
    for (app, a) in &delta.apps {
        sqlx::query(
            "INSERT INTO summary_apps (application_id, issues_total, open_critical, open_high, open_medium, open_low, open_info,
                                       multi_tool, scans, observations, last_scan)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (application_id) DO UPDATE SET issues_total = issues_total + excluded.issues_total,
               open_critical = open_critical + excluded.open_critical, open_high = open_high + excluded.open_high,
               open_medium = open_medium + excluded.open_medium, open_low = open_low + excluded.open_low,
               open_info = open_info + excluded.open_info, multi_tool = multi_tool + excluded.multi_tool,
               scans = scans + excluded.scans, observations = observations + excluded.observations,
               last_scan = MAX(COALESCE(last_scan, excluded.last_scan), COALESCE(excluded.last_scan, last_scan))",
        )
        .bind(app)
        .bind(a.issues)
        .bind(a.open[0])
        .bind(a.open[1])
        .bind(a.open[2])
        .bind(a.open[3])
        .bind(a.open[4])
        .bind(a.multi_tool)
        .bind(a.scans)
        .bind(a.observations)
        .bind(a.last_scan)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Slot `[critical, high, medium, low, info]` of a stored severity.
fn severity_slot(sev: i64) -> usize {
    4 - sev.clamp(0, 4) as usize
}

fn band_slot(band: i64) -> usize {
    band.clamp(0, 9) as usize
}

fn count(n: i64) -> u64 {
    n.max(0) as u64
}

/// Sorts per-name counts the way every report shows them: most first, then by name.
fn by_count(v: &mut [(String, u64)]) {
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
}

/// Per application: open by risk band, from `sql` returning (application, band, n).
async fn risk_per_app(pool: &sqlx::SqlitePool, sql: &str) -> Result<HashMap<i64, [u64; 10]>> {
    let mut risk: HashMap<i64, [u64; 10]> = HashMap::new();
    for r in sqlx::query(sql).fetch_all(pool).await? {
        risk.entry(r.try_get(0)?).or_default()[band_slot(r.try_get(1)?)] += count(r.try_get(2)?);
    }
    Ok(risk)
}

/// Open counts by severity in the summary_apps columns' order, critical first.
const OPEN_COLUMNS: &str = "open_critical, open_high, open_medium, open_low, open_info";

fn open_counts(r: &sqlx::sqlite::SqliteRow, first: usize) -> Result<[u64; 5]> {
    let mut open = [0u64; 5];
    for (i, o) in open.iter_mut().enumerate() {
        *o = count(r.try_get::<Option<i64>, _>(first + i)?.unwrap_or(0));
    }
    Ok(open)
}

/// `Store::list_applications` from the summaries: one row per application, and its risk bands.
pub(crate) async fn list_applications(pool: &sqlx::SqlitePool) -> Result<Vec<ApplicationSummary>> {
    let rows = sqlx::query(&format!(
        "SELECT a.id, a.name, (SELECT COUNT(*) FROM targets t WHERE t.application_id = a.id),
                COALESCE(s.scans, 0), s.last_scan,
                (SELECT MAX(i.risk) FROM issues i WHERE i.application_id = a.id AND i.status IN ('open', 'reopened')),
                COALESCE(s.issues_total, 0), {OPEN_COLUMNS}
         FROM applications a LEFT JOIN summary_apps s ON s.application_id = a.id ORDER BY a.name"
    ))
    .fetch_all(pool)
    .await?;
    let risk = risk_per_app(
        pool,
        "SELECT application_id, band, n FROM summary_risk WHERE application_id <> 0 AND n <> 0",
    )
    .await?;
    rows.iter()
        .map(|r| {
            let id: i64 = r.try_get(0)?;
            Ok(ApplicationSummary {
                name: r.try_get(1)?,
                targets: count(r.try_get(2)?),
                scans: count(r.try_get(3)?),
                issues_total: count(r.try_get(6)?),
                open_by_severity: open_counts(r, 7)?,
                last_scan: r.try_get(4)?,
                max_risk: r
                    .try_get::<Option<i64>, _>(5)?
                    .map_or(0, |m| m.clamp(0, 100) as u8),
                open_by_risk: risk.get(&id).copied().unwrap_or_default(),
            })
        })
        .collect()
}

/// `Store::portfolio` from the portfolio's own summary rows (application 0).
pub(crate) async fn portfolio(pool: &sqlx::SqlitePool) -> Result<PortfolioSummary> {
    let mut p = PortfolioSummary {
        applications: count(
            sqlx::query_scalar("SELECT COUNT(*) FROM applications")
                .fetch_one(pool)
                .await?,
        ),
        ..Default::default()
    };
    if let Some(apps) = sqlx::query(
        "SELECT scans, observations, multi_tool FROM summary_apps WHERE application_id = 0",
    )
    .fetch_optional(pool)
    .await?
    {
        p.scans = count(apps.try_get(0)?);
        p.observations = count(apps.try_get(1)?);
        p.open_multi_tool = count(apps.try_get(2)?);
    }
    let mut kinds: BTreeMap<String, u64> = BTreeMap::new();
    let mut statuses: BTreeMap<String, u64> = BTreeMap::new();
    for r in sqlx::query(
        "SELECT status, severity, kind, n FROM summary_issues WHERE application_id = 0 AND n <> 0",
    )
    .fetch_all(pool)
    .await?
    {
        let (status, kind, n): (String, String, u64) =
            (r.try_get(0)?, r.try_get(2)?, count(r.try_get(3)?));
        if crate::summary::is_active(&status) {
            p.open_by_severity[severity_slot(r.try_get(1)?)] += n;
            *kinds.entry(kind).or_default() += n;
        }
        *statuses.entry(status).or_default() += n;
    }
    p.issues_by_status = statuses.into_iter().collect();
    p.open_by_kind = kinds.into_iter().collect();
    by_count(&mut p.open_by_kind);
    for r in sqlx::query("SELECT band, n FROM summary_risk WHERE application_id = 0 AND n <> 0")
        .fetch_all(pool)
        .await?
    {
        p.open_by_risk[band_slot(r.try_get(0)?)] += count(r.try_get(1)?);
    }
    for r in sqlx::query("SELECT tool, n FROM summary_tools WHERE application_id = 0 AND n > 0")
        .fetch_all(pool)
        .await?
    {
        p.open_by_tool.push((r.try_get(0)?, count(r.try_get(1)?)));
    }
    by_count(&mut p.open_by_tool);
    Ok(p)
}

#[async_trait]
impl SummaryStore for SqliteStore {
    async fn team_summaries(&self) -> Result<Vec<TeamSummary>> {
        let mut teams: BTreeMap<Option<String>, TeamSummary> = BTreeMap::new();
        for r in sqlx::query(&format!(
            "SELECT p.team, COUNT(*), {}
             FROM applications a LEFT JOIN app_profiles p ON p.application_id = a.id
             LEFT JOIN summary_apps s ON s.application_id = a.id GROUP BY 1",
            OPEN_COLUMNS
                .split(", ")
                .map(|c| format!("SUM(s.{c})"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .fetch_all(&self.pool)
        .await?
        {
            let team: Option<String> = r.try_get(0)?;
            let t = teams.entry(team).or_default();
            t.applications = count(r.try_get(1)?);
            t.open_by_severity = open_counts(&r, 2)?;
        }
        for r in sqlx::query(
            "SELECT p.team, s.band, SUM(s.n) FROM summary_risk s JOIN applications a ON a.id = s.application_id
             LEFT JOIN app_profiles p ON p.application_id = a.id GROUP BY 1, 2",
        )
        .fetch_all(&self.pool)
        .await?
        {
            let team: Option<String> = r.try_get(0)?;
            teams.entry(team).or_default().open_by_risk[band_slot(r.try_get(1)?)] +=
                count(r.try_get(2)?);
        }
        Ok(crate::summary::teams_in_order(teams))
    }

    async fn recount_applications(&self) -> Result<Vec<ApplicationSummary>> {
        let rows = sqlx::query(
            "SELECT a.id, a.name,
               (SELECT COUNT(*) FROM targets t WHERE t.application_id = a.id),
               (SELECT COUNT(*) FROM scans s WHERE s.application_id = a.id),
               (SELECT COUNT(*) FROM issues i WHERE i.application_id = a.id),
               (SELECT MAX(s.ingested_at) FROM scans s WHERE s.application_id = a.id),
               (SELECT MAX(i.risk) FROM issues i WHERE i.application_id = a.id AND i.status IN ('open', 'reopened'))
             FROM applications a ORDER BY a.name",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut open: HashMap<i64, [u64; 5]> = HashMap::new();
        for c in sqlx::query(
            "SELECT application_id, severity, COUNT(*) FROM issues WHERE status IN ('open', 'reopened') GROUP BY 1, 2",
        )
        .fetch_all(&self.pool)
        .await?
        {
            open.entry(c.try_get(0)?).or_default()[severity_slot(c.try_get(1)?)] =
                count(c.try_get(2)?);
        }
        let risk = risk_per_app(
            &self.pool,
            "SELECT application_id, MIN(risk / 10, 9), COUNT(*) FROM issues WHERE status IN ('open', 'reopened') GROUP BY 1, 2",
        )
        .await?;
        rows.iter()
            .map(|r| {
                let id: i64 = r.try_get(0)?;
                Ok(ApplicationSummary {
                    name: r.try_get(1)?,
                    targets: count(r.try_get(2)?),
                    scans: count(r.try_get(3)?),
                    issues_total: count(r.try_get(4)?),
                    open_by_severity: open.get(&id).copied().unwrap_or_default(),
                    last_scan: r.try_get(5)?,
                    max_risk: r
                        .try_get::<Option<i64>, _>(6)?
                        .map_or(0, |m| m.clamp(0, 100) as u8),
                    open_by_risk: risk.get(&id).copied().unwrap_or_default(),
                })
            })
            .collect()
    }

    async fn recount_portfolio(&self) -> Result<PortfolioSummary> {
        let pool = &self.pool;
        let scalar = |sql: &'static str| async move {
            Ok::<u64, crate::StoreError>(count(sqlx::query_scalar(sql).fetch_one(pool).await?))
        };
        let mut p = PortfolioSummary {
            applications: scalar("SELECT COUNT(*) FROM applications").await?,
            scans: scalar("SELECT COUNT(*) FROM scans").await?,
            observations: scalar("SELECT COUNT(*) FROM observations").await?,
            open_multi_tool: scalar(
                "SELECT COUNT(*) FROM (SELECT o.issue_id FROM observations o JOIN issues i ON i.id = o.issue_id
                 WHERE i.status IN ('open', 'reopened') AND o.last_scan_id IS NULL GROUP BY o.issue_id HAVING COUNT(DISTINCT o.tool) > 1)",
            )
            .await?,
            ..Default::default()
        };
        for r in sqlx::query("SELECT status, COUNT(*) FROM issues GROUP BY status ORDER BY status")
            .fetch_all(pool)
            .await?
        {
            p.issues_by_status
                .push((r.try_get(0)?, count(r.try_get(1)?)));
        }
        for r in sqlx::query(
            "SELECT severity, COUNT(*) FROM issues WHERE status IN ('open', 'reopened') GROUP BY 1",
        )
        .fetch_all(pool)
        .await?
        {
            p.open_by_severity[severity_slot(r.try_get(0)?)] = count(r.try_get(1)?);
        }
        for r in sqlx::query(
            "SELECT kind, COUNT(*) FROM issues WHERE status IN ('open', 'reopened') GROUP BY 1",
        )
        .fetch_all(pool)
        .await?
        {
            p.open_by_kind.push((r.try_get(0)?, count(r.try_get(1)?)));
        }
        by_count(&mut p.open_by_kind);
        for r in sqlx::query(
            "SELECT MIN(risk / 10, 9), COUNT(*) FROM issues WHERE status IN ('open', 'reopened') GROUP BY 1",
        )
        .fetch_all(pool)
        .await?
        {
            p.open_by_risk[band_slot(r.try_get(0)?)] = count(r.try_get(1)?);
        }
        for r in sqlx::query(
            "SELECT o.tool, COUNT(DISTINCT o.issue_id) FROM observations o JOIN issues i ON i.id = o.issue_id
             WHERE i.status IN ('open', 'reopened') AND o.last_scan_id IS NULL GROUP BY o.tool",
        )
        .fetch_all(pool)
        .await?
        {
            p.open_by_tool.push((r.try_get(0)?, count(r.try_get(1)?)));
        }
        by_count(&mut p.open_by_tool);
        Ok(p)
    }

    async fn rebuild_summaries(&self) -> Result<()> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        for statement in rebuild_statements() {
            sqlx::query(&statement).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// The rebuild of migration 0010's counts ([`crate::summary::rebuild_statements`]).
pub(super) fn rebuild_statements() -> Vec<String> {
    crate::summary::rebuild_statements(include_str!("../../migrations/sqlite/0010_summaries.sql"))
}
