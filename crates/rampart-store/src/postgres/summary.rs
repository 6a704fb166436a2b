//! Summary tables on PostgreSQL (see [`crate::summary`]): reading issue contributions,
//! applying deltas, the application list and the portfolio read from the summaries, and the
//! recount both are checked against.

use super::PgStore;
use crate::summary::{IssueFacts, SummaryDelta, SummaryStore, TeamSummary, facts_from_rows};
use crate::{ApplicationSummary, PortfolioSummary, Result};
use async_trait::async_trait;
use sqlx::{PgConnection, Row};
use std::collections::{BTreeMap, HashMap};

/// Issue ids per snapshot statement.
const CHUNK: usize = 10_000;

/// What the issues `ids` contribute now. With `lock`, their rows are locked until the
/// transaction ends (`FOR UPDATE`, in id order), so no other writer changes them between this
/// read and the delta this transaction applies.
pub(crate) async fn snapshot(
    conn: &mut PgConnection,
    ids: &[i64],
    lock: bool,
) -> Result<BTreeMap<i64, IssueFacts>> {
    let mut out = BTreeMap::new();
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    for chunk in sorted.chunks(CHUNK) {
        if lock {
            sqlx::query("SELECT id FROM issues WHERE id = ANY($1) ORDER BY id FOR UPDATE")
                .bind(chunk)
                .execute(&mut *conn)
                .await?;
        }
        let rows = sqlx::query(
            "SELECT i.id, i.application_id, i.status, i.severity, i.kind, i.risk::bigint, t.tool
             FROM issues i LEFT JOIN LATERAL (
                 SELECT DISTINCT o.tool FROM observations o WHERE o.issue_id = i.id AND o.last_scan_id IS NULL
             ) t ON i.status IN ('open', 'reopened')
             WHERE i.id = ANY($1)",
        )
        .bind(chunk)
        .fetch_all(&mut *conn)
        .await?;
        let mut tuples = Vec::with_capacity(rows.len());
        for r in rows {
            tuples.push((
                r.try_get(0)?,
                r.try_get(1)?,
                r.try_get(2)?,
                r.try_get(3)?,
                r.try_get(4)?,
                r.try_get(5)?,
                r.try_get(6)?,
            ));
        }
        out.extend(facts_from_rows(tuples));
    }
    Ok(out)
}

