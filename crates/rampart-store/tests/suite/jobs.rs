//! The job queue: exclusive claims under contention, retries with backoff, leases and what
//! other workers and the API see, wake-ups.

use crate::backend::Backend;
use rampart_store::{JobQueue, JobState, NewJob, StoreError};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub async fn claims_are_exclusive(b: &Backend) {
    const JOBS: i64 = 200;
    const WORKERS: usize = 8;
    let mut ids = Vec::new();
    for n in 0..JOBS {
        ids.push(
            b.store
                .enqueue_job(NewJob::new("ingest", json!({ "n": n })))
                .await
                .unwrap(),
        );
    }
    let mut handles = Vec::new();
    for _ in 0..WORKERS {
        handles.push(b.another().await);
    }
    let start = Arc::new(tokio::sync::Barrier::new(WORKERS));
    let mut tasks = Vec::new();
    for (w, store) in handles.into_iter().enumerate() {
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            let worker = format!("worker-{w}");
            let mut done = Vec::new();
            while let Some(job) = store.claim_job(&worker, &["ingest"]).await.unwrap() {
                assert_eq!(job.state, JobState::Running);
                assert_eq!(job.attempts, 1);
                assert_eq!(job.locked_by.as_deref(), Some(worker.as_str()));
                store
                    .complete_job(
                        job.id,
                        &worker,
                        json!({ "by": worker, "n": job.payload["n"] }),
                    )
                    .await
                    .unwrap();
                done.push(job.id);
                tokio::task::yield_now().await;
            }
            done
        }));
    }
    let mut claimed: HashMap<i64, usize> = HashMap::new();
    let mut busy_workers = 0;
    for t in tasks {
        let done = t.await.unwrap();
        busy_workers += usize::from(!done.is_empty());
        for id in done {
            *claimed.entry(id).or_default() += 1;
        }
    }
    assert_eq!(claimed.len() as i64, JOBS, "every job was claimed");
    assert!(
        claimed.values().all(|n| *n == 1),
        "no job was claimed twice"
    );
    assert!(busy_workers > 1, "the work was shared");
    let succeeded = b
        .store
        .list_jobs(Some(JobState::Succeeded), 1000)
        .await
        .unwrap();
    assert_eq!(succeeded.len() as i64, JOBS);
    for j in &succeeded {
        assert_eq!(j.result.as_ref().unwrap()["n"], j.payload["n"]);
        assert!(j.finished_at.is_some());
    }
    assert!(
        b.store
            .list_jobs(Some(JobState::Queued), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(b.store.claim_job("late", &[]).await.unwrap().is_none());
}

pub async fn failures_retry_with_backoff(b: &Backend) {
    let s = b.store.as_ref();
    let job = NewJob {
        max_attempts: 3,
        backoff: Duration::from_secs(1),
        ..NewJob::new("rematch", json!({ "feed": "osv" }))
    };
    let id = s.enqueue_job(job).await.unwrap();
    let j = s.get_job(id).await.unwrap().unwrap();
    assert_eq!(
        (j.state, j.attempts, j.max_attempts),
        (JobState::Queued, 0, 3)
    );
    // Attempt 1 fails: queued again, due one backoff later, not claimable before.
    let c = s.claim_job("w", &["rematch"]).await.unwrap().unwrap();
    assert_eq!((c.id, c.attempts), (id, 1));
    assert_eq!(
        s.fail_job(id, "w", "feed unreachable").await.unwrap(),
        JobState::Queued
    );
    let j = s.get_job(id).await.unwrap().unwrap();
    assert_eq!((j.state, j.attempts), (JobState::Queued, 1));
    assert_eq!(j.last_error.as_deref(), Some("feed unreachable"));
    assert_eq!(j.run_after - j.updated_at, time::Duration::seconds(1));
    assert!(
        s.claim_job("w", &["rematch"]).await.unwrap().is_none(),
        "not before the backoff"
    );
    // A waiting worker wakes when the retry is due.
    let t = Instant::now();
    assert!(
        s.wait_for_job(&["rematch"], Duration::from_secs(20))
            .await
            .unwrap()
    );
    assert!(t.elapsed() < Duration::from_secs(10));
    let c = wait_and_claim(s, "w", "rematch").await;
    assert_eq!(c.attempts, 2);
    // Attempt 2 fails: the backoff doubles.
    assert_eq!(
        s.fail_job(id, "w", "still down").await.unwrap(),
        JobState::Queued
    );
    let j = s.get_job(id).await.unwrap().unwrap();
    assert_eq!(j.run_after - j.updated_at, time::Duration::seconds(2));
    let c = wait_and_claim(s, "w", "rematch").await;
    assert_eq!(c.attempts, 3);
    // Attempt 3 of 3 fails: failed for good.
    assert_eq!(
        s.fail_job(id, "w", "gave up").await.unwrap(),
        JobState::Failed
    );
    let j = s.get_job(id).await.unwrap().unwrap();
    assert_eq!((j.state, j.attempts), (JobState::Failed, 3));
    assert_eq!(j.last_error.as_deref(), Some("gave up"));
    assert!(j.finished_at.is_some());
    assert!(s.claim_job("w", &[]).await.unwrap().is_none());
    assert_eq!(
        s.list_jobs(Some(JobState::Failed), 10).await.unwrap().len(),
        1
    );
    // Failing a job one does not hold is refused.
    assert!(matches!(
        s.fail_job(id, "w", "again").await,
        Err(StoreError::NotFound(_))
    ));
}

async fn wait_and_claim(s: &dyn JobQueue, worker: &str, kind: &str) -> rampart_store::Job {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(j) = s.claim_job(worker, &[kind]).await.unwrap() {
            return j;
        }
        assert!(Instant::now() < deadline, "the job never became due");
        s.wait_for_job(&[kind], Duration::from_secs(5))
            .await
            .unwrap();
    }
}

