//! REST API v1 under `/api/v1`, its OpenAPI document at `/api/openapi.json`.

use crate::AppState;
use axum::Router;

/// The API's routes.
pub fn router() -> Router<AppState> {
    Router::new()
}
