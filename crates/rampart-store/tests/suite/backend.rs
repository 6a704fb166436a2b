//! The two backends the suite runs on: a SQLite file in a temporary directory, and a fresh
//! schema in the PostgreSQL database named by `RAMPART_TEST_POSTGRES`.

use rampart_store::Store;
use rampart_store::postgres::{PgSettings, PgStore};
use rampart_store::sqlite::SqliteStore;
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// The PostgreSQL server the suite uses unless `RAMPART_TEST_POSTGRES` says otherwise.
pub const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/test";

enum Kind {
    Sqlite {
        _dir: tempfile::TempDir,
        path: String,
        raw: SqliteStore,
    },
    Postgres {
        url: String,
        schema: String,
        raw: PgStore,
    },
}

/// One test's database, with the store opened on it.
pub struct Backend {
    /// The store under test.
    pub store: Arc<dyn Store>,
    kind: Kind,
    dropped: bool,
}

impl Backend {
    /// A fresh SQLite database.
    pub async fn sqlite() -> Backend {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("rampart.db").display().to_string();
        let raw = SqliteStore::open(&path).await.expect("open SQLite store");
        Backend {
            store: Arc::new(raw.clone()),
            kind: Kind::Sqlite {
                _dir: dir,
                path,
                raw,
            },
            dropped: false,
        }
    }

    /// A fresh schema on the test PostgreSQL server, or `None` (with a notice) when it is
    /// unreachable. Panics instead when `RAMPART_REQUIRE_POSTGRES=1`, as CI sets.
    pub async fn postgres() -> Option<Backend> {
        let url =
            std::env::var("RAMPART_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_POSTGRES.into());
        let mut admin = match tokio::time::timeout(
            Duration::from_secs(10),
            PgConnection::connect(&url),
        )
        .await
        {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => return unreachable(&url, &e.to_string()),
            Err(_) => return unreachable(&url, "connection timed out"),
        };
        let schema = format!("t_{:016x}", rand::random::<u64>());
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&mut admin)
            .await
            .expect("create test schema");
        let _ = admin.close().await;
        let raw = open_pg(&url, &schema, 4).await;
        Some(Backend {
            store: Arc::new(raw.clone()),
            kind: Kind::Postgres { url, schema, raw },
            dropped: false,
        })
    }

    /// Another handle on the same database, with its own connection pool (as another
    /// process would have).
    pub async fn another(&self) -> Arc<dyn Store> {
        match &self.kind {
            Kind::Sqlite { path, .. } => {
                Arc::new(SqliteStore::open(path).await.expect("reopen SQLite store"))
            }
            Kind::Postgres { url, schema, .. } => Arc::new(open_pg(url, schema, 2).await),
        }
    }

    /// Another handle opened the way the CLI opens one: `rampart_store::open(url)`, the
    /// PostgreSQL schema chosen by the URL's `options` parameter.
    pub async fn open_by_url(&self) -> Arc<dyn Store> {
        let url = match &self.kind {
            Kind::Sqlite { path, .. } => path.clone(),
            Kind::Postgres { url, schema, .. } => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}options=-c%20search_path%3D{schema}")
            }
        };
        rampart_store::open(&url).await.expect("open by URL")
    }

    /// Whether this is the SQLite backend.
    pub fn is_sqlite(&self) -> bool {
        matches!(self.kind, Kind::Sqlite { .. })
    }

    /// Runs one SQL statement (test setup the Store API does not offer, such as triage).
    pub async fn execute(&self, sql: &str) {
        match &self.kind {
            Kind::Sqlite { raw, .. } => {
                sqlx::query(sql).execute(raw.pool()).await.expect(sql);
            }
            Kind::Postgres { raw, .. } => {
                sqlx::query(sql).execute(raw.pool()).await.expect(sql);
            }
        }
    }

    /// Runs one `SELECT COUNT(*) ...`-like statement returning one integer.
    pub async fn scalar(&self, sql: &str) -> i64 {
        match &self.kind {
            Kind::Sqlite { raw, .. } => sqlx::query_scalar(sql)
                .fetch_one(raw.pool())
                .await
                .expect(sql),
            Kind::Postgres { raw, .. } => sqlx::query_scalar(sql)
                .fetch_one(raw.pool())
                .await
                .expect(sql),
        }
    }

    /// Drops the test schema (PostgreSQL); the SQLite directory goes with the value.
    pub async fn cleanup(mut self) {
        if let Kind::Postgres { url, schema, raw } = &self.kind {
            raw.pool().close().await;
            drop_schema(url, schema).await;
        }
        self.dropped = true;
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        // A failed test does not reach `cleanup`: drop its schema from a helper thread.
        if let (false, Kind::Postgres { url, schema, .. }) = (self.dropped, &self.kind) {
            let (url, schema) = (url.clone(), schema.clone());
            let _ = std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    rt.block_on(drop_schema(&url, &schema));
                }
            })
            .join();
        }
    }
}

fn unreachable(url: &str, why: &str) -> Option<Backend> {
    if std::env::var("RAMPART_REQUIRE_POSTGRES").as_deref() == Ok("1") {
        panic!(
            "PostgreSQL at {url} is required (RAMPART_REQUIRE_POSTGRES=1) but unreachable: {why}"
        );
    }
    eprintln!(
        "skipping the PostgreSQL run of this test: {url} is unreachable ({why}); set RAMPART_TEST_POSTGRES"
    );
    None
}

async fn open_pg(url: &str, schema: &str, connections: u32) -> PgStore {
    let options = PgConnectOptions::from_str(url)
        .expect("RAMPART_TEST_POSTGRES is a PostgreSQL URL")
        .options([("search_path", schema)]);
    let settings = PgSettings {
        max_connections: connections,
        ..PgSettings::default()
    };
    PgStore::connect_with(options, settings)
        .await
        .expect("open PostgreSQL store")
}

async fn drop_schema(url: &str, schema: &str) {
    if let Ok(mut c) = PgConnection::connect(url).await {
        let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .execute(&mut c)
            .await;
        let _ = c.close().await;
    }
}
