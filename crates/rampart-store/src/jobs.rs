//! The job queue: long work (ingest, re-match after a feed update, notifications) as rows in a
//! `jobs` table, so that any server or worker process sharing the database can run it.
//!
//! A job is `queued` until a worker claims it (`running`, with a lease of `timeout`), then
//! `succeeded` or, after a failure, `queued` again with an exponential backoff until
//! `max_attempts` is spent (`failed`). A worker that dies loses its lease: the job is queued
//! again (or fails) when the lease runs out, so nothing is lost and, while the lease holds,
//! nothing runs twice. On PostgreSQL claims use `FOR UPDATE SKIP LOCKED` and enqueues wake
//! waiting workers with `NOTIFY`; SQLite claims with one atomic `UPDATE ... RETURNING` and
//! waiting workers poll.

use crate::Result;
use async_trait::async_trait;
use serde::Serialize;
use std::time::Duration;
use time::OffsetDateTime;

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    /// Waiting to be claimed (at or after `run_after`).
    Queued,
    /// Claimed by a worker whose lease has not run out.
    Running,
    /// Done; `result` holds what it produced.
    Succeeded,
    /// Every attempt failed; `last_error` says why.
    Failed,
}

impl JobState {
    /// Every state.
    pub const ALL: [JobState; 4] = [
        JobState::Queued,
        JobState::Running,
        JobState::Succeeded,
        JobState::Failed,
    ];

    /// The lower-case name used in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
        }
    }

    /// Parses the lower-case name.
    pub fn parse(s: &str) -> Option<JobState> {
        JobState::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

impl std::fmt::Display for JobState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// What to do (`ingest`, `rematch`, `notify` ...); workers claim by kind.
    pub kind: String,
    /// The job's input.
    pub payload: serde_json::Value,
    /// Attempts before the job fails for good (at least 1).
    pub max_attempts: u32,
    /// Delay before the first retry; each further retry doubles it (capped at [`MAX_BACKOFF`]).
    pub backoff: Duration,
    /// How long a worker may hold the job before it counts as abandoned (the lease).
    pub timeout: Duration,
    /// Do not run before this much time has passed.
    pub delay: Duration,
}

impl NewJob {
    /// A job with the default policy: 5 attempts, 10 s first backoff, 15 min lease, no delay.
    pub fn new(kind: impl Into<String>, payload: serde_json::Value) -> NewJob {
        NewJob {
            kind: kind.into(),
            payload,
            max_attempts: 5,
            backoff: Duration::from_secs(10),
            timeout: Duration::from_secs(15 * 60),
            delay: Duration::ZERO,
        }
    }
}

/// A stored job.
#[derive(Debug, Clone, Serialize)]
pub struct Job {
    /// Store id.
    pub id: i64,
    /// What to do.
    pub kind: String,
    /// The job's input.
    pub payload: serde_json::Value,
    /// Where it is.
    pub state: JobState,
    /// Attempts started so far (a claim starts one).
    pub attempts: u32,
    /// Attempts allowed.
    pub max_attempts: u32,
    /// Earliest time it may (next) run.
    #[serde(with = "time::serde::rfc3339")]
    pub run_after: OffsetDateTime,
    /// The worker holding it (while running) or that last held it.
    pub locked_by: Option<String>,
    /// When the current lease runs out (while running).
    #[serde(with = "time::serde::rfc3339::option")]
    pub locked_until: Option<OffsetDateTime>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// What it produced (once succeeded).
    pub result: Option<serde_json::Value>,
    /// What the running (or last) attempt reported of its progress; its shape depends on
    /// the kind (an ingest reports bytes read of the report's size).
    pub progress: Option<serde_json::Value>,
    /// When it was enqueued.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When its row last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// When it succeeded or failed for good.
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
}

/// The longest wait between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// The wait before the next attempt when attempt number `attempts` (1-based) has failed:
/// `base × 2^(attempts-1)`, at most [`MAX_BACKOFF`].
pub fn backoff_delay(base: Duration, attempts: u32) -> Duration {
    let factor = 1u32 << attempts.saturating_sub(1).min(20);
    base.saturating_mul(factor).min(MAX_BACKOFF)
}

