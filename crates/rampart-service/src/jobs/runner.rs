//! The job runner: claims jobs of the kinds it has handlers for and runs them, `concurrency`
//! at a time, until told to stop.
//!
//! Each attempt runs next to a heartbeat that extends the job's lease and publishes its
//! progress. The outcome is recorded with the store: success (`complete_job`), a failure that
//! may pass (`fail_job`: queued again after a backoff until its attempts are spent), or one no
//! retry mends (`give_up_job`). A heartbeat that finds the lease lost (the job went to another
//! worker after this one stalled) drops the attempt, whose transaction rolls back.
//!
//! Stopping ([`Stop`]): `Finish` stops claiming and lets running jobs end, for at most the
//! configured grace period; `Now` (or the grace running out) drops running attempts and
//! releases their jobs (queued again at once, the attempt not counted) for another worker.

use super::{JobContext, JobError, JobHandler, ProgressSource, current_progress};
use rampart_store::{Job, JobState, Store, StoreError};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// How far a runner is from stopping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stop {
    /// Running: claim and run jobs.
    Run,
    /// Claim nothing more; let running jobs finish (within the grace period).
    Finish,
    /// Drop running attempts and release their jobs.
    Now,
}

/// How a runner works.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// The worker's name, recorded on the jobs it holds (`host-pid` by default); each slot
    /// appends `/N`.
    pub name: String,
    /// Jobs run at once.
    pub concurrency: usize,
    /// How often a running job's lease is extended and its progress published.
    pub heartbeat: Duration,
    /// Longest wait for a job before looking again (wake-ups usually come sooner).
    pub idle_wait: Duration,
    /// How long `Finish` waits for running jobs before releasing them.
    pub grace: Duration,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        RunnerConfig {
            name: default_worker_name(),
            concurrency: 1,
            heartbeat: Duration::from_secs(10),
            idle_wait: Duration::from_secs(30),
            grace: Duration::from_secs(60),
        }
    }
}

/// `host-pid`: unique among live workers, readable in `jobs list`.
pub fn default_worker_name() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_string())
                .filter(|h| !h.is_empty())
        })
        .unwrap_or_else(|| "worker".into());
    format!("{host}-{}", std::process::id())
}

/// What a runner did.
#[derive(Debug, Default)]
pub struct RunStats {
    /// Attempts that succeeded.
    pub succeeded: AtomicU64,
    /// Attempts that failed (retried later or failed for good).
    pub failed: AtomicU64,
    /// Jobs given back on shutdown.
    pub released: AtomicU64,
    /// Attempts dropped because the lease was lost.
    pub lost: AtomicU64,
}

/// Runs jobs from the store's queue.
#[derive(Clone)]
pub struct Runner {
    store: Arc<dyn Store>,
    handlers: HashMap<&'static str, Arc<dyn JobHandler>>,
    config: RunnerConfig,
    stats: Arc<RunStats>,
}

/// A runner running in the background ([`Runner::spawn`]).
pub struct RunnerHandle {
    stop: watch::Sender<Stop>,
    task: Option<tokio::task::JoinHandle<()>>,
    stats: Arc<RunStats>,
}

impl RunnerHandle {
    /// Asks the runner to stop (`Finish` or `Now`); a later, stronger request overrides.
    pub fn stop(&self, how: Stop) {
        self.stop.send_if_modified(|s| {
            let stronger = how > *s;
            if stronger {
                *s = how;
            }
            stronger
        });
    }

    /// Waits until the runner has stopped (after [`RunnerHandle::stop`]).
    pub async fn wait(&mut self) {
        if let Some(task) = self.task.as_mut() {
            let _ = task.await;
            self.task = None;
        }
    }

    /// Stops the runner as `how` says and waits until it has.
    pub async fn shutdown(mut self, how: Stop) -> Arc<RunStats> {
        self.stop(how);
        self.wait().await;
        self.stats
    }

    /// What the runner did so far.
    pub fn stats(&self) -> &RunStats {
        &self.stats
    }
}

impl Runner {
    /// A runner on `store` with no handler yet.
    pub fn new(store: Arc<dyn Store>, config: RunnerConfig) -> Runner {
        Runner {
            store,
            handlers: HashMap::new(),
            config,
            stats: Arc::new(RunStats::default()),
        }
    }

    /// A runner with every job kind Rampart has today.
    pub fn with_default_handlers(store: Arc<dyn Store>, config: RunnerConfig) -> Runner {
        Runner::new(store, config).register(Arc::new(super::IngestHandler))
    }

    /// Adds (or replaces) the handler of a kind.
    pub fn register(mut self, handler: Arc<dyn JobHandler>) -> Runner {
        self.handlers.insert(handler.kind(), handler);
        self
    }

