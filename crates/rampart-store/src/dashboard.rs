//! The web dashboard's read models (issue 7): portfolio counts, the posture trend, an
//! application's coverage and components, searches by component or vulnerability id.
//!
//! Every read takes the caller's [`TeamScope`] and filters in SQL (`scoped::push_scope`, the
//! same filter as the API's reads): a caller never receives a row of an application its teams
//! do not own, and a hidden application or issue reads as absent. Written once for both
//! backends (`dashboard_common!`), expanded in `sqlite/dashboard.rs` and `postgres/dashboard.rs`.

use crate::Result;
use async_trait::async_trait;
use rampart_model::{FindingKind, Issue, IssueStatus, Severity, TeamScope};
use serde::Serialize;
use time::OffsetDateTime;

/// Open issues of one application, as the overview shows them.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AppCounts {
    /// Application name.
    pub name: String,
    /// Owner team from the catalog.
    pub team: Option<String>,
    /// Open (or reopened) issues by severity, critical first.
    pub open_by_severity: [u64; 5],
    /// Highest risk score among its open issues (0 when none).
    pub max_risk: u8,
}

impl AppCounts {
    /// Open issues of every severity.
    pub fn open(&self) -> u64 {
        self.open_by_severity.iter().sum()
    }
}

/// The counts behind the portfolio overview, read from the summary tables (migration 0010).
#[derive(Debug, Clone, Serialize, Default, PartialEq, Eq)]
pub struct DashboardCounts {
    /// Every visible application (with or without open issues), by name.
    pub applications: Vec<AppCounts>,
    /// Open issues by severity, critical first.
    pub open_by_severity: [u64; 5],
    /// Open issues by risk score band: `[0] = 0..=9`, ..., `[9] = 90..=100`.
    pub risk_histogram: [u64; 10],
}

impl DashboardCounts {
    /// Open issues in all.
    pub fn open(&self) -> u64 {
        self.open_by_severity.iter().sum()
    }
}

/// One day of the posture trend: open issues by severity, critical first.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PostureDay {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    /// Open issues by severity that day, critical first.
    pub open_by_severity: [u64; 5],
}

/// A filter over the issues a caller may see. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct IssueFilter {
    /// Only this application.
    pub application: Option<String>,
    /// Only these severities.
    pub severities: Vec<Severity>,
    /// Only this status (`None`: open and reopened).
    pub status: Option<IssueStatus>,
    /// Any status (overrides `status`).
    pub all_statuses: bool,
    /// Only this kind.
    pub kind: Option<FindingKind>,
    /// Only issues whose title, location or rule contains this text.
    pub text: Option<String>,
    /// Order.
    pub sort: crate::IssueSort,
    /// Page size.
    pub limit: u32,
    /// Issues to skip.
    pub offset: u32,
}

impl IssueFilter {
    /// The same request as an [`crate::IssueQuery`] when it is a team's first page of the risk
    /// queue (no text, no offset), which [`crate::Store::list_issues`] reads per application
    /// (`scoped::per_application_top`): the overview's top risks at a million issues.
    pub(crate) fn as_team_queue(&self, scope: &TeamScope) -> Option<crate::IssueQuery> {
        let q = crate::IssueQuery {
            application: self.application.clone(),
            severities: self.severities.clone(),
            statuses: self.status.into_iter().collect(),
            all_statuses: self.all_statuses,
            kinds: self.kind.into_iter().collect(),
            sort: self.sort,
            limit: Some(self.limit),
            scope: scope.clone(),
            ..Default::default()
        };
        (self.text.as_deref().unwrap_or("").is_empty()
            && self.offset == 0
            && crate::scoped::per_application_top(&q))
        .then_some(q)
    }
}

/// The last scan of one stream (target × branch × tool) of an application.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StreamRow {
    /// Target.
    pub target: String,
    /// Branch.
    pub branch: String,
    /// Tool.
    pub tool: String,
    /// Its latest scan.
    pub last_scan_id: Option<i64>,
    /// When that scan was recorded.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_scan_at: Option<OffsetDateTime>,
}

