//! Queued ingests run by job runners, on SQLite and PostgreSQL: a queued ingest equals a
//! direct one, bad reports fail for good and store nothing, retries back off, shutdown
//! releases what it cannot finish, and eight workers with their own connections running 500
//! queued reports into the same applications leave exactly what a one-by-one replay leaves.

mod common;
mod common_db;

use async_trait::async_trait;
use common_db::Db;
use rampart_service::jobs::{
    INGEST, JobContext, JobError, JobHandler, Runner, RunnerConfig, Stop, enqueue_ingest,
    enqueue_ingest_reader,
};
use rampart_service::{IngestOptions, ingest_reader};
use rampart_store::{IssueQuery, Job, JobState, NewJob, Store};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

/// Connections each PostgreSQL store handle of these tests may open.
const PG_POOL: u32 = 3;

/// A store handle with its own connections (as another process has), for [`Db`].
trait OpenOwn {
    /// On PostgreSQL the handle's pool holds at most [`PG_POOL`] connections: a runner of
    /// concurrency 1 needs one for the job, one for heartbeats and one held for `LISTEN`
    /// (docs/postgres.md: C + 2), and the test server's `max_connections` (100) is shared by
    /// every test process running at once.
    async fn open(&self) -> Arc<dyn Store>;
}

impl OpenOwn for Db {
    async fn open(&self) -> Arc<dyn Store> {
        if !self.url.starts_with("postgres") {
            return rampart_store::open(&self.url).await.expect("open store");
        }
        let options =
            sqlx::postgres::PgConnectOptions::from_str(&self.url).expect("a PostgreSQL URL");
        let settings = rampart_store::postgres::PgSettings {
            max_connections: PG_POOL,
            ..Default::default()
        };
        Arc::new(
            rampart_store::PgStore::connect_with(options, settings)
                .await
                .expect("open store"),
        )
    }
}

/// Runs `test` on SQLite, then on PostgreSQL.
macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let db = super::Db::sqlite("jobs");
                super::$name(&db).await;
                db.cleanup().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                let Some(db) = super::Db::postgres("j").await else {
                    return;
                };
                super::$name(&db).await;
                db.cleanup().await;
            }
        }
    };
}

both!(queued_ingest_equals_direct_ingest);
both!(bad_report_fails_for_good_and_stores_nothing);
both!(retries_back_off_then_succeed);
both!(shutdown_finishes_or_releases);
both!(eight_workers_500_queued_reports);

fn quick() -> RunnerConfig {
    RunnerConfig {
        name: "test-worker".into(),
        concurrency: 1,
        heartbeat: Duration::from_millis(200),
        idle_wait: Duration::from_millis(200),
        grace: Duration::from_secs(30),
    }
}

