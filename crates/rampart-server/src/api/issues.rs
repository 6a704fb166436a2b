//! Issues: the list (filters, risk order, keyset cursor), one issue, its observations and
//! history, and triage. Every read passes the caller's scope to the store; an issue outside
//! it answers 404 exactly like one that does not exist.

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use rampart_model::{FindingKind, Issue, IssueStatus, Role, Severity, TriageRequest, VexStatus};
use rampart_store::{IssueCursor, IssueEvent, IssueQuery, IssueSort, ObservationRecord};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

/// Largest page.
pub const MAX_LIMIT: u32 = 500;

/// Filters of the issue list. Lists are comma-separated.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IssueListParams {
    /// Only this application.
    pub application: Option<String>,
    /// Severities: `critical,high`.
    pub severity: Option<String>,
    /// Statuses (default: open and reopened); `all` for every status.
    pub status: Option<String>,
    /// Kinds: `sast,sca,secret,iac,container,dast`.
    pub kind: Option<String>,
    /// Only issues this tool reports.
    pub tool: Option<String>,
    /// Only applications of this team (within the caller's teams).
    pub team: Option<String>,
    /// `risk` (default), `severity` or `id`.
    pub sort: Option<String>,
    /// Page size (default 50, at most 500).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// An issue.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssueView {
    /// Id.
    pub id: i64,
    /// Application.
    pub application: String,
    /// Kind: sast, sca, secret, iac, container, dast.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Worst severity reported.
    pub severity: String,
    /// Lifecycle status.
    pub status: String,
    /// Risk score 0–100.
    pub risk: u8,
    /// Rule.
    pub rule_id: String,
    /// Where.
    pub location: String,
    /// Vulnerability ids (CVE, GHSA, ...).
    pub vuln_ids: Vec<String>,
    /// CWEs.
    pub cwes: Vec<u32>,
    /// Tools that report it.
    pub tools: Vec<String>,
    /// First seen.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub first_seen: OffsetDateTime,
    /// Last seen.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub last_seen: OffsetDateTime,
    /// Fixed at.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub fixed_at: Option<OffsetDateTime>,
}

impl From<Issue> for IssueView {
    fn from(i: Issue) -> IssueView {
        IssueView {
            id: i.id,
            application: i.application,
            kind: i.kind.as_str().into(),
            title: i.title,
            severity: i.severity.as_str().into(),
            status: i.status.as_str().into(),
            risk: i.risk,
            rule_id: i.rule_id,
            location: i.location,
            vuln_ids: i.vuln_ids.into_iter().map(|v| v.0).collect(),
            cwes: i.cwes,
            tools: i.tools,
            first_seen: i.first_seen,
            last_seen: i.last_seen,
            fixed_at: i.fixed_at,
        }
    }
}

/// A page of issues.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuePage {
    /// The issues, in the requested order.
    pub items: Vec<IssueView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// An issue with its observations and history.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssueDetailView {
    /// The issue.
    pub issue: IssueView,
    /// Every tool's observation of it (active first): tool, target, branch, rule, severity,
    /// location, the normalized observation.
    #[schema(value_type = Vec<Object>)]
    pub observations: Vec<ObservationRecord>,
    /// History, oldest first: new, fixed, reopened, moved, triaged ...
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<IssueEvent>,
    /// Triage decisions, oldest first.
    #[schema(value_type = Vec<Object>)]
    pub triage: Vec<rampart_model::TriageDecision>,
}

