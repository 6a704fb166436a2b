//! `rampart serve`: the REST API and the web dashboard on one port.
//!
//! Configuration: defaults, then `--config FILE` (TOML), then `RAMPART_*` variables, then
//! flags (see docs/server.md). On SQLite (and on PostgreSQL with `jobs = "on"`) queued jobs run
//! in this process, so an uploaded scan is ingested without a separate `rampart worker`.
//! SIGINT/SIGTERM: stop accepting connections, let running requests finish, stop the job
//! runner (running jobs get the grace period, then are released for another worker).

use crate::open_store;
use crate::worker::Signals;
use anyhow::{Context, Result};
use clap::Args;
use rampart_server::{AppState, ServerConfig};
use rampart_service::jobs::{Runner, RunnerConfig, Stop};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080; RAMPART_LISTEN).
    #[arg(long)]
    listen: Option<String>,
    /// A TOML configuration file (RAMPART_CONFIG).
    #[arg(long, env = "RAMPART_CONFIG")]
    config: Option<PathBuf>,
    /// Log format: text or json (RAMPART_LOG_FORMAT).
    #[arg(long)]
    log_format: Option<String>,
    /// Run queued jobs in this process: auto (on SQLite), on, off (RAMPART_JOBS).
    #[arg(long)]
    jobs: Option<String>,
    /// Do not load the demo portfolio into an empty SQLite store (RAMPART_DEMO=off).
    #[arg(long)]
    no_demo: bool,
}

impl ServeArgs {
    /// Whether logs are JSON: the flag, else the environment, else the file (read before
    /// logging starts; errors in the file are reported later by `run`).
    pub fn json_logs(&self) -> bool {
        if let Some(f) = &self.log_format {
            return f == "json";
        }
        ServerConfig::load(self.config.as_deref(), |k| std::env::var(k).ok())
            .is_ok_and(|c| c.log_format == "json")
    }

    fn config(&self) -> Result<ServerConfig> {
        let mut c = ServerConfig::load(self.config.as_deref(), |k| std::env::var(k).ok())?;
        if let Some(l) = &self.listen {
            c.listen = l.clone();
        }
        if let Some(f) = &self.log_format {
            c.log_format = f.clone();
        }
        if let Some(j) = &self.jobs {
            anyhow::ensure!(
                matches!(j.as_str(), "auto" | "on" | "off"),
                "--jobs: expected auto, on or off, got `{j}`"
            );
            c.jobs = j.clone();
        }
        Ok(c)
    }
}

pub async fn run(db: &str, args: ServeArgs) -> Result<ExitCode> {
    let config = args.config()?;
    let store = open_store(db).await?;
    let welcome = crate::serve_demo::bootstrap(store.as_ref(), db, !args.no_demo).await?;
    crate::serve_demo::spawn_posture(store.clone());
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let run_jobs = match config.jobs.as_str() {
        "on" => true,
        "off" => false,
        _ => !rampart_store::is_postgres_url(db),
    };
    let grace = Duration::from_secs(config.shutdown_grace_secs);
    let runner = run_jobs.then(|| {
        Runner::with_default_handlers(
            store.clone(),
            RunnerConfig {
                concurrency: config.job_concurrency.max(1),
                grace,
                ..RunnerConfig::default()
            },
        )
        .spawn()
    });
    let state = AppState::new(store, config);
    let app = rampart_server::router(state);
    let addr = listener.local_addr()?;
    welcome.print();
    eprintln!("Rampart is serving http://{addr}/");
    tracing::info!(%addr, jobs_in_process = run_jobs, "serving");
    let mut signals = Signals::new()?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = stop_rx.await;
        })
        .into_future(),
    );
    signals.next().await;
    tracing::info!("shutting down: no new connections; running requests and jobs finish");
    eprintln!("shutting down (signal again to stop at once)");
    let _ = stop_tx.send(());
    let finish = async {
        if let Some(r) = runner {
            r.shutdown(Stop::Finish).await;
        }
        let _ = server.await;
    };
    tokio::select! {
        _ = finish => {}
        _ = tokio::time::sleep(grace + Duration::from_secs(5)) => {
            tracing::warn!("shutdown grace period over");
        }
        _ = signals.next() => {
            tracing::warn!("second signal: stopping at once");
        }
    }
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}
