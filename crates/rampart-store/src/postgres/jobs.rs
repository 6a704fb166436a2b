//! The job queue on PostgreSQL: `FOR UPDATE SKIP LOCKED` claims, `NOTIFY` wake-ups, database
//! time (`now()`) for every deadline so that workers on several hosts agree.

use super::PgStore;
use crate::jobs::{Job, JobQueue, JobState, MAX_BACKOFF, NewJob, held, millis, not_held};
use crate::{Result, StoreError};
use async_trait::async_trait;
use sqlx::postgres::{PgListener, PgRow};
use sqlx::{PgPool, Row};
use std::time::Duration;
use tokio::sync::{Mutex, Notify};
use tokio::task::JoinHandle;

const JOB_COLUMNS: &str = "id, kind, payload, state, attempts, max_attempts, run_after, locked_by, locked_until, last_error, result, created_at, updated_at, finished_at, progress";

/// The wake-up side of `LISTEN`: a background task owns the listening connection and turns
/// each notification into one [`Notify`] permit.
#[derive(Debug, Default)]
pub(crate) struct Wake {
    notify: std::sync::Arc<Notify>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Drop for Wake {
    fn drop(&mut self) {
        if let Some(task) = self.task.get_mut().take() {
            task.abort();
        }
    }
}

impl Wake {
    /// Starts listening on `channel` unless already listening; returns once `LISTEN` is in
    /// effect, so no notification sent afterwards is missed.
    async fn ensure_listening(&self, pool: &PgPool, channel: &str) -> Result<()> {
        let mut task = self.task.lock().await;
        if task.as_ref().is_some_and(|t| !t.is_finished()) {
            return Ok(());
        }
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen(channel).await?;
        let notify = self.notify.clone();
        *task = Some(tokio::spawn(async move {
            // `recv` reconnects (and listens again) by itself when the connection drops;
            // notifications sent meanwhile are lost, which the waiters' timeouts cover.
            while listener.recv().await.is_ok() {
                notify.notify_one();
            }
        }));
        Ok(())
    }
}

fn job_from_row(r: &PgRow) -> Result<Job> {
    let state: String = r.try_get(3)?;
    let count =
        |i: usize| -> Result<u32> { Ok(u32::try_from(r.try_get::<i32, _>(i)?).unwrap_or(0)) };
    Ok(Job {
        id: r.try_get(0)?,
        kind: r.try_get(1)?,
        payload: r.try_get(2)?,
        state: JobState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown job state {state}")))?,
        attempts: count(4)?,
        max_attempts: count(5)?,
        run_after: r.try_get(6)?,
        locked_by: r.try_get(7)?,
        locked_until: r.try_get(8)?,
        last_error: r.try_get(9)?,
        result: r.try_get(10)?,
        created_at: r.try_get(11)?,
        updated_at: r.try_get(12)?,
        finished_at: r.try_get(13)?,
        progress: r.try_get(14)?,
    })
}

fn kinds_vec(kinds: &[&str]) -> Vec<String> {
    kinds.iter().map(|k| (*k).to_string()).collect()
}

impl PgStore {
    /// Queues again (or fails, when their attempts are spent) running jobs whose lease ran out.
    async fn expire_leases(&self) -> Result<()> {
        sqlx::query(
            "UPDATE jobs SET
                state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
                finished_at = CASE WHEN attempts >= max_attempts THEN now() END,
                last_error = 'lease expired: worker ' || COALESCE(locked_by, '?') || ' did not finish in time',
                run_after = now(), locked_until = NULL, updated_at = now()
             WHERE state = 'running' AND locked_until < now()",
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

#[async_trait]
impl JobQueue for PgStore {
    async fn enqueue_job(&self, job: NewJob) -> Result<i64> {
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO jobs (kind, payload, max_attempts, backoff_ms, timeout_ms, run_after, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, now() + $6 * interval '1 millisecond', now(), now()) RETURNING id",
        )
        .bind(&job.kind)
        .bind(&job.payload)
        .bind(i32::try_from(job.max_attempts.max(1)).unwrap_or(i32::MAX))
        .bind(millis(job.backoff))
        .bind(millis(job.timeout))
        .bind(millis(job.delay) as f64)
        .fetch_one(&mut *tx)
        .await?;
        // Delivered when the transaction commits.
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(&self.channel)
            .bind(&job.kind)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn claim_job(&self, worker: &str, kinds: &[&str]) -> Result<Option<Job>> {
        self.expire_leases().await?;
        let row = sqlx::query(&format!(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = $1,
                locked_until = now() + timeout_ms * interval '1 millisecond', updated_at = now()
             WHERE id = (
                SELECT id FROM jobs
                WHERE state = 'queued' AND run_after <= now() AND (cardinality($2::text[]) = 0 OR kind = ANY($2))
                ORDER BY run_after, id
                LIMIT 1
                FOR UPDATE SKIP LOCKED)
             RETURNING {JOB_COLUMNS}"
        ))
        .bind(worker)
        .bind(kinds_vec(kinds))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(job_from_row).transpose()
    }

    async fn heartbeat_job(&self, id: i64, worker: &str) -> Result<()> {
        let n = sqlx::query(
            "UPDATE jobs SET locked_until = now() + timeout_ms * interval '1 millisecond', updated_at = now()
             WHERE id = $1 AND state = 'running' AND locked_by = $2",
        )
        .bind(id)
        .bind(worker)
        .execute(&self.pool)
        .await?
        .rows_affected();
        held(n, id, worker)
    }

    async fn complete_job(&self, id: i64, worker: &str, result: serde_json::Value) -> Result<()> {
        let n = sqlx::query(
            "UPDATE jobs SET state = 'succeeded', result = $3, locked_until = NULL, updated_at = now(), finished_at = now()
             WHERE id = $1 AND state = 'running' AND locked_by = $2",
        )
        .bind(id)
        .bind(worker)
        .bind(&result)
        .execute(&self.pool)
        .await?
        .rows_affected();
        held(n, id, worker)
    }

    async fn fail_job(&self, id: i64, worker: &str, error: &str) -> Result<JobState> {
        let state: Option<String> = sqlx::query_scalar(&format!(
            "UPDATE jobs SET
                state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
                finished_at = CASE WHEN attempts >= max_attempts THEN now() END,
                run_after = now() + LEAST(backoff_ms * (1::bigint << LEAST(GREATEST(attempts - 1, 0), 20)), {max})
                                    * interval '1 millisecond',
                last_error = $3, locked_until = NULL, updated_at = now()
             WHERE id = $1 AND state = 'running' AND locked_by = $2
             RETURNING state",
            max = millis(MAX_BACKOFF)
        ))
        .bind(id)
        .bind(worker)
        .bind(error)
        .fetch_optional(&self.pool)
        .await?;
        let state = state.ok_or_else(|| not_held(id, worker))?;
        JobState::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("job state {state}")))
    }

    async fn give_up_job(&self, id: i64, worker: &str, error: &str) -> Result<()> {
        let n = sqlx::query(
            "UPDATE jobs SET state = 'failed', last_error = $3, locked_until = NULL, updated_at = now(), finished_at = now()
             WHERE id = $1 AND state = 'running' AND locked_by = $2",
        )
        .bind(id)
        .bind(worker)
        .bind(error)
        .execute(&self.pool)
        .await?
        .rows_affected();
        held(n, id, worker)
    }

    async fn report_job_progress(
        &self,
        id: i64,
        worker: &str,
        progress: serde_json::Value,
    ) -> Result<()> {
        let n = sqlx::query(
            "UPDATE jobs SET progress = $3, locked_until = now() + timeout_ms * interval '1 millisecond', updated_at = now()
             WHERE id = $1 AND state = 'running' AND locked_by = $2",
        )
        .bind(id)
        .bind(worker)
        .bind(&progress)
        .execute(&self.pool)
        .await?
        .rows_affected();
        held(n, id, worker)
    }

    async fn release_job(&self, id: i64, worker: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query(
            "UPDATE jobs SET state = 'queued', attempts = GREATEST(attempts - 1, 0), run_after = now(),
                locked_until = NULL, updated_at = now()
             WHERE id = $1 AND state = 'running' AND locked_by = $2",
        )
        .bind(id)
        .bind(worker)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        held(n, id, worker)?;
        let kind: String = sqlx::query_scalar("SELECT kind FROM jobs WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(&self.channel)
            .bind(&kind)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_job(&self, id: i64) -> Result<Option<Job>> {
        let row = sqlx::query(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(job_from_row).transpose()
    }

    async fn list_jobs(&self, state: Option<JobState>, limit: u32) -> Result<Vec<Job>> {
        let rows = match state {
            Some(s) => {
                sqlx::query(&format!(
                    "SELECT {JOB_COLUMNS} FROM jobs WHERE state = $1 ORDER BY id DESC LIMIT $2"
                ))
                .bind(s.as_str())
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!(
                    "SELECT {JOB_COLUMNS} FROM jobs ORDER BY id DESC LIMIT $1"
                ))
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter().map(job_from_row).collect()
    }

    async fn wait_for_job(&self, kinds: &[&str], timeout: Duration) -> Result<bool> {
        self.wake
            .ensure_listening(&self.pool, &self.channel)
            .await?;
        let deadline = tokio::time::Instant::now() + timeout;
        let kinds = kinds_vec(kinds);
        loop {
            // With LISTEN in effect, look at what is there: a due job, or the time the next
            // one (a retry, a delayed job) becomes due, which bounds the nap.
            let next_ms: Option<f64> = sqlx::query_scalar(
                "SELECT (EXTRACT(EPOCH FROM (MIN(run_after) - now())) * 1000)::float8 FROM jobs
                 WHERE state = 'queued' AND (cardinality($1::text[]) = 0 OR kind = ANY($1))",
            )
            .bind(&kinds)
            .fetch_one(&self.pool)
            .await?;
            if next_ms.is_some_and(|ms| ms <= 0.0) {
                return Ok(true);
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Ok(false);
            }
            let mut nap = deadline - now;
            if let Some(ms) = next_ms {
                nap = nap.min(Duration::from_millis(ms.ceil() as u64));
            }
            // A notification (any kind) ends the nap; the loop then looks again.
            let _ = tokio::time::timeout(nap, self.wake.notify.notified()).await;
        }
    }
}
