//! `GET/POST /login` (the login form, on the `auth` module's session login: argon2 password
//! check, rate limits, session cookie) and `POST /logout` (CSRF-checked).

use super::error::WebError;
use crate::AppState;
use crate::auth::{self, AuthError, FormCaller};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    error: Option<String>,
    next: String,
    username: String,
}

/// Where to go after logging in.
#[derive(Debug, Default, Deserialize)]
pub struct NextParam {
    #[serde(default)]
    next: String,
}

/// A local path to return to (never another site: `//host` and `/\host` are refused).
fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") {
        next.to_string()
    } else {
        "/".to_string()
    }
}

fn form_page(
    status: StatusCode,
    error: Option<String>,
    next: &str,
    username: &str,
) -> Result<Response, WebError> {
    let page = LoginPage {
        error,
        next: safe_next(next),
        username: username.to_string(),
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// `GET /login`.
pub async fn form(Query(p): Query<NextParam>) -> Result<Response, WebError> {
    form_page(StatusCode::OK, None, &p.next, "")
}

/// The login form's fields.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
}

/// `POST /login`.
pub async fn submit(
    State(state): State<AppState>,
    parts: Parts,
    Form(f): Form<LoginForm>,
) -> Result<Response, WebError> {
    let client = auth::client_address(&state.auth, &parts.headers, &parts.extensions);
    match auth::login(&state, f.username.trim(), &f.password, &client).await {
        Ok(ok) => {
            let mut r = Redirect::to(&safe_next(&f.next)).into_response();
            r.headers_mut().insert(header::SET_COOKIE, ok.set_cookie);
            Ok(r)
        }
        Err(AuthError::BadCredentials) => form_page(
            StatusCode::UNAUTHORIZED,
            Some("Wrong user name or password.".into()),
            &f.next,
            &f.username,
        ),
        Err(AuthError::RateLimited(wait)) => form_page(
            StatusCode::TOO_MANY_REQUESTS,
            Some(format!(
                "Too many login attempts. Try again in {} seconds.",
                wait.as_secs().max(1)
            )),
            &f.next,
            &f.username,
        ),
        Err(e) => Err(e.into()),
    }
}

/// The logout form's field.
#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    csrf_token: Option<String>,
}

/// `POST /logout`.
pub async fn logout(
    State(state): State<AppState>,
    caller: FormCaller,
    parts: Parts,
    Form(f): Form<LogoutForm>,
) -> Result<Response, WebError> {
    caller.verify_csrf(f.csrf_token.as_deref())?;
    let cookie = auth::logout(&state, auth::session_cookie(&parts.headers).as_deref()).await?;
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next("/issues/3"), "/issues/3");
        assert_eq!(safe_next("//evil.example/"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next("https://evil.example/"), "/");
        assert_eq!(safe_next(""), "/");
    }
}
