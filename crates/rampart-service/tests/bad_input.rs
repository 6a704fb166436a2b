//! Bad input: every case gives a clear error naming the file and place, stores nothing, and
//! never panics; a report with zero results is a correct empty scan.

mod common;

use common::{ingest, store};
use std::path::Path;

async fn expect_error(bytes: &[u8], name: &str, needles: &[&str]) {
    let (store, tmp) = store().await;
    let path = tmp.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let err = ingest(store.as_ref(), &path, "app")
        .await
        .expect_err("must fail")
        .to_string();
    assert!(
        err.contains(&path.display().to_string()),
        "error names the file: {err}"
    );
    for n in needles {
        assert!(err.contains(n), "error {err:?} should contain {n:?}");
    }
    let p = store.portfolio().await.unwrap();
    assert_eq!(
        (p.scans, p.observations, p.applications),
        (0, 0, 0),
        "nothing stored after: {err}"
    );
}

#[tokio::test]
async fn empty_file() {
    expect_error(b"", "empty.json", &["empty"]).await;
    expect_error(b"  \n\t ", "blank.json", &["empty"]).await;
}

#[tokio::test]
async fn truncated_json() {
    let report = br#"{"version": "1.0", "results": [{"check_id": "a", "path": "x.py", "start": {"line": 1, "col": 1}, "end": {"line": 1, "col": 2}, "extra": {"message": "m", "severity": "ERROR", "lines": "x"}}, {"check_id": "b", "path": "y"#;
    expect_error(report, "truncated.json", &["line 1", "truncated"]).await;
}

#[tokio::test]
async fn binary_garbage() {
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    expect_error(&garbage, "garbage.bin", &["binary"]).await;
}

#[tokio::test]
async fn json_lines_where_a_document_was_expected() {
    let lines = b"{\"errors\": [], \"results\": []}\n{\"errors\": [], \"results\": []}\n";
    expect_error(lines, "lines.jsonl", &["line 2", "JSON Lines"]).await;
}

#[tokio::test]
async fn ten_thousand_levels_of_nesting() {
    let mut doc = String::from("{\"errors\": [], \"results\": ");
    doc.push_str(&"[".repeat(10_000));
    doc.push_str(&"]".repeat(10_000));
    doc.push('}');
    expect_error(doc.as_bytes(), "deep.json", &["too deep"]).await;
    // Nesting inside a SARIF result: the result's own depth limit applies.
    let sarif = format!(
        r#"{{"version":"2.1.0","runs":[{{"tool":{{"driver":{{"name":"x"}}}},"results":[{{"message":{{"text":"m"}},"properties":{{"a":{}{}}}}}]}}]}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    expect_error(
        sarif.as_bytes(),
        "deep.sarif",
        &["deep", "/runs/0/results/0"],
    )
    .await;
    // Runs that are arrays, not objects, are named as such.
    let runs = format!(
        r#"{{"version":"2.1.0","runs":{}{}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    expect_error(
        runs.as_bytes(),
        "runs.sarif",
        &["/runs/0", "expected a run object"],
    )
    .await;
}

#[tokio::test]
async fn unknown_format() {
    expect_error(
        br#"{"hello": "world", "items": []}"#,
        "other.json",
        &["unknown report format", "[hello, items]"],
    )
    .await;
    expect_error(
        b"<html><body>hi</body></html>",
        "page.html",
        &["unknown report format", "<html>"],
    )
    .await;
    expect_error(b"just some text\n", "notes.txt", &["neither JSON nor XML"]).await;
}

#[tokio::test]
async fn zero_results_is_a_correct_empty_scan() {
    let (store, tmp) = store().await;
    let path = tmp.path().join("clean.json");
    std::fs::write(
        &path,
        br#"{"version": "1.100.0", "results": [], "errors": [], "paths": {"scanned": ["a.py"]}}"#,
    )
    .unwrap();
    let r = ingest(store.as_ref(), &path, "app").await.unwrap();
    assert_eq!(r.scan.summary.observations, 0);
    assert_eq!(
        r.tools.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["semgrep"]
    );
    assert_eq!(store.portfolio().await.unwrap().scans, 1);
}

#[tokio::test]
async fn a_missing_file_is_an_error_naming_it() {
    let (store, _tmp) = store().await;
    let err = ingest(
        store.as_ref(),
        Path::new("/nonexistent/report.sarif"),
        "app",
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string().contains("/nonexistent/report.sarif"),
        "{err}"
    );
}
