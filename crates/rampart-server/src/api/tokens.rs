//! Revoking an API token through the API (`DELETE /api/v1/tokens/{id}`, administrators): the
//! token stops working on this server at once (its cached caller is dropped) and on other
//! servers sharing the database within `auth.principal_cache_secs` (see `auth::cache`).
//! Tokens are created and listed with `rampart tokens`.

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use rampart_model::Role;
use time::OffsetDateTime;

/// Revoke an API token (administrators).
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "session", params(("id" = i64, Path)),
    responses((status = 204, description = "revoked"), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "no such token, or revoked already")))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::Admin)?;
    if !state
        .store
        .revoke_token(id, OffsetDateTime::now_utc())
        .await?
    {
        return Err(ApiError::not_found(format!("token {id}")));
    }
    // The cache is keyed by digest, which the store does not give back: drop every entry.
    state.auth.principals.clear();
    tracing::info!(token = id, subject = caller.subject, "token revoked");
    Ok(StatusCode::NO_CONTENT)
}