/// Adds `delta` to the summary tables: one statement per table, rows in key order, tables
/// always in the same order.
pub(crate) async fn apply(conn: &mut PgConnection, delta: SummaryDelta) -> Result<()> {
    let mut delta = delta.with_portfolio();
    delta.prune();
    if !delta.issues.is_empty() {
        let (mut apps, mut statuses, mut sevs, mut kinds, mut ns) =
            (vec![], vec![], vec![], vec![], vec![]);
        for ((a, s, v, k), n) in &delta.issues {
            apps.push(*a);
            statuses.push(s.as_str());
            sevs.push(*v);
            kinds.push(k.as_str());
            ns.push(*n);
        }
        sqlx::query(
            "INSERT INTO summary_issues (application_id, status, severity, kind, n)
             SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::smallint[], $4::text[], $5::bigint[]) ORDER BY 1, 2, 3, 4
             ON CONFLICT (application_id, status, severity, kind) DO UPDATE SET n = summary_issues.n + EXCLUDED.n",
        )
        .bind(&apps)
        .bind(&statuses)
        .bind(&sevs)
        .bind(&kinds)
        .bind(&ns)
        .execute(&mut *conn)
        .await?;
    }
    if !delta.risk.is_empty() {
        let apps: Vec<i64> = delta.risk.keys().map(|k| k.0).collect();
        let bands: Vec<i16> = delta.risk.keys().map(|k| k.1).collect();
        let ns: Vec<i64> = delta.risk.values().copied().collect();
        sqlx::query(
            "INSERT INTO summary_risk (application_id, band, n)
             SELECT * FROM UNNEST($1::bigint[], $2::smallint[], $3::bigint[]) ORDER BY 1, 2
             ON CONFLICT (application_id, band) DO UPDATE SET n = summary_risk.n + EXCLUDED.n",
        )
        .bind(&apps)
        .bind(&bands)
        .bind(&ns)
        .execute(&mut *conn)
        .await?;
    }
    if !delta.tools.is_empty() {
        let apps: Vec<i64> = delta.tools.keys().map(|k| k.0).collect();
        let tools: Vec<&str> = delta.tools.keys().map(|k| k.1.as_str()).collect();
        let ns: Vec<i64> = delta.tools.values().copied().collect();
        sqlx::query(
            "INSERT INTO summary_tools (application_id, tool, n)
             SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::bigint[]) ORDER BY 1, 2
             ON CONFLICT (application_id, tool) DO UPDATE SET n = summary_tools.n + EXCLUDED.n",
        )
        .bind(&apps)
        .bind(&tools)
        .bind(&ns)
        .execute(&mut *conn)
        .await?;
    }
    if !delta.apps.is_empty() {
        let ids: Vec<i64> = delta.apps.keys().copied().collect();
        let col = |f: &dyn Fn(&crate::summary::AppDelta) -> i64| -> Vec<i64> {
            delta.apps.values().map(f).collect()
        };
        let last: Vec<Option<time::OffsetDateTime>> =
            delta.apps.values().map(|a| a.last_scan).collect();
        sqlx::query(
            "INSERT INTO summary_apps (application_id, issues_total, open_critical, open_high, open_medium, open_low, open_info,
                                       multi_tool, scans, observations, last_scan)
             SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[],
                                  $8::bigint[], $9::bigint[], $10::bigint[], $11::timestamptz[]) ORDER BY 1
             ON CONFLICT (application_id) DO UPDATE SET issues_total = summary_apps.issues_total + EXCLUDED.issues_total,
               open_critical = summary_apps.open_critical + EXCLUDED.open_critical,
               open_high = summary_apps.open_high + EXCLUDED.open_high,
               open_medium = summary_apps.open_medium + EXCLUDED.open_medium,
               open_low = summary_apps.open_low + EXCLUDED.open_low,
               open_info = summary_apps.open_info + EXCLUDED.open_info,
               multi_tool = summary_apps.multi_tool + EXCLUDED.multi_tool,
               scans = summary_apps.scans + EXCLUDED.scans, observations = summary_apps.observations + EXCLUDED.observations,
               last_scan = GREATEST(summary_apps.last_scan, EXCLUDED.last_scan)",
        )
        .bind(&ids)
        .bind(col(&|a| a.issues))
        .bind(col(&|a| a.open[0]))
        .bind(col(&|a| a.open[1]))
        .bind(col(&|a| a.open[2]))
        .bind(col(&|a| a.open[3]))
        .bind(col(&|a| a.open[4]))
        .bind(col(&|a| a.multi_tool))
        .bind(col(&|a| a.scans))
        .bind(col(&|a| a.observations))
        .bind(&last)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Slot `[critical, high, medium, low, info]` of a stored severity.
fn severity_slot(sev: i16) -> usize {
    4 - usize::try_from(sev.clamp(0, 4)).unwrap_or(0)
}

fn count(n: i64) -> u64 {
    n.max(0) as u64
}

/// Sorts per-name counts the way every report shows them: most first, then by name.
fn by_count(v: &mut [(String, u64)]) {
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
}

/// Open counts by severity in the summary_apps columns' order, critical first.
const OPEN_COLUMNS: &str = "open_critical, open_high, open_medium, open_low, open_info";

fn open_counts(r: &sqlx::postgres::PgRow, first: usize) -> Result<[u64; 5]> {
    let mut open = [0u64; 5];
    for (i, o) in open.iter_mut().enumerate() {
        *o = count(r.try_get::<Option<i64>, _>(first + i)?.unwrap_or(0));
    }
    Ok(open)
}

