//! WAL checkpoints off the writers' path.
//!
//! In WAL mode every committed page is written twice: into the write-ahead log at commit, and
//! later into the database file by a checkpoint. SQLite's default runs that checkpoint inside
//! the commit that grows the log past 1,000 pages, so the committing writer pays for it: after
//! a 1,000,000-finding ingest (a 1 GB log) the commit spent 4 s copying the log while the
//! result waited (perf, docs/benchmarks.md). Here the pool's connections never checkpoint
//! (`wal_autocheckpoint = 0`); a thread of the store does, on a connection of its own:
//! when an ingest has committed ([`Checkpointer::kick`]), every [`TICK`] for the store's
//! smaller writes, on request ([`Checkpointer::now`]) and once more when the store is dropped.
//! A passive checkpoint never blocks readers or the writer; what a reader's snapshot still
//! needs is copied on a later pass.

use crate::{Result, StoreError};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the thread checkpoints what other writes than ingests committed.
const TICK: Duration = Duration::from_secs(2);

enum Request {
    /// Checkpoint soon (an ingest committed).
    Kick,
    /// Checkpoint now and answer.
    Now(tokio::sync::oneshot::Sender<Result<()>>),
}

/// The store's checkpointing thread; it stops (after a last checkpoint) when dropped.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    requests: Mutex<Option<SyncSender<Request>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Checkpointer {
    /// Starts the thread for the database file `path`.
    pub(crate) fn start(path: PathBuf) -> Result<Checkpointer> {
        // One kick waiting is enough: a checkpoint copies everything committed before it.
        let (tx, rx) = sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("rampart-checkpoint".into())
            .spawn(move || run(&path, rx))
            .map_err(|e| StoreError::Thread(format!("starting the checkpoint thread: {e}")))?;
        Ok(Checkpointer {
            requests: Mutex::new(Some(tx)),
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Asks for a checkpoint soon, without waiting (after an ingest's commit).
    pub(crate) fn kick(&self) {
        if let Some(tx) = self.sender() {
            // Full: a checkpoint is already due, which copies this commit's pages too.
            let _ = tx.try_send(Request::Kick);
        }
    }

    /// Checkpoints now and waits until the log's committed pages are in the database file
    /// (as far as no reader's snapshot still needs them).
    pub(crate) async fn now(&self) -> Result<()> {
        let Some(tx) = self.sender() else {
            return Ok(());
        };
        let (reply, answer) = tokio::sync::oneshot::channel();
        let sent = tokio::task::spawn_blocking(move || tx.send(Request::Now(reply)).is_ok())
            .await
            .unwrap_or(false);
        if !sent {
            return Err(StoreError::Thread(
                "the checkpoint thread has stopped".into(),
            ));
        }
        answer
            .await
            .map_err(|_| StoreError::Thread("the checkpoint thread has stopped".into()))?
    }

    fn sender(&self) -> Option<SyncSender<Request>> {
        self.requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        // Closing the channel stops the thread after a last checkpoint.
        self.requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(thread) = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = thread.join();
        }
    }
}

/// The thread: a passive checkpoint per request or tick, a last one when the channel closes.
fn run(path: &Path, requests: Receiver<Request>) {
    let mut db: Option<rusqlite::Connection> = None;
    loop {
        let request = requests.recv_timeout(TICK);
        let result = checkpoint(path, &mut db);
        match request {
            Ok(Request::Now(reply)) => {
                let _ = reply.send(result);
            }
            Ok(Request::Kick) | Err(RecvTimeoutError::Timeout) => {
                if let Err(e) = result {
                    tracing::warn!(error = %e, "WAL checkpoint failed; retrying at the next one");
                }
            }
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// One passive checkpoint on the thread's connection (opened when first needed, dropped after
/// an error so that the next pass starts afresh).
fn checkpoint(path: &Path, db: &mut Option<rusqlite::Connection>) -> Result<()> {
    if db.is_none() {
        let conn = rusqlite::Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // This connection's own commits (none) must not checkpoint either.
        conn.execute_batch("PRAGMA wal_autocheckpoint = 0;")?;
        *db = Some(conn);
    }
    let Some(conn) = db.as_ref() else {
        return Ok(());
    };
    let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(0));
    match done {
        Ok(_) => Ok(()),
        // Another connection is checkpointing (one closing as the last does): it copies the
        // same pages.
        Err(rusqlite::Error::SqliteFailure(e, _))
            if matches!(
                e.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ) =>
        {
            Ok(())
        }
        Err(e) => {
            *db = None;
            Err(e.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::Store;
    use crate::sqlite::SqliteStore;

    /// Opens a store in `dir` and commits one write.
    async fn store_with_a_write(dir: &std::path::Path) -> SqliteStore {
        let db = dir.join("rampart.db");
        let store = SqliteStore::open(&db.display().to_string())
            .await
            .expect("open");
        sqlx::query("INSERT INTO settings (name, value) VALUES ('checkpoint-test', 'written')")
            .execute(store.pool())
            .await
            .expect("a committed write");
        store
    }

    /// The database file alone (no log beside it), copied and opened: what checkpoints have
    /// copied into the file, and nothing that is still only in the log.
    fn in_file_alone(dir: &std::path::Path) -> Option<String> {
        let copy = dir.join("copy.db");
        std::fs::copy(dir.join("rampart.db"), &copy).expect("copy the database file");
        let conn = rusqlite::Connection::open(&copy).expect("open the copy");
        conn.query_row(
            "SELECT value FROM settings WHERE name = 'checkpoint-test'",
            [],
            |r| r.get::<_, String>(0),
        )
        .ok()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_checkpoint_puts_committed_writes_in_the_database_file() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = store_with_a_write(dir.path()).await;
        store.checkpoint().await.expect("checkpoint");
        assert_eq!(in_file_alone(dir.path()).as_deref(), Some("written"));
        // Commits themselves never checkpoint: the pool's connections have it off.
        let every: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
            .fetch_one(store.pool())
            .await
            .expect("pragma");
        assert_eq!(every, 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn dropping_the_store_checkpoints_once_more() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = store_with_a_write(dir.path()).await;
        drop(store);
        assert_eq!(in_file_alone(dir.path()).as_deref(), Some("written"));
    }
}
