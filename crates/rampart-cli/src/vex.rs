//! `rampart vex import|export`: VEX in (OpenVEX, CSAF 2.0, CycloneDX) and out.

use crate::open_store;
use crate::output::print_json;
use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use rampart_formats::vex_out::VexOutFormat;
use std::path::PathBuf;
use std::process::ExitCode;
use time::OffsetDateTime;

#[derive(Debug, Subcommand)]
pub enum VexCommand {
    /// Import VEX documents: their statements set the status of the issues they match.
    Import(ImportArgs),
    /// Write an application's triage decisions as a VEX document.
    Export(ExportArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// OpenVEX, CSAF 2.0 or CycloneDX VEX files.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Only for this application (default: every application, now and later).
    #[arg(long)]
    app: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Openvex,
    Cyclonedx,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Application.
    #[arg(long)]
    app: String,
    /// Dialect.
    #[arg(long, value_enum, default_value = "openvex")]
    format: FormatArg,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

pub async fn run(db: &str, cmd: VexCommand) -> Result<ExitCode> {
    let store = open_store(db).await?;
    let now = OffsetDateTime::now_utc();
    match cmd {
        VexCommand::Import(args) => {
            for f in &args.files {
                let r = rampart_service::vex::import(store.as_ref(), f, args.app.as_deref(), now)
                    .await?;
                println!(
                    "{}: {} statement(s), {} new; {} issue(s) changed status",
                    f.display(),
                    r.statements,
                    r.new,
                    r.applied.len()
                );
                for (id, status) in &r.applied {
                    println!("  issue #{id} -> {status}");
                }
            }
        }
        VexCommand::Export(args) => {
            let format = match args.format {
                FormatArg::Openvex => VexOutFormat::OpenVex,
                FormatArg::Cyclonedx => VexOutFormat::CycloneDx,
            };
            let doc = rampart_service::vex::export(store.as_ref(), &args.app, format, now).await?;
            match args.output {
                Some(p) => std::fs::write(&p, serde_json::to_vec_pretty(&doc)?)?,
                None => print_json(&doc)?,
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
