//! `rampart worker`: runs queued jobs until SIGINT or SIGTERM.
//!
//! The first signal stops claiming and lets running jobs finish (at most `--grace` seconds;
//! then they are released for another worker); a second signal releases them at once.

use crate::open_store;
use anyhow::Result;
use clap::Args;
use rampart_service::jobs::{Runner, RunnerConfig, Stop};
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// Jobs run at once (each uses one database connection, plus one for wake-ups).
    #[arg(long, default_value_t = 1)]
    concurrency: usize,
    /// Name recorded on the jobs this worker holds (default: host-pid).
    #[arg(long)]
    name: Option<String>,
    /// Seconds a shutdown waits for running jobs before releasing them.
    #[arg(long, default_value_t = 60)]
    grace: u64,
    /// Seconds between heartbeats (lease extension and progress).
    #[arg(long, default_value_t = 10)]
    heartbeat: u64,
}

pub async fn run(db: &str, args: WorkerArgs) -> Result<ExitCode> {
    let store = open_store(db).await?;
    let mut config = RunnerConfig {
        concurrency: args.concurrency.max(1),
        grace: Duration::from_secs(args.grace),
        heartbeat: Duration::from_secs(args.heartbeat.max(1)),
        ..RunnerConfig::default()
    };
    if let Some(name) = args.name {
        config.name = name;
    }
    let runner = Runner::with_default_handlers(store, config.clone());
    eprintln!(
        "worker {} running {} job(s) at once, kinds: {}",
        config.name,
        config.concurrency,
        runner.kinds().join(", ")
    );
    let mut signals = Signals::new()?;
    let mut handle = runner.spawn();
    signals.next().await;
    eprintln!(
        "stopping: no new jobs; running ones get {} s to finish (signal again to release them now)",
        args.grace
    );
    handle.stop(Stop::Finish);
    tokio::select! {
        _ = handle.wait() => {}
        _ = signals.next() => {
            eprintln!("releasing running jobs");
            handle.stop(Stop::Now);
            handle.wait().await;
        }
    }
    let stats = handle.stats();
    eprintln!(
        "worker stopped: {} succeeded, {} failed attempts, {} released",
        stats.succeeded.load(Ordering::Relaxed),
        stats.failed.load(Ordering::Relaxed),
        stats.released.load(Ordering::Relaxed)
    );
    Ok(ExitCode::SUCCESS)
}

/// SIGINT and SIGTERM as one stream.
pub(crate) struct Signals {
    int: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
}

impl Signals {
    pub(crate) fn new() -> Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            int: signal(SignalKind::interrupt())?,
            term: signal(SignalKind::terminate())?,
        })
    }

    pub(crate) async fn next(&mut self) {
        tokio::select! {
            _ = self.int.recv() => {}
            _ = self.term.recv() => {}
        }
    }
}
