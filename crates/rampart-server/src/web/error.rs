//! Errors of dashboard pages, answered as HTML pages (never a stack trace or a store message
//! that could leak another team's data).

use crate::auth::AuthError;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// Why a page could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// No such thing, or another team's (404).
    #[error("not found")]
    NotFound,
    /// A request the page cannot use (400).
    #[error("{0}")]
    BadRequest(String),
    /// Authentication or authorisation failed.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The store failed (500).
    #[error(transparent)]
    Store(#[from] rampart_store::StoreError),
    /// A use case failed (500).
    #[error("{0}")]
    Internal(String),
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> WebError {
        WebError::Internal(format!("template: {e}"))
    }
}

impl From<rampart_service::IngestError> for WebError {
    fn from(e: rampart_service::IngestError) -> WebError {
        WebError::Internal(e.to_string())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    heading: &'a str,
    message: &'a str,
}

/// An HTML error page.
pub fn page(status: StatusCode, heading: &str, message: &str) -> Response {
    let body = ErrorPage { heading, message }
        .render()
        .unwrap_or_else(|_| heading.to_string());
    (status, Html(body)).into_response()
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match self {
            WebError::NotFound => page(
                StatusCode::NOT_FOUND,
                "Not found",
                "There is nothing here, or it belongs to a team you are not part of.",
            ),
            WebError::BadRequest(m) => page(StatusCode::BAD_REQUEST, "Bad request", &m),
            WebError::Auth(AuthError::Forbidden(m)) => page(StatusCode::FORBIDDEN, "Forbidden", &m),
            WebError::Auth(AuthError::Csrf) => page(
                StatusCode::FORBIDDEN,
                "Form expired",
                "The form's security token did not match your session. Reload the page and try again.",
            ),
            WebError::Auth(e) => e.into_response(),
            WebError::Store(e) => {
                tracing::error!(error = %e, "dashboard page failed");
                page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "The page could not be read from the store; the error is in the server log.",
                )
            }
            WebError::Internal(m) => {
                tracing::error!(error = %m, "dashboard page failed");
                page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "The error is in the server log.",
                )
            }
        }
    }
}