pub async fn leases_and_visibility(b: &Backend) {
    let s = b.store.as_ref();
    let other = b.another().await;
    let id = s
        .enqueue_job(NewJob {
            timeout: Duration::from_secs(1),
            max_attempts: 2,
            ..NewJob::new("notify", json!({ "to": "team" }))
        })
        .await
        .unwrap();
    let delayed = s
        .enqueue_job(NewJob {
            delay: Duration::from_secs(3600),
            ..NewJob::new("notify", json!({}))
        })
        .await
        .unwrap();
    // Kinds filter claims.
    assert!(other.claim_job("w2", &["ingest"]).await.unwrap().is_none());
    let c = s.claim_job("w1", &["notify"]).await.unwrap().unwrap();
    assert_eq!(c.id, id, "the delayed job is not due");
    assert!(c.locked_until.is_some());
    // A claimed job is invisible to other workers while the lease holds, but visible in the API.
    assert!(other.claim_job("w2", &["notify"]).await.unwrap().is_none());
    let seen = other.get_job(id).await.unwrap().unwrap();
    assert_eq!(
        (seen.state, seen.locked_by.as_deref()),
        (JobState::Running, Some("w1"))
    );
    let running = other.list_jobs(Some(JobState::Running), 10).await.unwrap();
    assert_eq!(running.iter().map(|j| j.id).collect::<Vec<_>>(), [id]);
    let all = other.list_jobs(None, 10).await.unwrap();
    assert_eq!(
        all.iter().map(|j| j.id).collect::<Vec<_>>(),
        [delayed, id],
        "newest first"
    );
    // A heartbeat extends the lease.
    let before = other
        .get_job(id)
        .await
        .unwrap()
        .unwrap()
        .locked_until
        .unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    s.heartbeat_job(id, "w1").await.unwrap();
    let after = other
        .get_job(id)
        .await
        .unwrap()
        .unwrap()
        .locked_until
        .unwrap();
    assert!(after > before);
    assert!(matches!(
        other.heartbeat_job(id, "w2").await,
        Err(StoreError::NotFound(_))
    ));
    // w1 goes silent: once its lease runs out, w2 gets the job (second attempt), and w1 can
    // no longer complete it.
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let c2 = other
        .claim_job("w2", &["notify"])
        .await
        .unwrap()
        .expect("the lease ran out");
    assert_eq!(
        (c2.id, c2.attempts, c2.locked_by.as_deref()),
        (id, 2, Some("w2"))
    );
    assert!(
        c2.last_error
            .as_deref()
            .is_some_and(|e| e.contains("lease expired"))
    );
    assert!(matches!(
        s.complete_job(id, "w1", json!("late")).await,
        Err(StoreError::NotFound(_))
    ));
    other
        .complete_job(id, "w2", json!({ "sent": 3 }))
        .await
        .unwrap();
    let done = s.get_job(id).await.unwrap().unwrap();
    assert_eq!(done.state, JobState::Succeeded);
    assert_eq!(done.result, Some(json!({ "sent": 3 })));
    assert!(matches!(
        other.complete_job(id, "w2", json!(null)).await,
        Err(StoreError::NotFound(_))
    ));
    // A lease that runs out on the last attempt fails the job.
    let last = s
        .enqueue_job(NewJob {
            timeout: Duration::from_millis(200),
            max_attempts: 1,
            ..NewJob::new("once", json!({}))
        })
        .await
        .unwrap();
    s.claim_job("w1", &["once"]).await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(other.claim_job("w2", &["once"]).await.unwrap().is_none());
    let j = s.get_job(last).await.unwrap().unwrap();
    assert_eq!(j.state, JobState::Failed);
    assert!(s.get_job(i64::MAX).await.unwrap().is_none());
}

pub async fn waiting_workers_wake_on_enqueue(b: &Backend) {
    let waiter = b.another().await;
    // Nothing queued: the wait times out.
    let t = Instant::now();
    assert!(
        !waiter
            .wait_for_job(&["ingest"], Duration::from_millis(300))
            .await
            .unwrap()
    );
    assert!(t.elapsed() >= Duration::from_millis(290));
    // Another process enqueues while this one waits: it wakes well before its timeout.
    let w: Arc<dyn rampart_store::Store> = waiter.clone();
    let task = tokio::spawn(async move {
        let t = Instant::now();
        let woke = w
            .wait_for_job(&["ingest"], Duration::from_secs(30))
            .await
            .unwrap();
        (woke, t.elapsed())
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    b.store
        .enqueue_job(NewJob::new("ingest", json!({})))
        .await
        .unwrap();
    let (woke, took) = task.await.unwrap();
    assert!(woke);
    assert!(took < Duration::from_secs(10), "woke after {took:?}");
    // A due job of the kind: no wait at all; another kind's job does not count.
    assert!(
        waiter
            .wait_for_job(&["ingest"], Duration::from_secs(30))
            .await
            .unwrap()
    );
    let t = Instant::now();
    assert!(
        !waiter
            .wait_for_job(&["rematch"], Duration::from_millis(300))
            .await
            .unwrap()
    );
    assert!(t.elapsed() >= Duration::from_millis(290));
}