/// What the application page shows above its issue list.
#[derive(Debug, Clone, Serialize)]
pub struct ApplicationView {
    /// Name.
    pub name: String,
    /// Owner team.
    pub team: Option<String>,
    /// Targets, by name.
    pub targets: Vec<String>,
    /// Open issues by severity, critical first.
    pub open_by_severity: [u64; 5],
    /// Open issues by kind (`code`, `dependency`, ...), largest first.
    pub open_by_kind: Vec<(String, u64)>,
    /// Every stream with its last scan, by tool.
    pub streams: Vec<StreamRow>,
}

/// A component of a stored inventory.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ComponentRow {
    /// Application.
    pub application: String,
    /// Target whose inventory lists it.
    pub target: String,
    /// Branch of that inventory.
    pub branch: String,
    /// Name.
    pub name: String,
    /// Version.
    pub version: Option<String>,
    /// Package URL.
    pub purl: Option<String>,
    /// Direct dependency (`None`: unknown).
    pub direct: Option<bool>,
    /// Licenses, comma-joined.
    pub licenses: String,
}

/// The issues that name a vulnerability, through its alias group.
#[derive(Debug, Clone, Serialize, Default)]
pub struct VulnerabilityHits {
    /// The ids searched: the id given and its aliases, sorted.
    pub ids: Vec<String>,
    /// Issues naming any of them (any status), highest risk first.
    pub issues: Vec<Issue>,
}

/// The dashboard's read models. Every method filters by `scope` in SQL.
#[async_trait]
pub trait DashboardStore: Send + Sync {
    /// Open-issue counts per visible application, by severity and risk band.
    async fn dashboard_counts(&self, scope: &TeamScope) -> Result<DashboardCounts>;

    /// A page of the visible issues matching `filter`, in its order.
    async fn dashboard_issues(&self, scope: &TeamScope, filter: &IssueFilter)
    -> Result<Vec<Issue>>;

    /// The application of issue `id` when the caller may see it (`None`: no such issue, or
    /// another team's).
    async fn issue_application(&self, scope: &TeamScope, id: i64) -> Result<Option<String>>;

    /// Application `name` with its targets, open counts and scan streams (`None`: no such
    /// application, or another team's).
    async fn application_view(
        &self,
        scope: &TeamScope,
        name: &str,
    ) -> Result<Option<ApplicationView>>;

    /// Up to `limit` components of the visible application `name`'s inventories, by name.
    async fn application_components(
        &self,
        scope: &TeamScope,
        name: &str,
        limit: u32,
    ) -> Result<Vec<ComponentRow>>;

    /// Up to `limit` visible components whose purl starts with `text` (when it starts with
    /// `pkg:`) or whose name contains it (case-insensitive).
    async fn search_components(
        &self,
        scope: &TeamScope,
        text: &str,
        limit: u32,
    ) -> Result<Vec<ComponentRow>>;

    /// Up to `limit` visible issues naming vulnerability `id` or one of its aliases.
    async fn search_vulnerability(
        &self,
        scope: &TeamScope,
        id: &str,
        limit: u32,
    ) -> Result<VulnerabilityHits>;

    /// Open issues by severity for each recorded day from `since` (`YYYY-MM-DD`) on.
    async fn posture_trend(&self, scope: &TeamScope, since: &str) -> Result<Vec<PostureDay>>;

    /// Records every application's open issues by severity as of now under `day`
    /// (replacing that day's earlier record). Returns the rows written.
    async fn record_posture(&self, day: &str) -> Result<u64>;

    /// Estimates, for each `(day, end of that day)` that has no record yet, the issues open
    /// then from first-seen and fixed times (issues triaged since are left out: their history
    /// is not in these columns). Returns the rows written.
    async fn backfill_posture(&self, days: &[(String, OffsetDateTime)]) -> Result<u64>;
}

/// Index in a critical-first array of a stored severity (0 info .. 4 critical).
pub(crate) fn severity_slot(db: i64) -> usize {
    4 - db.clamp(0, 4) as usize
}

