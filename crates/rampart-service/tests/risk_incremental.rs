//! The incremental risk rescore after an ingest leaves exactly the scores a full rescore of the
//! application gives, and the incremental SLA due dates (new issues stored with theirs, then
//! only the issues the scan changed refreshed) exactly the dates a full refresh gives, on
//! SQLite and on PostgreSQL: real corpus reports (Grype and Trivy vulnerabilities with CVSS,
//! EPSS and fixed versions, Semgrep code findings, Gitleaks secrets) in a catalogued
//! application, then rescans that fix, reopen (the SLA clock restarts), repeat, change the
//! environment and come back after the dormancy threshold, with a risk acceptance (the clock
//! paused) that expires during an ingest.

mod common_db;

use common_db::Db;
use rampart_formats::corpus;
use rampart_service::{IngestOptions, catalog, ingest_path, risk};
use rampart_store::{RiskScope, Store};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const T0: OffsetDateTime = datetime!(2026-11-01 9:00 UTC);
const APP: &str = "shop";

const CATALOG: &str = r#"
applications:
  - id: shop
    tier: 1
    data_classification: [restricted, PCI]
    exposure: internet
    owner: team-shop
    default_branches: [main]
    environments:
      - name: production
        branch: main
        target: img
"#;

/// The corpus files the test ingests, or `None` (with a notice) without the corpus.
fn files() -> Option<[PathBuf; 6]> {
    let f = |rel: &str| corpus::file(rel);
    let all = [
        f("defectdojo/anchore_grype/many_vulns.json"),
        f("defectdojo/anchore_grype/many_vulns3.json"),
        f("defectdojo/trivy/kubernetes.json"),
        f("defectdojo/trivy/kubernetes_fabricated_subset.json"),
        f("real-scans/vulpy/semgrep.json"),
        f("real-scans/vulpy/gitleaks.json"),
    ];
    if all.iter().any(Option::is_none) {
        assert!(
            std::env::var("RAMPART_REQUIRE_CORPUS").as_deref() != Ok("1"),
            "the corpus is required but missing"
        );
        eprintln!("skipping: the corpus is not available");
        return None;
    }
    Some(all.map(Option::unwrap))
}

/// Ingests `path` into target `target` at `at`, then checks that a full rescore of the
/// application at the same time changes no stored score; returns the scope the ingest used.
async fn step(
    store: &dyn Store,
    path: &Path,
    target: &str,
    at: OffsetDateTime,
    env: Option<rampart_model::Environment>,
) -> (rampart_model::ScanSummary, RiskScope) {
    let mut opts = IngestOptions::new(APP);
    opts.target = Some(target.into());
    opts.at = Some(at);
    opts.environment = env;
    let report = ingest_path(store, path, &opts, Arc::new(AtomicU64::new(0)))
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let scope = store
        .risk_scope(report.scan.id, rampart_engine::risk::DORMANT_AFTER)
        .await
        .unwrap();
    let full = risk::recompute_application(store, APP, at).await.unwrap();
    assert_eq!(
        full.changed,
        0,
        "{} at {at}: a full rescore changed {} of {} scores the incremental rescore left \
         (scope: {scope:?})",
        path.display(),
        full.changed,
        full.issues
    );
    let sla = rampart_service::sla::refresh_application(store, APP, at)
        .await
        .unwrap();
    assert_eq!(
        sla,
        0,
        "{} at {at}: a full SLA refresh changed {sla} due dates the ingest left",
        path.display()
    );
    (report.scan.summary, scope)
}

