//! Freeing written batches off the writer thread.
//!
//! A SQLite ingest is bound by its one writer thread. Each observation it writes owns about
//! twenty allocations (strings, vectors, its JSON), made on the parsing, keying and document
//! threads; freeing them on the writer took about 6 % of that thread on a 1,000,000-result ingest
//! (perf, docs/benchmarks.md). A [`Disposer`] hands written batches to a thread of its own,
//! which frees them while the writer goes on.

use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

/// Batches waiting to be freed at most (each is megabytes); a writer that gets further ahead
/// frees its own.
const QUEUE: usize = 1;

/// Frees values of `T` on a thread of its own; dropping the disposer waits for it.
pub(crate) struct Disposer<T: Send + 'static> {
    tx: Option<SyncSender<T>>,
    thread: Option<JoinHandle<()>>,
}

impl<T: Send + 'static> Disposer<T> {
    /// A disposer with its thread (none if the thread cannot start: values are then dropped
    /// where they are disposed of).
    pub(crate) fn new() -> Disposer<T> {
        let (tx, rx) = sync_channel::<T>(QUEUE);
        let thread = std::thread::Builder::new()
            .name("rampart-dispose".into())
            .spawn(move || rx.into_iter().for_each(drop))
            .ok();
        Disposer {
            tx: thread.is_some().then_some(tx),
            thread,
        }
    }

    /// Frees `value` on the disposer's thread, or here when that thread is behind or gone.
    pub(crate) fn dispose(&self, value: T) {
        if let Some(tx) = &self.tx {
            // Full or disconnected: the value comes back in the error and is dropped here.
            let _ = tx.try_send(value);
        }
    }
}

impl<T: Send + 'static> Drop for Disposer<T> {
    fn drop(&mut self) {
        self.tx.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Counted(Arc<AtomicUsize>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn every_value_is_freed_once_by_the_time_the_disposer_is_dropped() {
        let dropped = Arc::new(AtomicUsize::new(0));
        let disposer = Disposer::new();
        for _ in 0..1_000 {
            disposer.dispose(vec![Counted(dropped.clone()), Counted(dropped.clone())]);
        }
        drop(disposer);
        assert_eq!(dropped.load(Ordering::SeqCst), 2_000);
    }
}