/// Waits (at most ten minutes: the machine may be busy) until every job of `ids` has ended.
async fn ended(store: &dyn Store, ids: &[i64]) -> Vec<Job> {
    for _ in 0..12_000 {
        let mut jobs = Vec::new();
        for id in ids {
            jobs.push(store.get_job(*id).await.unwrap().unwrap());
        }
        if jobs
            .iter()
            .all(|j| matches!(j.state, JobState::Succeeded | JobState::Failed))
        {
            return jobs;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{} jobs did not all end within ten minutes", ids.len());
}

fn demo(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../demo/reports/storefront-web")
        .join(name)
}

async fn queued_ingest_equals_direct_ingest(db: &Db) {
    let store = db.open().await;
    let opts = IngestOptions::new("shop");
    let semgrep = demo("semgrep.json");
    let id = enqueue_ingest(store.as_ref(), &semgrep, &opts)
        .await
        .unwrap();
    let queued = store.get_job(id).await.unwrap().unwrap();
    assert_eq!(
        (queued.kind.as_str(), queued.state),
        (INGEST, JobState::Queued)
    );
    let sha = queued.payload["report"]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(store.report_blob(&sha).await.unwrap().is_some());

    let runner = Runner::with_default_handlers(db.open().await, quick()).spawn();
    let job = ended(store.as_ref(), &[id]).await.remove(0);
    runner.shutdown(Stop::Finish).await;
    assert_eq!(job.state, JobState::Succeeded, "{:?}", job.last_error);
    assert_eq!(job.attempts, 1);
    let size = std::fs::metadata(&semgrep).unwrap().len();
    assert_eq!(
        job.progress,
        Some(serde_json::json!({ "bytes_read": size, "bytes_total": size }))
    );
    let result = job.result.unwrap();
    assert_eq!(result["scan"]["summary"]["observations"], 23);
    assert_eq!(result["scan"]["summary"]["new"], 23);
    assert_eq!(result["scan"]["report_sha256"], sha.as_str());
    assert_eq!(result["format"], "semgrep");
    // The blob went with the job.
    assert!(store.report_blob(&sha).await.unwrap().is_none());

    // The same issues as a direct ingest of the file into a fresh store.
    let (direct, _dir) = common::store().await;
    common::ingest(direct.as_ref(), &semgrep, "shop")
        .await
        .unwrap();
    let all = IssueQuery {
        all_statuses: true,
        ..Default::default()
    };
    let keys = |v: Vec<rampart_model::Issue>| -> Vec<(String, String)> {
        let mut k: Vec<_> = v.into_iter().map(|i| (i.key, i.title)).collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(store.list_issues(&all).await.unwrap()),
        keys(direct.list_issues(&all).await.unwrap())
    );
}

async fn bad_report_fails_for_good_and_stores_nothing(db: &Db) {
    let store = db.open().await;
    let bytes = br#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"CodeQL"}},"results":[{"ruleId":"x","locations":[ "#;
    let id = enqueue_ingest_reader(
        store.as_ref(),
        bytes,
        "broken.sarif",
        &IngestOptions::new("shop"),
    )
    .await
    .unwrap();
    let runner = Runner::with_default_handlers(db.open().await, quick()).spawn();
    let job = ended(store.as_ref(), &[id]).await.remove(0);
    runner.shutdown(Stop::Finish).await;
    assert_eq!(job.state, JobState::Failed);
    assert_eq!(job.attempts, 1, "a malformed report is not retried");
    let error = job.last_error.unwrap();
    assert!(error.contains("broken.sarif"), "{error}");
    assert!(store.list_scans(None, 10).await.unwrap().is_empty());
    assert!(store.list_applications().await.unwrap().is_empty());
}

/// Fails its first `fail` attempts with a retryable error.
struct Flaky {
    fail: usize,
    calls: AtomicUsize,
}

#[async_trait]
impl JobHandler for Flaky {
    fn kind(&self) -> &'static str {
        "flaky"
    }
    async fn run(&self, job: &Job, _ctx: &JobContext) -> Result<serde_json::Value, JobError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        if n < self.fail {
            Err(JobError::Retry(format!("transient failure {n}")))
        } else {
            Ok(serde_json::json!({ "echo": job.payload["n"] }))
        }
    }
}

async fn retries_back_off_then_succeed(db: &Db) {
    let store = db.open().await;
    let mut job = NewJob::new("flaky", serde_json::json!({ "n": 7 }));
    job.backoff = Duration::from_millis(300);
    let id = store.enqueue_job(job).await.unwrap();
    let flaky = Arc::new(Flaky {
        fail: 2,
        calls: AtomicUsize::new(0),
    });
    let started = std::time::Instant::now();
    let runner = Runner::new(db.open().await, quick())
        .register(flaky.clone())
        .spawn();
    let job = ended(store.as_ref(), &[id]).await.remove(0);
    let stats = runner.shutdown(Stop::Finish).await;
    assert_eq!(job.state, JobState::Succeeded);
    assert_eq!(job.attempts, 3);
    assert_eq!(job.result, Some(serde_json::json!({ "echo": 7 })));
    assert_eq!(job.last_error.as_deref(), Some("transient failure 1"));
    // Backoffs of 300 ms then 600 ms were waited out.
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(stats.failed.load(Ordering::Relaxed), 2);
    assert_eq!(stats.succeeded.load(Ordering::Relaxed), 1);
}

/// Runs until dropped, or finishes after `takes`.
struct Slow {
    takes: Duration,
    started: tokio::sync::Notify,
}

#[async_trait]
impl JobHandler for Slow {
    fn kind(&self) -> &'static str {
        "slow"
    }
    async fn run(&self, _job: &Job, ctx: &JobContext) -> Result<serde_json::Value, JobError> {
        ctx.set_progress(Box::new(|| serde_json::json!({ "step": "sleeping" })));
        self.started.notify_one();
        tokio::time::sleep(self.takes).await;
        Ok(serde_json::json!("done"))
    }
}

