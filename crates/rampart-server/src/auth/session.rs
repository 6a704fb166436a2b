//! Browser sessions: [`login`] checks a password (argon2id, on a blocking thread, rate limited
//! per user and per client address) and creates a session whose cookie is `HttpOnly`,
//! `SameSite=Lax` and `Secure` when the server is configured so; [`logout`] ends it.
//! The session id is 32 random bytes; the store keeps its SHA-256 only.

use super::AuthError;
use super::caller::{Caller, SESSION_COOKIE};
use super::secret::{decoy_hash, digest, random_secret, verify_password};
use crate::AppState;
use axum::http::HeaderValue;
use std::time::Instant;
use time::OffsetDateTime;

/// A successful login.
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    /// The user name.
    pub user: String,
    /// The `Set-Cookie` value carrying the new session.
    pub set_cookie: HeaderValue,
    /// The session's CSRF token (forms and htmx send it back).
    pub csrf_token: String,
    /// When the session ends.
    pub expires_at: OffsetDateTime,
    /// The caller the session speaks for.
    pub caller: Caller,
}

/// Checks `user`'s `password` and opens a session. `client` is the caller's address (see
/// [`crate::auth::client_address`]); attempts are limited per user and per address, counted
/// before the password is checked, so guessing is slow whatever the answer.
pub async fn login(
    state: &AppState,
    user: &str,
    password: &str,
    client: &str,
) -> Result<LoginOutcome, AuthError> {
    let now = Instant::now();
    state
        .auth
        .login_per_ip
        .check(client, now)
        .map_err(AuthError::RateLimited)?;
    state
        .auth
        .login_per_user
        .check(&user.to_lowercase(), now)
        .map_err(AuthError::RateLimited)?;
    let creds = state.store.user_credentials(user).await?;
    let hash = creds
        .as_ref()
        .map_or_else(|| decoy_hash().to_string(), |c| c.password_hash.clone());
    let password = password.to_string();
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| AuthError::Internal(e.to_string()))?;
    let creds = match creds {
        Some(c) if ok && !c.disabled => c,
        _ => {
            tracing::info!(user, client, "login refused");
            return Err(AuthError::BadCredentials);
        }
    };
    let id = random_secret();
    let csrf = random_secret();
    let at = OffsetDateTime::now_utc();
    let expires_at = at + state.auth.session_ttl;
    state
        .store
        .create_session(&digest(&id), creds.id, &csrf, at, expires_at)
        .await?;
    let session = state
        .store
        .session(&digest(&id), at)
        .await?
        .ok_or_else(|| AuthError::Internal("a new session does not read back".into()))?;
    tracing::info!(user = creds.name, client, "login");
    Ok(LoginOutcome {
        caller: Caller::from_principal(session.principal, Some(csrf.clone())),
        user: creds.name,
        set_cookie: session_cookie_header(state, &id, state.auth.session_ttl.whole_seconds()),
        csrf_token: csrf,
        expires_at,
    })
}

/// Ends the session whose id the request's cookie carried (if any) and returns the
/// `Set-Cookie` value that clears the cookie.
pub async fn logout(state: &AppState, session_id: Option<&str>) -> Result<HeaderValue, AuthError> {
    if let Some(id) = session_id {
        let d = digest(id);
        state.store.delete_session(&d).await?;
        state
            .auth
            .principals
            .forget(super::cache::Credential::Session, &d);
    }
    Ok(session_cookie_header(state, "", 0))
}

fn session_cookie_header(state: &AppState, value: &str, max_age: i64) -> HeaderValue {
    let secure = if state.auth.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .expect("cookie of base62 characters")
}
