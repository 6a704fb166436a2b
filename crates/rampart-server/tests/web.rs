//! The dashboard's pages through the in-process router: login, pages for each role, another
//! team's application and issues answering 404, HTML escaping of what reports say, CSRF and
//! role checks on triage, htmx partials, embedded assets and security headers.

mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode, header};
use common::TestServer;
use rampart_model::{AppProfile, Role};
use rampart_service::{IngestOptions, ingest_path};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use time::OffsetDateTime;

/// A server with `shop` (team web: the fixture whose finding's title is a script, and the
/// demo's semgrep report) and `wiki` (team docs: the demo's gitleaks report), and users:
/// `root` (admin), `reader` (read on web), `triager` (triage on web).
async fn server() -> TestServer {
    let s = TestServer::new().await;
    let now = OffsetDateTime::now_utc();
    let profile = |name: &str, team: &str| AppProfile {
        name: name.into(),
        team: Some(team.into()),
        ..Default::default()
    };
    s.store
        .apply_catalog(
            &[profile("shop", "web"), profile("wiki", "docs")],
            "test",
            now,
        )
        .await
        .unwrap();
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let demo = here.join("../../demo/reports/storefront-web");
    for (app, file) in [
        ("shop", here.join("tests/fixtures/script-title.sarif.json")),
        ("shop", demo.join("semgrep.json")),
        ("wiki", demo.join("gitleaks.json")),
    ] {
        ingest_path(
            s.store.as_ref(),
            &file,
            &IngestOptions::new(app),
            Arc::new(AtomicU64::new(0)),
        )
        .await
        .unwrap();
    }
    s.user("root", "root-password-1", true, &[]).await;
    s.user("reader", "reader-password-1", false, &[("web", Role::Read)])
        .await;
    s.user(
        "triager",
        "triager-password-1",
        false,
        &[("web", Role::Triage)],
    )
    .await;
    s
}

