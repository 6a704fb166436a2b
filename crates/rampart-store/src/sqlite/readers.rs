//! The store's own read connections, for the issue list (issue 7: the API's busiest read).
//!
//! Preparing the list's statements (parser and planner) cost a third of the server's CPU when
//! each request prepared them anew on a pooled sqlx connection's handle; sqlx's own statement
//! cache is out of reach of `rusqlite`. These connections are `rusqlite`'s, on the same database
//! file (WAL: they read what the pool committed), each keeping its prepared statements
//! (`prepare_cached`) under the query planner stability guarantee, so a kept statement is never
//! planned again for new parameter values. They are read-only (`query_only`) and opened when first needed. A store
//! without a file (an in-memory URL) has none, and the list runs on a pooled connection's handle
//! (`raw::with_handle`).

use super::raw::run_blocking;
use crate::Result;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

/// Idle readers kept at most (the server's list requests run on at most this many threads).
const KEEP: usize = 4;

/// Prepared statements kept per reader: the list's statement texts vary with its filters and
/// page size.
const STATEMENTS: usize = 64;

/// Read-only connections to the store's file.
#[derive(Debug, Default)]
pub(crate) struct Readers {
    path: Option<PathBuf>,
    idle: Mutex<Vec<rusqlite::Connection>>,
}

impl Readers {
    /// Readers of the database file `path`; none for an in-memory database (`None`).
    pub(crate) fn new(path: Option<PathBuf>) -> Readers {
        Readers {
            path,
            idle: Mutex::default(),
        }
    }

    /// Whether the store has readers (a database file).
    pub(crate) fn enabled(&self) -> bool {
        self.path.is_some()
    }

    /// Runs `f` on an idle reader (opening one when none is idle), on the calling thread when
    /// `short`, else with [`run_blocking`]'s hand-off. Call only when [`Readers::enabled`].
    pub(crate) fn run<T>(
        &self,
        short: bool,
        f: impl FnOnce(&rusqlite::Connection) -> Result<T>,
    ) -> Result<T> {
        let Some(path) = &self.path else {
            return Err(super::corrupt("the store has no database file to read"));
        };
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let db = match idle {
            Some(db) => db,
            None => open(path)?,
        };
        let out = run_blocking(short, || f(&db));
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < KEEP && db.is_autocommit() {
            idle.push(db);
        }
        out
    }
}

/// A read-only connection with the pool's read settings (`SqliteStore::open`).
fn open(path: &PathBuf) -> Result<rusqlite::Connection> {
    use rusqlite::OpenFlags;
    let db = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )?;
    db.busy_timeout(Duration::from_secs(120))?;
    db.execute_batch(
        "PRAGMA query_only = 1; PRAGMA temp_store = memory; PRAGMA mmap_size = 4294967296;",
    )?;
    // Plans that do not depend on the values bound: the bundled SQLite is built with STAT4,
    // which otherwise marks a statement stale whenever a parameter compared with an indexed
    // column changes, so a kept statement was parsed and planned again at every step (the
    // team queue's walk, once per application).
    db.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    db.set_prepared_statement_cache_capacity(STATEMENTS);
    Ok(db)
}