/// Open issues by risk band from `(application or team, band, n)` rows.
fn bands<K: Ord>(rows: impl IntoIterator<Item = (K, i16, i64)>) -> BTreeMap<K, [u64; 10]> {
    let mut out: BTreeMap<K, [u64; 10]> = BTreeMap::new();
    for (k, band, n) in rows {
        out.entry(k).or_default()[usize::try_from(band.clamp(0, 9)).unwrap_or(0)] += count(n);
    }
    out
}

/// `Store::list_applications` from the summaries: one row per application, and its risk bands.
pub(crate) async fn list_applications(pool: &sqlx::PgPool) -> Result<Vec<ApplicationSummary>> {
    let rows = sqlx::query(&format!(
        "SELECT a.id, a.name, (SELECT COUNT(*) FROM targets t WHERE t.application_id = a.id),
                COALESCE(s.scans, 0), s.last_scan,
                (SELECT MAX(i.risk) FROM issues i WHERE i.application_id = a.id AND i.status IN ('open', 'reopened')),
                COALESCE(s.issues_total, 0), {OPEN_COLUMNS}
         FROM applications a LEFT JOIN summary_apps s ON s.application_id = a.id ORDER BY a.name"
    ))
    .fetch_all(pool)
    .await?;
    let risk = bands(
        sqlx::query_as::<_, (i64, i16, i64)>(
            "SELECT application_id, band, n FROM summary_risk WHERE application_id <> 0 AND n <> 0",
        )
        .fetch_all(pool)
        .await?,
    );
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
                    .try_get::<Option<i16>, _>(5)?
                    .map_or(0, |m| m.clamp(0, 100) as u8),
                open_by_risk: risk.get(&id).copied().unwrap_or_default(),
            })
        })
        .collect()
}