fn list<T>(
    s: &Option<String>,
    what: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<T>, ApiError> {
    let Some(s) = s else { return Ok(Vec::new()) };
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(|x| parse(x).ok_or_else(|| ApiError::bad_request(format!("unknown {what} `{x}`"))))
        .collect()
}

fn encode_cursor(sort: IssueSort, last: &Issue) -> String {
    match sort {
        IssueSort::Risk => format!("r.{}.{}", last.risk, last.id),
        IssueSort::Severity => format!("s.{}.{}", last.severity as i64, last.id),
        _ => format!("i.0.{}", last.id),
    }
}

fn decode_cursor(sort: IssueSort, c: &str) -> Result<IssueCursor, ApiError> {
    let bad = || ApiError::bad_request(format!("cursor `{c}` is not a cursor of this sort"));
    let mut parts = c.split('.');
    let tag = parts.next().ok_or_else(bad)?;
    let want = match sort {
        IssueSort::Risk => "r",
        IssueSort::Severity => "s",
        _ => "i",
    };
    if tag != want {
        return Err(bad());
    }
    let key = parts.next().and_then(|k| k.parse().ok()).ok_or_else(bad)?;
    let id = parts.next().and_then(|k| k.parse().ok()).ok_or_else(bad)?;
    if parts.next().is_some() {
        return Err(bad());
    }
    Ok(IssueCursor { key, id })
}

/// The store query for `p`, scoped to what `caller` may read.
pub fn issue_query(p: &IssueListParams, caller: &Caller) -> Result<IssueQuery, ApiError> {
    let sort = match p.sort.as_deref().unwrap_or("risk") {
        "risk" => IssueSort::Risk,
        "severity" => IssueSort::Severity,
        "id" => IssueSort::Id,
        other => {
            return Err(ApiError::bad_request(format!(
                "unknown sort `{other}`: expected risk, severity or id"
            )));
        }
    };
    let limit = p.limit.unwrap_or(50);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ApiError::bad_request(format!(
            "limit must be 1 to {MAX_LIMIT}"
        )));
    }
    let all_statuses = p.status.as_deref() == Some("all");
    Ok(IssueQuery {
        application: p.application.clone(),
        severities: list(&p.severity, "severity", |s| s.parse::<Severity>().ok())?,
        statuses: if all_statuses {
            Vec::new()
        } else {
            list(&p.status, "status", |s| s.parse::<IssueStatus>().ok())?
        },
        all_statuses,
        tool: p.tool.clone(),
        kinds: list(&p.kind, "kind", FindingKind::parse)?,
        team: p.team.clone(),
        owner: None,
        sort,
        limit: Some(limit),
        scope: caller.scope_for(Role::Read),
        after: p
            .cursor
            .as_deref()
            .map(|c| decode_cursor(sort, c))
            .transpose()?,
    })
}

/// List issues: filtered, ordered by risk (default), a page at a time (keyset cursor).
#[utoipa::path(get, path = "/api/v1/issues", tag = "issues", params(IssueListParams),
    responses((status = 200, body = IssuePage), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_issues(
    State(state): State<AppState>,
    caller: Caller,
    Query(p): Query<IssueListParams>,
) -> Result<Json<IssuePage>, ApiError> {
    caller.require(Role::Read)?;
    let q = issue_query(&p, &caller)?;
    let issues = state.store.list_issues(&q).await?;
    let next_cursor = match (issues.last(), q.limit) {
        (Some(last), Some(limit)) if issues.len() == limit as usize => {
            Some(encode_cursor(q.sort, last))
        }
        _ => None,
    };
    Ok(Json(IssuePage {
        items: issues.into_iter().map(IssueView::from).collect(),
        next_cursor,
    }))
}

/// The application of issue `id` if `caller` may see it with `role`, else 404.
async fn visible(
    state: &AppState,
    caller: &Caller,
    id: i64,
    role: Role,
) -> Result<String, ApiError> {
    state
        .store
        .issue_visible(id, &caller.scope_for(role))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("issue {id}")))
}

async fn detail(state: &AppState, caller: &Caller, id: i64) -> Result<IssueDetailView, ApiError> {
    caller.require(Role::Read)?;
    visible(state, caller, id, Role::Read).await?;
    let d = state
        .store
        .issue_detail(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("issue {id}")))?;
    Ok(IssueDetailView {
        issue: d.issue.into(),
        observations: d.observations,
        events: d.events,
        triage: state.store.triage_history(id).await?,
    })
}

/// One issue with its observations, history and triage decisions.
#[utoipa::path(get, path = "/api/v1/issues/{id}", tag = "issues", params(("id" = i64, Path)),
    responses((status = 200, body = IssueDetailView), (status = 404, body = ErrorBody)))]
