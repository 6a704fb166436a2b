//! `rampart tools overlap`: which tools find what, per application.

use crate::open_store;
use crate::output::{ListFormat, csv_line, print_json, table};
use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use rampart_engine::overlap::overlap;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum ToolsCommand {
    /// Per tool: open issues it reports, how many only it finds, and how many it shares with
    /// each other tool.
    Overlap(OverlapArgs),
}

#[derive(Debug, Args)]
pub struct OverlapArgs {
    /// Application.
    #[arg(long)]
    app: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: ListFormat,
}

pub async fn run(db: &str, cmd: ToolsCommand) -> Result<ExitCode> {
    let ToolsCommand::Overlap(args) = cmd;
    let store = open_store(db).await?;
    if !store
        .list_applications()
        .await?
        .iter()
        .any(|a| a.name == args.app)
    {
        bail!("no application named {}", args.app);
    }
    let report = overlap(&store.open_issue_tools(&args.app).await?);
    match args.format {
        ListFormat::Json => print_json(&report)?,
        ListFormat::Csv => {
            println!("tool,issues,only,shared_with");
            for l in &report {
                let shared: Vec<String> = l
                    .shared_with
                    .iter()
                    .map(|(t, n)| format!("{t}:{n}"))
                    .collect();
                println!(
                    "{}",
                    csv_line(&[
                        l.tool.clone(),
                        l.issues.to_string(),
                        l.only.to_string(),
                        shared.join(" ")
                    ])
                );
            }
        }
        ListFormat::Table => {
            let mut t = table(&["tool", "open issues", "only this tool", "also found by"]);
            for l in &report {
                let shared: Vec<String> = l
                    .shared_with
                    .iter()
                    .map(|(t, n)| format!("{t} ({n})"))
                    .collect();
                t.add_row(vec![
                    l.tool.clone(),
                    l.issues.to_string(),
                    l.only.to_string(),
                    if shared.is_empty() {
                        "-".into()
                    } else {
                        shared.join(", ")
                    },
                ]);
            }
            println!("{t}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
