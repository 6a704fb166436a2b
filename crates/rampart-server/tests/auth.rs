//! Logging in and out, session cookies, CSRF, login rate limits, API tokens and revocation,
//! against the in-process router on SQLite.

mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode, header};
use common::{TestServer, error_code};
use rampart_model::Role;
use rampart_server::ServerConfig;
use serde_json::json;

#[tokio::test]
async fn login_sets_a_hardened_cookie_and_logout_needs_csrf() {
    let s = TestServer::new().await;
    s.user(
        "alice",
        "correct horse battery",
        false,
        &[("payments", Role::Triage)],
    )
    .await;
    let a = s
        .post_json(
            "/api/v1/session",
            None,
            json!({"username": "alice", "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let cookie = a.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("rampart_session="));
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=43200"] {
        assert!(cookie.contains(attr), "{cookie} lacks {attr}");
    }
    assert!(!cookie.contains("Secure"), "not configured");
    assert_eq!(a.body["subject"], "user:alice");
    assert_eq!(a.body["role"], "triage");
    assert_eq!(
        a.body["teams"],
        json!([{"team": "payments", "role": "triage"}])
    );
    let csrf = a.body["csrf_token"].as_str().unwrap().to_string();
    let session = cookie.split(';').next().unwrap().to_string();
    // The session id is stored hashed: the cookie's value is nowhere in the database.
    let id = session.split_once('=').unwrap().1;
    assert!(
        s.store
            .session(id, time::OffsetDateTime::now_utc())
            .await
            .unwrap()
            .is_none()
    );

    let me = s.get("/api/v1/session", Some(&session)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["csrf_token"], csrf.as_str());

    // Logout without the CSRF header, or with a wrong one: refused, session intact.
    let no = s
        .send(
            Method::DELETE,
            "/api/v1/session",
            Some(&session),
            &[],
            Body::empty(),
        )
        .await;
    assert_eq!(no.status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&no), "csrf");
    let wrong = s
        .send(
            Method::DELETE,
            "/api/v1/session",
            Some(&session),
            &[("x-csrf-token", "nope")],
            Body::empty(),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert_eq!(
        s.get("/api/v1/session", Some(&session)).await.status,
        StatusCode::OK
    );

    let out = s
        .send(
            Method::DELETE,
            "/api/v1/session",
            Some(&session),
            &[("x-csrf-token", &csrf)],
            Body::empty(),
        )
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(
        out.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let after = s.get("/api/v1/session", Some(&session)).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&after), "unauthenticated");
}

#[tokio::test]
async fn secure_cookies_when_configured() {
    let mut c = ServerConfig::default();
    c.auth.secure_cookies = true;
    let s = TestServer::with_config(c).await;
    s.user("alice", "correct horse battery", false, &[]).await;
    let a = s
        .post_json(
            "/api/v1/session",
            None,
            json!({"username": "alice", "password": "correct horse battery"}),
        )
        .await;
    assert!(
        a.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .ends_with("; Secure")
    );
}

#[tokio::test]
async fn wrong_passwords_unknown_and_disabled_users_are_refused_alike() {
    let s = TestServer::new().await;
    s.user("alice", "correct horse battery", false, &[]).await;
    s.user("bob", "another good password", false, &[]).await;
    s.store.set_user_disabled("bob", true).await.unwrap();
    for (u, p) in [
        ("alice", "wrong"),
        ("mallory", "correct horse battery"),
        ("bob", "another good password"),
    ] {
        let a = s
            .post_json(
                "/api/v1/session",
                None,
                json!({"username": u, "password": p}),
            )
            .await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{u}");
        assert_eq!(a.body["error"]["message"], "wrong user name or password");
        assert!(a.headers.get(header::SET_COOKIE).is_none());
    }
    let bad = s
        .send(
            Method::POST,
            "/api/v1/session",
            None,
            &[],
            Body::from("user=alice"),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&bad), "bad_request");
}

