//! Authentication, CSRF and the caller every handler receives.
//!
//! # For handlers (API and dashboard)
//!
//! - Take a [`Caller`] argument: it authenticates the request (API token
//!   `Authorization: Bearer rmp_...`, else the `rampart_session` cookie) and answers 401 when
//!   neither is valid. For a session request with an unsafe method it also requires the
//!   session's CSRF token in the `X-CSRF-Token` header (htmx: `hx-headers='{"X-CSRF-Token":
//!   "..."}'`), else 403. `Result<Caller, AuthError>` lets a page redirect to the login form
//!   instead of answering 401.
//! - A plain HTML form post takes [`FormCaller`] and calls
//!   `form_caller.verify_csrf(Some(&form.csrf_token))?` to get the [`Caller`].
//! - Put [`Caller::csrf_token`] in every form (`<input type="hidden" name="csrf_token">`) and
//!   in the page's htmx headers.
//! - Check what the caller may do with [`Caller::require`] (`Role::Triage` to triage) and pass
//!   [`Caller::scope`] (reads) or [`Caller::scope_for`] (writes: `scope_for(Role::Triage)`) to
//!   every store call: the store filters by team in SQL. Something outside the scope is
//!   "not found" (404), never "forbidden".
//!
//! # Logging in and out
//!
//! [`login`] (user, password, client address from [`client_address`]) returns the
//! `Set-Cookie` header value and the CSRF token, or [`AuthError::BadCredentials`] /
//! [`AuthError::RateLimited`]; [`logout`] ends the session and returns the clearing cookie.
//! The JSON endpoints `POST/GET/DELETE /api/v1/session` (in `api::session`) use them.
//!
//! # Secrets
//!
//! [`secret`]: token and session id generation (32 random bytes, base62), the SHA-256 the
//! store keeps, argon2id password hashing. No secret, token, password or cookie is logged.
//!
//! # Caching
//!
//! [`cache`]: an authenticated caller is kept in process for `auth.principal_cache_secs`
//! (5 s by default; never past the credential's expiry), keyed by the credential's digest. A
//! logout forgets its session at once; a token revoked or a user disabled elsewhere stops
//! working within that time.

pub mod cache;
mod caller;
pub mod ratelimit;
pub mod secret;
mod session;

pub use caller::{
    CSRF_HEADER, Caller, FormCaller, SESSION_COOKIE, authenticate, grants, session_cookie,
};
pub use session::{LoginOutcome, login, logout};

use crate::error::ApiError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ratelimit::RateLimiter;
use std::net::SocketAddr;
use std::time::Duration;

/// Why a request was refused before its handler ran.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No valid credentials (401).
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// Wrong user name or password (401).
    #[error("wrong user name or password")]
    BadCredentials,
    /// The caller's role does not allow this (403).
    #[error("{0}")]
    Forbidden(String),
    /// A session request without the session's CSRF token (403).
    #[error("missing or wrong CSRF token")]
    Csrf,
    /// Too many login attempts; retry after this long (429).
    #[error("too many login attempts")]
    RateLimited(Duration),
    /// The store failed (500).
    #[error(transparent)]
    Store(#[from] rampart_store::StoreError),
    /// Something else failed (500).
    #[error("{0}")]
    Internal(String),
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> ApiError {
        let msg = e.to_string();
        match e {
            AuthError::Unauthenticated(_) | AuthError::BadCredentials => {
                ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", msg)
            }
            AuthError::Forbidden(_) => ApiError::forbidden(msg),
            AuthError::Csrf => ApiError::new(StatusCode::FORBIDDEN, "csrf", msg),
            AuthError::RateLimited(wait) => ApiError {
                retry_after: Some(wait.as_secs().max(1)),
                ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", msg)
            },
            AuthError::Store(e) => ApiError::from(e),
            AuthError::Internal(m) => ApiError::internal(m),
        }
    }
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        ApiError::from(self).into_response()
    }
}

/// Authentication settings and the login rate limiters, shared by every request.
#[derive(Debug)]
pub struct AuthState {
    /// Mark the session cookie `Secure` (serve behind HTTPS).
    pub secure_cookies: bool,
    /// How long a session lasts.
    pub session_ttl: time::Duration,
    /// Take the client address from `X-Forwarded-For` (behind a trusted proxy only).
    pub trust_forwarded_for: bool,
    /// Login attempts per client address.
    pub login_per_ip: RateLimiter,
    /// Login attempts per user name.
    pub login_per_user: RateLimiter,
    /// Recently authenticated callers, for a few seconds (`cache`).
    pub principals: cache::PrincipalCache,
}

impl AuthState {
    /// From the server configuration.
    pub fn new(c: &crate::config::AuthConfig) -> AuthState {
        let minute = Duration::from_secs(60);
        AuthState {
            secure_cookies: c.secure_cookies,
            session_ttl: time::Duration::hours(i64::from(c.session_hours.max(1))),
            trust_forwarded_for: c.trust_forwarded_for,
            login_per_ip: RateLimiter::new(c.login_attempts_per_ip_per_minute, minute),
            login_per_user: RateLimiter::new(c.login_attempts_per_user_per_minute, minute),
            principals: cache::PrincipalCache::new(Duration::from_secs(u64::from(
                c.principal_cache_secs,
            ))),
        }
    }
}

/// The client's address: the first `X-Forwarded-For` entry when configured to trust it,
/// else the peer address (`ConnectInfo`), else `unknown` (in-process tests).
pub fn client_address(
    auth: &AuthState,
    headers: &axum::http::HeaderMap,
    extensions: &axum::http::Extensions,
) -> String {
    if auth.trust_forwarded_for
        && let Some(f) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
    {
        return f.trim().to_string();
    }
    extensions
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".into(), |c| c.0.ip().to_string())
}
