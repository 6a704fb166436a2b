//! Applications (list, one, its scans) and portfolio metrics, over the caller's teams only.

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::{Path, Query, State};
use rampart_model::{Role, Scan};
use rampart_store::{PortfolioSummary, ScopedApplication};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// An application and its counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationView {
    /// Name.
    pub name: String,
    /// Owning team (catalog).
    pub team: Option<String>,
    /// Targets.
    pub targets: u64,
    /// Scans.
    pub scans: u64,
    /// Open issues by severity: [critical, high, medium, low, info].
    pub open_by_severity: [u64; 5],
    /// Issues in any status.
    pub issues_total: u64,
    /// Last scan.
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_scan: Option<time::OffsetDateTime>,
}

impl From<ScopedApplication> for ApplicationView {
    fn from(a: ScopedApplication) -> ApplicationView {
        ApplicationView {
            name: a.summary.name,
            team: a.team,
            targets: a.summary.targets,
            scans: a.summary.scans,
            open_by_severity: a.summary.open_by_severity,
            issues_total: a.summary.issues_total,
            last_scan: a.summary.last_scan,
        }
    }
}

/// One application with its catalog entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationDetail {
    /// Counts.
    #[serde(flatten)]
    pub application: ApplicationView,
    /// The catalog entry (tier, data classification, exposure, owners, ...).
    #[schema(value_type = Option<Object>)]
    pub profile: Option<rampart_model::AppProfile>,
}

/// Applications the caller's teams own, by name.
#[utoipa::path(get, path = "/api/v1/applications", tag = "applications",
    responses((status = 200, body = Vec<ApplicationView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<ApplicationView>>, ApiError> {
    caller.require(Role::Read)?;
    let apps = state
        .store
        .applications_in(&caller.scope_for(Role::Read), None)
        .await?;
    Ok(Json(apps.into_iter().map(ApplicationView::from).collect()))
}

/// One application.
#[utoipa::path(get, path = "/api/v1/applications/{name}", tag = "applications", params(("name" = String, Path)),
    responses((status = 200, body = ApplicationDetail), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Json<ApplicationDetail>, ApiError> {
    caller.require(Role::Read)?;
    let app = state
        .store
        .applications_in(&caller.scope_for(Role::Read), Some(&name))
        .await?
        .pop()
        .ok_or_else(|| ApiError::not_found(format!("application `{name}`")))?;
    Ok(Json(ApplicationDetail {
        application: app.into(),
        profile: state.store.app_profile(&name).await?,
    }))
}

/// How many scans.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScansParams {
    /// At most this many, newest first (default 20, at most 500).
    pub limit: Option<u32>,
}

/// An application's most recent scans.
#[utoipa::path(get, path = "/api/v1/applications/{name}/scans", tag = "applications",
    params(("name" = String, Path), ScansParams),
    responses((status = 200, body = Vec<Object>), (status = 404, body = ErrorBody)))]
pub async fn scans(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    Query(p): Query<ScansParams>,
) -> Result<Json<Vec<Scan>>, ApiError> {
    caller.require(Role::Read)?;
    if !state
        .store
        .application_visible(&name, &caller.scope_for(Role::Read))
        .await?
    {
        return Err(ApiError::not_found(format!("application `{name}`")));
    }
    let limit = p.limit.unwrap_or(20).clamp(1, 500);
    Ok(Json(state.store.list_scans(Some(&name), limit).await?))
}

/// Portfolio counts over the caller's applications.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortfolioView {
    /// Applications.
    pub applications: u64,
    /// Scans.
    pub scans: u64,
    /// Observations.
    pub observations: u64,
    /// Issues by status.
    pub issues_by_status: Vec<(String, u64)>,
    /// Open issues by severity: [critical, high, medium, low, info].
    pub open_by_severity: [u64; 5],
    /// Open issues by kind.
    pub open_by_kind: Vec<(String, u64)>,
    /// Open issues per tool that reports them.
    pub open_by_tool: Vec<(String, u64)>,
    /// Open issues more than one tool reports.
    pub open_multi_tool: u64,
}

impl From<PortfolioSummary> for PortfolioView {
    fn from(p: PortfolioSummary) -> PortfolioView {
        PortfolioView {
            applications: p.applications,
            scans: p.scans,
            observations: p.observations,
            issues_by_status: p.issues_by_status,
            open_by_severity: p.open_by_severity,
            open_by_kind: p.open_by_kind,
            open_by_tool: p.open_by_tool,
            open_multi_tool: p.open_multi_tool,
        }
    }
}

/// Portfolio metrics over the applications the caller's teams own.
#[utoipa::path(get, path = "/api/v1/portfolio", tag = "applications",
    responses((status = 200, body = PortfolioView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn portfolio(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<PortfolioView>, ApiError> {
    caller.require(Role::Read)?;
    Ok(Json(
        state
            .store
            .portfolio_in(&caller.scope_for(Role::Read))
            .await?
            .into(),
    ))
}
