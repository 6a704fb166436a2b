//! Jobs: long work queued in the store and run by a [`Runner`], in a `rampart worker` process
//! or inside the process that queued it (the SQLite build, the coming server).
//!
//! A job kind is a [`JobHandler`]; the runner claims jobs of the kinds it has handlers for,
//! keeps their leases alive, publishes their progress, and records success, a retry with
//! backoff, or a failure for good. Kinds today: [`INGEST`] ([`ingest::IngestHandler`]). The
//! feed re-match ([`REMATCH`]) and notifications ([`NOTIFY`]) plug in the same way: implement
//! [`JobHandler`] in a module of their own and register it with [`Runner::register`].

pub mod ingest;
pub mod runner;

pub use ingest::{IngestHandler, IngestJob, enqueue_ingest, enqueue_ingest_reader};
pub use runner::{Runner, RunnerConfig, RunnerHandle, Stop};

use async_trait::async_trait;
use rampart_store::{Job, Store};
use std::sync::{Arc, Mutex};

/// Kind of the job that ingests a stored report.
pub const INGEST: &str = "ingest";
/// Kind reserved for re-matching stored inventories after a feed update.
pub const REMATCH: &str = "rematch";
/// Kind reserved for sending notifications.
pub const NOTIFY: &str = "notify";

/// Why an attempt at a job failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobError {
    /// Something that may pass (the database, a missing upload): retry with backoff.
    Retry(String),
    /// Something no retry mends (a malformed report): fail the job for good.
    Permanent(String),
}

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JobError::Retry(m) | JobError::Permanent(m) => f.write_str(m),
        }
    }
}

/// Produces a job's current progress (a JSON value) when the runner asks.
pub type ProgressSource = Box<dyn Fn() -> serde_json::Value + Send + Sync>;

/// What a handler gets besides its job: the store, and a place to publish progress.
pub struct JobContext {
    store: Arc<dyn Store>,
    progress: Arc<Mutex<Option<ProgressSource>>>,
}

impl JobContext {
    /// A context on `store`.
    pub fn new(store: Arc<dyn Store>) -> JobContext {
        JobContext {
            store,
            progress: Arc::new(Mutex::new(None)),
        }
    }

    /// The store the job runs against.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Sets what the runner publishes as the job's progress at each heartbeat.
    pub fn set_progress(&self, source: ProgressSource) {
        if let Ok(mut p) = self.progress.lock() {
            *p = Some(source);
        }
    }

    /// The current progress, if the handler publishes any.
    pub fn progress(&self) -> Option<serde_json::Value> {
        current_progress(&self.progress)
    }

    /// The progress slot, for the heartbeat that runs beside the handler.
    pub(crate) fn progress_slot(&self) -> Arc<Mutex<Option<ProgressSource>>> {
        self.progress.clone()
    }
}

/// What `slot`'s source says now.
pub(crate) fn current_progress(slot: &Mutex<Option<ProgressSource>>) -> Option<serde_json::Value> {
    slot.lock().ok()?.as_ref().map(|f| f())
}

/// One kind of job.
#[async_trait]
pub trait JobHandler: Send + Sync {
    /// The kind this handler runs (`ingest`, `rematch`, `notify` ...).
    fn kind(&self) -> &'static str;

    /// Runs one attempt; returns the job's result. Dropping the future (a worker shutting
    /// down, a lost lease) must leave nothing half done: do the work in one transaction.
    async fn run(&self, job: &Job, ctx: &JobContext) -> Result<serde_json::Value, JobError>;

    /// Called once the job has ended (succeeded, or failed for good), to free what it held.
    async fn finished(&self, _store: &dyn Store, _job: &Job) {}
}
