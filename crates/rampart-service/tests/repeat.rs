//! An unchanged report re-ingested from a file is recorded without being parsed again
//! (`RepeatScanStore`), and leaves exactly what reading it in full leaves: the same scan
//! summaries, the same issues with the same statuses, risk and history, on SQLite and on
//! PostgreSQL. A report that repeats an older scan but not the latest one of its streams is
//! read in full (its issues reopen).

mod common_db;

use common_db::Db;
use rampart_formats::corpus;
use rampart_service::{IngestOptions, IngestReport, ingest_path, ingest_reader};
use rampart_store::{IssueQuery, Store};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const T0: OffsetDateTime = datetime!(2026-11-02 9:00 UTC);

fn files() -> Option<(PathBuf, PathBuf)> {
    let a = corpus::file("defectdojo/anchore_grype/many_vulns.json");
    let b = corpus::file("defectdojo/anchore_grype/many_vulns3.json");
    match (a, b) {
        (Some(a), Some(b)) => Some((a, b)),
        _ => {
            assert!(
                std::env::var("RAMPART_REQUIRE_CORPUS").as_deref() != Ok("1"),
                "the corpus is required but missing"
            );
            eprintln!("skipping: the corpus is not available");
            None
        }
    }
}

fn opts(at: OffsetDateTime) -> IngestOptions {
    let mut o = IngestOptions::new("shop");
    o.target = Some("img".into());
    o.at = Some(at);
    o
}

/// Ingests `path` from the file (the repeat shortcut may apply) or as a stream (never).
async fn ingest(store: &dyn Store, path: &Path, at: OffsetDateTime, file: bool) -> IngestReport {
    let progress = Arc::new(AtomicU64::new(0));
    let r = if file {
        ingest_path(store, path, &opts(at), progress).await
    } else {
        let reader = std::fs::File::open(path).unwrap();
        ingest_reader(
            store,
            reader,
            &path.display().to_string(),
            &opts(at),
            progress,
        )
        .await
    };
    r.unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What an application's issues look like, in id order.
async fn issues(store: &dyn Store) -> Vec<String> {
    let mut list = store
        .list_issues(&IssueQuery {
            limit: Some(100_000),
            ..Default::default()
        })
        .await
        .unwrap();
    list.sort_by_key(|i| i.id);
    let mut out = Vec::new();
    for i in list {
        let d = store.issue_detail(i.id).await.unwrap().unwrap();
        let events: Vec<String> = d.events.iter().map(|e| e.event.clone()).collect();
        out.push(format!(
            "{} {} {} {} {} {} {:?}",
            i.id,
            i.key,
            i.status,
            i.severity,
            i.risk,
            d.observations.len(),
            events
        ));
    }
    out
}

async fn repeat_equals_full_read(fast: &Db, full: &Db, (a, b): &(PathBuf, PathBuf)) {
    let fast = rampart_store::open(&fast.url).await.unwrap();
    let full = rampart_store::open(&full.url).await.unwrap();
    let h = Duration::hours;
    // (report, time, whether the file shortcut must apply)
    let steps = [
        (a, T0, false),
        (a, T0 + h(1), true),
        (b, T0 + h(2), false),
        // The same bytes as the first scan, but the latest scan of the stream is `b`'s.
        (a, T0 + h(3), false),
        (a, T0 + h(4), true),
    ];
    for (i, (path, at, repeat)) in steps.iter().enumerate() {
        let x = ingest(fast.as_ref(), path, *at, true).await;
        let y = ingest(full.as_ref(), path, *at, false).await;
        assert_eq!(
            x.repeat_of.is_some(),
            *repeat,
            "step {i}: {:?}",
            x.repeat_of
        );
        assert_eq!(y.repeat_of, None);
        assert_eq!(x.scan.summary, y.scan.summary, "step {i}");
        assert_eq!(x.scan.tool, y.scan.tool, "step {i}");
        assert_eq!(x.scan.report_sha256, y.scan.report_sha256, "step {i}");
        assert_eq!(x.bytes, y.bytes, "step {i}");
    }
    let (x, y) = (issues(fast.as_ref()).await, issues(full.as_ref()).await);
    assert!(!x.is_empty());
    assert_eq!(x, y);
    assert!(
        x.iter().any(|i| i.contains("reopened")),
        "the sequence reopens issues"
    );
    let scans = |s: Arc<dyn Store>| async move { s.list_scans(Some("shop"), 100).await.unwrap() };
    let (x, y) = (scans(fast).await, scans(full).await);
    assert_eq!(x.len(), steps.len());
    for (x, y) in x.iter().zip(&y) {
        assert_eq!((x.id, &x.tool, &x.summary), (y.id, &y.tool, &y.summary));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_report_equals_full_read_sqlite() {
    let Some(files) = files() else { return };
    let (fast, full) = (Db::sqlite("fast"), Db::sqlite("full"));
    repeat_equals_full_read(&fast, &full, &files).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_report_equals_full_read_postgres() {
    let Some(files) = files() else { return };
    let (Some(fast), Some(full)) = (Db::postgres("rf").await, Db::postgres("rr").await) else {
        return;
    };
    repeat_equals_full_read(&fast, &full, &files).await;
    fast.cleanup().await;
    full.cleanup().await;
}