async fn shutdown_finishes_or_releases(db: &Db) {
    let store = db.open().await;
    // `Finish` lets a job that ends within the grace period end.
    let slow = Arc::new(Slow {
        takes: Duration::from_millis(700),
        started: tokio::sync::Notify::new(),
    });
    let a = store
        .enqueue_job(NewJob::new("slow", serde_json::json!({})))
        .await
        .unwrap();
    let runner = Runner::new(db.open().await, quick())
        .register(slow.clone())
        .spawn();
    slow.started.notified().await;
    let stats = runner.shutdown(Stop::Finish).await;
    let job = store.get_job(a).await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Succeeded);
    assert_eq!(stats.released.load(Ordering::Relaxed), 0);

    // A job that outlasts the grace period is released: queued again, attempt not counted.
    let slower = Arc::new(Slow {
        takes: Duration::from_secs(3600),
        started: tokio::sync::Notify::new(),
    });
    let b = store
        .enqueue_job(NewJob::new("slow", serde_json::json!({})))
        .await
        .unwrap();
    let config = RunnerConfig {
        grace: Duration::from_millis(300),
        ..quick()
    };
    let runner = Runner::new(db.open().await, config)
        .register(slower.clone())
        .spawn();
    slower.started.notified().await;
    // A heartbeat publishes the handler's progress while it runs.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let running = store.get_job(b).await.unwrap().unwrap();
    assert_eq!(running.state, JobState::Running);
    assert_eq!(
        running.progress,
        Some(serde_json::json!({ "step": "sleeping" }))
    );
    let stats = runner.shutdown(Stop::Finish).await;
    assert_eq!(stats.released.load(Ordering::Relaxed), 1);
    let job = store.get_job(b).await.unwrap().unwrap();
    assert_eq!((job.state, job.attempts), (JobState::Queued, 0));

    // `Now` releases at once; another worker then runs it.
    let runner = Runner::new(db.open().await, quick())
        .register(slower.clone())
        .spawn();
    slower.started.notified().await;
    let stats = runner.shutdown(Stop::Now).await;
    assert_eq!(stats.released.load(Ordering::Relaxed), 1);
    let quick_one = Arc::new(Slow {
        takes: Duration::ZERO,
        started: tokio::sync::Notify::new(),
    });
    let runner = Runner::new(db.open().await, quick())
        .register(quick_one)
        .spawn();
    let job = ended(store.as_ref(), &[b]).await.remove(0);
    runner.shutdown(Stop::Finish).await;
    assert_eq!((job.state, job.attempts), (JobState::Succeeded, 1));
}

// ---- eight workers, 500 queued reports --------------------------------------------------

const REPORTS: usize = 500;
const WORKERS: usize = 8;
const APPS: [&str; 3] = ["alpha", "beta", "gamma"];
/// (target suffix, SARIF tool name) of each application's streams.
const STREAMS: [(&str, &str); 3] = [("repo", "CodeQL"), ("repo", "Semgrep"), ("svc", "CodeQL")];
const POOL: u64 = 10;

fn mix(r: u64, i: u64) -> u64 {
    let mut x = r.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ i.wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    x ^= x >> 29;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^ (x >> 32)
}

/// Report `r`: (application, target, SARIF bytes, results). Findings come and go between
/// reports, some move lines; a repository has two tools' streams, serialized by its lock.
fn report(r: usize) -> (String, String, Vec<u8>, usize) {
    let app = APPS[r % APPS.len()];
    let (suffix, tool) = STREAMS[(r / APPS.len()) % STREAMS.len()];
    let mut results = Vec::new();
    for i in 0..POOL {
        if mix(r as u64, i).is_multiple_of(3) {
            continue;
        }
        let line = 10 * i
            + if mix(r as u64, 100 + i).is_multiple_of(4) {
                5
            } else {
                0
            };
        let severity = ["error", "warning", "note"][(i % 3) as usize];
        results.push(format!(
            r#"{{"ruleId":"sqli","level":"{severity}","message":{{"text":"query built from input {i}"}},"locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"src/f{i}.py"}},"region":{{"startLine":{line},"snippet":{{"text":"cursor.execute(q{i} + x)"}}}}}}}}]}}"#
        ));
    }
    let sarif = format!(
        r#"{{"version":"2.1.0","properties":{{"report":{r}}},"runs":[{{"tool":{{"driver":{{"name":"{tool}","rules":[{{"id":"sqli","properties":{{"tags":["security","external/cwe/cwe-89"]}}}}]}}}},"results":[{}]}}]}}"#,
        results.join(",")
    );
    // (The report number makes every report's bytes, hence its digest, distinct.)
    (
        app.into(),
        format!("{app}-{suffix}"),
        sarif.into_bytes(),
        results.len(),
    )
}