    /// The kinds this runner claims, sorted.
    pub fn kinds(&self) -> Vec<&'static str> {
        let mut k: Vec<&'static str> = self.handlers.keys().copied().collect();
        k.sort_unstable();
        k
    }

    /// What the runner did so far.
    pub fn stats(&self) -> &Arc<RunStats> {
        &self.stats
    }

    /// Starts the runner on the current runtime.
    pub fn spawn(self) -> RunnerHandle {
        let (tx, rx) = watch::channel(Stop::Run);
        let stats = self.stats.clone();
        let task = tokio::spawn(async move { self.run(rx).await });
        RunnerHandle {
            stop: tx,
            task: Some(task),
            stats,
        }
    }

    /// Runs until `stop` leaves [`Stop::Run`] and the running jobs have finished or been
    /// released.
    pub async fn run(self, stop: watch::Receiver<Stop>) {
        let slots: Vec<_> = (0..self.config.concurrency.max(1))
            .map(|slot| {
                let runner = self.clone();
                let stop = stop.clone();
                tokio::spawn(async move { runner.slot(slot, stop).await })
            })
            .collect();
        for s in slots {
            let _ = s.await;
        }
    }

    /// One slot: claim, run, repeat.
    async fn slot(&self, slot: usize, mut stop: watch::Receiver<Stop>) {
        let worker = if self.config.concurrency > 1 {
            format!("{}/{slot}", self.config.name)
        } else {
            self.config.name.clone()
        };
        let kinds = self.kinds();
        while *stop.borrow() == Stop::Run {
            match self.store.claim_job(&worker, &kinds).await {
                Ok(Some(job)) => self.attempt(&worker, job, stop.clone()).await,
                Ok(None) => {
                    tokio::select! {
                        r = self.store.wait_for_job(&kinds, self.config.idle_wait) => {
                            if let Err(e) = r {
                                tracing::warn!(%worker, "waiting for jobs failed: {e}");
                                tokio::time::sleep(Duration::from_secs(1)).await;
                            }
                        }
                        _ = stop.changed() => {}
                    }
                }
                Err(e) => {
                    tracing::warn!(%worker, "claiming a job failed: {e}");
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                        _ = stop.changed() => {}
                    }
                }
            }
        }
    }

    /// Runs one attempt at `job` with its heartbeat, and records the outcome.
    async fn attempt(&self, worker: &str, job: Job, mut stop: watch::Receiver<Stop>) {
        let Some(handler) = self.handlers.get(job.kind.as_str()).cloned() else {
            // Claimed by kind, so only a handler replaced meanwhile gets here.
            let _ = self.store.release_job(job.id, worker).await;
            return;
        };
        tracing::info!(%worker, job = job.id, kind = %job.kind, attempt = job.attempts, "running");
        let ctx = JobContext::new(self.store.clone());
        // The heartbeat runs as a task of its own, so that a heartbeat waiting for the database
        // (on SQLite: for the write lock the job's own ingest holds) never stops the job.
        let (lost_tx, mut lost) = tokio::sync::oneshot::channel::<()>();
        let beat = tokio::spawn(heartbeat(
            self.store.clone(),
            job.id,
            worker.to_string(),
            self.config.heartbeat,
            ctx.progress_slot(),
            lost_tx,
        ));
        // Boxed by `async_trait`: dropping it below really drops the attempt (its transaction
        // rolls back) before the job is released.
        let mut work = handler.run(&job, &ctx);
        let mut deadline: Option<tokio::time::Instant> = None;
        let mut beating = true;
        let outcome = loop {
            let grace = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                r = &mut work => break Some(r),
                r = &mut lost, if beating => {
                    beating = false;
                    if r.is_ok() {
                        drop(work);
                        tracing::warn!(%worker, job = job.id, "lease lost: dropped the attempt");
                        self.stats.lost.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                }
                _ = stop.changed() => {
                    match *stop.borrow() {
                        Stop::Now => break None,
                        Stop::Finish if deadline.is_none() => {
                            deadline = Some(tokio::time::Instant::now() + self.config.grace);
                        }
                        _ => {}
                    }
                }
                _ = grace => break None,
            }
        };
        beat.abort();
        let _ = beat.await;
        drop(work);
        let Some(outcome) = outcome else {
            match self.store.release_job(job.id, worker).await {
                Ok(()) => {
                    tracing::info!(%worker, job = job.id, "released on shutdown");
                    self.stats.released.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => tracing::warn!(%worker, job = job.id, "cannot release: {e}"),
            }
            return;
        };
        // The last progress, so that `jobs show` of a finished job says how far it got.
        if let Some(p) = ctx.progress() {
            let _ = self.store.report_job_progress(job.id, worker, p).await;
        }
        let ended = match outcome {
            Ok(result) => match self.store.complete_job(job.id, worker, result).await {
                Ok(()) => {
                    self.stats.succeeded.fetch_add(1, Ordering::Relaxed);
                    tracing::info!(%worker, job = job.id, "succeeded");
                    true
                }
                Err(e) => {
                    tracing::warn!(%worker, job = job.id, "cannot record success: {e}");
                    false
                }
            },
            Err(error) => {
                self.stats.failed.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(%worker, job = job.id, "attempt failed: {error}");
                let r = match &error {
                    JobError::Retry(m) => self.store.fail_job(job.id, worker, m).await,
                    JobError::Permanent(m) => self
                        .store
                        .give_up_job(job.id, worker, m)
                        .await
                        .map(|()| JobState::Failed),
                };
                match r {
                    Ok(state) => state == JobState::Failed,
                    Err(e) => {
                        tracing::warn!(%worker, job = job.id, "cannot record failure: {e}");
                        false
                    }
                }
            }
        };
        if ended {
            handler.finished(self.store.as_ref(), &job).await;
        }
    }
}

/// Extends the lease of job `id` every `every`, publishing the progress `slot` holds; tells
/// `lost` and ends when the worker no longer holds the job.
async fn heartbeat(
    store: Arc<dyn Store>,
    id: i64,
    worker: String,
    every: Duration,
    slot: Arc<Mutex<Option<ProgressSource>>>,
    lost: tokio::sync::oneshot::Sender<()>,
) {
    let mut beat = tokio::time::interval(every);
    beat.tick().await; // the first tick is immediate: the claim just set the lease
    loop {
        beat.tick().await;
        let r = match current_progress(&slot) {
            Some(p) => store.report_job_progress(id, &worker, p).await,
            None => store.heartbeat_job(id, &worker).await,
        };
        match r {
            Ok(()) => {}
            Err(StoreError::NotFound(_)) => {
                let _ = lost.send(());
                return;
            }
            Err(e) => tracing::warn!(%worker, job = id, "heartbeat failed: {e}"),
        }
    }
}
