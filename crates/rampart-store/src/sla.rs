//! The facts remediation SLAs and compliance reports are computed from (issue 6), read in
//! bulk: the active issues of a scope, or of a list of ids, with their reopen times and
//! risk-acceptance periods (a page of issues, then two indexed queries per 500 of them), the
//! catalog entries of its applications, the
//! applications' scan coverage; and what is kept: each issue's SLA due date (`issues.sla_due`,
//! migration 0008, for `overdue` to read an index) and the SLA policy in force (`settings`).
//!
//! [`SlaStore`] is a supertrait of [`Store`](crate::Store); both backends implement it with the
//! same SQL (`sla_store_impl!`, expanded in `sqlite/sla.rs` and `postgres/sla.rs`). The store
//! computes nothing: `rampart_engine::sla` and `rampart_engine::compliance` decide.

use crate::Result;
use async_trait::async_trait;
use rampart_model::{AppProfile, FindingKind, IssueStatus, Severity};
use serde::Serialize;
use time::OffsetDateTime;

/// Which applications: one by name, a team's (catalog owner team), or all. Both given: both hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppScope {
    /// Only this application.
    pub application: Option<String>,
    /// Only applications the catalog gives this owner team.
    pub team: Option<String>,
}

/// A risk acceptance as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcceptanceRow {
    /// When it was decided.
    pub at: OffsetDateTime,
    /// When it ended (undone, superseded, expired), if it did.
    pub ended_at: Option<OffsetDateTime>,
    /// Its expiry date.
    pub expires_at: Option<OffsetDateTime>,
}

/// One active issue (open, reopened or risk-accepted) with its SLA facts.
#[derive(Debug, Clone, PartialEq)]
pub struct SlaIssueRow {
    /// Issue id.
    pub id: i64,
    /// Application.
    pub application: String,
    /// Title.
    pub title: String,
    /// Kind.
    pub kind: FindingKind,
    /// Worst severity.
    pub severity: Severity,
    /// Status.
    pub status: IssueStatus,
    /// CWEs.
    pub cwes: Vec<u32>,
    /// Location (short form).
    pub location: String,
    /// When first seen.
    pub first_seen: OffsetDateTime,
    /// When fixed (for a fixed issue).
    pub fixed_at: Option<OffsetDateTime>,
    /// The stored due date.
    pub sla_due: Option<OffsetDateTime>,
    /// When scans reopened it, oldest first.
    pub reopened: Vec<OffsetDateTime>,
    /// Its risk acceptances, oldest first.
    pub acceptances: Vec<AcceptanceRow>,
}

/// An application of a scope with its catalog entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ScopedApp {
    /// Name.
    pub name: String,
    /// Catalog entry, if the catalog has one.
    pub profile: Option<AppProfile>,
}

/// Scans of one application by one report format and tool set, and the latest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanCoverageRow {
    /// Application.
    pub application: String,
    /// The tools the scans named.
    pub tools: Vec<String>,
    /// Report format.
    pub format: String,
    /// How many scans.
    pub scans: u64,
    /// The latest.
    #[serde(with = "time::serde::rfc3339")]
    pub last_scan: OffsetDateTime,
}

/// What kinds of findings a tool made in an application (all statuses, all time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ToolFindingsRow {
    /// Application.
    pub application: String,
    /// Tool.
    pub tool: String,
    /// Kind of the issues its observations point at.
    pub kind: FindingKind,
    /// Whether they are distribution packages (deb, apk, rpm: a container image's).
    pub os_package: bool,
    /// How many observations.
    pub observations: u64,
}

/// SLA and compliance facts.
#[async_trait]
pub trait SlaStore: Send + Sync {
    /// The applications of `scope`, by name, with their catalog entries.
    async fn scoped_apps(&self, scope: &AppScope) -> Result<Vec<ScopedApp>>;

    /// Every active (open, reopened, risk-accepted) issue of `scope` with its SLA facts, by id.
    async fn sla_issues(&self, scope: &AppScope) -> Result<Vec<SlaIssueRow>>;