/// Logs in through the HTML form; returns the cookie and the CSRF token the page carries.
async fn login(s: &TestServer, user: &str, password: &str) -> (String, String) {
    let a = s
        .send(
            Method::POST,
            "/login",
            None,
            &[("content-type", "application/x-www-form-urlencoded")],
            Body::from(format!(
                "username={user}&password={password}&next=%2Fissues"
            )),
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text);
    assert_eq!(a.headers[header::LOCATION], "/issues");
    let cookie = a.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let page = s.get("/issues", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = page
        .text
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a CSRF token in the page")
        .to_string();
    (cookie, csrf)
}

/// The id of the first issue of `app` whose title contains `needle`.
async fn issue_id(s: &TestServer, app: &str, needle: &str) -> i64 {
    s.store
        .list_issues(&rampart_store::IssueQuery {
            application: Some(app.into()),
            all_statuses: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.title.contains(needle))
        .unwrap_or_else(|| panic!("no issue of {app} with `{needle}`"))
        .id
}

#[tokio::test]
async fn pages_send_visitors_to_the_login_form() {
    let s = server().await;
    for path in [
        "/",
        "/apps",
        "/apps/shop",
        "/issues?severity=high",
        "/issues/1",
        "/search?q=x",
    ] {
        let a = s.get(path, None).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{path}");
        let to = a.headers[header::LOCATION].to_str().unwrap();
        assert!(to.starts_with("/login?next=%2F"), "{path} → {to}");
    }
    let form = s.get("/login?next=%2Fapps", None).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text.contains("name=\"next\" value=\"/apps\""));
    // A `next` to another site is not followed.
    let evil = s.get("/login?next=%2F%2Fevil.example", None).await;
    assert!(evil.text.contains("name=\"next\" value=\"/\""));
    let wrong = s
        .send(
            Method::POST,
            "/login",
            None,
            &[("content-type", "application/x-www-form-urlencoded")],
            Body::from("username=root&password=nope"),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.text.contains("Wrong user name or password"));
    assert!(wrong.headers.get(header::SET_COOKIE).is_none());
}

/// Whether `html` shows `<script>alert(1)</script>` as text (askama writes `<` as `&#60;`).
fn shows_escaped(html: &str) -> bool {
    [
        "&#60;script&#62;alert(1)&#60;/script&#62;",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
    ]
    .iter()
    .any(|e| html.contains(e))
}

#[tokio::test]
async fn a_script_in_a_report_is_shown_as_text() {
    let s = server().await;
    let (cookie, _) = login(&s, "root", "root-password-1").await;
    let id = issue_id(&s, "shop", "<script>").await;
    let raw = "<script>alert(1)</script>";
    for path in [
        "/issues?q=script".to_string(),
        "/issues".to_string(),
        "/apps/shop".to_string(),
        format!("/issues/{id}"),
    ] {
        let a = s.get(&path, Some(&cookie)).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        assert!(shows_escaped(&a.text), "{path} shows the title escaped");
        assert!(!a.text.contains(raw), "{path} has the raw script");
        assert!(
            !a.text.contains("<img src=x"),
            "{path} has the raw location"
        );
    }
    // What a visitor types is escaped too.
    let a = s
        .get(
            "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
            Some(&cookie),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(shows_escaped(&a.text) && !a.text.contains(raw));
    // And no inline script could run anyway: the policy forbids them.
    let csp = a.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
}

#[tokio::test]
async fn another_teams_application_and_issues_are_not_found() {
    let s = server().await;
    let (cookie, _) = login(&s, "reader", "reader-password-1").await;
    let wiki_issue = issue_id(&s, "wiki", "").await;
    let shop_issue = issue_id(&s, "shop", "SQL").await;
    assert_eq!(
        s.get("/apps/wiki", Some(&cookie)).await.status,
        StatusCode::NOT_FOUND
    );
    let a = s.get(&format!("/issues/{wiki_issue}"), Some(&cookie)).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert!(
        !a.text.contains("wiki"),
        "a 404 names nothing of the other team"
    );
    assert_eq!(
        s.get("/apps/nope", Some(&cookie)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.get("/issues/999999", Some(&cookie)).await.status,
        StatusCode::NOT_FOUND
    );
    // The reader's own application and issue are there.
    assert_eq!(
        s.get("/apps/shop", Some(&cookie)).await.status,
        StatusCode::OK
    );
    let own = s.get(&format!("/issues/{shop_issue}"), Some(&cookie)).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(
        own.text.contains("cannot triage"),
        "a reader gets no triage form"
    );
    // Lists and counts leave the other team out; asking for it by name gives nothing.
    for path in [
        "/",
        "/apps",
        "/issues?status=all",
        "/issues?app=wiki",
        "/search?q=gitleaks",
    ] {
        let a = s.get(path, Some(&cookie)).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        assert!(!a.text.contains("wiki"), "{path} mentions wiki");
        assert!(
            !a.text.contains(&format!("/issues/{wiki_issue}\"")),
            "{path}"
        );
    }
    // The administrator sees both.
    let (root, _) = login(&s, "root", "root-password-1").await;
    let all = s.get("/apps", Some(&root)).await;
    assert!(all.text.contains("/apps/wiki") && all.text.contains("/apps/shop"));
    assert_eq!(
        s.get(&format!("/issues/{wiki_issue}"), Some(&root))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn triage_needs_the_csrf_token_and_the_triage_role() {
    let s = server().await;
    let issue = issue_id(&s, "shop", "SQL").await;
    let wiki_issue = issue_id(&s, "wiki", "").await;
    let form = |csrf: &str| {
        format!(
            "csrf_token={csrf}&status=false_positive&reason=test+fixture&approver=&expires=&justification="
        )
    };
    let post = |cookie: String, path: String, body: String| {
        let s = &s;
        async move {
            s.send(
                Method::POST,
                &path,
                Some(&cookie),
                &[("content-type", "application/x-www-form-urlencoded")],
                Body::from(body),
            )
            .await
        }
    };
    let path = format!("/issues/{issue}/triage");
    let (reader, reader_csrf) = login(&s, "reader", "reader-password-1").await;
    let a = post(reader, path.clone(), form(&reader_csrf)).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "a reader cannot triage");
    let (triager, csrf) = login(&s, "triager", "triager-password-1").await;
    let a = post(triager.clone(), path.clone(), form("wrong-token")).await;
    assert_eq!(
        a.status,
        StatusCode::FORBIDDEN,
        "a wrong CSRF token is refused"
    );
    let a = post(
        triager.clone(),
        path.clone(),
        "status=false_positive&reason=x".into(),
    )
    .await;
    assert_eq!(
        a.status,
        StatusCode::FORBIDDEN,
        "a missing CSRF token is refused"
    );
    let a = post(
        triager.clone(),
        format!("/issues/{wiki_issue}/triage"),
        form(&csrf),
    )
    .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "another team's issue");
    // Incomplete: a risk acceptance needs an approver and an expiry; nothing is recorded.
    let a = post(
        triager.clone(),
        path.clone(),
        format!("csrf_token={csrf}&status=risk_accepted&reason=later"),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.text.contains("Not recorded"));
    assert!(s.store.triage_history(issue).await.unwrap().is_empty());
    // Recorded, then shown, then undone.
    let a = post(triager.clone(), path.clone(), form(&csrf)).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text);
    let page = s
        .get(&format!("/issues/{issue}?done=triaged"), Some(&triager))
        .await;
    assert!(page.text.contains("Decision recorded"));
    assert!(page.text.contains("status false_positive\">false positive"));
    let history = s.store.triage_history(issue).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].actor, "triager");
    assert_eq!(history[0].reason, "test fixture");
    let a = post(
        triager.clone(),
        format!("/issues/{issue}/untriage"),
        format!("csrf_token={csrf}"),
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    let page = s.get(&format!("/issues/{issue}"), Some(&triager)).await;
    assert!(page.text.contains("status open\">open"));
}

#[tokio::test]
async fn htmx_gets_the_table_alone_and_assets_are_embedded() {
    let s = server().await;
    let (cookie, _) = login(&s, "root", "root-password-1").await;
    let a = s
        .send(
            Method::GET,
            "/issues?severity=high",
            Some(&cookie),
            &[("hx-request", "true"), ("hx-target", "issue-table")],
            Body::empty(),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(!a.text.contains("<html") && a.text.contains("<table"));
    assert!(a.text.contains("sev high") && !a.text.contains("sev critical\""));
    let page = s.get("/issues?severity=high", Some(&cookie)).await;
    assert!(page.text.contains("<html") && page.text.contains("id=\"issue-table\""));
    for (path, kind) in [
        ("/assets/app.css", "text/css"),
        ("/assets/app.js", "text/javascript"),
        ("/assets/vendor/htmx.min.js", "text/javascript"),
        ("/assets/vendor/chart.umd.min.js", "text/javascript"),
        ("/assets/favicon.svg", "image/svg+xml"),
    ] {
        let a = s.get(path, None).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        assert!(
            a.headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with(kind)
        );
        assert!(a.text.len() > 100, "{path} is served whole");
    }
    assert_eq!(
        s.get("/assets/nope.js", None).await.status,
        StatusCode::NOT_FOUND
    );
    // Every page says where scripts may come from and that it may not be framed.
    assert_eq!(page.headers[header::X_FRAME_OPTIONS], "DENY");
    assert!(
        page.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
}

#[tokio::test]
async fn sla_and_compliance_pages_show_the_callers_teams_escaped() {
    let s = server().await;
    // Every severity due a day after it is first seen: every active issue is due soon.
    rampart_service::sla::set_policy(
        s.store.as_ref(),
        "test-sla.yaml",
        "days:\n  critical: [1, 1, 1, 1]\n  high: [1, 1, 1, 1]\n  medium: [1, 1, 1, 1]\n  low: [1, 1, 1, 1]\n  info: [1, 1, 1, 1]\n",
    )
    .await
    .unwrap();
    let script = issue_id(&s, "shop", "<script>").await;
    let raw = "<script>alert(1)</script>";
    let (reader, _) = login(&s, "reader", "reader-password-1").await;
    let (root, _) = login(&s, "root", "root-password-1").await;

    let sla = s.get("/sla", Some(&reader)).await;
    assert_eq!(sla.status, StatusCode::OK, "{}", sla.text);
    assert!(sla.text.contains("Remediation SLAs"));
    assert!(shows_escaped(&sla.text), "the script title, escaped");
    assert!(!sla.text.contains(raw));
    assert!(sla.text.contains(&format!("/issues/{script}\"")));
    assert!(sla.text.contains("slastate soon"));
    assert!(!sla.text.contains("wiki"), "the reader sees team web only");
    // Due-soon counts: the KPI equals the reader's active issues (each has an SLA).
    let due_soon = |html: &str| -> u64 {
        html.split("<div class=\"label\">Due soon</div><div class=\"value\">")
            .nth(1)
            .and_then(|r| r.split('<').next())
            .unwrap()
            .parse()
            .unwrap()
    };
    let shop_active = s
        .store
        .list_issues(&rampart_store::IssueQuery {
            application: Some("shop".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .len() as u64;
    assert_eq!(due_soon(&sla.text), shop_active);
    let all = s.get("/sla", Some(&root)).await;
    assert!(all.text.contains("/apps/wiki") && all.text.contains("/apps/shop"));
    assert!(
        due_soon(&all.text) > shop_active,
        "the administrator sees wiki's too"
    );

    let c = s.get("/compliance", Some(&reader)).await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.text);
    assert!(c.text.contains("Compliance: OWASP Top 10"));
    assert!(c.text.contains("/apps/shop") && !c.text.contains("wiki"));
    assert!(c.text.contains("verdict gap") || c.text.contains("verdict pass"));
    let pci = s.get("/compliance?framework=pci-dss", Some(&root)).await;
    assert_eq!(pci.status, StatusCode::OK);
    assert!(pci.text.contains("Compliance: PCI DSS"));
    assert!(pci.text.contains("/apps/wiki"));
    let bad = s
        .get(
            "/compliance?framework=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
            Some(&root),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(!bad.text.contains(raw), "the unknown name is escaped");
    assert!(
        c.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    // Visitors go to the login form.
    for path in ["/sla", "/compliance"] {
        assert_eq!(s.get(path, None).await.status, StatusCode::SEE_OTHER);
    }
}
