//! `rampart apps list` and `rampart scans list`.

use crate::open_store;
use crate::output::{ListFormat, csv_line, print_json, short_time, table};
use anyhow::Result;
use clap::{Args, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum AppsCommand {
    /// List applications with their open issues by severity.
    List(AppsListArgs),
    /// Apply catalog files (Rampart YAML or Backstage catalog-info.yaml): tier, data,
    /// exposure, owners, environments, compensating controls. Changes are versioned.
    Apply(crate::catalog::ApplyArgs),
    /// Show an application's catalog entry and its versions.
    Show(crate::catalog::ShowArgs),
}

#[derive(Debug, Args)]
pub struct AppsListArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: ListFormat,
}

#[derive(Debug, Subcommand)]
pub enum ScansCommand {
    /// List recent scans, newest first, with what each changed.
    List(ScansListArgs),
}

#[derive(Debug, Args)]
pub struct ScansListArgs {
    /// Only this application.
    #[arg(long)]
    app: Option<String>,
    /// At most this many.
    #[arg(long, default_value_t = 50)]
    limit: u32,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: ListFormat,
}

pub async fn run(db: &str, cmd: AppsCommand) -> Result<ExitCode> {
    let args = match cmd {
        AppsCommand::List(args) => args,
        AppsCommand::Apply(args) => return crate::catalog::apply(db, args).await,
        AppsCommand::Show(args) => return crate::catalog::show(db, args).await,
    };
    let store = open_store(db).await?;
    let apps = store.list_applications().await?;
    match args.format {
        ListFormat::Json => print_json(&apps)?,
        ListFormat::Csv => {
            println!(
                "name,targets,scans,critical,high,medium,low,info,issues_total,last_scan,max_risk"
            );
            for a in &apps {
                let mut f = vec![a.name.clone(), a.targets.to_string(), a.scans.to_string()];
                f.extend(a.open_by_severity.iter().map(u64::to_string));
                f.push(a.issues_total.to_string());
                f.push(a.last_scan.map(|t| t.to_string()).unwrap_or_default());
                f.push(a.max_risk.to_string());
                println!("{}", csv_line(&f));
            }
        }
        ListFormat::Table => {
            let mut t = table(&[
                "application",
                "targets",
                "scans",
                "critical",
                "high",
                "medium",
                "low",
                "info",
                "max risk",
                "last scan",
            ]);
            for a in &apps {
                let mut row = vec![a.name.clone(), a.targets.to_string(), a.scans.to_string()];
                row.extend(a.open_by_severity.iter().map(u64::to_string));
                row.push(a.max_risk.to_string());
                row.push(a.last_scan.map(short_time).unwrap_or_default());
                t.add_row(row);
            }
            println!("{t}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn run_scans(db: &str, cmd: ScansCommand) -> Result<ExitCode> {
    let ScansCommand::List(args) = cmd;
    let store = open_store(db).await?;
    let scans = store.list_scans(args.app.as_deref(), args.limit).await?;
    match args.format {
        ListFormat::Json => print_json(&scans)?,
        ListFormat::Csv => {
            println!(
                "id,application,target,branch,tools,format,ingested_at,observations,new,unchanged,fixed,reopened"
            );
            for s in &scans {
                let m = &s.summary;
                println!(
                    "{}",
                    csv_line(&[
                        s.id.to_string(),
                        s.application.clone(),
                        s.target.clone(),
                        s.branch.clone(),
                        s.tool.clone(),
                        s.format.clone(),
                        s.ingested_at.to_string(),
                        m.observations.to_string(),
                        m.new.to_string(),
                        m.unchanged.to_string(),
                        m.fixed.to_string(),
                        m.reopened.to_string(),
                    ])
                );
            }
        }
        ListFormat::Table => {
            let mut t = table(&[
                "scan",
                "when",
                "application",
                "target@branch",
                "tools",
                "observations",
                "new",
                "unchanged",
                "fixed",
                "reopened",
            ]);
            for s in &scans {
                let m = &s.summary;
                t.add_row(vec![
                    format!("#{}", s.id),
                    short_time(s.ingested_at),
                    s.application.clone(),
                    format!("{}@{}", s.target, s.branch),
                    s.tool.clone(),
                    m.observations.to_string(),
                    m.new.to_string(),
                    m.unchanged.to_string(),
                    m.fixed.to_string(),
                    m.reopened.to_string(),
                ]);
            }
            println!("{t}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
