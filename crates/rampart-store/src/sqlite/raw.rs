//! Direct SQLite calls on a pooled sqlx connection, for the ingest's bulk statements.
//!
//! sqlx runs every statement on the connection's worker thread and hands rows and arguments
//! over a channel, which costs more than SQLite's own work for small rows. The ingest locks
//! the connection's handle away from that worker ([`sqlx::SqliteConnection::lock_handle`]) and
//! runs prepared statements on it through `rusqlite`, inside the same transaction. Both
//! crates link the one `libsqlite3-sys`, hence one SQLite library in the process.

use crate::Result;
use sqlx::SqliteConnection;

/// Runs `f` on a `rusqlite` view of `conn`'s SQLite handle, in `conn`'s transaction. The view
/// never closes the handle; the statements it prepared are finalized when `f` returns. On a
/// multi-threaded runtime the work runs with [`tokio::task::block_in_place`], so other tasks
/// move to another worker meanwhile.
pub(crate) async fn with_handle<T>(
    conn: &mut SqliteConnection,
    f: impl FnOnce(&rusqlite::Connection) -> Result<T>,
) -> Result<T> {
    on_handle(conn, false, f).await
}

/// [`with_handle`] for short work (a page of a list: well under a millisecond), run on the
/// calling task's thread: handing the runtime's worker to another thread
/// ([`tokio::task::block_in_place`]) would cost more than the work.
pub(crate) async fn with_handle_short<T>(
    conn: &mut SqliteConnection,
    f: impl FnOnce(&rusqlite::Connection) -> Result<T>,
) -> Result<T> {
    on_handle(conn, true, f).await
}

async fn on_handle<T>(
    conn: &mut SqliteConnection,
    short: bool,
    f: impl FnOnce(&rusqlite::Connection) -> Result<T>,
) -> Result<T> {
    let mut locked = conn.lock_handle().await?;
    let handle = locked.as_raw_handle().as_ptr();
    let run = move || {
        // SAFETY: while `locked` lives, sqlx's worker thread makes no call on this handle or
        // its statements; `from_handle` does not take ownership (dropping the view leaves the
        // connection open), and the view is dropped before `locked`.
        let db = unsafe { rusqlite::Connection::from_handle(handle) }?;
        f(&db)
    };
    let out = run_blocking(short, run);
    drop(locked);
    out
}

/// Runs `f` on the calling thread when `short`; else, on a multi-threaded runtime, with
/// [`tokio::task::block_in_place`], so other tasks move to another worker meanwhile.
pub(crate) fn run_blocking<T>(short: bool, f: impl FnOnce() -> T) -> T {
    let flavor = tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor());
    match flavor {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) if !short => tokio::task::block_in_place(f),
        _ => f(),
    }
}
