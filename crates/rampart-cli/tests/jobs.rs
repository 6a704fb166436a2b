//! `rampart ingest --async`, `rampart jobs` and `rampart worker` as a user runs them (SQLite:
//! queued ingests run in the process that queued them; a worker stops cleanly on SIGTERM).

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn rampart(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run rampart")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn queued_ingest_runs_in_process_and_shows_as_json() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("jobs.db");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo/reports/storefront-web");
    let semgrep = demo.join("semgrep.json");
    let out = rampart(
        &db,
        &[
            "ingest",
            "--async",
            semgrep.to_str().unwrap(),
            "--app",
            "shop",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("queued as job #1"), "{stdout}");
    assert!(
        stdout.contains("job #1 succeeded: scan #1 shop: 23 observations, 23 new"),
        "{stdout}"
    );

    let out = rampart(&db, &["jobs", "show", "1", "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let job: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(job["kind"], "ingest");
    assert_eq!(job["state"], "succeeded");
    assert_eq!(job["attempts"], 1);
    assert_eq!(job["payload"]["application"], "shop");
    assert_eq!(job["result"]["scan"]["summary"]["new"], 23);
    let size = std::fs::metadata(&semgrep).unwrap().len();
    assert_eq!(job["progress"]["bytes_total"], size);
    assert_eq!(job["progress"]["bytes_read"], size);
    assert!(job["finished_at"].is_string());

    let out = rampart(&db, &["jobs", "list", "--format", "json"]);
    let jobs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(jobs.as_array().unwrap().len(), 1);
    let out = rampart(
        &db,
        &["issues", "list", "--app", "shop", "--format", "json"],
    );
    let issues: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(issues.as_array().unwrap().len(), 23);

    // A report that is not one: the job fails for good, the command says so, nothing stored.
    let bad = tmp.path().join("bad.json");
    std::fs::write(&bad, b"{\"not\": \"a report\"}").unwrap();
    let out = rampart(
        &db,
        &["ingest", "--async", bad.to_str().unwrap(), "--app", "shop"],
    );
    assert_eq!(out.status.code(), Some(2));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("job #2 failed: error: "), "{stdout}");
    assert!(stdout.contains("bad.json"), "{stdout}");
    let out = rampart(&db, &["jobs", "show", "2"]);
    let shown = text(&out.stdout);
    assert!(shown.contains("job #2 (ingest): failed"), "{shown}");
    assert!(shown.contains("attempts:  1 of 5"), "{shown}");
    let out = rampart(&db, &["jobs", "show", "99"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no job 99"));
}

#[test]
fn worker_stops_cleanly_on_sigterm() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("worker.db");
    let worker = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .arg("--db")
        .arg(&db)
        .args(["worker", "--name", "w-test", "--grace", "5"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("start worker");
    // Let it open the store and start waiting.
    let started = Instant::now();
    while !db.exists() && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(1500));
    let kill = Command::new("kill")
        .args(["-TERM", &worker.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = worker.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("worker w-test running 1 job(s) at once, kinds: ingest"),
        "{stderr}"
    );
    assert!(stderr.contains("worker stopped: 0 succeeded"), "{stderr}");
}
