//! The SQLite store: the embedded default (one file, WAL, one writer at a time).

mod auth;
mod blobs;
mod bulk;
mod checkpoint;
mod context;
mod correlation;
mod dashboard;
mod dispose;
mod documents;
mod gate;
mod ingest;
mod intel;
mod issue_list;
mod jobs;
mod queries;
mod raw;
mod readers;
mod repeat;
mod risk_scope;
mod scoped;
mod sla;
mod summary;
mod synthetic;
mod triage;

use crate::{Result, StoreError};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::borrow::Cow;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Rampart's store on SQLite.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// Wakes this process's waiting workers when it enqueues a job.
    wake: Arc<Notify>,
    /// Read-only connections for the issue list (`readers.rs`).
    readers: Arc<readers::Readers>,
    /// The WAL checkpoints (`checkpoint.rs`); none for an in-memory database.
    checkpointer: Option<Arc<checkpoint::Checkpointer>>,
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
                include_str!("../../migrations/sqlite/0001_init.sql"),
            ),
            m(
                2,
                "jobs",
                include_str!("../../migrations/sqlite/0002_jobs.sql"),
            ),
            m(
                3,
                "intel",
                include_str!("../../migrations/sqlite/0003_intel.sql"),
            ),
            m(
                4,
                "risk",
                include_str!("../../migrations/sqlite/0004_risk.sql"),
            ),
            m(
                6,
                "report blobs",
                include_str!("../../migrations/sqlite/0006_report_blobs.sql"),
            ),
            m(
                8,
                "sla",
                include_str!("../../migrations/sqlite/0008_sla.sql"),
            ),
            m(
                9,
                "auth",
                include_str!("../../migrations/sqlite/0009_auth.sql"),
            ),
            m(
                10,
                "summaries",
                include_str!("../../migrations/sqlite/0010_summaries.sql"),
            ),
            m(
                11,
                "risk scope",
                include_str!("../../migrations/sqlite/0011_risk_scope.sql"),
            ),
            m(
                13,
                "posture",
                include_str!("../../migrations/sqlite/0013_posture.sql"),
            ),
            m(
                16,
                "gate decisions",
                include_str!("../../migrations/sqlite/0016_gate_decisions.sql"),
            ),
            m(
                19,
                "ingest indexes",
                include_str!("../../migrations/sqlite/0019_ingest_indexes.sql"),
            ),
            m(
                20,
                "issue key unique",
                include_str!("../../migrations/sqlite/0020_issue_key_unique.sql"),
            ),
            m(
                21,
                "scan dictionaries",
                include_str!("../../migrations/sqlite/0021_scan_dictionaries.sql"),
            ),
            m(
                22,
                "scan first issue",
                include_str!("../../migrations/sqlite/0022_scan_first_issue.sql"),
            ),
        ]),
        ignore_missing: false,
        locking: true,
        no_tx: false,
    }
}

impl SqliteStore {
    /// Opens (creating when missing) the database at `url` (a path or a `sqlite:` URL) and
    /// brings its schema up to date.
    pub async fn open(url: &str) -> Result<SqliteStore> {
        let url = if url.starts_with("sqlite:") {
            url.to_string()
        } else {
            format!("sqlite://{url}")
        };
        let options = SqliteConnectOptions::from_str(&url)?;
        // An in-memory database is private to the pool: no readers of its own.
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let file = (!in_memory).then(|| options.get_filename().to_path_buf());
        let options = options
            .create_if_missing(true)
            // 16 KiB pages for a new database (an existing one keeps its own): a first ingest
            // of 1,000,000 findings, commit and checkpoint included, took 14.8-15.1 s against
            // 17.8-19.3 s with 4 KiB (shallower trees, a quarter of the log frames), and the
            // API's issue list served as many requests (docs/benchmarks.md).
            .page_size(16384)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(120))
            // Only this crate writes, inside transactions that keep references whole; enforcing
            // foreign keys would cost four index probes per stored observation on large ingests.
            .foreign_keys(false)
            // 32 MiB of page cache per connection: reads go through the memory map below, and
            // a large ingest spills its dirty pages to the log either way; 64 MiB cost a 1M
            // ingest 32 MB of peak memory at the same speed (docs/benchmarks.md).
            .pragma("cache_size", "-32768")
            .pragma("temp_store", "memory")
            // Read the database through a memory map (up to 4 GiB of address space, not of
            // memory): with several pool connections reading at once, copying every page
            // through read(2) into each connection's cache spent 40 % of the CPU in the kernel;
            // mapped, a team's risk queue serves 2.8x the requests (docs/benchmarks.md).
            .pragma("mmap_size", "4294967296")
            // Commits never checkpoint: the store's checkpoint thread does (`checkpoint.rs`).
            .pragma("wal_autocheckpoint", "0");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        migrator().run(&pool).await?;
        let checkpointer = match &file {
            Some(path) => Some(Arc::new(checkpoint::Checkpointer::start(path.clone())?)),
            None => None,
        };
        Ok(SqliteStore {
            pool,
            wake: Arc::new(Notify::new()),
            readers: Arc::new(readers::Readers::new(file)),
            checkpointer,
        })
    }

    /// The connection pool (for tests and tools).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

