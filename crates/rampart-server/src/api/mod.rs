//! REST API v1 under `/api/v1`, its OpenAPI 3.1 document at `/api/openapi.json` (generated
//! from the handlers' `#[utoipa::path]` annotations) and a docs page at `/api/docs` (rendered
//! in the page from that document; nothing fetched from the internet).
//!
//! Every answer is JSON; errors have one shape ([`crate::error`]). Authentication: an API
//! token (`Authorization: Bearer rmp_...`) or the session cookie with `X-CSRF-Token` on unsafe
//! methods. Roles are scopes, not ranks (`auth::grants`): `ingest` uploads scans and reads its
//! own jobs, nothing else; `read` reads its teams' applications, issues, components and
//! metrics; `triage` also records triage decisions; `admin` does everything across every team,
//! including revoking tokens.

pub mod apps;
pub mod docs;
pub mod inventory;
pub mod issues;
pub mod scans;
pub mod session;
pub mod tokens;

use crate::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(title = "Rampart API", version = "1", description = "Application security posture: scans, issues, triage, components, metrics. Every read is limited to the applications the caller's teams own."),
    paths(
        session::login, session::whoami, session::logout, tokens::revoke,
        scans::upload, scans::get_job,
        apps::list, apps::get, apps::scans, apps::portfolio,
        issues::list_issues, issues::get_issue, issues::get_observations, issues::get_history,
        issues::triage, issues::undo_triage,
        inventory::list, inventory::components, inventory::uses,
    ),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail)),
    modifiers(&Security),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "session", description = "Browser login (session cookie + CSRF token)"),
        (name = "scans", description = "Upload reports; follow their ingest jobs"),
        (name = "applications", description = "Applications and portfolio metrics"),
        (name = "issues", description = "Issues, their observations and history, triage"),
        (name = "components", description = "Inventories, components, who uses a package"),
    )
)]
pub struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("rmp_ token")
                    .build(),
            ),
        );
        c.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::SESSION_COOKIE,
            ))),
        );
    }
}

/// The API's routes.
pub fn router(state: &AppState) -> Router<AppState> {
    let upload_limit = state.config.max_upload_mb.max(1) * 1024 * 1024;
    Router::new()
        .route(
            "/api/v1/session",
            get(session::whoami)
                .post(session::login)
                .delete(session::logout),
        )
        .route(
            "/api/v1/scans",
            post(scans::upload).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/api/v1/jobs/{id}", get(scans::get_job))
        .route("/api/v1/tokens/{id}", axum::routing::delete(tokens::revoke))
        .route("/api/v1/applications", get(apps::list))
        .route("/api/v1/applications/{name}", get(apps::get))
        .route("/api/v1/applications/{name}/scans", get(apps::scans))
        .route("/api/v1/portfolio", get(apps::portfolio))
        .route("/api/v1/issues", get(issues::list_issues))
        .route("/api/v1/issues/{id}", get(issues::get_issue))
        .route(
            "/api/v1/issues/{id}/observations",
            get(issues::get_observations),
        )
        .route("/api/v1/issues/{id}/history", get(issues::get_history))
        .route(
            "/api/v1/issues/{id}/triage",
            post(issues::triage).delete(issues::undo_triage),
        )
        .route("/api/v1/inventories", get(inventory::list))
        .route(
            "/api/v1/inventories/{id}/components",
            get(inventory::components),
        )
        .route("/api/v1/packages/uses", get(inventory::uses))
        .route("/api/openapi.json", get(docs::openapi_json))
        .route("/api/docs", get(docs::page))
        .route("/api/{*rest}", axum::routing::any(docs::no_such_endpoint))
}
