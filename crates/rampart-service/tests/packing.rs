//! A branch's first large report is stored packed against a dictionary trained on it
//! (`codec::ScanPacker`), and everything that reads stored documents reads it back: the issue
//! detail, the risk context, the correlation notes a rescan pairs with, and the rename pass.

mod common;

use common::{ingest, ingest_with, store, write_json};
use rampart_service::IngestOptions;
use rampart_store::{IssueQuery, codec};
use serde_json::{Value, json};
use sqlx::Row;

/// Findings in the generated report: above `codec::TRAIN_MIN`, so the first batch trains.
const FINDINGS: usize = 1500;

/// A Semgrep report of `FINDINGS` results, ten to a file; file 42 is at `file_42`.
fn semgrep(file_42: &str) -> Value {
    let results: Vec<Value> = (0..FINDINGS)
        .map(|i| {
            let file = i / 10;
            let path = if file == 42 {
                file_42.to_string()
            } else {
                format!("src/service_{}/file_{file}.py", file % 7)
            };
            let line = 10 + (i % 10) * 7;
            json!({
                "check_id": format!("python.lang.security.audit.rule-{}", i % 40),
                "path": path,
                "start": {"line": line, "col": 5, "offset": line * 40},
                "end": {"line": line, "col": 60, "offset": line * 40 + 55},
                "extra": {
                    "message": format!("User input reaches a query in handler_{i}"),
                    "severity": if i % 3 == 0 { "ERROR" } else { "WARNING" },
                    "metadata": {"cwe": [format!("CWE-{}: a weakness", 20 + i % 60)]},
                    "lines": format!("cursor.execute(query_{i} % request.args['q{i}'])"),
                },
            })
        })
        .collect();
    json!({"version": "1.90.0", "results": results, "errors": [], "paths": {"scanned": []}})
}

