//! The job queue on SQLite: claims are one `UPDATE ... RETURNING` (SQLite has one writer, so
//! the statement is atomic), waiting workers poll, and enqueues in this process wake them at
//! once. Times are Unix milliseconds.

use super::{SqliteStore, corrupt};
use crate::jobs::{Job, JobQueue, JobState, MAX_BACKOFF, NewJob, held, millis, not_held};
use crate::{Result, StoreError};
use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};
use std::time::Duration;
use time::OffsetDateTime;

const JOB_COLUMNS: &str = "id, kind, payload, state, attempts, max_attempts, run_after, locked_by, locked_until, last_error, result, created_at, updated_at, finished_at, progress";

/// How often a waiting worker looks for due jobs.
const POLL: Duration = Duration::from_millis(250);

fn now_ms() -> i64 {
    i64::try_from(OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn time_from_ms(ms: i64) -> Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map_err(|e| corrupt(format!("job time {ms}: {e}")))
}

fn json(text: &str, what: &str) -> Result<serde_json::Value> {
    serde_json::from_str(text).map_err(|e| corrupt(format!("job {what}: {e}")))
}

fn job_from_row(r: &SqliteRow) -> Result<Job> {
    let state: String = r.try_get(3)?;
    let payload: String = r.try_get(2)?;
    let result: Option<String> = r.try_get(10)?;
    let opt_time = |i: usize| -> Result<Option<OffsetDateTime>> {
        r.try_get::<Option<i64>, _>(i)?
            .map(time_from_ms)
            .transpose()
    };
    let count =
        |i: usize| -> Result<u32> { Ok(u32::try_from(r.try_get::<i64, _>(i)?).unwrap_or(0)) };
    Ok(Job {
        id: r.try_get(0)?,
        kind: r.try_get(1)?,
        payload: json(&payload, "payload")?,
        state: JobState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown job state {state}")))?,
        attempts: count(4)?,
        max_attempts: count(5)?,
        run_after: time_from_ms(r.try_get(6)?)?,
        locked_by: r.try_get(7)?,
        locked_until: opt_time(8)?,
        last_error: r.try_get(9)?,
        result: result.as_deref().map(|t| json(t, "result")).transpose()?,
        created_at: time_from_ms(r.try_get(11)?)?,
        updated_at: time_from_ms(r.try_get(12)?)?,
        finished_at: opt_time(13)?,
        progress: r
            .try_get::<Option<String>, _>(14)?
            .as_deref()
            .map(|t| json(t, "progress"))
            .transpose()?,
    })
}

/// ` AND kind IN (...)` when `kinds` is not empty.
fn push_kinds(qb: &mut QueryBuilder<'_, Sqlite>, kinds: &[&str]) {
    if kinds.is_empty() {
        return;
    }
    qb.push(" AND kind IN (");
    let mut sep = qb.separated(", ");
    for k in kinds {
        sep.push_bind(k.to_string());
    }
    qb.push(")");
}

impl SqliteStore {
    /// Queues again (or fails, when their attempts are spent) running jobs whose lease ran out.
    async fn expire_leases(&self, now: i64) -> Result<()> {
        sqlx::query(
            "UPDATE jobs SET
                state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
                finished_at = CASE WHEN attempts >= max_attempts THEN $1 END,
                last_error = 'lease expired: worker ' || COALESCE(locked_by, '?') || ' did not finish in time',
                run_after = $1, locked_until = NULL, updated_at = $1
             WHERE state = 'running' AND locked_until < $1",
        )
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

#[async_trait]
impl JobQueue for SqliteStore {
    async fn enqueue_job(&self, job: NewJob) -> Result<i64> {
        let now = now_ms();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO jobs (kind, payload, max_attempts, backoff_ms, timeout_ms, run_after, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
        )
        .bind(&job.kind)
        .bind(job.payload.to_string())
        .bind(i64::from(job.max_attempts.max(1)))
        .bind(millis(job.backoff))
        .bind(millis(job.timeout))
        .bind(now.saturating_add(millis(job.delay)))
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        self.wake.notify_one();
        Ok(id)
    }

    async fn claim_job(&self, worker: &str, kinds: &[&str]) -> Result<Option<Job>> {
        let now = now_ms();
        self.expire_leases(now).await?;
        let mut qb = QueryBuilder::<Sqlite>::new(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = ",
        );
        qb.push_bind(worker.to_string())
            .push(", locked_until = ")
            .push_bind(now)
            .push(" + timeout_ms, updated_at = ")
            .push_bind(now)
            .push(" WHERE id = (SELECT id FROM jobs WHERE state = 'queued' AND run_after <= ")
            .push_bind(now);
        push_kinds(&mut qb, kinds);
        qb.push(" ORDER BY run_after, id LIMIT 1) RETURNING ")
            .push(JOB_COLUMNS);
        let row = qb.build().fetch_optional(&self.pool).await?;
        row.as_ref().map(job_from_row).transpose()
    }

    async fn heartbeat_job(&self, id: i64, worker: &str) -> Result<()> {
        let now = now_ms();
        let n = sqlx::query(
            "UPDATE jobs SET locked_until = $3 + timeout_ms, updated_at = $3
             WHERE id = $1 AND state = 'running' AND locked_by = $2",
        )
        .bind(id)
        .bind(worker)
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected();
        held(n, id, worker)
    }

    async fn complete_job(&self, id: i64, worker: &str, result: serde_json::Value) -> Result<()> {
        let now = now_ms();
        let n = sqlx::query(
            "UPDATE jobs SET state = 'succeeded', result = $3, locked_until = NULL, updated_at = $4, finished_at = $4
             WHERE id = $1 AND state = 'running' AND locked_by = $2",
        )
        .bind(id)
        .bind(worker)
        .bind(result.to_string())
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected();
        held(n, id, worker)
    }

    async fn fail_job(&self, id: i64, worker: &str, error: &str) -> Result<JobState> {
        let now = now_ms();
        let state: Option<String> = sqlx::query_scalar(&format!(
            "UPDATE jobs SET
                state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
                finished_at = CASE WHEN attempts >= max_attempts THEN $4 END,
                run_after = $4 + MIN(backoff_ms * (1 << MIN(MAX(attempts - 1, 0), 20)), {max}),
                last_error = $3, locked_until = NULL, updated_at = $4
             WHERE id = $1 AND state = 'running' AND locked_by = $2
             RETURNING state",
            max = millis(MAX_BACKOFF)
        ))
        .bind(id)
        .bind(worker)
        .bind(error)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let state = state.ok_or_else(|| not_held(id, worker))?;
        JobState::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("job state {state}")))
    }

    async fn give_up_job(&self, id: i64, worker: &str, error: &str) -> Result<()> {
        let now = now_ms();
        let n = sqlx::query(
            "UPDATE jobs SET state = 'failed', last_error = $3, locked_until = NULL, updated_at = $4, finished_at = $4
             WHERE id = $1 AND state = 'running' AND locked_by = $2",
        )
        .bind(id)
        .bind(worker)
        .bind(error)
        .bind(now)
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
        let now = now_ms();
        let n = sqlx::query(
            "UPDATE jobs SET progress = $3, locked_until = $4 + timeout_ms, updated_at = $4
             WHERE id = $1 AND state = 'running' AND locked_by = $2",
        )
        .bind(id)
        .bind(worker)
        .bind(progress.to_string())
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected();
        held(n, id, worker)
    }

    async fn release_job(&self, id: i64, worker: &str) -> Result<()> {
        let now = now_ms();
        let n = sqlx::query(
            "UPDATE jobs SET state = 'queued', attempts = MAX(attempts - 1, 0), run_after = $3,
                locked_until = NULL, updated_at = $3
             WHERE id = $1 AND state = 'running' AND locked_by = $2",
        )
        .bind(id)
        .bind(worker)
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected();
        held(n, id, worker)?;
        self.wake.notify_one();
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
        let mut qb = QueryBuilder::<Sqlite>::new(format!("SELECT {JOB_COLUMNS} FROM jobs"));
        if let Some(s) = state {
            qb.push(" WHERE state = ").push_bind(s.as_str());
        }
        qb.push(" ORDER BY id DESC LIMIT ")
            .push_bind(i64::from(limit));
        qb.build()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(job_from_row)
            .collect()
    }

    async fn wait_for_job(&self, kinds: &[&str], timeout: Duration) -> Result<bool> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let mut qb = QueryBuilder::<Sqlite>::new(
                "SELECT MIN(run_after) FROM jobs WHERE state = 'queued'",
            );
            push_kinds(&mut qb, kinds);
            let next: Option<i64> = qb.build_query_scalar().fetch_one(&self.pool).await?;
            if next.is_some_and(|t| t <= now_ms()) {
                return Ok(true);
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Ok(false);
            }
            let nap = POLL.min(deadline - now);
            // An enqueue in this process ends the nap at once; others are seen at the next poll.
            let _ = tokio::time::timeout(nap, self.wake.notified()).await;
        }
    }
}
