//! Reads filtered by the caller's teams, in SQL (issue 7): what the server shows a caller.
//!
//! Teams own applications through the catalog (`app_profiles.team`, indexed). Every read here
//! takes a [`TeamScope`] and adds `application_id IN (SELECT application_id FROM app_profiles
//! WHERE team IN (...))` to its statement ([`push_scope`]); `TeamScope::Teams(vec![])` matches
//! nothing. What lies outside the scope is answered exactly as what does not exist, so a
//! caller learns nothing of another team's applications, not even counts.
//! [`IssueQuery::scope`](crate::IssueQuery) filters [`crate::Store::list_issues`] the same way.
//!
//! [`ScopedReads`] is a supertrait of [`crate::Store`]; both backends expand the one
//! implementation in this file (`sqlite/scoped.rs`, `postgres/scoped.rs`).

use crate::{ApplicationSummary, PortfolioSummary, Result};
use async_trait::async_trait;
use rampart_model::TeamScope;
use serde::Serialize;
use time::OffsetDateTime;

/// An application as a scoped caller sees it.
#[derive(Debug, Clone, Serialize)]
pub struct ScopedApplication {
    /// Counts.
    #[serde(flatten)]
    pub summary: ApplicationSummary,
    /// The owning team (the catalog's `team`).
    pub team: Option<String>,
}

/// One component of one stored inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComponentUse {
    /// Application.
    pub application: String,
    /// Target.
    pub target: String,
    /// Branch.
    pub branch: String,
    /// Component name.
    pub name: String,
    /// Version.
    pub version: Option<String>,
    /// purl.
    pub purl: Option<String>,
    /// Licenses.
    pub licenses: Vec<String>,
    /// A direct dependency (None: unknown).
    pub direct: Option<bool>,
    /// When the inventory was last updated.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A stored inventory (target × branch), without its components.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InventorySummary {
    /// Store id.
    pub id: i64,
    /// Application.
    pub application: String,
    /// Target.
    pub target: String,
    /// Branch.
    pub branch: String,
    /// Components.
    pub components: u64,
    /// Last updated.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// Reads filtered by team.
#[async_trait]
pub trait ScopedReads: Send + Sync {
    /// Whether application `name` exists and is visible.
    async fn application_visible(&self, name: &str, scope: &TeamScope) -> Result<bool>;

    /// The application of issue `id` when the issue exists and is visible.
    async fn issue_visible(&self, id: i64, scope: &TeamScope) -> Result<Option<String>>;

    /// Visible applications (only `name`, when given) with their counts, by name.
    async fn applications_in(
        &self,
        scope: &TeamScope,
        name: Option<&str>,
    ) -> Result<Vec<ScopedApplication>>;

    /// Portfolio counts over the visible applications.
    async fn portfolio_in(&self, scope: &TeamScope) -> Result<PortfolioSummary>;

    /// The visible inventories (of `application`, when given), by application, target, branch.
    async fn inventories_in(
        &self,
        scope: &TeamScope,
        application: Option<&str>,
    ) -> Result<Vec<InventorySummary>>;

    /// Components of inventory `id` if visible (`None` when not), in inventory order, at most
    /// `limit` after position `after`.
    async fn inventory_components(
        &self,
        id: i64,
        scope: &TeamScope,
        after: i64,
        limit: u32,
    ) -> Result<Option<Vec<(i64, ComponentUse)>>>;

    /// Every visible inventory component of package (`ecosystem`, `package`) as the intel
    /// matcher keys it (OSV ecosystem name, normalized package name): "who uses this package".
    async fn package_uses(
        &self,
        ecosystem: &str,
        package: &str,
        scope: &TeamScope,
    ) -> Result<Vec<ComponentUse>>;
}

/// Where a statement's text and parameters are written: sqlx's `QueryBuilder`, or the
/// SQLite issue list's own buffer (`sqlite/issue_list.rs`, run through `rusqlite`), so the
/// scope and filter terms are spelled once for both.
pub(crate) trait SqlWriter {
    /// Appends SQL text.
    fn sql(&mut self, text: &str) -> &mut Self;
    /// Appends a text parameter.
    fn bind_text(&mut self, value: String) -> &mut Self;
    /// Appends an integer parameter.
    fn bind_int(&mut self, value: i64) -> &mut Self;

