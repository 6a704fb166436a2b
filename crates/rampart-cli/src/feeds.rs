//! `rampart feeds`: import vulnerability intelligence and re-match every stored inventory.

use crate::open_store;
use anyhow::Result;
use clap::{Args, Subcommand};
use rampart_service::feeds::{FeedImportReport, import};
use rampart_service::matching::{MatchReport, Selection, rematch, rematch_selected};
use rampart_service::risk::{Recomputed, recompute_all};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum FeedsCommand {
    /// Import OSV records (JSON/YAML files, directories, osv.dev .zip exports), CISA KEV (JSON
    /// or CSV), EPSS (CSV, plain or .gz) and the CWE catalog (XML); then re-match every stored
    /// inventory and report what changed per application.
    Import(ImportArgs),
    /// Re-match every stored inventory against the stored advisories.
    Rematch(RematchArgs),
    /// What intelligence the database holds.
    Status(StatusArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Files, directories or .zip archives (kind detected from the content).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Do not re-match inventories after the import.
    #[arg(long)]
    no_rematch: bool,
    /// Do not rescore the issues after an import that changed KEV, EPSS or advisories.
    #[arg(long)]
    no_rescore: bool,
    /// Problems to print (all are in --json).
    #[arg(long, default_value_t = 20)]
    show_problems: usize,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct RematchArgs {
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(serde::Serialize)]
struct ImportOutput<'a> {
    import: &'a FeedImportReport,
    rematch: Option<&'a MatchReport>,
    rescore: Option<Recomputed>,
}

pub async fn run(db: &str, cmd: FeedsCommand) -> Result<ExitCode> {
    let store = open_store(db).await?;
    match cmd {
        FeedsCommand::Import(args) => {
            let report = import(store.as_ref(), &args.paths).await?;
            // Only inventories with a package a changed advisory names (before or after the
            // change) can change their verdicts; KEV and EPSS change none (risk scoring reads
            // them from the store).
            let rematched = if args.no_rematch || !report.advisories_changed {
                None
            } else {
                let changed = Selection::Packages(report.changed_packages.clone());
                Some(rematch_selected(store.as_ref(), changed, None, "feeds import").await?)
            };
            // Scores read KEV, EPSS and alias groups from the store: what the import changed
            // changes the stored scores of issues that name a vulnerability.
            let feeds_changed = report.exploitation_changed || report.advisories_changed;
            let rescore_started = std::time::Instant::now();
            let rescore = if args.no_rescore || !feeds_changed {
                None
            } else {
                let now = time::OffsetDateTime::now_utc();
                Some(recompute_all(store.as_ref(), now).await?)
            };
            if args.json {
                crate::output::print_json(&ImportOutput {
                    import: &report,
                    rematch: rematched.as_ref(),
                    rescore,
                })?;
            } else {
                print_import(&report, args.show_problems);
                if let Some(m) = &rematched {
                    print_rematch(m);
                }
                if let Some(r) = rescore {
                    println!(
                        "risk: {} issues rescored in {:.2}s, {} scores changed",
                        r.issues,
                        rescore_started.elapsed().as_secs_f64(),
                        r.changed
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        FeedsCommand::Rematch(args) => {
            let m = rematch(store.as_ref(), None, None, "feeds rematch").await?;
            if args.json {
                crate::output::print_json(&m)?;
            } else {
                print_rematch(&m);
            }
            Ok(ExitCode::SUCCESS)
        }
        FeedsCommand::Status(args) => {
            let c = store.intel_counts().await?;
            if args.json {
                crate::output::print_json(&c)?;
            } else {
                println!(
                    "advisories: {} ({} withdrawn); alias-grouped ids: {}; KEV: {}; EPSS: {}; CWE: {}",
                    c.advisories, c.withdrawn, c.alias_ids, c.kev, c.epss, c.cwe
                );
                println!(
                    "inventories: {} ({} components)",
                    c.inventories, c.components
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_import(r: &FeedImportReport, show: usize) {
    println!(
        "read {} files in {:.2}s ({} not feeds, skipped)",
        r.files,
        r.elapsed.as_secs_f64(),
        r.not_feeds
    );
    println!(
        "  advisories: {} read, {} new, {} updated, {} unchanged, {} withdrawn; alias-grouped ids: {}",
        r.advisories_read,
        r.advisories_new,
        r.advisories_updated,
        r.advisories_unchanged,
        r.advisories_withdrawn,
        r.alias_ids
    );
    println!(
        "  KEV entries: {}; EPSS scores: {} of {} read; CWE entries: {}",
        r.kev, r.epss, r.epss_read, r.cwe
    );
    if !r.problems.is_empty() {
        println!("  {} problems (skipped):", r.problems.len());
        for p in r.problems.iter().take(show) {
            println!("    {}: {}", p.file, p.reason);
        }
        if r.problems.len() > show {
            println!(
                "    ... and {} more (--json lists all)",
                r.problems.len() - show
            );
        }
    }
}

/// Prints what a re-match changed, per application and target.
pub fn print_rematch(m: &MatchReport) {
    println!(
        "re-matched {} inventories ({} components) against {} advisories in {:.2}s: {} affected, {} undecided",
        m.inventories,
        m.components,
        m.advisories,
        m.elapsed.as_secs_f64(),
        m.matches,
        m.undecided
    );
    if m.changed.is_empty() {
        println!("  no application changed");
    }
    for c in &m.changed {
        let s = &c.summary;
        println!(
            "  {}/{}@{}: {} affected; issues: {} new, {} unchanged, {} fixed, {} reopened (scan #{})",
            c.application,
            c.target,
            c.branch,
            c.matches,
            s.new,
            s.unchanged,
            s.fixed,
            s.reopened,
            c.scan_id
        );
    }
}
