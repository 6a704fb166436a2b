//! `rampart serve`: the REST API and the web dashboard on one port.

use crate::open_store;
use anyhow::{Context, Result};
use clap::Args;
use rampart_server::AppState;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "RAMPART_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
}

pub async fn run(db: &str, args: ServeArgs) -> Result<ExitCode> {
    let store = open_store(db).await?;
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    eprintln!("Rampart is serving http://{}/", listener.local_addr()?);
    axum::serve(listener, rampart_server::router(AppState { store }))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(ExitCode::SUCCESS)
}
