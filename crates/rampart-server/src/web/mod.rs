//! The web dashboard: server-rendered pages (askama templates in `templates/`, htmx for
//! partial updates, Chart.js for charts), every asset embedded in the binary (`assets`).
//!
//! Every page needs a login (`session::PageCaller` sends visitors to `/login`) and reads the
//! store through [`rampart_store::DashboardStore`] with the caller's team scope, so another
//! team's application or issue is "not found". Forms that change something carry the
//! session's CSRF token. Responses carry a strict Content-Security-Policy: scripts and styles
//! from this server only, no inline script or style.

mod apps;
pub mod assets;
mod compliance;
mod error;
mod issue;
mod issue_table;
mod issues;
mod login;
mod overview;
mod search;
mod session;
mod sla;
pub mod views;

pub use error::WebError;

use crate::AppState;
use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::Response;
use axum::routing::{get, post};

/// The Content-Security-Policy of every dashboard response.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The dashboard's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(overview::page))
        .route("/apps", get(apps::list))
        .route("/apps/{name}", get(apps::page))
        .route("/issues", get(issues::list))
        .route("/issues/{id}", get(issue::page))
        .route("/issues/{id}/triage", post(issue::triage))
        .route("/issues/{id}/untriage", post(issue::untriage))
        .route("/sla", get(sla::page))
        .route("/compliance", get(compliance::page))
        .route("/search", get(search::page))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/assets/{*path}", get(assets::serve))
        .layer(axum::middleware::map_response(security_headers))
}

/// Adds the security headers to a dashboard response.
async fn security_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    r
}
