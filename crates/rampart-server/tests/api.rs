//! The REST API against the in-process router on SQLite, on a two-team portfolio of real
//! scans: every endpoint × role (allowed, 403 forbidden, 401 unauthenticated), another team's
//! application answering 404 and leaking nothing, keyset pagination, uploads and their jobs,
//! triage with CSRF, the OpenAPI document and the operations endpoints.

mod common;
mod fixture;

use axum::http::{Method, StatusCode};
use common::error_code;
use fixture::portfolio;
use serde_json::{Value, json};
use std::collections::HashSet;

const SEMGREP: &str = "real-scans/dvpwa/semgrep.json";

fn report_bytes(rel: &str) -> Vec<u8> {
    std::fs::read(rampart_formats::corpus::file(rel).unwrap()).unwrap()
}

/// The callers of the endpoint × role matrix, in its columns' order: no credentials, then
/// tokens of team web (which owns `shop`), an administrator, and tokens of team payments
/// (which does not).
const CALLERS: [&str; 8] = [
    "none",
    "web-ingest",
    "web-read",
    "web-triage",
    "admin",
    "pay-ingest",
    "pay-read",
    "pay-triage",
];

/// A row of the matrix: method, URI, JSON body, raw body, the statuses in [`CALLERS`] order.
type Case<'a> = (Method, String, Option<&'a Value>, Option<&'a [u8]>, &'a str);

#[tokio::test]
async fn every_endpoint_by_role() {
    let Some(p) = portfolio().await else { return };
    let s = &p.server;
    let shop = p.shop_issue;
    let inv = rampart_store::ScopedReads::inventories_in(
        s.store.as_ref(),
        &rampart_model::TeamScope::All,
        Some("shop"),
    )
    .await
    .unwrap()[0]
        .id;
    let triage = json!({"status": "false_positive", "reason": "test fixture, not shipped"});
    let semgrep = report_bytes(SEMGREP);
    let (spare, _) = s.token(rampart_model::Role::Read, &["web"]).await;
    // Roles are scopes, not ranks: `ingest` uploads and reads nothing; `read` and `triage`
    // read and cannot upload; a role answers 403 wherever it applies, and another team's
    // application or issue answers 404 to a caller whose role would otherwise do.
    // Columns as CALLERS: none, web-ingest, web-read, web-triage, admin, pay-ingest,
    // pay-read, pay-triage.
    let cases: Vec<Case> = vec![
        (
            Method::GET,
            "/api/v1/session".into(),
            None,
            None,
            "401 200 200 200 200 200 200 200",
        ),
        (
            Method::GET,
            "/api/v1/applications".into(),
            None,
            None,
            "401 403 200 200 200 403 200 200",
        ),
        (
            Method::GET,
            "/api/v1/applications/shop".into(),
            None,
            None,
            "401 403 200 200 200 403 404 404",
        ),
        (
            Method::GET,
            "/api/v1/applications/shop/scans".into(),
            None,
            None,
            "401 403 200 200 200 403 404 404",
        ),
        (
            Method::GET,
            "/api/v1/portfolio".into(),
            None,
            None,
            "401 403 200 200 200 403 200 200",
        ),
        (
            Method::GET,
            "/api/v1/issues".into(),
            None,
            None,
            "401 403 200 200 200 403 200 200",
        ),
        (
            Method::GET,
            format!("/api/v1/issues/{shop}"),
            None,
            None,
            "401 403 200 200 200 403 404 404",
        ),
        (
            Method::GET,
            format!("/api/v1/issues/{shop}/observations"),
            None,
            None,
            "401 403 200 200 200 403 404 404",
        ),
        (
            Method::GET,
            format!("/api/v1/issues/{shop}/history"),
            None,
            None,
            "401 403 200 200 200 403 404 404",
        ),
        (
            Method::GET,
            "/api/v1/inventories".into(),
            None,
            None,
            "401 403 200 200 200 403 200 200",
        ),
        (
            Method::GET,
            format!("/api/v1/inventories/{inv}/components"),
            None,
            None,
            "401 403 200 200 200 403 404 404",
        ),
        (
            Method::GET,
            "/api/v1/packages/uses?purl=pkg:pypi/jinja2".into(),
            None,
            None,
            "401 403 200 200 200 403 200 200",
        ),
        (
            Method::POST,
            "/api/v1/scans?application=shop&file_name=semgrep.json".into(),
            None,
            Some(&semgrep),
            "401 202 403 403 202 404 403 403",
        ),
        (
            Method::POST,
            format!("/api/v1/issues/{shop}/triage"),
            Some(&triage),
            None,
            "401 403 403 200 200 403 403 404",
        ),
        (
            Method::DELETE,
            format!("/api/v1/issues/{shop}/triage"),
            None,
            None,
            "401 403 403 200 200 403 403 404",
        ),
        (
            Method::DELETE,
            format!("/api/v1/tokens/{spare}"),
            None,
            None,
            "401 403 403 403 204 403 403 403",
        ),
    ];
    let admin = Some(p.token("admin"));
    let triage_uri = format!("/api/v1/issues/{shop}/triage");
    for (method, uri, json_body, raw_body, expected) in &cases {
        let expected: Vec<u16> = expected.split(' ').map(|c| c.parse().unwrap()).collect();
        assert_eq!(expected.len(), CALLERS.len(), "{method} {uri}");
        for (who, want) in CALLERS.iter().zip(expected) {
            let auth = (*who != "none").then(|| p.token(who));
            // An undo needs a decision in force: record one first.
            if *method == Method::DELETE && want == 200 {
                let a = s
                    .call(Method::POST, &triage_uri)
                    .auth(admin)
                    .json(&triage)
                    .send()
                    .await;
                assert_eq!(a.status, StatusCode::OK, "{}", a.text);
            }
            let mut call = s.call(method.clone(), uri).auth(auth);
            if let Some(v) = json_body {
                call = call.json(v);
            }
            if let Some(b) = raw_body {
                call = call.body(b.to_vec());
            }
            let a = call.send().await;
            assert_eq!(
                a.status.as_u16(),
                want,
                "{method} {uri} as {who}: {}",
                a.text
            );
            if !a.status.is_success() {
                error_code(&a);
            }
            // Undo what a successful triage did, so the next caller starts from the same state.
            if *method == Method::POST && *uri == triage_uri && want == 200 {
                let u = s.call(Method::DELETE, &triage_uri).auth(admin).send().await;
                assert_eq!(u.status, StatusCode::OK, "{}", u.text);
            }
        }
    }
    // The forbidden answers name the scope that is missing.
    let up = s
        .call(Method::POST, "/api/v1/scans?application=shop")
        .auth(Some(p.token("web-triage")))
        .body(report_bytes(SEMGREP))
        .send()
        .await;
    assert!(up.text.contains("ingest scope"), "{}", up.text);
    let read = s.get("/api/v1/issues", Some(p.token("web-ingest"))).await;
    assert!(read.text.contains("read scope"), "{}", read.text);
}