/// Escapes `%`, `_` and `\` for a `LIKE ... ESCAPE '\'` pattern.
pub(crate) fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Reorders `issues` as `ids` lists them (`issue_by_ids` returns id order).
pub(crate) fn in_order(ids: &[i64], issues: Vec<Issue>) -> Vec<Issue> {
    let mut by_id: std::collections::HashMap<i64, Issue> =
        issues.into_iter().map(|i| (i.id, i)).collect();
    ids.iter().filter_map(|id| by_id.remove(id)).collect()
}

/// The [`DashboardStore`] methods written once for both backends, expanded in each backend's
/// `dashboard.rs` as free functions taking the pool. `$like` is the case-insensitive `LIKE`
/// (`LIKE` on SQLite, `ILIKE` on PostgreSQL); a write transaction opens with `$begin`.
macro_rules! dashboard_common {
    ($db:ty, $like:literal, $begin:literal) => {
        use $crate::dashboard::{
            AppCounts, ApplicationView, ComponentRow, DashboardCounts, IssueFilter, PostureDay,
            StreamRow, in_order, like_escape, severity_slot,
        };
        use $crate::scoped::push_scope;
        use rampart_model::TeamScope;
        use sqlx::{QueryBuilder, Row};
        use time::OffsetDateTime;

        pub(super) async fn dashboard_counts(
            pool: &sqlx::Pool<$db>,
            scope: &TeamScope,
        ) -> $crate::Result<DashboardCounts> {
            // The highest open risk: one probe of `issues_app_active_risk` per application.
            let mut qb = QueryBuilder::<$db>::new(
                "SELECT a.id, a.name, p.team,
                        (SELECT CAST(MAX(i.risk) AS BIGINT) FROM issues i
                          WHERE i.application_id = a.id AND i.status IN ('open', 'reopened'))
                 FROM applications a LEFT JOIN app_profiles p ON p.application_id = a.id WHERE 1 = 1",
            );
            push_scope(&mut qb, scope, "a.id");
            qb.push(" ORDER BY a.name");
            let mut apps = Vec::new();
            let mut slot = std::collections::HashMap::new();
            for r in qb.build().fetch_all(pool).await? {
                slot.insert(r.try_get::<i64, _>(0)?, apps.len());
                apps.push(AppCounts {
                    name: r.try_get(1)?,
                    team: r.try_get(2)?,
                    open_by_severity: [0; 5],
                    max_risk: r.try_get::<Option<i64>, _>(3)?.unwrap_or(0).clamp(0, 100) as u8,
                });
            }
            let mut out = DashboardCounts::default();
            // The summary tables (migration 0010) hold the counts: no pass over the issues.
            // Application 0 is their portfolio total: summing applications, leave it out.
            let mut qb = QueryBuilder::<$db>::new(
                "SELECT s.application_id, CAST(s.severity AS BIGINT), CAST(SUM(s.n) AS BIGINT)
                 FROM summary_issues s
                 WHERE s.status IN ('open', 'reopened') AND s.n <> 0 AND s.application_id <> 0",
            );
            push_scope(&mut qb, scope, "s.application_id");
            qb.push(" GROUP BY s.application_id, s.severity");
            for r in qb.build().fetch_all(pool).await? {
                let (app, sev, n): (i64, i64, i64) = (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
                let n = n.max(0) as u64;
                out.open_by_severity[severity_slot(sev)] += n;
                if let Some(&k) = slot.get(&app) {
                    apps[k].open_by_severity[severity_slot(sev)] += n;
                }
            }
            let mut qb = QueryBuilder::<$db>::new(
                "SELECT CAST(s.band AS BIGINT), CAST(SUM(s.n) AS BIGINT) FROM summary_risk s WHERE s.n <> 0 AND s.application_id <> 0",
            );
            push_scope(&mut qb, scope, "s.application_id");
            qb.push(" GROUP BY s.band");
            for r in qb.build().fetch_all(pool).await? {
                let (band, n): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
                out.risk_histogram[band.clamp(0, 9) as usize] += n.max(0) as u64;
            }
            out.applications = apps;
            Ok(out)
        }

        /// The ids of a page of visible issues matching `f`.
        async fn issue_ids(
            pool: &sqlx::Pool<$db>,
            scope: &TeamScope,
            f: &IssueFilter,
        ) -> $crate::Result<Vec<i64>> {
            let mut qb = QueryBuilder::<$db>::new("SELECT i.id FROM issues i WHERE 1 = 1");
            if let Some(app) = &f.application {
                qb.push(" AND i.application_id = (SELECT id FROM applications WHERE name = ")
                    .push_bind(app.clone())
                    .push(")");
            }
            push_scope(&mut qb, scope, "i.application_id");
            if f.all_statuses {
            } else if let Some(s) = f.status {
                qb.push(" AND i.status = ").push_bind(s.as_str());
            } else {
                // Literal, so the partial indexes on active issues match.
                qb.push(" AND i.status IN ('open', 'reopened')");
            }
            if !f.severities.is_empty() {
                qb.push(" AND i.severity IN (");
                let mut sep = qb.separated(", ");
                for s in &f.severities {
                    sep.push_bind($crate::codec::severity_to_db(*s) as i16);
                }
                qb.push(")");
            }
            if let Some(k) = f.kind {
                qb.push(" AND i.kind = ").push_bind(k.as_str());
            }
            if let Some(t) = f.text.as_deref().filter(|t| !t.is_empty()) {
                let pat = format!("%{}%", like_escape(t));
                qb.push(concat!(" AND (i.title ", $like, " "))
                    .push_bind(pat.clone())
                    .push(concat!(" ESCAPE '\\' OR i.location ", $like, " "))
                    .push_bind(pat.clone())
                    .push(concat!(" ESCAPE '\\' OR i.rule_id ", $like, " "))
                    .push_bind(pat)
                    .push(" ESCAPE '\\')");
            }
            qb.push(match f.sort {
                $crate::IssueSort::Severity => " ORDER BY i.severity DESC, i.id DESC",
                $crate::IssueSort::Newest => " ORDER BY i.first_seen DESC, i.id DESC",
                $crate::IssueSort::Id => " ORDER BY i.id",
                $crate::IssueSort::Risk => " ORDER BY i.risk DESC, i.id DESC",
            });
            qb.push(" LIMIT ")
                .push_bind(i64::from(f.limit))
                .push(" OFFSET ")
                .push_bind(i64::from(f.offset));
            Ok(qb
                .build()
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| r.try_get::<i64, _>(0))
                .collect::<Result<_, _>>()?)
        }

        pub(super) async fn dashboard_issues(
            pool: &sqlx::Pool<$db>,
            scope: &TeamScope,
            f: &IssueFilter,
        ) -> $crate::Result<Vec<rampart_model::Issue>> {
            let ids = issue_ids(pool, scope, f).await?;
            Ok(in_order(&ids, super::super::queries::issue_by_ids(pool, &ids).await?))
        }

        pub(super) async fn issue_application(
            pool: &sqlx::Pool<$db>,
            scope: &TeamScope,
            id: i64,
        ) -> $crate::Result<Option<String>> {
            let mut qb = QueryBuilder::<$db>::new(
                "SELECT a.name FROM issues i JOIN applications a ON a.id = i.application_id WHERE i.id = ",
            );
            qb.push_bind(id);
            push_scope(&mut qb, scope, "i.application_id");
            Ok(match qb.build().fetch_optional(pool).await? {
                Some(r) => Some(r.try_get(0)?),
                None => None,
            })
        }

        pub(super) async fn application_view(
            pool: &sqlx::Pool<$db>,
            scope: &TeamScope,
            name: &str,
        ) -> $crate::Result<Option<ApplicationView>> {
            let mut qb = QueryBuilder::<$db>::new(
                "SELECT a.id, p.team FROM applications a LEFT JOIN app_profiles p ON p.application_id = a.id WHERE a.name = ",
            );
            qb.push_bind(name.to_string());
            push_scope(&mut qb, scope, "a.id");
            let Some(r) = qb.build().fetch_optional(pool).await? else {
                return Ok(None);
            };
            let id: i64 = r.try_get(0)?;
            let mut view = ApplicationView {
                name: name.to_string(),
                team: r.try_get(1)?,
                targets: sqlx::query_scalar("SELECT name FROM targets WHERE application_id = $1 ORDER BY name")
                    .bind(id)
                    .fetch_all(pool)
                    .await?,
                open_by_severity: [0; 5],
                open_by_kind: Vec::new(),
                streams: Vec::new(),
            };
            let rows = sqlx::query(
                "SELECT CAST(severity AS BIGINT), kind, COUNT(*) FROM issues
                 WHERE application_id = $1 AND status IN ('open', 'reopened') GROUP BY severity, kind",
            )
            .bind(id)
            .fetch_all(pool)
            .await?;
            let mut kinds: std::collections::BTreeMap<String, u64> = Default::default();
            for r in rows {
                let (sev, kind, n): (i64, String, i64) = (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
                view.open_by_severity[severity_slot(sev)] += n as u64;
                *kinds.entry(kind).or_default() += n as u64;
            }
            view.open_by_kind = kinds.into_iter().collect();
            view.open_by_kind.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            for r in sqlx::query(
                "SELECT t.name, st.branch, st.tool, st.last_scan_id, sc.ingested_at
                 FROM streams st JOIN targets t ON t.id = st.target_id
                 LEFT JOIN scans sc ON sc.id = st.last_scan_id
                 WHERE t.application_id = $1 ORDER BY st.tool, t.name, st.branch",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
            {
                view.streams.push(StreamRow {
                    target: r.try_get(0)?,
                    branch: r.try_get(1)?,
                    tool: r.try_get(2)?,
                    last_scan_id: r.try_get(3)?,
                    last_scan_at: r.try_get(4)?,
                });
            }
            Ok(Some(view))
        }

        /// Components of visible inventories, with `extra` (a condition on `ic`/`a`) and the
        /// binds it pushes.
        async fn components(
            pool: &sqlx::Pool<$db>,
            scope: &TeamScope,
            extra: impl FnOnce(&mut QueryBuilder<'_, $db>),
            limit: u32,
        ) -> $crate::Result<Vec<ComponentRow>> {
            let mut qb = QueryBuilder::<$db>::new(
                "SELECT a.name, t.name, inv.branch, ic.name, ic.version, ic.purl, CAST(CASE WHEN ic.direct THEN 1 WHEN NOT ic.direct THEN 0 END AS BIGINT), ic.licenses
                 FROM inventory_components ic JOIN inventories inv ON inv.id = ic.inventory_id
                 JOIN targets t ON t.id = inv.target_id JOIN applications a ON a.id = t.application_id WHERE 1 = 1",
            );
            push_scope(&mut qb, scope, "a.id");
            extra(&mut qb);
            qb.push(" ORDER BY ic.name, ic.version, a.name, t.name LIMIT ")
                .push_bind(i64::from(limit));
            qb.build()
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| {
                    Ok(ComponentRow {
                        application: r.try_get(0)?,
                        target: r.try_get(1)?,
                        branch: r.try_get(2)?,
                        name: r.try_get(3)?,
                        version: r.try_get(4)?,
                        purl: r.try_get(5)?,
                        direct: r.try_get::<Option<i64>, _>(6)?.map(|d| d != 0),
                        // Stored one per line (`inventory_components.licenses`).
                        licenses: r
                            .try_get::<String, _>(7)?
                            .split('\n')
                            .filter(|l| !l.is_empty())
                            .collect::<Vec<_>>()
                            .join(", "),
                    })
                })
                .collect()
        }

        pub(super) async fn application_components(
            pool: &sqlx::Pool<$db>,
            scope: &TeamScope,
            name: &str,
            limit: u32,
        ) -> $crate::Result<Vec<ComponentRow>> {
            let name = name.to_string();
            components(pool, scope, |qb| {
                qb.push(" AND a.name = ").push_bind(name);
            }, limit)
            .await
        }

        pub(super) async fn search_components(
            pool: &sqlx::Pool<$db>,
            scope: &TeamScope,
            text: &str,
            limit: u32,
        ) -> $crate::Result<Vec<ComponentRow>> {
            let text = text.trim().to_string();
            components(pool, scope, |qb| {
                if text.starts_with("pkg:") {
                    qb.push(" AND ic.purl LIKE ")
                        .push_bind(format!("{}%", like_escape(&text)))
                        .push(" ESCAPE '\\'");
                } else {
                    qb.push(concat!(" AND ic.name ", $like, " "))
                        .push_bind(format!("%{}%", like_escape(&text)))
                        .push(" ESCAPE '\\'");
                }
            }, limit)
            .await
        }

        /// The alias group of `id` (itself included), sorted.
        pub(super) async fn alias_group(
            pool: &sqlx::Pool<$db>,
            id: &str,
        ) -> $crate::Result<Vec<String>> {
            let id = id.trim().to_string();
            let mut ids: Vec<String> = sqlx::query_scalar(
                "SELECT vuln_id FROM vuln_aliases WHERE group_id IN
                   (SELECT group_id FROM vuln_aliases WHERE UPPER(vuln_id) = $1)",
            )
            .bind(id.to_ascii_uppercase())
            .fetch_all(pool)
            .await?;
            ids.push(id);
            ids.sort_by_key(|v| v.to_ascii_uppercase());
            ids.dedup_by_key(|v| v.to_ascii_uppercase());
            Ok(ids)
        }

        pub(super) async fn posture_trend(
            pool: &sqlx::Pool<$db>,
            scope: &TeamScope,
            since: &str,
        ) -> $crate::Result<Vec<PostureDay>> {
            let mut qb = QueryBuilder::<$db>::new(
                "SELECT d.day, CAST(SUM(d.critical) AS BIGINT), CAST(SUM(d.high) AS BIGINT), CAST(SUM(d.medium) AS BIGINT),
                        CAST(SUM(d.low) AS BIGINT), CAST(SUM(d.info) AS BIGINT)
                 FROM posture_daily d WHERE d.day >= ",
            );
            qb.push_bind(since.to_string());
            push_scope(&mut qb, scope, "d.application_id");
            qb.push(" GROUP BY d.day ORDER BY d.day");
            qb.build()
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| {
                    let mut c = [0u64; 5];
                    for (k, slot) in c.iter_mut().enumerate() {
                        *slot = r.try_get::<i64, _>(k + 1)? as u64;
                    }
                    Ok(PostureDay { day: r.try_get(0)?, open_by_severity: c })
                })
                .collect()
        }

        /// `INSERT` into `posture_daily` of day `$1` and, per application, the counts by
        /// severity of the issues `i` the join condition `on` admits.
        fn posture_select(on: &str) -> String {
            format!(
                "INSERT INTO posture_daily (day, application_id, critical, high, medium, low, info)
                 SELECT CAST($1 AS TEXT), a.id,
                   SUM(CASE WHEN i.severity = 4 THEN 1 ELSE 0 END), SUM(CASE WHEN i.severity = 3 THEN 1 ELSE 0 END),
                   SUM(CASE WHEN i.severity = 2 THEN 1 ELSE 0 END), SUM(CASE WHEN i.severity = 1 THEN 1 ELSE 0 END),
                   SUM(CASE WHEN i.severity = 0 THEN 1 ELSE 0 END)
                 FROM applications a LEFT JOIN issues i ON i.application_id = a.id AND {on}
                 GROUP BY a.id"
            )
        }

        pub(super) async fn record_posture(
            pool: &sqlx::Pool<$db>,
            day: &str,
        ) -> $crate::Result<u64> {
            let mut tx = pool.begin_with($begin).await?;
            sqlx::query("DELETE FROM posture_daily WHERE day = $1")
                .bind(day)
                .execute(&mut *tx)
                .await?;
            // Today's counts are in the summary tables (migration 0010): no pass over the issues.
            let n = sqlx::query(
                "INSERT INTO posture_daily (day, application_id, critical, high, medium, low, info)
                 SELECT CAST($1 AS TEXT), a.id,
                   COALESCE(SUM(CASE WHEN s.severity = 4 THEN s.n ELSE 0 END), 0), COALESCE(SUM(CASE WHEN s.severity = 3 THEN s.n ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN s.severity = 2 THEN s.n ELSE 0 END), 0), COALESCE(SUM(CASE WHEN s.severity = 1 THEN s.n ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN s.severity = 0 THEN s.n ELSE 0 END), 0)
                 FROM applications a LEFT JOIN summary_issues s ON s.application_id = a.id AND s.status IN ('open', 'reopened')
                 GROUP BY a.id",
            )
            .bind(day)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            Ok(n)
        }

        pub(super) async fn backfill_posture(
            pool: &sqlx::Pool<$db>,
            days: &[(String, OffsetDateTime)],
        ) -> $crate::Result<u64> {
            let mut n = 0;
            let mut tx = pool.begin_with($begin).await?;
            let sql = posture_select(
                "i.status IN ('open', 'reopened', 'fixed') AND i.first_seen < $2 AND (i.fixed_at IS NULL OR i.fixed_at >= $2)",
            );
            for (day, end) in days {
                let have: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM posture_daily WHERE day = $1")
                    .bind(day)
                    .fetch_one(&mut *tx)
                    .await?;
                if have == 0 {
                    n += sqlx::query(&sql)
                        .bind(day)
                        .bind(*end)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                }
            }
            tx.commit().await?;
            Ok(n)
        }
    };
}
pub(crate) use dashboard_common;

/// Implements [`DashboardStore`] for `$store` by calling the `common` module's functions and
/// `vulnerability_issue_ids` (the one query whose SQL differs between the backends).
macro_rules! impl_dashboard_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::dashboard::DashboardStore for $store {
            async fn dashboard_counts(
                &self,
                scope: &rampart_model::TeamScope,
            ) -> $crate::Result<$crate::dashboard::DashboardCounts> {
                common::dashboard_counts(&self.pool, scope).await
            }
            async fn dashboard_issues(
                &self,
                scope: &rampart_model::TeamScope,
                filter: &$crate::dashboard::IssueFilter,
            ) -> $crate::Result<Vec<rampart_model::Issue>> {
                match filter.as_team_queue(scope) {
                    Some(q) => $crate::Store::list_issues(self, &q).await,
                    None => common::dashboard_issues(&self.pool, scope, filter).await,
                }
            }
            async fn issue_application(
                &self,
                scope: &rampart_model::TeamScope,
                id: i64,
            ) -> $crate::Result<Option<String>> {
                common::issue_application(&self.pool, scope, id).await
            }
            async fn application_view(
                &self,
                scope: &rampart_model::TeamScope,
                name: &str,
            ) -> $crate::Result<Option<$crate::dashboard::ApplicationView>> {
                common::application_view(&self.pool, scope, name).await
            }
            async fn application_components(
                &self,
                scope: &rampart_model::TeamScope,
                name: &str,
                limit: u32,
            ) -> $crate::Result<Vec<$crate::dashboard::ComponentRow>> {
                common::application_components(&self.pool, scope, name, limit).await
            }
            async fn search_components(
                &self,
                scope: &rampart_model::TeamScope,
                text: &str,
                limit: u32,
            ) -> $crate::Result<Vec<$crate::dashboard::ComponentRow>> {
                common::search_components(&self.pool, scope, text, limit).await
            }
            async fn search_vulnerability(
                &self,
                scope: &rampart_model::TeamScope,
                id: &str,
                limit: u32,
            ) -> $crate::Result<$crate::dashboard::VulnerabilityHits> {
                let ids = common::alias_group(&self.pool, id).await?;
                let issue_ids = vulnerability_issue_ids(&self.pool, scope, &ids, limit).await?;
                let issues = super::queries::issue_by_ids(&self.pool, &issue_ids).await?;
                Ok($crate::dashboard::VulnerabilityHits {
                    ids,
                    issues: $crate::dashboard::in_order(&issue_ids, issues),
                })
            }
            async fn posture_trend(
                &self,
                scope: &rampart_model::TeamScope,
                since: &str,
            ) -> $crate::Result<Vec<$crate::dashboard::PostureDay>> {
                common::posture_trend(&self.pool, scope, since).await
            }
            async fn record_posture(&self, day: &str) -> $crate::Result<u64> {
                common::record_posture(&self.pool, day).await
            }
            async fn backfill_posture(
                &self,
                days: &[(String, time::OffsetDateTime)],
            ) -> $crate::Result<u64> {
                common::backfill_posture(&self.pool, days).await
            }
        }
    };
}
pub(crate) use impl_dashboard_store;
