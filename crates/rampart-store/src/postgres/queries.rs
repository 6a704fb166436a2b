//! Read queries and the `Store` implementation for PostgreSQL.
//!
//! Statuses, severities and kinds come from closed enums and are written into the SQL as
//! literals (never user text), so the planner can match the partial indexes on
//! `status IN ('open', 'reopened')` even with generic plans; user text (names) is bound.

use super::PgStore;
use super::ingest::PgIngest;
use crate::codec::{kind_from_db, severity_from_db, severity_to_db, status_from_db};
use crate::{
    ApplicationSummary, IngestSession, IssueDetail, IssueQuery, IssueSort, ObservationRecord,
    PortfolioSummary, Result, ScanMeta, Store,
};
use async_trait::async_trait;
use rampart_model::{Issue, IssueStatus, Scan, ScanSummary, VulnId};
use sqlx::postgres::PgRow;
use sqlx::{Postgres, QueryBuilder, Row};
use time::OffsetDateTime;

const ISSUE_COLUMNS: &str = "i.id, a.name, i.key, i.kind, i.title, i.severity, i.status, i.rule_id, i.location, i.vuln_ids, i.cwes, i.first_seen, i.last_seen, i.fixed_at,
    ARRAY(SELECT DISTINCT o.tool FROM observations o WHERE o.issue_id = i.id ORDER BY 1) AS tools,
    (SELECT MAX(sc.ingested_at) FROM observations o JOIN streams st ON st.id = o.stream_id JOIN scans sc ON sc.id = st.last_scan_id
      WHERE o.issue_id = i.id AND o.last_scan_id IS NULL) AS live_seen, i.risk";

/// The predicate of the active-issue partial indexes, spelled exactly as in the migration.
const ACTIVE: &str = "i.status IN ('open', 'reopened')";

fn issue_from_row(r: &PgRow) -> Result<Issue> {
    let kind: String = r.try_get(3)?;
    let status: String = r.try_get(6)?;
    let vuln_ids: Vec<String> = r.try_get(9)?;
    let cwes: Vec<i32> = r.try_get(10)?;
    let last_seen: OffsetDateTime = r.try_get(12)?;
    let live_seen: Option<OffsetDateTime> = r.try_get(15)?;
    Ok(Issue {
        id: r.try_get(0)?,
        application: r.try_get(1)?,
        key: r.try_get(2)?,
        kind: kind_from_db(&kind)?,
        title: r.try_get(4)?,
        severity: severity_from_db(i64::from(r.try_get::<i16, _>(5)?)),
        status: status_from_db(&status)?,
        rule_id: r.try_get(7)?,
        location: r.try_get(8)?,
        vuln_ids: vuln_ids.into_iter().map(VulnId).collect(),
        cwes: cwes
            .into_iter()
            .filter_map(|c| u32::try_from(c).ok())
            .collect(),
        tools: r.try_get(14)?,
        first_seen: r.try_get(11)?,
        last_seen: live_seen.map_or(last_seen, |l| l.max(last_seen)),
        fixed_at: r.try_get(13)?,
        risk: r.try_get::<i16, _>(16)?.clamp(0, 100) as u8,
    })
}

/// The issues with these ids, in id order.
pub(crate) async fn issue_by_ids(pool: &sqlx::PgPool, ids: &[i64]) -> Result<Vec<Issue>> {
    sqlx::query(&format!(
        "SELECT {ISSUE_COLUMNS} FROM issues i JOIN applications a ON a.id = i.application_id WHERE i.id = ANY($1) ORDER BY i.id"
    ))
    .bind(ids)
    .fetch_all(pool)
    .await?
    .iter()
    .map(issue_from_row)
    .collect()
}

fn scan_from_row(r: &PgRow) -> Result<Scan> {
    let env: Option<String> = r.try_get(5)?;
    let tools: Vec<String> = r.try_get(3)?;
    let count = |i: usize| -> Result<u64> { Ok(r.try_get::<i64, _>(i)?.max(0) as u64) };
    Ok(Scan {
        id: r.try_get(0)?,
        application: r.try_get(1)?,
        target: r.try_get(2)?,
        tool: tools.join(","),
        branch: r.try_get(4)?,
        environment: env.and_then(|e| e.parse().ok()),
        commit: r.try_get(6)?,
        format: r.try_get(7)?,
        report_sha256: r.try_get(8)?,
        ingested_at: r.try_get(9)?,
        summary: ScanSummary {
            observations: count(10)?,
            new: count(11)?,
            unchanged: count(12)?,
            fixed: count(13)?,
            reopened: count(14)?,
        },
    })
}

