//! An in-process server on a fresh SQLite store, and requests sent to it with
//! `tower::ServiceExt::oneshot` (no socket).

#![allow(dead_code)]

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use rampart_model::Role;
use rampart_server::auth::secret::{digest, hash_password, new_api_token, token_display_prefix};
use rampart_server::{AppState, ServerConfig};
use rampart_store::{NewToken, Store};
use std::sync::Arc;
use time::OffsetDateTime;
use tower::ServiceExt;

/// A server on a temporary SQLite database.
pub struct TestServer {
    pub store: Arc<dyn Store>,
    pub state: AppState,
    _dir: tempfile::TempDir,
}

/// An answer: status, headers and the body parsed as JSON (Null when empty or not JSON).
pub struct Answer {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: serde_json::Value,
    pub text: String,
}

impl TestServer {
    pub async fn new() -> TestServer {
        TestServer::with_config(ServerConfig::default()).await
    }

    pub async fn with_config(config: ServerConfig) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let store = rampart_store::open(&dir.path().join("rampart.db").display().to_string())
            .await
            .unwrap();
        TestServer {
            state: AppState::new(store.clone(), config),
            store,
            _dir: dir,
        }
    }

    /// A user with `password` and these memberships.
    pub async fn user(&self, name: &str, password: &str, admin: bool, teams: &[(&str, Role)]) {
        let now = OffsetDateTime::now_utc();
        self.store
            .add_user(name, &hash_password(password).unwrap(), admin, now)
            .await
            .unwrap();
        for (t, r) in teams {
            self.store.add_team(t, now).await.unwrap();
            self.store.set_membership(t, name, Some(*r)).await.unwrap();
        }
    }

    /// A new API token with `role` over `teams`; returns (id, token).
    pub async fn token(&self, role: Role, teams: &[&str]) -> (i64, String) {
        let now = OffsetDateTime::now_utc();
        for t in teams {
            self.store.add_team(t, now).await.unwrap();
        }
        let token = new_api_token();
        let id = self
            .store
            .create_token(
                &NewToken {
                    name: format!("{role}-{}", teams.join("+")),
                    token_hash: digest(&token),
                    prefix: token_display_prefix(&token),
                    role,
                    teams: teams.iter().map(|t| t.to_string()).collect(),
                    created_by: "test".into(),
                    expires_at: None,
                },
                now,
            )
            .await
            .unwrap();
        (id, token)
    }

    /// Sends a request; `auth` is `Bearer <token>` when it starts with `rmp_`, else a cookie
    /// header value.
    pub async fn send(
        &self,
        method: Method,
        uri: &str,
        auth: Option<&str>,
        extra: &[(&str, &str)],
        body: Body,
    ) -> Answer {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(a) = auth {
            if a.starts_with("rmp_") {
                req = req.header(header::AUTHORIZATION, format!("Bearer {a}"));
            } else {
                req = req.header(header::COOKIE, a);
            }
        }
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        let resp = rampart_server::router(self.state.clone())
            .oneshot(req.body(body).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes).to_string();
        Answer {
            status,
            headers,
            body: serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
            text,
        }
    }

    /// A request to build: `s.call(Method::POST, uri).auth(t).json(&v).send().await`.
    pub fn call(&self, method: Method, uri: &str) -> Call<'_> {
        Call {
            server: self,
            method,
            uri: uri.to_string(),
            auth: None,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub async fn get(&self, uri: &str, auth: Option<&str>) -> Answer {
        self.send(Method::GET, uri, auth, &[], Body::empty()).await
    }

    pub async fn post_json(
        &self,
        uri: &str,
        auth: Option<&str>,
        json: serde_json::Value,
    ) -> Answer {
        self.send(
            Method::POST,
            uri,
            auth,
            &[("content-type", "application/json")],
            Body::from(json.to_string()),
        )
        .await
    }

    /// Logs in; returns (cookie header value, CSRF token).
    pub async fn login(&self, user: &str, password: &str) -> (String, String) {
        let a = self
            .post_json(
                "/api/v1/session",
                None,
                serde_json::json!({"username": user, "password": password}),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        let cookie = a.headers[header::SET_COOKIE].to_str().unwrap();
        let pair = cookie.split(';').next().unwrap().to_string();
        (pair, a.body["csrf_token"].as_str().unwrap().to_string())
    }
}

/// A request being built (see [`TestServer::call`]).
pub struct Call<'a> {
    server: &'a TestServer,
    method: Method,
    uri: String,
    auth: Option<String>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Call<'_> {
    /// Credentials: an `rmp_` token, or a cookie header value.
    pub fn auth(mut self, auth: Option<&str>) -> Self {
        self.auth = auth.map(String::from);
        self
    }

    /// A header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The session's CSRF token.
    pub fn csrf(self, token: &str) -> Self {
        self.header("x-csrf-token", token)
    }

    /// A JSON body (with its content type).
    pub fn json(self, v: &serde_json::Value) -> Self {
        self.header("content-type", "application/json")
            .body(v.to_string())
    }

    /// A raw body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Sends it.
    pub async fn send(self) -> Answer {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.server
            .send(
                self.method,
                &self.uri,
                self.auth.as_deref(),
                &headers,
                Body::from(self.body),
            )
            .await
    }
}

/// Asserts the consistent error shape and returns its code.
pub fn error_code(a: &Answer) -> String {
    let e = &a.body["error"];
    assert_eq!(
        e["status"].as_u64(),
        Some(u64::from(a.status.as_u16())),
        "{}",
        a.text
    );
    assert!(
        e["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{}",
        a.text
    );
    e["code"].as_str().unwrap().to_string()
}