/// Milliseconds in `d`, as stored.
pub(crate) fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The error for a job `worker` does not hold (any more).
pub(crate) fn not_held(id: i64, worker: &str) -> crate::StoreError {
    crate::StoreError::NotFound(format!(
        "job {id} is not running for worker {worker} (finished, or its lease ran out)"
    ))
}

/// `Ok` when the update touched the one row `worker` holds.
pub(crate) fn held(rows: u64, id: i64, worker: &str) -> Result<()> {
    if rows == 1 {
        Ok(())
    } else {
        Err(not_held(id, worker))
    }
}

/// The job queue, implemented by every [`crate::Store`].
#[async_trait]
pub trait JobQueue: Send + Sync {
    /// Adds a job; returns its id. Waiting workers are woken.
    async fn enqueue_job(&self, job: NewJob) -> Result<i64>;

    /// Claims the oldest due job of one of `kinds` (any kind when empty) for `worker`, or
    /// `None` when there is none. Jobs whose lease ran out are queued again (or failed) first.
    async fn claim_job(&self, worker: &str, kinds: &[&str]) -> Result<Option<Job>>;

    /// Extends `worker`'s lease on job `id` by the job's timeout. Errors with `NotFound` when
    /// the worker no longer holds it.
    async fn heartbeat_job(&self, id: i64, worker: &str) -> Result<()>;

    /// Marks job `id`, held by `worker`, succeeded with `result`. Errors with `NotFound` when
    /// the worker no longer holds it (its lease ran out and the job went to another worker).
    async fn complete_job(&self, id: i64, worker: &str, result: serde_json::Value) -> Result<()>;

    /// Records that `worker`'s attempt at job `id` failed with `error`: the job is queued again
    /// after a backoff, or fails for good when its attempts are spent. Returns the new state.
    async fn fail_job(&self, id: i64, worker: &str, error: &str) -> Result<JobState>;

    /// Records that `worker`'s attempt at job `id` failed in a way no retry can mend (the
    /// report is malformed, say): the job fails for good at once, whatever attempts remain.
    async fn give_up_job(&self, id: i64, worker: &str, error: &str) -> Result<()>;

    /// Records `worker`'s progress on job `id` (shown by [`JobQueue::get_job`]) and extends
    /// its lease as [`JobQueue::heartbeat_job`] does.
    async fn report_job_progress(
        &self,
        id: i64,
        worker: &str,
        progress: serde_json::Value,
    ) -> Result<()>;

    /// Gives job `id` back without counting the attempt (a worker shutting down before it
    /// could finish): it is queued again at once for any worker.
    async fn release_job(&self, id: i64, worker: &str) -> Result<()>;

    /// One job.
    async fn get_job(&self, id: i64) -> Result<Option<Job>>;

    /// Jobs in `state` (any when `None`), newest first, at most `limit`.
    async fn list_jobs(&self, state: Option<JobState>, limit: u32) -> Result<Vec<Job>>;

    /// Waits until a job of one of `kinds` (any when empty) may be due, or `timeout` passes.
    /// Returns `true` when woken (a job was enqueued or became due; another worker may still
    /// claim it first), `false` on timeout. Workers loop: claim, else wait.
    async fn wait_for_job(&self, kinds: &[&str], timeout: Duration) -> Result<bool>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let b = Duration::from_secs(10);
        assert_eq!(backoff_delay(b, 1), Duration::from_secs(10));
        assert_eq!(backoff_delay(b, 2), Duration::from_secs(20));
        assert_eq!(backoff_delay(b, 4), Duration::from_secs(80));
        assert_eq!(backoff_delay(b, 40), MAX_BACKOFF);
        assert_eq!(backoff_delay(b, 0), Duration::from_secs(10));
    }

    #[test]
    fn states_round_trip() {
        for s in JobState::ALL {
            assert_eq!(JobState::parse(s.as_str()), Some(s));
        }
        assert_eq!(JobState::parse("done"), None);
    }
}