/// `IN (...)` over literals from a closed set.
fn literal_list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let quoted: Vec<String> = items.into_iter().map(|s| format!("'{s}'")).collect();
    format!("({})", quoted.join(", "))
}

/// Builds the issue list query.
fn issue_list_query(q: &IssueQuery) -> QueryBuilder<'static, Postgres> {
    let order = |t: &str| match q.sort {
        IssueSort::Severity => format!(" ORDER BY {t}.severity DESC, {t}.id DESC"),
        IssueSort::Newest => format!(" ORDER BY {t}.first_seen DESC, {t}.id DESC"),
        IssueSort::Id => format!(" ORDER BY {t}.id"),
        IssueSort::Risk => format!(" ORDER BY {t}.risk DESC, {t}.id DESC"),
    };
    if let (true, Some(limit)) = (crate::scoped::per_application_top(q), q.limit) {
        // A team's risk queue: each of its applications' top `limit` (a LATERAL index walk of
        // `issues_app_active_risk`), then the best of those.
        let mut outer = QueryBuilder::<Postgres>::new(format!("SELECT {ISSUE_COLUMNS} FROM ("));
        outer.push(
            "SELECT x.id, x.risk FROM app_profiles p CROSS JOIN LATERAL (
               SELECT i.id, i.risk FROM issues i WHERE i.application_id = p.application_id",
        );
        push_issue_filters(&mut outer, q, false);
        outer
            .push(order("i"))
            .push(" LIMIT ")
            .push_bind(i64::from(limit))
            .push(") x WHERE TRUE");
        crate::scoped::push_team_rows(&mut outer, q);
        outer
            .push(order("x"))
            .push(" LIMIT ")
            .push_bind(i64::from(limit))
            .push(
                ") top JOIN issues i ON i.id = top.id JOIN applications a ON a.id = i.application_id",
            )
            .push(order("i"));
        return outer;
    }
    let mut qb = QueryBuilder::<Postgres>::new(format!(
        "SELECT {ISSUE_COLUMNS} FROM issues i JOIN applications a ON a.id = i.application_id WHERE TRUE"
    ));
    push_issue_filters(&mut qb, q, true);
    qb.push(order("i"));
    if let Some(limit) = q.limit {
        qb.push(" LIMIT ").push_bind(i64::from(limit));
    }
    qb
}

/// The `AND` terms of an issue list's filters on `issues i` (the team scope and team filter
/// only with `teams`).
fn push_issue_filters(qb: &mut QueryBuilder<'static, Postgres>, q: &IssueQuery, teams: bool) {
    if let Some(app) = &q.application {
        // A scalar subquery (one index probe) rather than a filter on the join, so the
        // per-application partial index can deliver rows in order.
        qb.push(" AND i.application_id = (SELECT id FROM applications WHERE name = ")
            .push_bind(app.clone())
            .push(")");
    }
    super::context::common::push_owner_filters(qb, q, teams);
    if !q.all_statuses {
        let mut statuses: Vec<IssueStatus> = if q.statuses.is_empty() {
            vec![IssueStatus::Open, IssueStatus::Reopened]
        } else {
            q.statuses.clone()
        };
        statuses.sort_by_key(|s| s.as_str());
        statuses.dedup();
        if statuses == [IssueStatus::Open, IssueStatus::Reopened] {
            qb.push(" AND ").push(ACTIVE);
        } else {
            qb.push(" AND i.status IN ")
                .push(literal_list(statuses.iter().map(|s| s.as_str())));
        }
    }
    if !q.severities.is_empty() {
        let sevs: Vec<String> = q
            .severities
            .iter()
            .map(|s| severity_to_db(*s).to_string())
            .collect();
        qb.push(format!(" AND i.severity IN ({})", sevs.join(", ")));
    }
    if !q.kinds.is_empty() {
        qb.push(" AND i.kind IN ")
            .push(literal_list(q.kinds.iter().map(|k| k.as_str())));
    }
    if let Some(tool) = &q.tool {
        qb.push(" AND EXISTS (SELECT 1 FROM observations o WHERE o.issue_id = i.id AND o.tool = ")
            .push_bind(tool.to_ascii_lowercase())
            .push(")");
    }
}

/// The SQL of the issue list for `q` (for `EXPLAIN` in docs and tools).
pub fn issue_list_sql(q: &IssueQuery) -> String {
    issue_list_query(q).into_sql()
}

