//! A database for one test, on either store: a SQLite file, or a fresh schema on the test
//! PostgreSQL (`RAMPART_TEST_POSTGRES`; skipped with a notice when unreachable unless
//! `RAMPART_REQUIRE_POSTGRES=1`).
#![allow(dead_code)]

use sqlx::Connection;

/// A number unlikely to repeat across test processes and calls.
fn unique() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

/// A database for one test: a SQLite file, or a fresh schema on the test PostgreSQL.
pub struct Db {
    /// The store URL.
    pub url: String,
    schema: Option<(String, String)>,
    /// A directory for the test's files (and the SQLite database).
    pub dir: tempfile::TempDir,
}

impl Db {
    /// A SQLite file `name.db` in a temporary directory.
    pub fn sqlite(name: &str) -> Db {
        let dir = tempfile::tempdir().unwrap();
        Db {
            url: dir.path().join(format!("{name}.db")).display().to_string(),
            schema: None,
            dir,
        }
    }

    /// `None` (with a notice) when PostgreSQL is unreachable, unless it is required.
    pub async fn postgres(prefix: &str) -> Option<Db> {
        let base = std::env::var("RAMPART_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let mut admin = match sqlx::PgConnection::connect(&base).await {
            Ok(c) => c,
            Err(e) => {
                assert!(
                    std::env::var("RAMPART_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                    "PostgreSQL at {base} is required but unreachable: {e}"
                );
                eprintln!("skipping the PostgreSQL run: {base} is unreachable ({e})");
                return None;
            }
        };
        let schema = format!("{prefix}_{}_{:x}", std::process::id(), unique());
        sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .execute(&mut admin)
            .await
            .unwrap();
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&mut admin)
            .await
            .unwrap();
        let sep = if base.contains('?') { '&' } else { '?' };
        Some(Db {
            url: format!("{base}{sep}options=-c%20search_path%3D{schema}"),
            schema: Some((base, schema)),
            dir: tempfile::tempdir().unwrap(),
        })
    }

    /// Drops the PostgreSQL schema.
    pub async fn cleanup(self) {
        if let Some((base, schema)) = &self.schema
            && let Ok(mut c) = sqlx::PgConnection::connect(base).await
        {
            let _ = sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
                .execute(&mut c)
                .await;
        }
    }
}
