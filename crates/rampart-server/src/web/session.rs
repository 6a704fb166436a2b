//! The caller of a dashboard page: the `auth` module's [`Caller`], except that a visitor
//! without a valid session is sent to the login form (and back here after logging in) rather
//! than answered 401; and the page chrome (user, role, CSRF token) every template shows.

use super::error::WebError;
use crate::AppState;
use crate::auth::{AuthError, Caller};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};

/// A logged-in caller of a page.
pub struct PageCaller(pub Caller);

/// Why a page caller could not be had.
pub enum PageRejection {
    /// Not logged in: to the login form.
    Login(String),
    /// Anything else.
    Error(WebError),
}

impl IntoResponse for PageRejection {
    fn into_response(self) -> Response {
        match self {
            PageRejection::Login(next) => {
                Redirect::to(&format!("/login?next={}", super::views::enc(&next))).into_response()
            }
            PageRejection::Error(e) => e.into_response(),
        }
    }
}

impl FromRequestParts<AppState> for PageCaller {
    type Rejection = PageRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match Caller::from_request_parts(parts, state).await {
            Ok(c) => Ok(PageCaller(c)),
            Err(AuthError::Unauthenticated(_)) => Err(PageRejection::Login(
                parts
                    .uri
                    .path_and_query()
                    .map_or("/".to_string(), |p| p.as_str().to_string()),
            )),
            Err(e) => Err(PageRejection::Error(e.into())),
        }
    }
}

/// What the page frame shows: who is logged in, the CSRF token for forms and htmx, the
/// active tab and the search box's text.
#[derive(Debug, Clone)]
pub struct Chrome {
    /// User name.
    pub user: String,
    /// Role, for people.
    pub role: String,
    /// The session's CSRF token (empty for token callers, who need none).
    pub csrf: String,
    /// Active tab: `overview`, `apps`, `issues`, `search`.
    pub active: &'static str,
    /// Text of the search box.
    pub query: String,
}

impl Chrome {
    /// The frame for `caller` on tab `active`.
    pub fn new(caller: &Caller, active: &'static str) -> Chrome {
        Chrome {
            user: caller
                .user_name()
                .unwrap_or(caller.subject.as_str())
                .to_string(),
            role: format!("{:?}", caller.role).to_lowercase(),
            csrf: caller.csrf_token().unwrap_or_default().to_string(),
            active,
            query: String::new(),
        }
    }
}

/// Whether the request came from htmx asking for the issue table only.
pub fn wants_issue_table(headers: &axum::http::HeaderMap) -> bool {
    headers.contains_key("hx-request")
        && headers
            .get("hx-target")
            .is_some_and(|v| v.as_bytes() == b"issue-table")
}

/// A description of what the caller sees, for page subtitles.
pub fn scope_note(caller: &Caller) -> String {
    match &caller.scope {
        rampart_model::TeamScope::All => "all teams".into(),
        rampart_model::TeamScope::Teams(t) if t.is_empty() => "no team".into(),
        rampart_model::TeamScope::Teams(t) => format!("teams: {}", t.join(", ")),
    }
}

/// The store scopes (`AppScope`, one team each) covering what the caller may read: one
/// unrestricted scope for administrators, one per team otherwise (none without a team). The
/// SLA and compliance use cases take one team at a time; each filters in SQL.
pub fn app_scopes(caller: &Caller) -> Vec<rampart_store::AppScope> {
    match &caller.scope {
        rampart_model::TeamScope::All => vec![rampart_store::AppScope::default()],
        rampart_model::TeamScope::Teams(teams) => teams
            .iter()
            .map(|t| rampart_store::AppScope {
                application: None,
                team: Some(t.clone()),
            })
            .collect(),
    }
}