/// The observations of the issue detail query (`issue_detail_impl`): documents are `jsonb`.
async fn observations_from_rows(
    _pool: &sqlx::PgPool,
    rows: &[PgRow],
) -> Result<Vec<ObservationRecord>> {
    rows.iter().map(observation_from_row).collect()
}

/// An observation of the issue detail query.
fn observation_from_row(r: &PgRow) -> Result<ObservationRecord> {
    let last: Option<i64> = r.try_get(8)?;
    let data: serde_json::Value = r.try_get(9)?;
    Ok(ObservationRecord {
        id: r.try_get(0)?,
        tool: r.try_get(1)?,
        target: r.try_get(2)?,
        branch: r.try_get(3)?,
        rule_id: r.try_get(4)?,
        severity: severity_from_db(i64::from(r.try_get::<i16, _>(5)?)),
        location: r.try_get(6)?,
        first_scan_id: r.try_get(7)?,
        last_scan_id: last,
        active: last.is_none(),
        observation: data,
    })
}

crate::detail::issue_detail_impl!(sqlx::Postgres);

#[async_trait]
impl Store for PgStore {
    async fn installation_key(&self) -> Result<Vec<u8>> {
        if let Some(k) = std::env::var("RAMPART_SECRET_KEY")
            .ok()
            .filter(|k| !k.is_empty())
        {
            return Ok(k.into_bytes());
        }
        let fresh: [u8; 32] = rand::random();
        sqlx::query(
            "INSERT INTO settings (name, value) VALUES ('secret_key', $1) ON CONFLICT (name) DO NOTHING",
        )
        .bind(hex::encode(fresh))
        .execute(&self.pool)
        .await?;
        let v: String = sqlx::query_scalar("SELECT value FROM settings WHERE name = 'secret_key'")
            .fetch_one(&self.pool)
            .await?;
        hex::decode(v).map_err(|e| super::corrupt(format!("secret_key setting: {e}")))
    }

    async fn begin_ingest(&self, meta: ScanMeta) -> Result<Box<dyn IngestSession>> {
        Ok(Box::new(PgIngest::begin(&self.pool, meta).await?))
    }

    async fn list_issues(&self, q: &IssueQuery) -> Result<Vec<Issue>> {
        issue_list_query(q)
            .build()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(issue_from_row)
            .collect()
    }

    async fn issue_detail(&self, id: i64) -> Result<Option<IssueDetail>> {
        issue_detail(&self.pool, id).await
    }

    async fn list_applications(&self) -> Result<Vec<ApplicationSummary>> {
        super::summary::list_applications(&self.pool).await
    }

    async fn list_scans(&self, application: Option<&str>, limit: u32) -> Result<Vec<Scan>> {
        let mut qb = QueryBuilder::<Postgres>::new(
            "SELECT s.id, a.name, t.name, s.tools, s.branch, s.environment, s.commit_sha, s.format, s.report_sha256, s.ingested_at,
                    s.observations, s.new_issues, s.unchanged, s.fixed, s.reopened
             FROM scans s JOIN applications a ON a.id = s.application_id JOIN targets t ON t.id = s.target_id WHERE TRUE",
        );
        if let Some(app) = application {
            qb.push(" AND s.application_id = (SELECT id FROM applications WHERE name = ")
                .push_bind(app.to_string())
                .push(")");
        }
        qb.push(" ORDER BY s.id DESC LIMIT ")
            .push_bind(i64::from(limit));
        qb.build()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(scan_from_row)
            .collect()
    }

    async fn portfolio(&self) -> Result<PortfolioSummary> {
        super::summary::portfolio(&self.pool).await
    }

    async fn open_issue_tools(&self, application: &str) -> Result<Vec<Vec<String>>> {
        let rows: Vec<Vec<String>> = sqlx::query_scalar(
            "SELECT ARRAY_AGG(DISTINCT o.tool ORDER BY o.tool) FROM observations o
             JOIN issues i ON i.id = o.issue_id JOIN applications a ON a.id = i.application_id
             WHERE a.name = $1 AND i.status IN ('open', 'reopened') AND o.last_scan_id IS NULL
             GROUP BY o.issue_id",
        )
        .bind(application)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    async fn correlation_notes(
        &self,
        application: &str,
        sink: &mut (dyn FnMut(String, String) + Send),
    ) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        super::correlation::correlation_notes(&mut conn, application, None, sink).await
    }
}
