//! `rampart apps apply FILE...` and `rampart apps show NAME`: the application catalog.

use crate::open_store;
use crate::output::{print_json, short_time, table};
use anyhow::{Result, bail};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Catalog files: Rampart YAML (`applications:`) or Backstage `catalog-info.yaml`.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Application name.
    name: String,
    /// Print JSON (the entry and every version).
    #[arg(long)]
    json: bool,
}

pub async fn apply(db: &str, args: ApplyArgs) -> Result<ExitCode> {
    let store = open_store(db).await?;
    let paths: Vec<&std::path::Path> = args.files.iter().map(PathBuf::as_path).collect();
    let report = rampart_service::catalog::apply_files(
        store.as_ref(),
        &paths,
        time::OffsetDateTime::now_utc(),
    )
    .await?;
    if args.json {
        print_json(&report)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut t = table(&["application", "version", "change"]);
    for c in &report.changes {
        t.add_row(vec![
            c.application.clone(),
            c.version.to_string(),
            if c.changed { "recorded" } else { "unchanged" }.to_string(),
        ]);
    }
    println!("{t}");
    for s in &report.skipped {
        println!("skipped (not an application): {s}");
    }
    println!(
        "{} issue(s) rescored, {} score(s) changed",
        report.rescored.issues, report.rescored.changed
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn show(db: &str, args: ShowArgs) -> Result<ExitCode> {
    let store = open_store(db).await?;
    let Some(p) = store.app_profile(&args.name).await? else {
        bail!("the catalog has no application {}", args.name);
    };
    let history = store.catalog_history(&args.name).await?;
    if args.json {
        print_json(&serde_json::json!({"profile": p, "versions": history}))?;
        return Ok(ExitCode::SUCCESS);
    }
    let or_dash = |o: Option<String>| o.unwrap_or_else(|| "-".into());
    println!(
        "Application {}{}",
        p.name,
        p.title
            .as_ref()
            .map(|t| format!(" ({t})"))
            .unwrap_or_default()
    );
    println!("  tier:         {}", or_dash(p.tier.map(|t| t.to_string())));
    println!(
        "  data:         {}{}",
        or_dash(p.effective_data_class().map(|d| d.to_string())),
        if p.data_tags.is_empty() {
            String::new()
        } else {
            format!(" ({})", p.data_tags.join(", "))
        }
    );
    println!(
        "  exposure:     {}",
        or_dash(p.exposure.map(|e| e.as_str().to_string()))
    );
    println!("  team:         {}", or_dash(p.team.clone()));
    println!("  owners:       {}", p.owners.join(", "));
    println!("  repository:   {}", or_dash(p.repository.clone()));
    for e in &p.environments {
        println!(
            "  environment:  {} <- {}{}",
            e.environment.as_str(),
            if e.branches.is_empty() {
                "default branches".to_string()
            } else {
                e.branches.join(", ")
            },
            e.target
                .as_ref()
                .map(|t| format!(" of {t}"))
                .unwrap_or_default()
        );
    }
    for c in &p.controls {
        let cwes: Vec<String> = c.cwes.iter().map(|w| format!("CWE-{w}")).collect();
        println!("  control:      {} mitigates {}", c.name, cwes.join(", "));
    }
    println!();
    println!("Versions:");
    for v in &history {
        println!("  v{}  {}  {}", v.version, short_time(v.at), v.source);
    }
    Ok(ExitCode::SUCCESS)
}
