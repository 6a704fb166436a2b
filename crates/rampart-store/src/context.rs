//! Business context, risk and VEX in the store (issue 5): the application catalog with its
//! versions, the inputs the risk score is computed from and the stored score, and imported VEX
//! statements. [`ContextStore`] is a supertrait of [`Store`](crate::Store); both backends
//! implement it (`sqlite/context.rs`, `postgres/context.rs`).

use crate::Result;
use async_trait::async_trait;
use rampart_model::{
    AppProfile, CatalogChange, FindingKind, Issue, IssueStatus, Severity, VexStatement, VexStatus,
};
use serde::Serialize;
use time::OffsetDateTime;

/// One version of an application's catalog entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CatalogVersion {
    /// Application.
    pub application: String,
    /// Version (1 for the first).
    pub version: i64,
    /// When it was applied.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The file it came from.
    pub source: String,
    /// The entry.
    pub profile: AppProfile,
}

/// Where one observation of an issue was made: a stream's target and branch as of a scan.
#[derive(Debug, Clone, PartialEq)]
pub struct SightingRow {
    /// Target.
    pub target: String,
    /// Branch.
    pub branch: String,
    /// The environment that scan declared (`production`, `staging`, `dev`).
    pub environment: Option<String>,
    /// When the stream last reported it.
    pub last_seen: OffsetDateTime,
    /// Whether the stream's latest scan still reports it.
    pub active: bool,
    /// The normalized observation.
    pub observation: serde_json::Value,
}

/// The VEX decision currently in force on an issue.
#[derive(Debug, Clone, PartialEq)]
pub struct VexFact {
    /// The statement's status.
    pub status: VexStatus,
    /// Its justification.
    pub justification: Option<String>,
    /// Who (`vex:<document>`).
    pub actor: String,
}

/// What the risk score of one issue is computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueRiskRow {
    /// Issue id.
    pub id: i64,
    /// Kind.
    pub kind: FindingKind,
    /// Worst severity.
    pub severity: Severity,
    /// Status.
    pub status: IssueStatus,
    /// CWEs.
    pub cwes: Vec<u32>,
    /// Vulnerability ids.
    pub vuln_ids: Vec<String>,
    /// The stored score.
    pub risk: u8,
    /// Every observation with where it was made.
    pub sightings: Vec<SightingRow>,
    /// The VEX decision in force, if any.
    pub vex: Option<VexFact>,
}

/// Business context, risk and VEX storage.
#[async_trait]
pub trait ContextStore: Send + Sync {
    /// Records the catalog entries of `profiles` (creating applications that do not exist yet):
    /// an entry that differs from the current one becomes a new version. One transaction.
    async fn apply_catalog(
        &self,
        profiles: &[AppProfile],
        source: &str,
        at: OffsetDateTime,
    ) -> Result<Vec<CatalogChange>>;

    /// The current catalog entry of `application`.
    async fn app_profile(&self, application: &str) -> Result<Option<AppProfile>>;

    /// Every version of `application`'s entry, oldest first.
    async fn catalog_history(&self, application: &str) -> Result<Vec<CatalogVersion>>;

