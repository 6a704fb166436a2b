//! `rampart demo`: load the demo portfolio and print what a security lead would look at first.

use crate::open_store;
use crate::output::{ellipsize, table};
use anyhow::{Context, Result, bail};
use clap::Args;
use rampart_store::{IssueQuery, Store};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Delete the database file first (SQLite only) and load the demo afresh.
    #[arg(long)]
    reset: bool,
    /// Directory of the demo reports (default: the repository's `demo/`).
    #[arg(long, env = "RAMPART_DEMO_DIR")]
    dir: Option<PathBuf>,
}

pub async fn run(db: &str, args: DemoArgs) -> Result<ExitCode> {
    if args.reset && !db.contains("://") {
        for suffix in ["", "-wal", "-shm"] {
            let p = format!("{db}{suffix}");
            if std::path::Path::new(&p).exists() {
                std::fs::remove_file(&p).with_context(|| format!("cannot delete {p}"))?;
            }
        }
    }
    let store = open_store(db).await?;
    let existing = store.portfolio().await?;
    if existing.scans > 0 {
        println!(
            "{db} already holds {} scans; showing its portfolio (run `rampart demo --reset` to start afresh).",
            existing.scans
        );
    } else {
        let Some(dir) = args.dir.or_else(rampart_service::demo::demo_dir) else {
            bail!("demo reports not found: run from the repository root or set RAMPART_DEMO_DIR");
        };
        println!(
            "Loading the Northwind Outfitters demo portfolio from {} into {db} ...",
            dir.display()
        );
        let reports =
            rampart_service::demo::load(store.as_ref(), &dir, time::OffsetDateTime::now_utc())
                .await?;
        let mut t = table(&[
            "report",
            "application",
            "observations",
            "new",
            "unchanged",
            "fixed",
            "reopened",
        ]);
        for (_, r) in &reports {
            let s = &r.scan.summary;
            t.add_row(vec![
                r.file_name
                    .rsplit('/')
                    .next()
                    .unwrap_or(&r.file_name)
                    .to_string(),
                format!("{}/{}@{}", r.scan.application, r.scan.target, r.scan.branch),
                s.observations.to_string(),
                s.new.to_string(),
                s.unchanged.to_string(),
                s.fixed.to_string(),
                s.reopened.to_string(),
            ]);
        }
        println!("{t}");
    }
    print_portfolio(store.as_ref(), db).await?;
    Ok(ExitCode::SUCCESS)
}

async fn print_portfolio(store: &dyn Store, db: &str) -> Result<()> {
    let p = store.portfolio().await?;
    let open: u64 = p.open_by_severity.iter().sum();
    println!();
    println!(
        "Portfolio: {} applications, {} scans, {} observations → {} open issues ({} seen by more than one tool)",
        p.applications, p.scans, p.observations, open, p.open_multi_tool
    );
    let [c, h, m, l, i] = p.open_by_severity;
    println!("Open by severity: critical {c}, high {h}, medium {m}, low {l}, info {i}");
    let kinds: Vec<String> = p
        .open_by_kind
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    println!("Open by kind: {}", kinds.join(", "));
    let tools: Vec<String> = p
        .open_by_tool
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    println!("Open issues reported per tool: {}", tools.join(", "));
    let statuses: Vec<String> = p
        .issues_by_status
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    println!("All issues by status: {}", statuses.join(", "));
    println!();
    let mut t = table(&["application", "critical", "high", "medium", "low", "info"]);
    for a in store.list_applications().await? {
        let mut row = vec![a.name];
        row.extend(a.open_by_severity.iter().map(u64::to_string));
        t.add_row(row);
    }
    println!("{t}");
    println!();
    println!("Top open issues by risk (business context from demo/catalog.yaml):");
    let top = store
        .list_issues(&IssueQuery {
            limit: Some(10),
            sort: rampart_store::IssueSort::Risk,
            ..Default::default()
        })
        .await?;
    let mut t = table(&[
        "id",
        "risk",
        "severity",
        "application",
        "title",
        "location",
        "tools",
    ]);
    for i in top {
        t.add_row(vec![
            i.id.to_string(),
            i.risk.to_string(),
            i.severity.to_string(),
            i.application,
            ellipsize(&i.title, 50),
            ellipsize(&i.location, 45),
            i.tools.join(", "),
        ]);
    }
    println!("{t}");
    println!();
    println!(
        "Next: rampart --db {db} issues list --top 20 --team team-payments   |   rampart --db {db} issues show <id>"
    );
    Ok(())
}