    /// Up to `limit` active issues of `scope` with an id above `after`, by id, with their SLA
    /// facts: [`sla_issues`](Self::sla_issues) a page at a time.
    async fn sla_issues_page(
        &self,
        scope: &AppScope,
        after: i64,
        limit: u32,
    ) -> Result<Vec<SlaIssueRow>>;

    /// The active issues among `ids`, by id, with their SLA facts.
    async fn sla_issues_of(&self, ids: &[i64]) -> Result<Vec<SlaIssueRow>>;

    /// Stores due dates (`None`: no SLA, or paused); returns how many changed.
    async fn set_sla_due(&self, dues: &[(i64, Option<OffsetDateTime>)]) -> Result<u64>;

    /// Up to `limit` open or reopened issues of `scope` whose stored due date is before `now`,
    /// earliest due first (an index scan).
    async fn overdue(
        &self,
        scope: &AppScope,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<(i64, OffsetDateTime)>>;

    /// The SLA policy in force (YAML text), if one was set.
    async fn sla_policy(&self) -> Result<Option<String>>;

    /// Sets the SLA policy (YAML text, already checked by the caller).
    async fn set_sla_policy(&self, yaml: &str) -> Result<()>;

    /// Scans of `scope`'s applications, grouped by tools and format, with the latest time.
    async fn scan_coverage(&self, scope: &AppScope) -> Result<Vec<ScanCoverageRow>>;

    /// The kinds of findings each tool made in `scope`'s applications.
    async fn tool_findings(&self, scope: &AppScope) -> Result<Vec<ToolFindingsRow>>;
}

/// Parses a stored `,`-separated CWE list.
pub(crate) fn cwes(s: &str) -> Vec<u32> {
    s.split(',').filter_map(|c| c.trim().parse().ok()).collect()
}

/// The one implementation of [`SlaStore`] for both backends: `sla_store_impl!(Store, Database,
/// "BEGIN ...", json-out cast, the issue's CWEs and the scan's tools as `,`-separated text,
/// )`. New issues get theirs from the ingest's writer, with the row
/// ([`KeyedObservation::sla_due`](rampart_model::KeyedObservation::sla_due)). Due dates are stored as Unix seconds
/// (comparable and sortable on both backends).
macro_rules! sla_store_impl {
    ($store:ty, $db:ty, $begin:literal, $jout:literal, $cwes:literal, $tools:literal) => {
        use sqlx::{QueryBuilder, Row};

        /// Rows per batched statement.
        const SLA_CHUNK: usize = 500;
        /// Issues per page of [`SlaStore::sla_issues`](crate::sla::SlaStore::sla_issues).
        const SLA_PAGE: u32 = 5000;
        const TOOLS: &str = $tools;

        /// `AND` terms restricting `col` (an application id) to `scope`.
        fn push_scope(qb: &mut QueryBuilder<'_, $db>, col: &str, scope: &$crate::sla::AppScope) {
            if let Some(app) = &scope.application {
                qb.push(format!(" AND {col} IN (SELECT id FROM applications WHERE name = "))
                    .push_bind(app.clone())
                    .push(")");
            }
            if let Some(team) = &scope.team {
                qb.push(format!(" AND {col} IN (SELECT application_id FROM app_profiles WHERE team = "))
                    .push_bind(team.clone())
                    .push(")");
            }
        }

        /// The columns [`sla_rows`] reads, of the active issues (terms follow).
        const SLA_ROWS: &str = concat!(
            "SELECT i.id, a.name, i.title, i.kind, CAST(i.severity AS BIGINT), i.status, ", $cwes,
            ", i.location, i.first_seen, i.fixed_at, i.sla_due
             FROM issues i JOIN applications a ON a.id = i.application_id
             WHERE i.status IN ('open', 'reopened', 'risk_accepted')"
        );

        /// Issue rows of a [`SLA_ROWS`] query, without their history yet.
        fn sla_rows(
            found: Vec<<$db as sqlx::Database>::Row>,
        ) -> $crate::Result<Vec<$crate::sla::SlaIssueRow>> {
            found
                .iter()
                .map(|r| {
                    let kind: String = r.try_get(3)?;
                    let status: String = r.try_get(5)?;
                    let cwes: String = r.try_get(6)?;
                    Ok($crate::sla::SlaIssueRow {
                        id: r.try_get(0)?,
                        application: r.try_get(1)?,
                        title: r.try_get(2)?,
                        kind: $crate::codec::kind_from_db(&kind)?,
                        severity: $crate::codec::severity_from_db(r.try_get::<i64, _>(4)?),
                        status: $crate::codec::status_from_db(&status)?,
                        cwes: $crate::sla::cwes(&cwes),
                        location: r.try_get(7)?,
                        first_seen: r.try_get(8)?,
                        fixed_at: r.try_get(9)?,
                        sla_due: unix(r.try_get(10)?)?,
                        reopened: Vec::new(),
                        acceptances: Vec::new(),
                    })
                })
                .collect()
        }

        /// Adds the reopen times and risk acceptances of `rows` (sorted by id): two indexed
        /// queries per [`SLA_CHUNK`] issues.
        async fn with_history(
            pool: &sqlx::Pool<$db>,
            rows: &mut [$crate::sla::SlaIssueRow],
        ) -> $crate::Result<()> {
            let index: std::collections::HashMap<i64, usize> =
                rows.iter().enumerate().map(|(n, r)| (r.id, n)).collect();
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            for chunk in ids.chunks(SLA_CHUNK) {
                let mut qb = QueryBuilder::<$db>::new(
                    "SELECT issue_id, at FROM issue_events WHERE event = 'reopened' AND issue_id IN (",
                );
                let mut sep = qb.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                qb.push(") ORDER BY issue_id, id");
                for r in qb.build().fetch_all(pool).await? {
                    if let Some(n) = index.get(&r.try_get::<i64, _>(0)?) {
                        rows[*n].reopened.push(r.try_get(1)?);
                    }
                }
                let mut qb = QueryBuilder::<$db>::new(
                    "SELECT issue_id, at, ended_at, expires_at FROM triage_decisions
                     WHERE status = 'risk_accepted' AND issue_id IN (",
                );
                let mut sep = qb.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                qb.push(") ORDER BY issue_id, id");
                for r in qb.build().fetch_all(pool).await? {
                    if let Some(n) = index.get(&r.try_get::<i64, _>(0)?) {
                        rows[*n].acceptances.push($crate::sla::AcceptanceRow {
                            at: r.try_get(1)?,
                            ended_at: r.try_get(2)?,
                            expires_at: r.try_get(3)?,
                        });
                    }
                }
            }
            Ok(())
        }

        fn unix(t: Option<i64>) -> $crate::Result<Option<time::OffsetDateTime>> {
            t.map(|s| {
                time::OffsetDateTime::from_unix_timestamp(s)
                    .map_err(|e| $crate::StoreError::Corrupt(format!("sla_due {s}: {e}")))
            })
            .transpose()
        }

        #[async_trait::async_trait]
        impl $crate::sla::SlaStore for $store {
            async fn scoped_apps(&self, scope: &$crate::sla::AppScope) -> $crate::Result<Vec<$crate::sla::ScopedApp>> {
                let mut qb = QueryBuilder::<$db>::new(concat!(
                    "SELECT a.name, p.profile", $jout,
                    " FROM applications a LEFT JOIN app_profiles p ON p.application_id = a.id WHERE 1 = 1"
                ));
                push_scope(&mut qb, "a.id", scope);
                qb.push(" ORDER BY a.name");
                qb.build()
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(|r| {
                        let json: Option<String> = r.try_get(1)?;
                        Ok($crate::sla::ScopedApp {
                            name: r.try_get(0)?,
                            profile: json
                                .map(|j| serde_json::from_str(&j).map_err($crate::context::json_err))
                                .transpose()?,
                        })
                    })
                    .collect()
            }

            async fn sla_issues(&self, scope: &$crate::sla::AppScope) -> $crate::Result<Vec<$crate::sla::SlaIssueRow>> {
                let mut rows = Vec::new();
                let mut after = 0;
                loop {
                    let page = self.sla_issues_page(scope, after, SLA_PAGE).await?;
                    let Some(last) = page.last() else { break };
                    after = last.id;
                    let full = page.len() == SLA_PAGE as usize;
                    rows.extend(page);
                    if !full {
                        break;
                    }
                }
                Ok(rows)
            }

            async fn sla_issues_page(
                &self,
                scope: &$crate::sla::AppScope,
                after: i64,
                limit: u32,
            ) -> $crate::Result<Vec<$crate::sla::SlaIssueRow>> {
                let mut qb = QueryBuilder::<$db>::new(format!("{SLA_ROWS} AND i.id > "));
                qb.push_bind(after);
                push_scope(&mut qb, "i.application_id", scope);
                qb.push(" ORDER BY i.id LIMIT ").push_bind(i64::from(limit));
                let mut rows = sla_rows(qb.build().fetch_all(&self.pool).await?)?;
                with_history(&self.pool, &mut rows).await?;
                Ok(rows)
            }

            async fn sla_issues_of(&self, ids: &[i64]) -> $crate::Result<Vec<$crate::sla::SlaIssueRow>> {
                let mut rows = Vec::new();
                for chunk in ids.chunks(SLA_CHUNK) {
                    let mut qb = QueryBuilder::<$db>::new(format!("{SLA_ROWS} AND i.id IN ("));
                    let mut sep = qb.separated(", ");
                    for id in chunk {
                        sep.push_bind(*id);
                    }
                    qb.push(")");
                    rows.extend(sla_rows(qb.build().fetch_all(&self.pool).await?)?);
                }
                rows.sort_by_key(|r| r.id);
                rows.dedup_by_key(|r| r.id);
                with_history(&self.pool, &mut rows).await?;
                Ok(rows)
            }

            async fn set_sla_due(&self, dues: &[(i64, Option<time::OffsetDateTime>)]) -> $crate::Result<u64> {
                let mut changed = 0;
                let mut tx = self.pool.begin_with($begin).await?;
                for chunk in dues.chunks(SLA_CHUNK) {
                    let mut qb = QueryBuilder::<$db>::new("WITH v(id, due) AS (");
                    qb.push_values(chunk, |mut b, (id, due)| {
                        b.push_bind(*id).push_bind(due.map(|d| d.unix_timestamp()));
                    });
                    qb.push(
                        ") UPDATE issues SET sla_due = v.due FROM v
                         WHERE issues.id = v.id AND (issues.sla_due <> v.due OR (issues.sla_due IS NULL) <> (v.due IS NULL))",
                    );
                    changed += qb.build().execute(&mut *tx).await?.rows_affected();
                }
                tx.commit().await?;
                Ok(changed)
            }

            async fn overdue(
                &self,
                scope: &$crate::sla::AppScope,
                now: time::OffsetDateTime,
                limit: u32,
            ) -> $crate::Result<Vec<(i64, time::OffsetDateTime)>> {
                let mut qb = QueryBuilder::<$db>::new(
                    "SELECT i.id, i.sla_due FROM issues i
                     WHERE i.status IN ('open', 'reopened') AND i.sla_due IS NOT NULL AND i.sla_due < ",
                );
                qb.push_bind(now.unix_timestamp());
                push_scope(&mut qb, "i.application_id", scope);
                qb.push(" ORDER BY i.sla_due, i.id LIMIT ").push_bind(i64::from(limit));
                qb.build()
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(|r| {
                        let due = unix(Some(r.try_get(1)?))?.unwrap_or(now);
                        Ok((r.try_get(0)?, due))
                    })
                    .collect()
            }

            async fn sla_policy(&self) -> $crate::Result<Option<String>> {
                Ok(sqlx::query_scalar("SELECT value FROM settings WHERE name = 'sla_policy'")
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn set_sla_policy(&self, yaml: &str) -> $crate::Result<()> {
                sqlx::query(
                    "INSERT INTO settings (name, value) VALUES ('sla_policy', $1)
                     ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                )
                .bind(yaml)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn scan_coverage(&self, scope: &$crate::sla::AppScope) -> $crate::Result<Vec<$crate::sla::ScanCoverageRow>> {
                let mut qb = QueryBuilder::<$db>::new(format!(
                    "SELECT a.name, {TOOLS}, s.format, COUNT(*), MAX(s.id) FROM scans s
                     JOIN applications a ON a.id = s.application_id WHERE 1 = 1"
                ));
                push_scope(&mut qb, "a.id", scope);
                qb.push(" GROUP BY a.name, s.tools, s.format ORDER BY a.name, s.tools, s.format");
                let groups = qb.build().fetch_all(&self.pool).await?;
                // The latest scan of each group, read by id (times compare as times, not text).
                let ids: Vec<i64> = groups.iter().map(|r| r.try_get(4)).collect::<Result<_, _>>()?;
                let mut at = std::collections::HashMap::new();
                for chunk in ids.chunks(SLA_CHUNK) {
                    let mut qb = QueryBuilder::<$db>::new("SELECT id, ingested_at FROM scans WHERE id IN (");
                    let mut sep = qb.separated(", ");
                    for id in chunk {
                        sep.push_bind(*id);
                    }
                    qb.push(")");
                    for r in qb.build().fetch_all(&self.pool).await? {
                        at.insert(r.try_get::<i64, _>(0)?, r.try_get::<time::OffsetDateTime, _>(1)?);
                    }
                }
                groups
                    .iter()
                    .map(|r| {
                        let tools: String = r.try_get(1)?;
                        let id: i64 = r.try_get(4)?;
                        Ok($crate::sla::ScanCoverageRow {
                            application: r.try_get(0)?,
                            tools: $crate::codec::split(&tools),
                            format: r.try_get(2)?,
                            scans: r.try_get::<i64, _>(3)?.max(0) as u64,
                            last_scan: at.get(&id).copied().ok_or_else(|| {
                                $crate::StoreError::Corrupt(format!("scan {id} vanished"))
                            })?,
                        })
                    })
                    .collect()
            }

            async fn tool_findings(&self, scope: &$crate::sla::AppScope) -> $crate::Result<Vec<$crate::sla::ToolFindingsRow>> {
                let mut qb = QueryBuilder::<$db>::new(
                    "SELECT a.name, o.tool, i.kind,
                       CASE WHEN i.location LIKE 'pkg:deb/%' OR i.location LIKE 'pkg:apk/%'
                              OR i.location LIKE 'pkg:rpm/%' OR i.location LIKE 'pkg:alpm/%' THEN 1 ELSE 0 END AS os,
                       COUNT(*)
                     FROM observations o JOIN issues i ON i.id = o.issue_id JOIN applications a ON a.id = i.application_id
                     WHERE 1 = 1",
                );
                push_scope(&mut qb, "i.application_id", scope);
                qb.push(" GROUP BY a.name, o.tool, i.kind, os ORDER BY a.name, o.tool, i.kind, os");
                qb.build()
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(|r| {
                        let kind: String = r.try_get(2)?;
                        Ok($crate::sla::ToolFindingsRow {
                            application: r.try_get(0)?,
                            tool: r.try_get(1)?,
                            kind: $crate::codec::kind_from_db(&kind)?,
                            os_package: r.try_get::<i32, _>(3)? != 0,
                            observations: r.try_get::<i64, _>(4)?.max(0) as u64,
                        })
                    })
                    .collect()
            }
        }
    };
}
pub(crate) use sla_store_impl;