#[tokio::test]
async fn another_teams_application_is_not_found_and_leaks_nothing() {
    let Some(p) = portfolio().await else { return };
    let s = &p.server;
    let pay = Some(p.token("pay-read"));
    let shop_issue = p.shop_issue;
    let inv = rampart_store::ScopedReads::inventories_in(
        s.store.as_ref(),
        &rampart_model::TeamScope::All,
        Some("shop"),
    )
    .await
    .unwrap()[0]
        .id;

    // Each of these exists but belongs to team web: the answer is the answer for something
    // that does not exist at all, with the name or id swapped.
    for (theirs, missing) in [
        (
            "/api/v1/applications/shop".to_string(),
            "/api/v1/applications/nosuch".to_string(),
        ),
        (
            "/api/v1/applications/shop/scans".into(),
            "/api/v1/applications/nosuch/scans".into(),
        ),
        (
            format!("/api/v1/issues/{shop_issue}"),
            "/api/v1/issues/99999999".into(),
        ),
        (
            format!("/api/v1/issues/{shop_issue}/observations"),
            "/api/v1/issues/99999999/observations".into(),
        ),
        (
            format!("/api/v1/issues/{shop_issue}/history"),
            "/api/v1/issues/99999999/history".into(),
        ),
        (
            format!("/api/v1/inventories/{inv}/components"),
            "/api/v1/inventories/99999999/components".into(),
        ),
    ] {
        let a = s.get(&theirs, pay).await;
        let b = s.get(&missing, pay).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{theirs}: {}", a.text);
        assert_eq!(b.status, StatusCode::NOT_FOUND);
        let norm = |t: &str| {
            t.replace("shop", "X")
                .replace("nosuch", "X")
                .replace(&shop_issue.to_string(), "N")
                .replace("99999999", "N")
                .replace(&inv.to_string(), "N")
        };
        assert_eq!(
            norm(&a.text),
            norm(&b.text),
            "{theirs} answers differently from a missing one"
        );
    }
    // Triage on their issue: 404 too, even with the triage role elsewhere.
    let (_, pay_triage) = s.token(rampart_model::Role::Triage, &["payments"]).await;
    let t = s
        .post_json(
            &format!("/api/v1/issues/{shop_issue}/triage"),
            Some(&pay_triage),
            json!({"status": "false_positive", "reason": "not ours"}),
        )
        .await;
    assert_eq!(t.status, StatusCode::NOT_FOUND);

    // Lists and counts: only bank.
    let apps = s.get("/api/v1/applications", pay).await;
    let names: Vec<&str> = apps
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["bank"]);
    let issues = s.get("/api/v1/issues?limit=500&status=all", pay).await;
    let items = issues.body["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(
        items.iter().all(|i| i["application"] == "bank"),
        "{}",
        issues.text
    );
    let explicit = s.get("/api/v1/issues?application=shop", pay).await;
    assert_eq!(explicit.body["items"], json!([]));
    let team = s.get("/api/v1/issues?team=web", pay).await;
    assert_eq!(team.body["items"], json!([]));
    let portfolio = s.get("/api/v1/portfolio", pay).await.body;
    let bank_total: u64 = s
        .store
        .applications_in(&rampart_model::TeamScope::All, Some("bank"))
        .await
        .unwrap()[0]
        .summary
        .issues_total;
    assert_eq!(portfolio["applications"], 1);
    let by_status: u64 = portfolio["issues_by_status"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x[1].as_u64().unwrap())
        .sum();
    assert_eq!(by_status, bank_total, "portfolio counts bank's issues only");
    let admin_portfolio = s
        .get("/api/v1/portfolio", Some(p.token("admin")))
        .await
        .body;
    assert_eq!(admin_portfolio["applications"], 3);
    let uses = s
        .get("/api/v1/packages/uses?purl=pkg:pypi/jinja2", pay)
        .await;
    assert_eq!(
        uses.body["applications"],
        json!([]),
        "shop's jinja2 is not payments' business"
    );
    let invs = s.get("/api/v1/inventories", pay).await;
    assert!(
        invs.body
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["application"] == "bank")
    );
    // The orphan (no owner in the catalog) is the administrators' only.
    let orphan = s
        .get("/api/v1/applications/orphan", Some(p.token("web-read")))
        .await;
    assert_eq!(orphan.status, StatusCode::NOT_FOUND);
    assert_eq!(
        s.get("/api/v1/applications/orphan", Some(p.token("admin")))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn issue_pages_follow_the_cursor_without_gaps_or_repeats() {
    let Some(p) = portfolio().await else { return };
    let s = &p.server;
    let admin = Some(p.token("admin"));
    for sort in ["risk", "severity", "id"] {
        let full = s
            .get(
                &format!("/api/v1/issues?sort={sort}&limit=500&status=all"),
                admin,
            )
            .await;
        let full: Vec<i64> = full.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect();
        assert!(full.len() > 40, "{sort}: {}", full.len());
        let mut walked = Vec::new();
        let mut uri = format!("/api/v1/issues?sort={sort}&limit=7&status=all");
        loop {
            let page = s.get(&uri, admin).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.text);
            walked.extend(
                page.body["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["id"].as_i64().unwrap()),
            );
            match page.body["next_cursor"].as_str() {
                Some(c) => {
                    uri = format!("/api/v1/issues?sort={sort}&limit=7&status=all&cursor={c}")
                }
                None => break,
            }
        }
        assert_eq!(walked, full, "{sort}");
        assert_eq!(walked.iter().collect::<HashSet<_>>().len(), walked.len());
    }
    // Risk order: by score, highest first.
    let top = s.get("/api/v1/issues?limit=50", admin).await;
    let risks: Vec<u64> = top.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["risk"].as_u64().unwrap())
        .collect();
    assert!(risks.windows(2).all(|w| w[0] >= w[1]), "{risks:?}");
    // A cursor of another sort, a bad limit, an unknown filter value: 400 with the shape.
    for bad in [
        "/api/v1/issues?sort=severity&cursor=r.10.5",
        "/api/v1/issues?limit=0",
        "/api/v1/issues?limit=501",
        "/api/v1/issues?severity=apocalyptic",
        "/api/v1/issues?sort=random",
    ] {
        let a = s.get(bad, admin).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(error_code(&a), "bad_request");
    }
    let high = s
        .get("/api/v1/issues?severity=high,critical&limit=500", admin)
        .await;
    assert!(
        high.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["severity"] == "high" || i["severity"] == "critical")
    );
}