async fn incremental_equals_full(db: &Db, files: &[PathBuf; 6]) {
    let store = rampart_store::open(&db.url).await.unwrap();
    let s = store.as_ref();
    let cat = db.dir.path().join("catalog.yaml");
    std::fs::write(&cat, CATALOG).unwrap();
    catalog::apply_files(s, &[cat.as_path()], T0 - Duration::hours(1))
        .await
        .unwrap();
    let [grype, grype3, trivy, trivy_subset, semgrep, gitleaks] = files;
    let h = Duration::hours;

    // First scans: every issue is new and stored with its score during the ingest.
    let (sum, scope) = step(s, grype, "img", T0, None).await;
    assert!(sum.new > 0 && scope.full.is_none(), "{sum:?} {scope:?}");
    let (_, scope) = step(s, trivy, "img", T0 + h(1), None).await;
    assert!(scope.full.is_none(), "{scope:?}");
    let (_, scope) = step(s, semgrep, "repo", T0 + h(2), None).await;
    assert!(scope.full.is_none(), "{scope:?}");
    let (_, scope) = step(s, gitleaks, "repo", T0 + h(3), None).await;
    assert!(scope.full.is_none(), "{scope:?}");
    let scored = s
        .list_issues(&rampart_store::IssueQuery::default())
        .await
        .unwrap();
    assert!(
        scored.iter().filter(|i| i.risk > 0).count() > scored.len() / 2,
        "most new issues carry a score"
    );
    let slas = s
        .sla_issues(&rampart_store::AppScope::default())
        .await
        .unwrap();
    assert!(
        slas.iter().filter(|i| i.sla_due.is_some()).count() > slas.len() / 2,
        "most new issues carry a due date"
    );
    // A high issue of the first Grype scan is accepted for a while: paused, no due date; the
    // acceptance expires before the next Grype scan, whose ingest reopens the issue.
    let accepted = slas
        .iter()
        .find(|i| i.severity == rampart_model::Severity::High && i.location.starts_with("pkg:"))
        .expect("a high vulnerability")
        .id;
    let request = rampart_model::TriageRequest {
        status: rampart_model::IssueStatus::RiskAccepted,
        actor: "alice".into(),
        reason: "patched image next sprint".into(),
        approver: Some("bob".into()),
        expires_at: Some(T0 + h(20)),
        justification: None,
        vex_status: None,
    };
    rampart_service::triage::decide(s, accepted, &request, T0 + h(4))
        .await
        .unwrap();
    let due_of = |rows: Vec<rampart_store::SlaIssueRow>| {
        rows.into_iter()
            .find(|r| r.id == accepted)
            .map(|r| r.sla_due)
    };
    let everything = rampart_store::AppScope::default();
    assert_eq!(due_of(s.sla_issues(&everything).await.unwrap()), Some(None));

    // A rescan that fixes some and finds others; then the same report again; then the first
    // one again (the fixed ones reopen).
    let (sum, scope) = step(s, grype3, "img", T0 + h(24), None).await;
    assert!(sum.fixed > 0 && scope.full.is_none(), "{sum:?} {scope:?}");
    assert!(!scope.issues.is_empty());
    if let Some(due) = due_of(s.sla_issues(&everything).await.unwrap()) {
        // Still active after the rescan: the 16 hours accepted push its due date back.
        assert!(
            due.is_some(),
            "the expired acceptance no longer pauses the clock"
        );
    }
    let (sum, scope) = step(s, grype3, "img", T0 + h(48), None).await;
    assert_eq!((sum.new, sum.fixed, sum.reopened), (0, 0, 0));
    assert_eq!(
        scope,
        RiskScope::default(),
        "a repeated report changes no input"
    );
    let (sum, scope) = step(s, grype, "img", T0 + h(72), None).await;
    assert!(
        sum.reopened > 0 && scope.full.is_none(),
        "{sum:?} {scope:?}"
    );

    // The Trivy stream, now declared production: every sighting of the stream moves.
    let (_, scope) = step(
        s,
        trivy_subset,
        "img",
        T0 + h(96),
        Some(rampart_model::Environment::Production),
    )
    .await;
    assert!(scope.full.is_some(), "{scope:?}");

    // Back after the dormancy threshold: the issues nobody reported since turn dormant.
    let later = T0 + rampart_engine::risk::DORMANT_AFTER + h(100);
    let (_, scope) = step(s, semgrep, "repo", later, None).await;
    assert!(scope.full.is_some(), "{scope:?}");
    // And once more, a day later: nothing crosses the threshold, the scope is narrow again.
    let (_, scope) = step(s, semgrep, "repo", later + h(24), None).await;
    assert!(scope.full.is_none(), "{scope:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_rescore_equals_full_sqlite() {
    let Some(files) = files() else { return };
    let db = Db::sqlite("risk");
    incremental_equals_full(&db, &files).await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_rescore_equals_full_postgres() {
    let Some(files) = files() else { return };
    let Some(db) = Db::postgres("ri").await else {
        return;
    };
    incremental_equals_full(&db, &files).await;
    db.cleanup().await;
}
