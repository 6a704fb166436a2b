//! `/api/v1/session`: log in (POST), who am I (GET), log out (DELETE).

use crate::AppState;
use crate::auth::{self, Caller, client_address};
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;
use utoipa::ToSchema;

/// A login.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// User name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// The caller, as the session or token sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionInfo {
    /// `user:<name>` or `token:<id>`.
    pub subject: String,
    /// Highest role.
    pub role: String,
    /// Administrator.
    pub admin: bool,
    /// Teams and the role in each.
    pub teams: Vec<TeamRole>,
    /// The CSRF token to send as `X-CSRF-Token` on unsafe requests (sessions only).
    pub csrf_token: Option<String>,
}

/// A team membership.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamRole {
    /// Team.
    pub team: String,
    /// Role in it.
    pub role: String,
}

fn info(c: &Caller, csrf: Option<String>) -> SessionInfo {
    SessionInfo {
        subject: c.subject.clone(),
        role: c.role.as_str().into(),
        admin: c.admin,
        teams: c
            .memberships
            .iter()
            .map(|(t, r)| TeamRole {
                team: t.clone(),
                role: r.as_str().into(),
            })
            .collect(),
        csrf_token: csrf,
    }
}

/// Log in with a user name and password; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = LoginRequest,
    security(()),
    responses((status = 200, body = SessionInfo), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(State(state): State<AppState>, req: Request) -> Result<Response, ApiError> {
    let client = client_address(&state.auth, req.headers(), req.extensions());
    let bytes = axum::body::to_bytes(req.into_body(), 64 * 1024)
        .await
        .map_err(|_| ApiError::bad_request("the login body is too large"))?;
    let body: LoginRequest = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::bad_request(format!(
            "expected a JSON object {{\"username\": ..., \"password\": ...}}: {e}"
        ))
    })?;
    let outcome = match auth::login(&state, &body.username, &body.password, &client).await {
        Ok(o) => o,
        Err(e) => {
            state.metrics.logins_refused.fetch_add(1, Ordering::Relaxed);
            return Err(e.into());
        }
    };
    let body = info(&outcome.caller, Some(outcome.csrf_token));
    Ok(([(header::SET_COOKIE, outcome.set_cookie)], Json(body)).into_response())
}

/// Who the caller is (and, for a session, its CSRF token).
#[utoipa::path(get, path = "/api/v1/session", tag = "session",
    responses((status = 200, body = SessionInfo), (status = 401, body = ErrorBody)))]
pub async fn whoami(caller: Caller) -> Json<SessionInfo> {
    let csrf = caller.csrf_token().map(String::from);
    Json(info(&caller, csrf))
}

/// Log out: ends the session and clears its cookie (needs `X-CSRF-Token`).
#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    _caller: Caller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = auth::session_cookie(&headers);
    let clear = auth::logout(&state, id.as_deref()).await?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear)]).into_response())
}
