//! Rescan lifecycle on real reports: unchanged, moved code, fixed, reopened, idempotence.

mod common;

use common::{ingest, store, write_json};
use rampart_formats::corpus;
use rampart_store::IssueQuery;
use serde_json::Value;

/// Shifts every Semgrep result's lines by `by` (as if `by` lines were inserted above each).
fn shift_semgrep_lines(report: &mut Value, by: u64) {
    for r in report["results"].as_array_mut().expect("results") {
        for end in ["start", "end"] {
            let line = r[end]["line"].as_u64().expect("line");
            r[end]["line"] = Value::from(line + by);
            if let Some(off) = r[end]["offset"].as_u64() {
                r[end]["offset"] = Value::from(off + by * 10);
            }
        }
    }
}

#[tokio::test]
async fn semgrep_rescan_after_ten_lines_inserted_keeps_every_issue() {
    let Some(path) = corpus::file("real-scans/vulpy/semgrep.json") else {
        return;
    };
    let (store, tmp) = store().await;
    let first = ingest(store.as_ref(), &path, "vulpy")
        .await
        .expect("first ingest");
    // Two Semgrep SQL-injection rules flag the same 7 statements: 80 results, 73 issues.
    assert_eq!(first.scan.summary.observations, 80);
    let n = first.scan.summary.new;
    assert_eq!(n, 73, "every issue is new on the first scan");

    let mut report: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    shift_semgrep_lines(&mut report, 10);
    let moved = write_json(tmp.path(), "semgrep-moved.json", &report);
    let second = ingest(store.as_ref(), &moved, "vulpy")
        .await
        .expect("rescan");
    let s = &second.scan.summary;
    assert_eq!(
        (s.new, s.fixed, s.reopened, s.unchanged),
        (0, 0, 0, n),
        "{s:?}"
    );

    // Each issue records the move, with both locations.
    let issues = store.list_issues(&IssueQuery::default()).await.unwrap();
    assert_eq!(issues.len() as u64, n);
    let detail = store.issue_detail(issues[0].id).await.unwrap().unwrap();
    let moved_event = detail
        .events
        .iter()
        .find(|e| e.event == "moved")
        .expect("moved event");
    assert!(
        moved_event.detail.starts_with("moved from "),
        "{}",
        moved_event.detail
    );
    assert_eq!(detail.observations.iter().filter(|o| o.active).count(), 1);
    assert_eq!(
        detail.observations.len(),
        2,
        "the old statement is kept, ended"
    );
}

#[tokio::test]
async fn ingesting_the_same_report_twice_changes_nothing() {
    let Some(path) = corpus::file("real-scans/dvpwa/semgrep.json") else {
        return;
    };
    let (store, _tmp) = store().await;
    let first = ingest(store.as_ref(), &path, "dvpwa").await.unwrap();
    let before = store
        .list_issues(&IssueQuery {
            all_statuses: true,
            ..Default::default()
        })
        .await
        .unwrap();
    let portfolio_before = store.portfolio().await.unwrap();
    let second = ingest(store.as_ref(), &path, "dvpwa").await.unwrap();
    let s = &second.scan.summary;
    assert_eq!((s.new, s.fixed, s.reopened), (0, 0, 0));
    assert_eq!(s.unchanged, first.scan.summary.new);
    let after = store
        .list_issues(&IssueQuery {
            all_statuses: true,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        before.iter().map(|i| (i.id, i.status)).collect::<Vec<_>>(),
        after.iter().map(|i| (i.id, i.status)).collect::<Vec<_>>()
    );
    let portfolio_after = store.portfolio().await.unwrap();
    assert_eq!(
        portfolio_before.observations, portfolio_after.observations,
        "no observation rows added"
    );
    assert_eq!(second.scan.report_sha256, first.scan.report_sha256);
    assert_eq!(second.scan.report_sha256.len(), 64);
}

#[tokio::test]
async fn removed_findings_are_fixed_and_come_back_reopened() {
    let Some(path) = corpus::file("real-scans/vulpy/semgrep.json") else {
        return;
    };
    let (store, tmp) = store().await;
    let full: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    // Issues, not results: two SQL-injection rules of Semgrep flag the same statements.
    let total = ingest(store.as_ref(), &path, "vulpy")
        .await
        .unwrap()
        .scan
        .summary
        .new;
    assert!(total < full["results"].as_array().unwrap().len() as u64);

    let mut fewer = full.clone();
    fewer["results"].as_array_mut().unwrap().truncate(5);
    let fewer_path = write_json(tmp.path(), "fewer.json", &fewer);
    let s = ingest(store.as_ref(), &fewer_path, "vulpy")
        .await
        .unwrap()
        .scan
        .summary;
    assert_eq!(
        (s.new, s.unchanged, s.fixed, s.reopened),
        (0, 5, total - 5, 0)
    );
    let fixed = store
        .list_issues(&IssueQuery {
            statuses: vec![rampart_model::IssueStatus::Fixed],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(fixed.len() as u64, total - 5);
    assert!(fixed.iter().all(|i| i.fixed_at.is_some()));

    let s = ingest(store.as_ref(), &path, "vulpy")
        .await
        .unwrap()
        .scan
        .summary;
    assert_eq!(
        (s.new, s.unchanged, s.fixed, s.reopened),
        (0, 5, 0, total - 5)
    );
    let detail = store.issue_detail(fixed[0].id).await.unwrap().unwrap();
    let events: Vec<&str> = detail.events.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(events, ["new", "fixed", "reopened"]);

    // A clean rescan (zero results) of the same tool fixes everything it had reported.
    let mut none = full.clone();
    none["results"] = Value::Array(vec![]);
    let none_path = write_json(tmp.path(), "none.json", &none);
    let s = ingest(store.as_ref(), &none_path, "vulpy")
        .await
        .unwrap()
        .scan
        .summary;
    assert_eq!((s.observations, s.new, s.fixed), (0, 0, total));
}

#[tokio::test]
async fn another_tool_keeps_an_issue_open_and_tools_do_not_fix_each_other() {
    let (Some(semgrep), Some(gitleaks)) = (
        corpus::file("real-scans/vulpy/semgrep.json"),
        corpus::file("scanner-misc/gatecheck/gitleaks-report.json"),
    ) else {
        return;
    };
    let (store, tmp) = store().await;
    ingest(store.as_ref(), &semgrep, "app").await.unwrap();
    let g = ingest(store.as_ref(), &gitleaks, "app").await.unwrap();
    assert!(g.scan.summary.new > 0);
    // An empty gitleaks rescan fixes gitleaks' issues only.
    let empty = write_json(tmp.path(), "empty.json", &Value::Array(vec![]));
    let mut opts = rampart_service::IngestOptions::new("app");
    opts.format = Some(rampart_formats::Format::Gitleaks);
    let s = common::ingest_with(store.as_ref(), &empty, &opts)
        .await
        .unwrap()
        .scan
        .summary;
    assert_eq!(s.fixed, g.scan.summary.new);
    let open = store.list_issues(&IssueQuery::default()).await.unwrap();
    assert!(open.iter().all(|i| i.tools == ["semgrep"]));
}
