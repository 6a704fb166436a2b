//! `/api/openapi.json` and the browsable docs page `/api/docs`: a small page of our own that
//! reads the document and lists every endpoint with its parameters, body, answers and
//! schemas (no script or style from anywhere else: the server works offline).

use crate::error::ApiError;
use axum::Json;
use axum::http::{Method, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use utoipa::OpenApi;

/// The OpenAPI 3.1 document.
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(super::ApiDoc::openapi())
}

/// The docs page.
pub async fn page() -> Response {
    (
        [(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'unsafe-inline' 'self'; style-src 'unsafe-inline'",
        )],
        Html(include_str!("docs.html")),
    )
        .into_response()
}

/// Any other path under `/api`: a JSON 404, never the dashboard.
pub async fn no_such_endpoint(method: Method, uri: Uri) -> ApiError {
    ApiError::not_found(format!("endpoint {method} {}", uri.path()))
}