async fn eight_workers_500_queued_reports(db: &Db) {
    let store = db.open().await;
    let mut expected_observations = 0u64;
    let mut ids = Vec::new();
    let mut by_sha: HashMap<String, usize> = HashMap::new();
    for r in 0..REPORTS {
        let (app, target, bytes, n) = report(r);
        expected_observations += n as u64;
        let mut opts = IngestOptions::new(app);
        opts.target = Some(target);
        let id = enqueue_ingest_reader(store.as_ref(), &bytes, &format!("r{r}.sarif"), &opts)
            .await
            .unwrap();
        let job = store.get_job(id).await.unwrap().unwrap();
        by_sha.insert(job.payload["report"]["sha256"].as_str().unwrap().into(), r);
        ids.push(id);
    }
    assert_eq!(by_sha.len(), REPORTS, "the reports differ");
    // Eight workers, each with its own connection pool, as eight processes would have.
    let mut runners = Vec::new();
    for w in 0..WORKERS {
        let config = RunnerConfig {
            name: format!("w{w}"),
            ..quick()
        };
        runners.push(Runner::with_default_handlers(db.open().await, config).spawn());
    }
    let jobs = ended(store.as_ref(), &ids).await;
    let mut busy = 0;
    for r in runners {
        let stats = r.shutdown(Stop::Finish).await;
        busy += usize::from(stats.succeeded.load(Ordering::Relaxed) > 0);
    }
    assert!(busy > 1, "the work was shared");
    for j in &jobs {
        assert_eq!(
            j.state,
            JobState::Succeeded,
            "job {}: {:?}",
            j.id,
            j.last_error
        );
    }

    // Replay the reports one by one, in the order the store serialized them (scan ids),
    // through the same pipeline into a fresh store: the result must be the same.
    let mut scans = store.list_scans(None, 10_000).await.unwrap();
    assert_eq!(scans.len(), REPORTS, "every report became one scan");
    scans.sort_by_key(|s| s.id);
    let (replay, _dir) = common::store().await;
    let mut replayed_observations = 0;
    for scan in &scans {
        let r = by_sha[&scan.report_sha256];
        let (app, target, bytes, _) = report(r);
        let mut opts = IngestOptions::new(app);
        opts.target = Some(target);
        opts.at = Some(scan.ingested_at);
        let one = ingest_reader(
            replay.as_ref(),
            std::io::Cursor::new(bytes),
            &format!("r{r}.sarif"),
            &opts,
            Arc::new(AtomicU64::new(0)),
        )
        .await
        .unwrap();
        assert_eq!(
            scan.summary, one.scan.summary,
            "scan {} (report {r})",
            scan.id
        );
        replayed_observations += one.scan.summary.observations;
    }
    assert_eq!(
        replayed_observations, expected_observations,
        "no observation lost"
    );

    let all = IssueQuery {
        all_statuses: true,
        ..Default::default()
    };
    let state = |issues: Vec<rampart_model::Issue>| {
        let n = issues.len();
        let m: BTreeMap<(String, String), (rampart_model::IssueStatus, Vec<String>)> = issues
            .into_iter()
            .map(|i| ((i.application, i.key), (i.status, i.tools)))
            .collect();
        assert_eq!(m.len(), n, "an issue is duplicated");
        m
    };
    let concurrent = state(store.list_issues(&all).await.unwrap());
    let serial = state(replay.list_issues(&all).await.unwrap());
    assert_eq!(concurrent, serial);
    use rampart_model::IssueStatus::{Fixed, Reopened};
    assert!(serial.values().any(|(s, _)| *s == Fixed));
    assert!(serial.values().any(|(s, _)| *s == Reopened));
    // (Issues shared by two tools are covered by the store suite's `eight_writers_500_reports`:
    // code identities include the tool, so these SARIF reports never share one.)
    let (p, q) = (
        store.portfolio().await.unwrap(),
        replay.portfolio().await.unwrap(),
    );
    assert_eq!(p.observations, q.observations, "observation rows");
    assert_eq!(p.issues_by_status, q.issues_by_status);
    assert_eq!(p.applications, 3);
    // Every blob went with its job.
    for sha in by_sha.keys().take(20) {
        assert!(store.report_blob(sha).await.unwrap().is_none());
    }
}

/// The server will spawn these futures on a multi-threaded runtime: they must be `Send`.
#[allow(dead_code)]
fn queuing_and_running_are_send(store: Arc<dyn Store>, path: &Path) {
    fn send<T: Send>(_: T) {}
    let opts = IngestOptions::new("shop");
    send(enqueue_ingest(store.as_ref(), path, &opts));
    send(enqueue_ingest_reader(
        store.as_ref(),
        b"{}",
        "r.json",
        &opts,
    ));
    send(
        Runner::with_default_handlers(store.clone(), quick())
            .run(tokio::sync::watch::channel(Stop::Run).1),
    );
}
