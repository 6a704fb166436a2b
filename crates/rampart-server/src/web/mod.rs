//! The web dashboard: server-rendered pages, every asset embedded in the binary.

use crate::AppState;
use axum::Router;

/// The dashboard's routes.
pub fn router() -> Router<AppState> {
    Router::new()
}