/// `Store::portfolio` from the portfolio's own summary rows (application 0).
pub(crate) async fn portfolio(pool: &sqlx::PgPool) -> Result<PortfolioSummary> {
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
    let risk = bands(
        sqlx::query_as::<_, (i64, i16, i64)>(
            "SELECT application_id, band, n FROM summary_risk WHERE application_id = 0 AND n <> 0",
        )
        .fetch_all(pool)
        .await?,
    );
    p.open_by_risk = risk.get(&0).copied().unwrap_or_default();
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
impl SummaryStore for PgStore {
    async fn team_summaries(&self) -> Result<Vec<TeamSummary>> {
        let mut teams: BTreeMap<Option<String>, TeamSummary> = BTreeMap::new();
        for r in sqlx::query(&format!(
            "SELECT p.team, COUNT(*), {}
             FROM applications a LEFT JOIN app_profiles p ON p.application_id = a.id
             LEFT JOIN summary_apps s ON s.application_id = a.id GROUP BY 1",
            OPEN_COLUMNS
                .split(", ")
                .map(|c| format!("SUM(s.{c})::bigint"))
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
        let risk = bands(
            sqlx::query_as::<_, (Option<String>, i16, i64)>(
                "SELECT p.team, s.band, SUM(s.n)::bigint FROM summary_risk s JOIN applications a ON a.id = s.application_id
                 LEFT JOIN app_profiles p ON p.application_id = a.id GROUP BY 1, 2",
            )
            .fetch_all(&self.pool)
            .await?,
        );
        for (team, b) in risk {
            teams.entry(team).or_default().open_by_risk = b;
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
            "SELECT i.application_id, i.severity, COUNT(*) FROM issues i WHERE i.status IN ('open', 'reopened') GROUP BY 1, 2",
        )
        .fetch_all(&self.pool)
        .await?
        {
            open.entry(c.try_get(0)?).or_default()[severity_slot(c.try_get(1)?)] =
                count(c.try_get(2)?);
        }
        let mut risk: HashMap<i64, [u64; 10]> = HashMap::new();
        for c in sqlx::query(
            "SELECT i.application_id, LEAST(i.risk / 10, 9), COUNT(*) FROM issues i WHERE i.status IN ('open', 'reopened') GROUP BY 1, 2",
        )
        .fetch_all(&self.pool)
        .await?
        {
            let band = usize::try_from(c.try_get::<i32, _>(1)?.clamp(0, 9)).unwrap_or(0);
            risk.entry(c.try_get(0)?).or_default()[band] = count(c.try_get(2)?);
        }
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let id: i64 = r.try_get(0)?;
            out.push(ApplicationSummary {
                name: r.try_get(1)?,
                targets: count(r.try_get(2)?),
                scans: count(r.try_get(3)?),
                issues_total: count(r.try_get(4)?),
                open_by_severity: open.get(&id).copied().unwrap_or_default(),
                last_scan: r.try_get(5)?,
                max_risk: r
                    .try_get::<Option<i16>, _>(6)?
                    .map_or(0, |m| m.clamp(0, 100) as u8),
                open_by_risk: risk.get(&id).copied().unwrap_or_default(),
            });
        }
        Ok(out)
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
            "SELECT i.severity, COUNT(*) FROM issues i WHERE i.status IN ('open', 'reopened') GROUP BY 1",
        )
        .fetch_all(pool)
        .await?
        {
            p.open_by_severity[severity_slot(r.try_get(0)?)] = count(r.try_get(1)?);
        }
        for r in sqlx::query(
            "SELECT i.kind, COUNT(*) FROM issues i WHERE i.status IN ('open', 'reopened') GROUP BY 1",
        )
        .fetch_all(pool)
        .await?
        {
            p.open_by_kind.push((r.try_get(0)?, count(r.try_get(1)?)));
        }
        by_count(&mut p.open_by_kind);
        for r in sqlx::query(
            "SELECT LEAST(i.risk / 10, 9), COUNT(*) FROM issues i WHERE i.status IN ('open', 'reopened') GROUP BY 1",
        )
        .fetch_all(pool)
        .await?
        {
            let band = usize::try_from(r.try_get::<i32, _>(0)?.clamp(0, 9)).unwrap_or(0);
            p.open_by_risk[band] = count(r.try_get(1)?);
        }
        // Active (tool, issue) pairs once: per-tool counts, and issues with more than one tool
        // (a NULL tool marks that count). Hash aggregation, no COUNT(DISTINCT) sort.
        for r in sqlx::query(
            "WITH d AS (SELECT DISTINCT o.tool, o.issue_id FROM observations o JOIN issues i ON i.id = o.issue_id
                        WHERE i.status IN ('open', 'reopened') AND o.last_scan_id IS NULL)
             SELECT tool, COUNT(*) FROM d GROUP BY tool
             UNION ALL
             SELECT NULL, COUNT(*) FROM (SELECT issue_id FROM d GROUP BY issue_id HAVING COUNT(*) > 1) m",
        )
        .fetch_all(pool)
        .await?
        {
            let n = count(r.try_get(1)?);
            match r.try_get::<Option<String>, _>(0)? {
                Some(tool) => p.open_by_tool.push((tool, n)),
                None => p.open_multi_tool = n,
            }
        }
        by_count(&mut p.open_by_tool);
        Ok(p)
    }

    async fn rebuild_summaries(&self) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        // Blocks every writer of the summaries until the rebuild commits.
        sqlx::query(
            "LOCK TABLE summary_issues, summary_risk, summary_tools, summary_apps IN EXCLUSIVE MODE",
        )
        .execute(&mut *tx)
        .await?;
        for statement in rebuild_statements() {
            sqlx::query(&statement).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// The rebuild of migration 0010's counts ([`crate::summary::rebuild_statements`]).
pub(super) fn rebuild_statements() -> Vec<String> {
    crate::summary::rebuild_statements(include_str!("../../migrations/postgres/0010_summaries.sql"))
}