pub async fn get_issue(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<IssueDetailView>, ApiError> {
    Ok(Json(detail(&state, &caller, id).await?))
}

/// An issue's observations: what each tool said, where.
#[utoipa::path(get, path = "/api/v1/issues/{id}/observations", tag = "issues", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Object>), (status = 404, body = ErrorBody)))]
pub async fn get_observations(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ObservationRecord>>, ApiError> {
    Ok(Json(detail(&state, &caller, id).await?.observations))
}

/// An issue's history: lifecycle events and triage decisions.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryView {
    /// Events, oldest first.
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<IssueEvent>,
    /// Triage decisions, oldest first.
    #[schema(value_type = Vec<Object>)]
    pub triage: Vec<rampart_model::TriageDecision>,
}

/// An issue's history.
#[utoipa::path(get, path = "/api/v1/issues/{id}/history", tag = "issues", params(("id" = i64, Path)),
    responses((status = 200, body = HistoryView), (status = 404, body = ErrorBody)))]
pub async fn get_history(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<HistoryView>, ApiError> {
    let d = detail(&state, &caller, id).await?;
    Ok(Json(HistoryView {
        events: d.events,
        triage: d.triage,
    }))
}

/// A triage decision.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TriageBody {
    /// false_positive, risk_accepted, mitigated, not_affected, or open to reopen.
    pub status: String,
    /// Why.
    pub reason: String,
    /// Who approved (required for risk_accepted).
    pub approver: Option<String>,
    /// Expiry, RFC 3339 (required for risk_accepted).
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<OffsetDateTime>,
    /// VEX justification (required for not_affected).
    pub justification: Option<String>,
}

/// Record a triage decision (needs the triage role in the issue's team).
#[utoipa::path(post, path = "/api/v1/issues/{id}/triage", tag = "issues", params(("id" = i64, Path)),
    request_body = TriageBody,
    responses((status = 200, body = Object, description = "the decision"), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn triage(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    body: Result<Json<TriageBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<rampart_model::TriageDecision>, ApiError> {
    caller.require(Role::Triage)?;
    // Visible to read but not to triage in that team: forbidden; not visible at all: 404.
    if visible(&state, &caller, id, Role::Triage).await.is_err() {
        visible(&state, &caller, id, Role::Read).await?;
        return Err(ApiError::forbidden(
            "triage needs the triage role in the issue's team",
        ));
    }
    let Json(body) = body.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let status: IssueStatus = body
        .status
        .parse()
        .map_err(|_| ApiError::bad_request(format!("unknown status `{}`", body.status)))?;
    let request = TriageRequest {
        status,
        actor: caller.subject.clone(),
        reason: body.reason,
        approver: body.approver,
        expires_at: body.expires_at,
        justification: body.justification,
        vex_status: None::<VexStatus>,
    };
    let d = rampart_service::triage::decide(
        state.store.as_ref(),
        id,
        &request,
        OffsetDateTime::now_utc(),
    )
    .await
    .map_err(|e| match e {
        rampart_service::IngestError::Invalid(m) => ApiError::bad_request(m),
        e => ApiError::internal(e),
    })?;
    Ok(Json(d))
}

/// Undo the triage decision in force (needs the triage role in the issue's team).
#[utoipa::path(delete, path = "/api/v1/issues/{id}/triage", tag = "issues", params(("id" = i64, Path)),
    responses((status = 200, body = Object, description = "the ended decision"), (status = 404, body = ErrorBody)))]
pub async fn undo_triage(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<(StatusCode, Json<rampart_model::TriageDecision>), ApiError> {
    caller.require(Role::Triage)?;
    if visible(&state, &caller, id, Role::Triage).await.is_err() {
        visible(&state, &caller, id, Role::Read).await?;
        return Err(ApiError::forbidden(
            "triage needs the triage role in the issue's team",
        ));
    }
    let d = rampart_service::triage::undo(
        state.store.as_ref(),
        id,
        &caller.subject,
        OffsetDateTime::now_utc(),
    )
    .await
    .map_err(|e| match e {
        rampart_service::IngestError::Invalid(m) => ApiError::not_found(m),
        e => ApiError::internal(e),
    })?;
    Ok((StatusCode::OK, Json(d)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_other_sorts() {
        let c = decode_cursor(IssueSort::Risk, "r.87.1234").unwrap();
        assert_eq!((c.key, c.id), (87, 1234));
        assert!(decode_cursor(IssueSort::Severity, "r.87.1234").is_err());
        assert!(decode_cursor(IssueSort::Risk, "r.87").is_err());
        assert!(decode_cursor(IssueSort::Risk, "r.x.1").is_err());
        assert!(decode_cursor(IssueSort::Risk, "r.1.2.3").is_err());
    }
}