#[tokio::test]
async fn logins_are_rate_limited_per_user_and_per_address() {
    let mut c = ServerConfig::default();
    c.auth.login_attempts_per_ip_per_minute = 8;
    let s = TestServer::with_config(c).await;
    let start = std::time::Instant::now();
    s.user("alice", "correct horse battery", false, &[]).await;
    for _ in 0..5 {
        let a = s
            .post_json(
                "/api/v1/session",
                None,
                json!({"username": "alice", "password": "guess"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    }
    // The sixth attempt within the minute is refused before the password is checked, even
    // the right one.
    let a = s
        .post_json(
            "/api/v1/session",
            None,
            json!({"username": "alice", "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_code(&a), "rate_limited");
    let retry: u64 = a.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=12).contains(&retry), "{retry}");

    // Per address: 8 attempts a minute across user names; 6 were used above, so 2 remain
    // (plus one more for each 7.5 s the test took: the bucket refills).
    let mut limited = 0;
    for i in 0..8 {
        let a = s
            .post_json(
                "/api/v1/session",
                None,
                json!({"username": format!("u{i}"), "password": "x"}),
            )
            .await;
        if a.status == StatusCode::TOO_MANY_REQUESTS {
            limited += 1;
        }
    }
    let refills = (start.elapsed().as_secs_f64() / 7.5) as i32;
    assert!(
        limited <= 6 && limited >= 6 - refills,
        "{limited} refused, {refills} refills"
    );
    let m = s.get("/metrics", None).await;
    assert!(
        m.text.contains("rampart_logins_refused_total 14"),
        "{}",
        m.text
    );
}

#[tokio::test]
async fn tokens_authenticate_until_revoked_and_never_need_csrf() {
    let mut c = ServerConfig::default();
    c.auth.principal_cache_secs = 1;
    let s = TestServer::with_config(c).await;
    let (id, token) = s.token(Role::Read, &["payments"]).await;
    let me = s.get("/api/v1/session", Some(&token)).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.body["subject"], format!("token:{id}"));
    assert_eq!(me.body["role"], "read");
    assert_eq!(me.body["csrf_token"], serde_json::Value::Null);

    let garbage = s.get("/api/v1/session", Some("rmp_notarealtoken")).await;
    assert_eq!(garbage.status, StatusCode::UNAUTHORIZED);
    let none = s.get("/api/v1/session", None).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&none), "unauthenticated");

    // Revoked elsewhere (`rampart tokens revoke`, another server): this server keeps the
    // caller it authenticated for at most `principal_cache_secs`, then asks the store again.
    s.store
        .revoke_token(id, time::OffsetDateTime::now_utc())
        .await
        .unwrap();
    let cached = s.get("/api/v1/session", Some(&token)).await;
    assert_eq!(cached.status, StatusCode::OK, "within the cache's second");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let revoked = s.get("/api/v1/session", Some(&token)).await;
    assert_eq!(revoked.status, StatusCode::UNAUTHORIZED);
    assert!(
        revoked.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("revoked")
    );

    // Revoked through this server's API: refused at once, cache or not.
    let (admin_id, admin) = s.token(Role::Admin, &[]).await;
    let (id2, token2) = s.token(Role::Read, &["payments"]).await;
    assert_eq!(
        s.get("/api/v1/session", Some(&token2)).await.status,
        StatusCode::OK
    );
    let uri = format!("/api/v1/tokens/{id2}");
    let a = s
        .call(Method::DELETE, &uri)
        .auth(Some(&token2))
        .send()
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "a reader revokes nothing");
    let a = s.call(Method::DELETE, &uri).auth(Some(&admin)).send().await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.text);
    assert_eq!(
        s.get("/api/v1/session", Some(&token2)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let again = s.call(Method::DELETE, &uri).auth(Some(&admin)).send().await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_ne!(admin_id, id2);
}