async fn pool(dir: &std::path::Path) -> sqlx::SqlitePool {
    let url = format!("sqlite://{}", dir.join("test.db").display());
    sqlx::SqlitePool::connect(&url)
        .await
        .expect("open the store file")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_first_report_is_packed_and_read_back_everywhere() {
    let (store, tmp) = store().await;
    let first_path = write_json(tmp.path(), "first.json", &semgrep("src/old/file_42.py"));
    let first = ingest(store.as_ref(), &first_path, "ledger")
        .await
        .expect("first ingest");
    assert_eq!(first.scan.summary.new, FINDINGS as u64);

    // One dictionary, for this scan; every document packed against it, and small.
    let db = pool(tmp.path()).await;
    let dictionaries: Vec<(i64, i64)> =
        sqlx::query_as("SELECT scan_id, length(dictionary) FROM scan_dictionaries")
            .fetch_all(&db)
            .await
            .unwrap();
    assert_eq!(dictionaries.len(), 1);
    assert_eq!(dictionaries[0].0, first.scan.id);
    assert!(dictionaries[0].1 as usize <= codec::DICTIONARY_SIZE);
    let rows = sqlx::query("SELECT data FROM observations")
        .fetch_all(&db)
        .await
        .unwrap();
    assert_eq!(rows.len(), FINDINGS);
    let mut total = 0;
    for r in &rows {
        let data: Vec<u8> = r.get(0);
        assert!(codec::is_scan_packed(&data));
        total += data.len();
    }
    assert!(
        total / FINDINGS < 200,
        "{} bytes a document",
        total / FINDINGS
    );

    // The issue detail reads the document.
    let issues = store
        .list_issues(&IssueQuery {
            limit: Some(5000),
            ..IssueQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(issues.len(), FINDINGS);
    let some = issues
        .iter()
        .find(|i| i.location.starts_with("src/service_3/file_73.py"))
        .expect("an issue of file 73");
    let detail = store.issue_detail(some.id).await.unwrap().unwrap();
    let doc = &detail.observations[0].observation;
    let i = doc["message"].as_str().unwrap().rsplit('_').next().unwrap();
    let i: usize = i.parse().unwrap();
    assert_eq!(i / 10, 73);
    assert_eq!(
        doc["rule_id"],
        format!("python.lang.security.audit.rule-{}", i % 40)
    );
    assert_eq!(doc["location"]["path"], "src/service_3/file_73.py");
    assert_eq!(doc["location"]["start_line"], 10 + (i % 10) * 7);

    // So does the risk context of issues.
    let inputs = store.risk_inputs_of(&[some.id]).await.unwrap();
    assert_eq!(inputs[0].sightings.len(), 1);
    assert_eq!(inputs[0].sightings[0].observation, *doc);

    // A rescan with every line moved down and file 42 renamed: the correlation notes and the
    // rename pass read the packed documents of the first scan, and every issue is kept.
    let mut moved = semgrep("src/new/file_42.py");
    for r in moved["results"].as_array_mut().unwrap() {
        for end in ["start", "end"] {
            let line = r[end]["line"].as_u64().unwrap();
            r[end]["line"] = Value::from(line + 10);
        }
    }
    let moved_path = write_json(tmp.path(), "moved.json", &moved);
    let second = ingest(store.as_ref(), &moved_path, "ledger")
        .await
        .expect("rescan");
    let s = &second.scan.summary;
    assert_eq!(
        (s.new, s.fixed, s.reopened, s.unchanged),
        (0, 0, 0, FINDINGS as u64),
        "{s:?}"
    );
    let renamed = store
        .list_issues(&IssueQuery {
            limit: Some(5000),
            ..IssueQuery::default()
        })
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.location.contains("file_42.py"))
        .expect("an issue of the renamed file");
    let detail = store.issue_detail(renamed.id).await.unwrap().unwrap();
    assert!(
        detail.events.iter().any(|e| e.event == "moved"
            && e.detail.contains("src/old/file_42.py")
            && e.detail.contains("src/new/file_42.py")),
        "{:?}",
        detail.events
    );
    // Its old statement (packed, first scan) and its new one (the rescan's: built-in form).
    assert_eq!(detail.observations.len(), 2);
    let paths: Vec<&str> = detail
        .observations
        .iter()
        .map(|o| o.observation["location"]["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["src/new/file_42.py", "src/old/file_42.py"]);

    // Another branch's first report trains its own dictionary; an issue seen on both branches
    // reads each statement with its own scan's dictionary.
    let opts = IngestOptions {
        branch: "release".into(),
        ..IngestOptions::new("ledger")
    };
    let third = ingest_with(store.as_ref(), &first_path, &opts)
        .await
        .expect("another branch");
    assert_eq!(third.scan.summary.new, 0);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM scan_dictionaries")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(n, 2);
    // Issue `some` now has three statements: main's first (packed with the first scan's
    // dictionary), main's rescan (built-in form) and release's (packed with the third's).
    let detail = store.issue_detail(some.id).await.unwrap().unwrap();
    let by_scan = |scan: i64| {
        detail
            .observations
            .iter()
            .find(|o| o.first_scan_id == scan)
            .map(|o| o.observation.clone())
            .unwrap_or_else(|| panic!("no statement of scan {scan}"))
    };
    assert_eq!(detail.observations.len(), 3);
    assert_eq!(by_scan(first.scan.id), *doc);
    assert_eq!(by_scan(third.scan.id), *doc);
    let rescanned = by_scan(second.scan.id);
    assert_eq!(
        rescanned["location"]["start_line"].as_u64(),
        doc["location"]["start_line"].as_u64().map(|l| l + 10)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_report_keeps_the_builtin_form() {
    let (store, tmp) = store().await;
    let mut report = semgrep("src/old/file_42.py");
    report["results"]
        .as_array_mut()
        .unwrap()
        .truncate(codec::TRAIN_MIN - 1);
    let path = write_json(tmp.path(), "small.json", &report);
    ingest(store.as_ref(), &path, "ledger")
        .await
        .expect("ingest");
    let db = pool(tmp.path()).await;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM scan_dictionaries")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(n, 0);
    let packed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM observations WHERE substr(data, 1, 4) = x'28B52FFD'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(packed, 0);
    let issues = store.list_issues(&IssueQuery::default()).await.unwrap();
    let detail = store.issue_detail(issues[0].id).await.unwrap().unwrap();
    assert!(detail.observations[0].observation["rule_id"].is_string());
}
