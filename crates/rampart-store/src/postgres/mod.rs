//! The PostgreSQL store: the scale-out backend. Several `rampart serve` and `rampart worker`
//! processes share one database; ingests into one target are serialized with a transaction-level
//! advisory lock, ingests into different targets run in parallel.

mod auth;
mod blobs;
mod context;
mod copy;
mod correlation;
mod dashboard;
mod gate;
mod ingest;
mod intel;
mod jobs;
mod queries;
mod repeat;
mod risk_scope;
mod scoped;
mod sla;
mod summary;
mod synthetic;
mod triage;

pub use queries::issue_list_sql;
pub use synthetic::{SyntheticSpec, SyntheticTimings};

use crate::{Result, StoreError};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::borrow::Cow;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// How to size and tune the connection pool.
#[derive(Debug, Clone)]
pub struct PgSettings {
    /// Connections this process may open (default 10, or `RAMPART_DB_POOL`).
    pub max_connections: u32,
    /// Connections kept open while idle.
    pub min_connections: u32,
    /// How long to wait for a free connection before failing.
    pub acquire_timeout: Duration,
}

impl Default for PgSettings {
    fn default() -> Self {
        let max_connections = std::env::var("RAMPART_DB_POOL")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|n| *n > 0)
            .unwrap_or(10);
        PgSettings {
            max_connections,
            min_connections: 0,
            acquire_timeout: Duration::from_secs(60),
        }
    }
}

/// Rampart's store on PostgreSQL.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    /// The channel `NOTIFY` wakes workers on (named after the schema, so installations in
    /// several schemas of one database do not wake each other).
    channel: String,
    wake: Arc<jobs::Wake>,
}

/// The embedded migrations, in order.
fn migrator() -> Migrator {
    let m = |version: i64, description: &'static str, sql: &'static str| {
        Migration::new(
            version,
            Cow::Borrowed(description),
            MigrationType::Simple,
            Cow::Borrowed(sql),
            false,
        )
    };
    Migrator {
        migrations: Cow::Owned(vec![
            m(
                1,
                "init",
                include_str!("../../migrations/postgres/0001_init.sql"),
            ),
            m(
                2,
                "jobs",
                include_str!("../../migrations/postgres/0002_jobs.sql"),
            ),
            m(
                3,
                "intel",
                include_str!("../../migrations/postgres/0003_intel.sql"),
            ),
            m(
                4,
                "risk",
                include_str!("../../migrations/postgres/0004_risk.sql"),
            ),
            m(
                6,
                "report blobs",
                include_str!("../../migrations/postgres/0006_report_blobs.sql"),
            ),
            m(
                8,
                "sla",
                include_str!("../../migrations/postgres/0008_sla.sql"),
            ),
            m(
                9,
                "auth",
                include_str!("../../migrations/postgres/0009_auth.sql"),
            ),
            m(
                10,
                "summaries",
                include_str!("../../migrations/postgres/0010_summaries.sql"),
            ),
            m(
                11,
                "risk scope",
                include_str!("../../migrations/postgres/0011_risk_scope.sql"),
            ),
            m(
                13,
                "posture",
                include_str!("../../migrations/postgres/0013_posture.sql"),
            ),
            m(
                15,
                "inactive lists",
                include_str!("../../migrations/postgres/0015_inactive_lists.sql"),
            ),
            m(
                16,
                "gate decisions",
                include_str!("../../migrations/postgres/0016_gate_decisions.sql"),
            ),
            m(
                18,
                "ingest indexes",
                include_str!("../../migrations/postgres/0018_ingest_indexes.sql"),
            ),
        ]),
        // During a rolling upgrade an older process may (re)start after a newer one migrated:
        // migrations are additive, so it runs on the newer schema instead of refusing it.
        ignore_missing: true,
        // Several processes starting at once take turns (pg_advisory_lock).
        locking: true,
        no_tx: false,
    }
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/db?...`; a
    /// schema other than `public` is chosen with `options=-c%20search_path%3Dname`) with the
    /// default [`PgSettings`], and brings its schema up to date.
    pub async fn open(url: &str) -> Result<PgStore> {
        let options = PgConnectOptions::from_str(url)?;
        PgStore::connect_with(options, PgSettings::default()).await
    }

    /// Connects with explicit options and pool settings, and brings the schema up to date.
    pub async fn connect_with(options: PgConnectOptions, settings: PgSettings) -> Result<PgStore> {
        let options = options.application_name("rampart");
        let pool = PgPoolOptions::new()
            .max_connections(settings.max_connections.max(1))
            .min_connections(settings.min_connections)
            .acquire_timeout(settings.acquire_timeout)
            .connect_with(options)
            .await?;
        migrator().run(&pool).await?;
        let schema: String = sqlx::query_scalar::<_, Option<String>>("SELECT current_schema()")
            .fetch_one(&pool)
            .await?
            .ok_or_else(|| {
                StoreError::Unsupported(
                    "the connection's search_path names no existing schema".into(),
                )
            })?;
        Ok(PgStore {
            pool,
            channel: format!("rampart_jobs:{schema}"),
            wake: Arc::new(jobs::Wake::default()),
        })
    }

    /// The connection pool (for tests and tools).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

pub(crate) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}