pub(crate) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

#[cfg(test)]
mod tests {
    use super::SqliteStore;

    async fn page_size(store: &SqliteStore) -> i64 {
        sqlx::query_scalar("PRAGMA page_size")
            .fetch_one(store.pool())
            .await
            .expect("pragma")
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_new_database_has_16_kib_pages_and_an_existing_one_keeps_its_own() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let new = dir.path().join("new.db");
        let store = SqliteStore::open(&new.display().to_string())
            .await
            .expect("create");
        assert_eq!(page_size(&store).await, 16384);

        let old = dir.path().join("old.db");
        let conn = rusqlite::Connection::open(&old).expect("create");
        conn.execute_batch(
            "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL;
             CREATE TABLE t (x); INSERT INTO t VALUES (1);",
        )
        .expect("an older database");
        drop(conn);
        let store = SqliteStore::open(&old.display().to_string())
            .await
            .expect("open and migrate an existing database");
        assert_eq!(page_size(&store).await, 4096);
        let kept: i64 = sqlx::query_scalar("SELECT x FROM t")
            .fetch_one(store.pool())
            .await
            .expect("its data");
        assert_eq!(kept, 1);
    }

    /// Migration 20 rebuilds `issues` without its unique key index: a database at version 19
    /// keeps every issue, every column and every other index, and its observations still
    /// point at their issues.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn version_20_drops_the_unique_key_index_and_keeps_the_issues() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("v19.db");
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let pool = sqlx::SqlitePool::connect(&url).await.expect("create");
        let mut v19 = super::migrator();
        v19.migrations = v19
            .migrations
            .iter()
            .filter(|m| m.version <= 19)
            .cloned()
            .collect::<Vec<_>>()
            .into();
        v19.run(&pool).await.expect("migrate to version 19");
        sqlx::raw_sql(
            "INSERT INTO applications (id, name, created_at) VALUES (1, 'shop', '2026-11-01T00:00:00Z');
             INSERT INTO targets (id, application_id, name) VALUES (1, 1, 'shop');
             INSERT INTO scans (id, application_id, target_id, branch, format, file_name, report_sha256, ingested_at)
                 VALUES (1, 1, 1, 'main', 'sarif', 'r.sarif', 'x', '2026-11-01T00:00:00Z');
             INSERT INTO streams (id, target_id, branch, tool, last_scan_id) VALUES (1, 1, 'main', 'semgrep', 1);
             INSERT INTO issues (id, application_id, key, kind, title, severity, status, rule_id, location,
                                 vuln_ids, cwes, first_scan_id, first_seen, last_seen, fixed_at, risk, sla_due)
                 VALUES (7, 1, 'k7', 'code', 'SQL injection', 4, 'open', 'r1', 'a.py', '', '89', 1,
                         '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', NULL, 81, 1790000000),
                        (9, 1, 'k9', 'code', 'XSS', 2, 'fixed', 'r2', 'b.py', 'CVE-2026-1', '', 1,
                         '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z', '2026-11-03T00:00:00Z', 12, NULL);
             INSERT INTO observations (issue_id, stream_id, hash, first_scan_id, tool, rule_id, severity, location, data)
                 VALUES (7, 1, 1, 1, 'semgrep', 'r1', 4, 'a.py', x'00');",
        )
        .execute(&pool)
        .await
        .expect("a version 19 store");
        pool.close().await;

        let store = SqliteStore::open(&path.display().to_string())
            .await
            .expect("open and migrate to version 20");
        type IssueRow = (i64, String, String, i64, Option<String>, i64, Option<i64>);
        let rows: Vec<IssueRow> = sqlx::query_as(
            "SELECT id, key, status, severity, fixed_at, risk, sla_due FROM issues ORDER BY id",
        )
        .fetch_all(store.pool())
        .await
        .expect("the issues");
        assert_eq!(
            rows,
            vec![
                (7, "k7".into(), "open".into(), 4, None, 81, Some(1790000000)),
                (
                    9,
                    "k9".into(),
                    "fixed".into(),
                    2,
                    Some("2026-11-03T00:00:00Z".into()),
                    12,
                    None
                ),
            ]
        );
        let joined: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM observations o JOIN issues i ON i.id = o.issue_id WHERE i.key = 'k7'",
        )
        .fetch_one(store.pool())
        .await
        .expect("join");
        assert_eq!(joined, 1);
        let indexes: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'issues' ORDER BY name",
        )
        .fetch_all(store.pool())
        .await
        .expect("indexes");
        assert_eq!(
            indexes,
            [
                "issues_active_risk",
                "issues_active_sla_due",
                "issues_app_active_risk",
                "issues_app_status",
                "issues_status_severity",
            ]
        );
    }
}