    /// Appends `(?, ?, ...)`: `bind` writes each value.
    fn bind_list<T>(
        &mut self,
        values: impl IntoIterator<Item = T>,
        mut bind: impl FnMut(&mut Self, T) -> &mut Self,
    ) -> &mut Self {
        self.sql("(");
        for (n, v) in values.into_iter().enumerate() {
            bind(self.sql(if n > 0 { ", " } else { "" }), v);
        }
        self.sql(")")
    }

    /// Appends `(?, ?, ...)`, one text parameter each.
    fn bind_text_list(&mut self, values: impl IntoIterator<Item = String>) -> &mut Self {
        self.bind_list(values, |b, v| b.bind_text(v))
    }

    /// Appends `(?, ?, ...)`, one integer parameter each.
    fn bind_int_list(&mut self, values: impl IntoIterator<Item = i64>) -> &mut Self {
        self.bind_list(values, |b, v| b.bind_int(v))
    }
}

impl<'a, DB: sqlx::Database> SqlWriter for sqlx::QueryBuilder<'a, DB>
where
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    fn sql(&mut self, text: &str) -> &mut Self {
        self.push(text)
    }
    fn bind_text(&mut self, value: String) -> &mut Self {
        self.push_bind(value)
    }
    fn bind_int(&mut self, value: i64) -> &mut Self {
        self.push_bind(value)
    }
}

/// Adds ` AND <column> IN (applications of the scope's teams)` to `qb` (nothing for
/// [`TeamScope::All`], a false term for no team).
pub(crate) fn push_scope(qb: &mut impl SqlWriter, scope: &TeamScope, column: &str) {
    match scope {
        TeamScope::All => {}
        TeamScope::Teams(teams) if teams.is_empty() => {
            qb.sql(" AND 1 = 0");
        }
        TeamScope::Teams(teams) => {
            qb.sql(" AND ")
                .sql(column)
                .sql(" IN (SELECT application_id FROM app_profiles WHERE team IN ")
                .bind_text_list(teams.iter().cloned())
                .sql(")");
        }
    }
}

/// Whether [`crate::Store::list_issues`] answers `q` per application: the active queue by
/// risk, limited, of a set of teams (the caller's scope or the `team` filter) rather than of
/// one application. Then the statement takes each of the teams' applications' own top `limit`
/// (an index walk of `issues_app_active_risk`, stopping at `limit`) and keeps the best
/// `limit` of those, so its cost follows the number of applications, not their issues. The
/// teams are a condition on the `app_profiles` rows that drive it ([`push_team_rows`]).
pub(crate) fn per_application_top(q: &crate::IssueQuery) -> bool {
    use rampart_model::IssueStatus;
    let active = !q.all_statuses
        && q.statuses
            .iter()
            .all(|s| matches!(s, IssueStatus::Open | IssueStatus::Reopened))
        && (q.statuses.is_empty()
            || (q.statuses.contains(&IssueStatus::Open)
                && q.statuses.contains(&IssueStatus::Reopened)));
    let teams = match &q.scope {
        TeamScope::All => q.team.is_some(),
        TeamScope::Teams(t) => !t.is_empty(),
    };
    active
        && teams
        && q.sort == crate::IssueSort::Risk
        && q.limit.is_some()
        && q.application.is_none()
}

/// ` AND p.team IN (the scope's teams) AND p.team = (the team filter)`: the applications a
/// [`per_application_top`] statement walks, as conditions on `app_profiles p`.
pub(crate) fn push_team_rows(qb: &mut impl SqlWriter, q: &crate::IssueQuery) {
    if let TeamScope::Teams(teams) = &q.scope {
        qb.sql(" AND p.team IN ")
            .bind_text_list(teams.iter().cloned());
    }
    if let Some(team) = &q.team {
        qb.sql(" AND p.team = ").bind_text(team.clone());
    }
}

