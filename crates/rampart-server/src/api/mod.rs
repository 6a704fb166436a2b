//! REST API v1 under `/api/v1`, its OpenAPI 3.1 document at `/api/openapi.json` and a docs
//! page at `/api/docs`. Every answer is JSON; errors have one shape ([`crate::error`]).

pub mod session;

use crate::AppState;
use axum::Router;
use axum::routing::get;

/// The API's routes.
pub fn router(_state: &AppState) -> Router<AppState> {
    Router::new().route(
        "/api/v1/session",
        get(session::whoami)
            .post(session::login)
            .delete(session::logout),
    )
}
