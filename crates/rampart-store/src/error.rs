//! Store errors.

use thiserror::Error;

/// Why a store operation failed.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The database reported an error.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The database reported an error to a direct SQLite call (the SQLite ingest path).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A schema migration failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The URL or the request asks for something this build does not do.
    #[error("{0}")]
    Unsupported(String),
    /// Stored data could not be read back (a bug or a hand-edited database).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// Something named in the request does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// What the request would create exists already.
    #[error("{0}")]
    Conflict(String),
    /// A thread of the store's own (the SQLite checkpointer) could not start or has stopped.
    #[error("store thread: {0}")]
    Thread(String),
    /// This report was already recorded as scan `0` of the same target and branch at the same
    /// time: a retried job whose first attempt committed (see [`crate::ScanMeta::report_sha256`]).
    #[error("the report is already recorded as scan {0}")]
    AlreadyIngested(i64),
}