#[tokio::test]
async fn uploads_queue_jobs_that_ingest_and_only_their_owners_follow() {
    let Some(p) = portfolio().await else { return };
    let s = &p.server;
    let ingest = Some(p.token("web-ingest"));
    let before = s.store.list_scans(Some("shop"), 100).await.unwrap().len();
    let upload = |uri: &str, auth: Option<&str>, body: Vec<u8>| {
        s.call(Method::POST, uri).auth(auth).body(body).send()
    };
    let a = upload(
        "/api/v1/scans?application=shop&branch=feature-x&file_name=semgrep.json",
        ingest,
        report_bytes(SEMGREP),
    )
    .await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.text);
    assert_eq!(a.body["format"], "semgrep");
    let job = a.body["job_id"].as_i64().unwrap();
    assert_eq!(a.headers["location"], format!("/api/v1/jobs/{job}"));
    // Queued, not ingested yet: the answer came at once.
    let queued = s.get(&format!("/api/v1/jobs/{job}"), ingest).await;
    assert_eq!(queued.body["state"], "queued");
    assert_eq!(queued.body["application"], "shop");

    // A multipart upload.
    let boundary = "rampartboundary";
    let mut body = Vec::new();
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"application\"\r\n\r\nshop\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bandit.json\"\r\nContent-Type: application/json\r\n\r\n").as_bytes());
    body.extend_from_slice(&report_bytes("real-scans/dvpwa/bandit.json"));
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let m = s
        .call(Method::POST, "/api/v1/scans")
        .auth(ingest)
        .header(
            "content-type",
            &format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await;
    assert_eq!(m.status, StatusCode::ACCEPTED, "{}", m.text);
    assert_eq!(m.body["format"], "bandit");
    let job2 = m.body["job_id"].as_i64().unwrap();

    // Run the queued jobs as `rampart serve` does on SQLite.
    let runner = rampart_service::jobs::Runner::with_default_handlers(
        s.store.clone(),
        rampart_service::jobs::RunnerConfig {
            idle_wait: std::time::Duration::from_millis(200),
            ..Default::default()
        },
    )
    .spawn();
    let mut done: Value = Value::Null;
    for _ in 0..300 {
        let j = s.get(&format!("/api/v1/jobs/{job2}"), ingest).await;
        if j.body["state"] == "succeeded" || j.body["state"] == "failed" {
            done = j.body;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    runner.shutdown(rampart_service::jobs::Stop::Finish).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    let first = s.get(&format!("/api/v1/jobs/{job}"), ingest).await.body;
    assert_eq!(first["state"], "succeeded", "{first}");
    assert_eq!(
        first["result"]["scan"]["summary"]["observations"], 7,
        "{first}"
    );
    assert_eq!(
        s.store.list_scans(Some("shop"), 100).await.unwrap().len(),
        before + 2
    );

    // Who may follow the job: its submitter, and readers of shop's team; not another ingest
    // token, not another team.
    assert_eq!(
        s.get(&format!("/api/v1/jobs/{job}"), Some(p.token("web-read")))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        s.get(&format!("/api/v1/jobs/{job}"), Some(p.token("admin")))
            .await
            .status,
        StatusCode::OK
    );
    let (_, other_ingest) = s.token(rampart_model::Role::Ingest, &["web"]).await;
    assert_eq!(
        s.get(&format!("/api/v1/jobs/{job}"), Some(&other_ingest))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.get(&format!("/api/v1/jobs/{job}"), Some(p.token("pay-read")))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.get("/api/v1/jobs/99999999", ingest).await.status,
        StatusCode::NOT_FOUND
    );

    // Into another team's application, or nowhere: refused, nothing queued.
    let jobs_before = s.store.list_jobs(None, 1000).await.unwrap().len();
    let theirs = upload(
        "/api/v1/scans?application=shop",
        Some(p.token("pay-ingest")),
        report_bytes(SEMGREP),
    )
    .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    let new_app = upload(
        "/api/v1/scans?application=brand-new",
        ingest,
        report_bytes(SEMGREP),
    )
    .await;
    assert_eq!(new_app.status, StatusCode::NOT_FOUND);
    for (uri, body, what) in [
        ("/api/v1/scans", report_bytes(SEMGREP), "application"),
        (
            "/api/v1/scans?application=shop",
            b"this is not a report".to_vec(),
            "upload",
        ),
        ("/api/v1/scans?application=shop", Vec::new(), "empty"),
        (
            "/api/v1/scans?application=shop&format=nope",
            report_bytes(SEMGREP),
            "format",
        ),
        (
            "/api/v1/scans?application=shop&environment=moon",
            report_bytes(SEMGREP),
            "environment",
        ),
    ] {
        let a = upload(uri, ingest, body).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{uri}: {}", a.text);
        assert!(
            a.body["error"]["message"].as_str().unwrap().contains(what),
            "{}",
            a.text
        );
    }
    assert_eq!(
        s.store.list_jobs(None, 1000).await.unwrap().len(),
        jobs_before
    );
    let m = s.get("/metrics", None).await.text;
    assert!(m.contains("rampart_ingest_uploads_total 2"), "{m}");
    assert!(
        m.contains("rampart_jobs{kind=\"ingest\",state=\"succeeded\"} 2"),
        "{m}"
    );
}

#[tokio::test]
async fn triage_from_a_browser_session_needs_the_csrf_token() {
    let Some(p) = portfolio().await else { return };
    let s = &p.server;
    s.user(
        "tess",
        "triage all the things",
        false,
        &[("web", rampart_model::Role::Triage)],
    )
    .await;
    let (cookie, csrf) = s.login("tess", "triage all the things").await;
    let uri = format!("/api/v1/issues/{}/triage", p.shop_issue);
    let body = json!({"status": "false_positive", "reason": "test code"});
    let triage = || s.call(Method::POST, &uri).auth(Some(&cookie)).json(&body);
    let no = triage().send().await;
    assert_eq!(no.status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&no), "csrf");
    let wrong = triage().csrf("forged").send().await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let issue = s
        .get(&format!("/api/v1/issues/{}", p.shop_issue), Some(&cookie))
        .await;
    assert_eq!(issue.body["issue"]["status"], "open", "nothing happened");

    let ok = triage().csrf(&csrf).send().await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert_eq!(ok.body["actor"], "user:tess");
    let history = s
        .get(
            &format!("/api/v1/issues/{}/history", p.shop_issue),
            Some(&cookie),
        )
        .await;
    assert_eq!(history.body["triage"][0]["status"], "false_positive");
    assert!(
        history.body["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["event"] == "triaged")
    );
    let listed = s
        .get("/api/v1/issues?status=false_positive", Some(&cookie))
        .await;
    assert_eq!(listed.body["items"][0]["id"], p.shop_issue);
    // An incomplete decision: 400 naming what is missing.
    let bad = s
        .call(Method::POST, &uri)
        .auth(Some(&cookie))
        .csrf(&csrf)
        .json(&json!({"status": "risk_accepted", "reason": "later"}))
        .send()
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
}

#[tokio::test]
async fn openapi_document_docs_page_and_operations_endpoints() {
    let s = common::TestServer::new().await;
    let doc = s.get("/api/openapi.json", None).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert_eq!(doc.body["openapi"], "3.1.0");
    let paths: HashSet<&str> = doc.body["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for p in [
        "/api/v1/scans",
        "/api/v1/jobs/{id}",
        "/api/v1/applications",
        "/api/v1/applications/{name}",
        "/api/v1/issues",
        "/api/v1/issues/{id}",
        "/api/v1/issues/{id}/observations",
        "/api/v1/issues/{id}/history",
        "/api/v1/issues/{id}/triage",
        "/api/v1/inventories",
        "/api/v1/inventories/{id}/components",
        "/api/v1/packages/uses",
        "/api/v1/portfolio",
        "/api/v1/session",
        "/api/v1/tokens/{id}",
    ] {
        assert!(paths.contains(p), "{p} missing from the OpenAPI document");
    }
    assert!(doc.body["components"]["schemas"]["IssuePage"].is_object());
    assert!(doc.body["components"]["securitySchemes"]["bearer"].is_object());
    let page = s.get("/api/docs", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("/api/openapi.json"));
    assert!(
        !page.text.contains("https://"),
        "the docs page loads nothing from the internet"
    );
    let missing = s.get("/api/v1/nothing-here", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&missing), "not_found");

    assert_eq!(s.get("/healthz", None).await.status, StatusCode::OK);
    assert_eq!(s.get("/readyz", None).await.status, StatusCode::OK);
    let m = s.get("/metrics", None).await;
    assert!(
        m.text.contains(
            "rampart_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"
        ),
        "{}",
        m.text
    );
    assert!(
        m.text.contains("route=\"/api/v1/{*rest}\"") || m.text.contains("route=\"/api/{*rest}\""),
        "{}",
        m.text
    );
}