    /// Up to `limit` issues of `application` with ids above `after`, in id order, with what
    /// their risk is computed from (a page: callers loop on the last id).
    async fn risk_inputs(
        &self,
        application: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<IssueRiskRow>>;

    /// The same for a set of issues (any application).
    async fn risk_inputs_of(&self, ids: &[i64]) -> Result<Vec<IssueRiskRow>>;

    /// Stores risk scores, in batches; returns how many changed.
    async fn set_risk(&self, scores: &[(i64, u8)]) -> Result<u64>;

    /// Stores VEX statements (about `application`, or every application when `None`);
    /// statements already stored are not stored twice. Returns how many were new.
    async fn add_vex_statements(
        &self,
        application: Option<&str>,
        statements: &[VexStatement],
        at: OffsetDateTime,
    ) -> Result<u64>;

    /// The VEX statements that apply to `application` (its own and the global ones).
    async fn vex_statements(&self, application: &str) -> Result<Vec<VexStatement>>;

    /// Issues of `application` (any status) naming any of `vuln_ids`.
    async fn issues_with_vulns(&self, application: &str, vuln_ids: &[String])
    -> Result<Vec<Issue>>;
}

/// `,a,b,`: an entry's team and owners as stored, so that `strpos`/`instr` of `,name,` finds one.
pub(crate) fn owners_column(p: &AppProfile) -> String {
    let mut s = String::from(",");
    for o in p.team.iter().chain(p.owners.iter()) {
        s.push_str(&o.replace(',', " "));
        s.push(',');
    }
    s
}

/// A stored JSON document that does not read back.
pub(crate) fn json_err(e: serde_json::Error) -> crate::StoreError {
    crate::StoreError::Corrupt(format!("stored JSON: {e}"))
}

/// The catalog and VEX-statement methods of [`ContextStore`], written once for both backends:
/// JSON travels as text (`$jin` casts a parameter on the way in, `::jsonb` on PostgreSQL;
/// `$jout` casts a column on the way out, `::text`), and a write transaction opens with `$begin`.
/// Expanded in `sqlite/context.rs` and `postgres/context.rs` as free functions taking the pool.
/// `$instr` is the function that finds a substring (`instr`, `strpos`).
macro_rules! context_common {
    ($db:ty, $begin:literal, $jin:literal, $jout:literal, $instr:literal) => {
        /// The `--team` / `--owner` filters of an issue list, its team scope (issue 7) and
        /// its keyset cursor, as `AND` terms on `i.application_id` and the sort key. With
        /// `teams` false the scope and the team filter are left to the caller (a
        /// [`per_application_top`]($crate::scoped::per_application_top) statement puts them
        /// on the applications it walks).
        pub(crate) fn push_owner_filters(
            qb: &mut impl $crate::scoped::SqlWriter,
            q: &$crate::IssueQuery,
            teams: bool,
        ) {
            if teams {
                $crate::scoped::push_scope(qb, &q.scope, "i.application_id");
            }
            if let Some(c) = q.after {
                // Row values, so the (key DESC, id DESC) index seeks to the cursor.
                match q.sort {
                    $crate::IssueSort::Risk => {
                        qb.sql(" AND (i.risk, i.id) < (").bind_int(c.key).sql(", ").bind_int(c.id).sql(")");
                    }
                    $crate::IssueSort::Severity => {
                        qb.sql(" AND (i.severity, i.id) < (").bind_int(c.key).sql(", ").bind_int(c.id).sql(")");
                    }
                    $crate::IssueSort::Id => {
                        qb.sql(" AND i.id > ").bind_int(c.id);
                    }
                    $crate::IssueSort::Newest => {}
                }
            }
            if let (true, Some(team)) = (teams, &q.team) {
                qb.sql(" AND i.application_id IN (SELECT application_id FROM app_profiles WHERE team = ")
                    .bind_text(team.clone())
                    .sql(")");
            }
            if let Some(owner) = &q.owner {
                qb.sql(concat!(
                    " AND i.application_id IN (SELECT application_id FROM app_profiles WHERE ",
                    $instr,
                    "(owners, "
                ))
                .bind_text(format!(",{owner},"))
                .sql(") > 0)");
            }
        }

        /// Up to `limit` ids of `application`'s issues above `after`, in id order.
        pub(super) async fn issue_page(
            pool: &sqlx::Pool<$db>,
            application: &str,
            after: i64,
            limit: u32,
        ) -> $crate::Result<Vec<i64>> {
            Ok(sqlx::query_scalar(
                "SELECT i.id FROM issues i WHERE i.application_id = (SELECT id FROM applications WHERE name = $1)
                 AND i.id > $2 ORDER BY i.id LIMIT $3",
            )
            .bind(application)
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?)
        }

        use $crate::context::{json_err, owners_column};
        use rampart_model::{AppProfile, CatalogChange, VexStatement};
        use time::OffsetDateTime;

        pub(super) async fn apply_catalog(
            pool: &sqlx::Pool<$db>,
            profiles: &[AppProfile],
            source: &str,
            at: OffsetDateTime,
        ) -> $crate::Result<Vec<CatalogChange>> {
            let mut tx = pool.begin_with($begin).await?;
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
                let json = serde_json::to_string(p).map_err(json_err)?;
                let current: Option<(i64, String)> = sqlx::query_as(concat!(
                    "SELECT version, profile", $jout, " FROM app_profiles WHERE application_id = $1"
                ))
                .bind(app)
                .fetch_optional(&mut *tx)
                .await?;
                let version = match &current {
                    Some((v, old))
                        if serde_json::from_str::<serde_json::Value>(old).ok()
                            == serde_json::to_value(p).ok() =>
                    {
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
                sqlx::query(concat!(
                    "INSERT INTO app_profiles (application_id, version, team, owners, profile, source, updated_at)
                     VALUES ($1, $2, $3, $4, $5", $jin, ", $6, $7)
                     ON CONFLICT (application_id) DO UPDATE SET version = excluded.version, team = excluded.team,
                       owners = excluded.owners, profile = excluded.profile, source = excluded.source, updated_at = excluded.updated_at"
                ))
                .bind(app)
                .bind(version)
                .bind(&p.team)
                .bind(owners_column(p))
                .bind(&json)
                .bind(source)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                sqlx::query(concat!(
                    "INSERT INTO catalog_versions (application_id, version, at, source, profile) VALUES ($1, $2, $3, $4, $5",
                    $jin, ")"
                ))
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

        pub(super) async fn app_profile(
            pool: &sqlx::Pool<$db>,
            application: &str,
        ) -> $crate::Result<Option<AppProfile>> {
            let row: Option<String> = sqlx::query_scalar(concat!(
                "SELECT p.profile", $jout,
                " FROM app_profiles p JOIN applications a ON a.id = p.application_id WHERE a.name = $1"
            ))
            .bind(application)
            .fetch_optional(pool)
            .await?;
            row.map(|j| serde_json::from_str(&j).map_err(json_err))
                .transpose()
        }

        pub(super) async fn catalog_history(
            pool: &sqlx::Pool<$db>,
            application: &str,
        ) -> $crate::Result<Vec<$crate::context::CatalogVersion>> {
            sqlx::query(concat!(
                "SELECT v.version, v.at, v.source, v.profile", $jout,
                " FROM catalog_versions v JOIN applications a ON a.id = v.application_id
                 WHERE a.name = $1 ORDER BY v.version"
            ))
            .bind(application)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| {
                let json: String = sqlx::Row::try_get(r, 3)?;
                Ok($crate::context::CatalogVersion {
                    application: application.to_string(),
                    version: sqlx::Row::try_get(r, 0)?,
                    at: sqlx::Row::try_get(r, 1)?,
                    source: sqlx::Row::try_get(r, 2)?,
                    profile: serde_json::from_str(&json).map_err(json_err)?,
                })
            })
            .collect()
        }

        pub(super) async fn add_vex_statements(
            pool: &sqlx::Pool<$db>,
            application: Option<&str>,
            statements: &[VexStatement],
            at: OffsetDateTime,
        ) -> $crate::Result<u64> {
            let mut added = 0;
            let mut tx = pool.begin_with($begin).await?;
            for s in statements {
                let json = serde_json::to_string(s).map_err(json_err)?;
                added += sqlx::query(concat!(
                    "INSERT INTO vex_statements (application, document, source_ref, statement, imported_at)
                     VALUES ($1, $2, $3, $4", $jin, ", $5) ON CONFLICT DO NOTHING"
                ))
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

        pub(super) async fn vex_statements(
            pool: &sqlx::Pool<$db>,
            application: &str,
        ) -> $crate::Result<Vec<VexStatement>> {
            let rows: Vec<String> = sqlx::query_scalar(concat!(
                "SELECT statement", $jout,
                " FROM vex_statements WHERE application IS NULL OR application = $1 ORDER BY id"
            ))
            .bind(application)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|j| serde_json::from_str(j).map_err(json_err))
                .collect()
        }
    };
}
pub(crate) use context_common;