/// The one implementation of [`ScopedReads`]: `scoped_reads_impl!(Store, Database)`.
macro_rules! scoped_reads_impl {
    ($store:ty, $db:ty) => {
        use $crate::scoped::{
            push_scope, ComponentUse, InventorySummary, ScopedApplication, ScopedReads,
        };
        use rampart_model::TeamScope;
        use sqlx::{QueryBuilder, Row};

        fn component_from_row(r: &<$db as sqlx::Database>::Row) -> $crate::Result<ComponentUse> {
            let licenses: String = r.try_get(6)?;
            let direct: Option<bool> = r.try_get(7)?;
            Ok(ComponentUse {
                application: r.try_get(0)?,
                target: r.try_get(1)?,
                branch: r.try_get(2)?,
                name: r.try_get(3)?,
                version: r.try_get(4)?,
                purl: r.try_get(5)?,
                licenses: licenses
                    .split('\n')
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect(),
                direct,
                updated_at: r.try_get(8)?,
            })
        }

        const COMPONENT_COLUMNS: &str = "a.name, t.name, inv.branch, c.name, c.version, c.purl, c.licenses, c.direct, inv.updated_at";

        async fn count_by<'q>(
            pool: &sqlx::Pool<$db>,
            mut qb: QueryBuilder<'q, $db>,
        ) -> $crate::Result<Vec<(String, u64)>> {
            qb.build()
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)? as u64)))
                .collect()
        }

        #[async_trait::async_trait]
        impl ScopedReads for $store {
            async fn application_visible(&self, name: &str, scope: &TeamScope) -> $crate::Result<bool> {
                let mut qb = QueryBuilder::<$db>::new("SELECT a.id FROM applications a WHERE a.name = ");
                qb.push_bind(name.to_string());
                push_scope(&mut qb, scope, "a.id");
                Ok(qb.build().fetch_optional(&self.pool).await?.is_some())
            }

            async fn issue_visible(&self, id: i64, scope: &TeamScope) -> $crate::Result<Option<String>> {
                let mut qb = QueryBuilder::<$db>::new(
                    "SELECT a.name FROM issues i JOIN applications a ON a.id = i.application_id WHERE i.id = ",
                );
                qb.push_bind(id);
                push_scope(&mut qb, scope, "i.application_id");
                Ok(qb
                    .build()
                    .fetch_optional(&self.pool)
                    .await?
                    .map(|r| r.try_get(0))
                    .transpose()?)
            }

            async fn applications_in(
                &self,
                scope: &TeamScope,
                name: Option<&str>,
            ) -> $crate::Result<Vec<ScopedApplication>> {
                let mut qb = QueryBuilder::<$db>::new(
                    "SELECT a.id, a.name, p.team,
                       (SELECT COUNT(*) FROM targets t WHERE t.application_id = a.id),
                       (SELECT COUNT(*) FROM scans s WHERE s.application_id = a.id),
                       (SELECT COUNT(*) FROM issues i WHERE i.application_id = a.id),
                       (SELECT MAX(s.ingested_at) FROM scans s WHERE s.application_id = a.id),
                       (SELECT CAST(MAX(i.risk) AS BIGINT) FROM issues i
                         WHERE i.application_id = a.id AND i.status IN ('open', 'reopened'))
                     FROM applications a LEFT JOIN app_profiles p ON p.application_id = a.id WHERE 1 = 1",
                );
                if let Some(n) = name {
                    qb.push(" AND a.name = ").push_bind(n.to_string());
                }
                push_scope(&mut qb, scope, "a.id");
                qb.push(" ORDER BY a.name");
                let rows = qb.build().fetch_all(&self.pool).await?;
                // Open issues by severity, for the same applications, in one grouped statement.
                let mut cq = QueryBuilder::<$db>::new(
                    "SELECT i.application_id, CAST(i.severity AS BIGINT),
                            CAST(CASE WHEN i.risk >= 90 THEN 9 ELSE i.risk / 10 END AS BIGINT), COUNT(*) FROM issues i
                     WHERE i.status IN ('open', 'reopened')",
                );
                if let Some(n) = name {
                    cq.push(" AND i.application_id = (SELECT id FROM applications WHERE name = ")
                        .push_bind(n.to_string())
                        .push(")");
                }
                push_scope(&mut cq, scope, "i.application_id");
                cq.push(" GROUP BY 1, 2, 3");
                // (by severity, by risk band) of each application.
                let mut open = std::collections::HashMap::<i64, ([u64; 5], [u64; 10])>::new();
                for c in cq.build().fetch_all(&self.pool).await? {
                    let sev: i64 = c.try_get::<i64, _>(1)?;
                    let band: i64 = c.try_get::<i64, _>(2)?;
                    let n = c.try_get::<i64, _>(3)? as u64;
                    let e = open.entry(c.try_get(0)?).or_default();
                    e.0[4 - sev.clamp(0, 4) as usize] += n;
                    e.1[band.clamp(0, 9) as usize] += n;
                }
                rows.iter()
                    .map(|r| {
                        let id: i64 = r.try_get(0)?;
                        Ok(ScopedApplication {
                            summary: $crate::ApplicationSummary {
                                name: r.try_get(1)?,
                                targets: r.try_get::<i64, _>(3)? as u64,
                                scans: r.try_get::<i64, _>(4)? as u64,
                                issues_total: r.try_get::<i64, _>(5)? as u64,
                                open_by_severity: open.get(&id).map(|o| o.0).unwrap_or_default(),
                                open_by_risk: open.get(&id).map(|o| o.1).unwrap_or_default(),
                                max_risk: r.try_get::<Option<i64>, _>(7)?.unwrap_or(0).clamp(0, 100) as u8,
                                last_scan: r.try_get(6)?,
                            },
                            team: r.try_get(2)?,
                        })
                    })
                    .collect()
            }

            async fn portfolio_in(&self, scope: &TeamScope) -> $crate::Result<$crate::PortfolioSummary> {
                let scalar = |sql: &'static str, col: &'static str| {
                    let mut qb = QueryBuilder::<$db>::new(sql);
                    push_scope(&mut qb, scope, col);
                    qb
                };
                let one = |r: <$db as sqlx::Database>::Row| -> $crate::Result<u64> {
                    Ok(r.try_get::<i64, _>(0)? as u64)
                };
                let mut p = $crate::PortfolioSummary {
                    applications: one(scalar("SELECT COUNT(*) FROM applications a WHERE 1 = 1", "a.id")
                        .build().fetch_one(&self.pool).await?)?,
                    scans: one(scalar("SELECT COUNT(*) FROM scans s WHERE 1 = 1", "s.application_id")
                        .build().fetch_one(&self.pool).await?)?,
                    observations: one(scalar(
                        "SELECT COUNT(*) FROM observations o JOIN issues i ON i.id = o.issue_id WHERE 1 = 1",
                        "i.application_id",
                    )
                    .build().fetch_one(&self.pool).await?)?,
                    ..Default::default()
                };
                let mut q = scalar("SELECT i.status, COUNT(*) FROM issues i WHERE 1 = 1", "i.application_id");
                q.push(" GROUP BY i.status ORDER BY i.status");
                p.issues_by_status = count_by(&self.pool, q).await?;
                let mut q = scalar(
                    "SELECT CAST(i.severity AS BIGINT), COUNT(*) FROM issues i WHERE i.status IN ('open', 'reopened')",
                    "i.application_id",
                );
                q.push(" GROUP BY i.severity");
                for r in q.build().fetch_all(&self.pool).await? {
                    let sev: i64 = r.try_get::<i64, _>(0)?;
                    p.open_by_severity[4 - sev.clamp(0, 4) as usize] = r.try_get::<i64, _>(1)? as u64;
                }
                let mut q = scalar(
                    "SELECT i.kind, COUNT(*) FROM issues i WHERE i.status IN ('open', 'reopened')",
                    "i.application_id",
                );
                q.push(" GROUP BY i.kind ORDER BY 2 DESC, 1");
                p.open_by_kind = count_by(&self.pool, q).await?;
                let mut q = scalar(
                    "SELECT o.tool, COUNT(DISTINCT o.issue_id) FROM observations o JOIN issues i ON i.id = o.issue_id
                     WHERE i.status IN ('open', 'reopened') AND o.last_scan_id IS NULL",
                    "i.application_id",
                );
                q.push(" GROUP BY o.tool ORDER BY 2 DESC, 1");
                p.open_by_tool = count_by(&self.pool, q).await?;
                let mut q = scalar(
                    "SELECT COUNT(*) FROM (SELECT o.issue_id FROM observations o JOIN issues i ON i.id = o.issue_id
                     WHERE i.status IN ('open', 'reopened') AND o.last_scan_id IS NULL",
                    "i.application_id",
                );
                q.push(" GROUP BY o.issue_id HAVING COUNT(DISTINCT o.tool) > 1) multi");
                p.open_multi_tool = one(q.build().fetch_one(&self.pool).await?)?;
                Ok(p)
            }

            async fn inventories_in(
                &self,
                scope: &TeamScope,
                application: Option<&str>,
            ) -> $crate::Result<Vec<InventorySummary>> {
                let mut qb = QueryBuilder::<$db>::new(
                    "SELECT inv.id, a.name, t.name, inv.branch,
                       (SELECT COUNT(*) FROM inventory_components c WHERE c.inventory_id = inv.id), inv.updated_at
                     FROM inventories inv JOIN targets t ON t.id = inv.target_id
                     JOIN applications a ON a.id = t.application_id WHERE 1 = 1",
                );
                if let Some(app) = application {
                    qb.push(" AND a.name = ").push_bind(app.to_string());
                }
                push_scope(&mut qb, scope, "a.id");
                qb.push(" ORDER BY a.name, t.name, inv.branch");
                qb.build()
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(|r| {
                        Ok(InventorySummary {
                            id: r.try_get(0)?,
                            application: r.try_get(1)?,
                            target: r.try_get(2)?,
                            branch: r.try_get(3)?,
                            components: r.try_get::<i64, _>(4)? as u64,
                            updated_at: r.try_get(5)?,
                        })
                    })
                    .collect()
            }

            async fn inventory_components(
                &self,
                id: i64,
                scope: &TeamScope,
                after: i64,
                limit: u32,
            ) -> $crate::Result<Option<Vec<(i64, ComponentUse)>>> {
                let mut qb = QueryBuilder::<$db>::new(
                    "SELECT inv.id FROM inventories inv JOIN targets t ON t.id = inv.target_id WHERE inv.id = ",
                );
                qb.push_bind(id);
                push_scope(&mut qb, scope, "t.application_id");
                if qb.build().fetch_optional(&self.pool).await?.is_none() {
                    return Ok(None);
                }
                let mut qb = QueryBuilder::<$db>::new(format!(
                    "SELECT {COMPONENT_COLUMNS}, CAST(c.position AS BIGINT) FROM inventory_components c
                     JOIN inventories inv ON inv.id = c.inventory_id JOIN targets t ON t.id = inv.target_id
                     JOIN applications a ON a.id = t.application_id WHERE c.inventory_id = "
                ));
                qb.push_bind(id)
                    .push(" AND c.position > ")
                    .push_bind(after)
                    .push(" ORDER BY c.position LIMIT ")
                    .push_bind(i64::from(limit));
                let rows = qb.build().fetch_all(&self.pool).await?;
                Ok(Some(
                    rows.iter()
                        .map(|r| Ok((r.try_get::<i64, _>(9)?, component_from_row(r)?)))
                        .collect::<$crate::Result<_>>()?,
                ))
            }

            async fn package_uses(
                &self,
                ecosystem: &str,
                package: &str,
                scope: &TeamScope,
            ) -> $crate::Result<Vec<ComponentUse>> {
                let mut qb = QueryBuilder::<$db>::new(format!(
                    "SELECT {COMPONENT_COLUMNS} FROM inventory_components c
                     JOIN inventories inv ON inv.id = c.inventory_id JOIN targets t ON t.id = inv.target_id
                     JOIN applications a ON a.id = t.application_id WHERE c.ecosystem = "
                ));
                qb.push_bind(ecosystem.to_string())
                    .push(" AND c.package = ")
                    .push_bind(package.to_string());
                push_scope(&mut qb, scope, "a.id");
                qb.push(" ORDER BY a.name, t.name, inv.branch, c.position");
                qb.build()
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(component_from_row)
                    .collect()
            }
        }
    };
}
pub(crate) use scoped_reads_impl;
