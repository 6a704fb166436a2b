//! `rampart gate`: ingest a branch's reports, judge what the branch introduces, write the
//! CI outputs. Exit 0 pass, 1 policy failed, 2 error.

use crate::open_store;
use crate::policy::read_policies;
use anyhow::{Context, Result};
use clap::Args;
use rampart_formats::gate_out::gitlab::ReportKind;
use rampart_formats::gate_out::{GateChange, gitlab, junit, markdown, sarif};
use rampart_model::Environment;
use rampart_service::gate::{GateOptions, run_gate};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct GateArgs {
    /// The branch's reports (any format `rampart ingest` reads).
    #[arg(required = true)]
    reports: Vec<PathBuf>,
    /// Application.
    #[arg(long)]
    app: String,
    /// Target within the application (default: the application).
    #[arg(long)]
    target: Option<String>,
    /// The branch under judgement.
    #[arg(long)]
    branch: String,
    /// The branch it is compared with.
    #[arg(long, default_value = "main")]
    baseline: String,
    /// Commit of the branch.
    #[arg(long)]
    commit: Option<String>,
    /// The environment the baseline runs in (production, staging, dev), when the catalog
    /// does not say.
    #[arg(long, value_parser = parse_env)]
    env: Option<Environment>,
    /// The application is distributed to others (copyleft licenses are denied). Overrides
    /// the catalog's `distributed:`; `--distributed=false` says it is not.
    #[arg(long, num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    distributed: Option<bool>,
    /// A directory (or file) of `.rego` policies to add to the built-in bundle; repeatable.
    #[arg(long = "policy")]
    policies: Vec<PathBuf>,
    /// Do not use the built-in bundle.
    #[arg(long)]
    no_default_policies: bool,
    /// Write SARIF 2.1.0 (GitHub code scanning) here.
    #[arg(long)]
    sarif: Option<PathBuf>,
    /// Write JUnit XML here.
    #[arg(long)]
    junit: Option<PathBuf>,
    /// Write a Markdown summary (pull-request comment) here.
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// Write a GitLab SAST security report (code, secrets, IaC, web issues) here.
    #[arg(long)]
    gitlab: Option<PathBuf>,
    /// Write a GitLab dependency-scanning security report (package issues) here.
    #[arg(long)]
    gitlab_dependency: Option<PathBuf>,
    /// Print the decision as JSON instead of text.
    #[arg(long)]
    json: bool,
}

fn parse_env(s: &str) -> Result<Environment, String> {
    s.parse()
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("{}: cannot write", path.display()))
}

pub async fn run(db: &str, args: GateArgs) -> Result<ExitCode> {
    let mut opts = GateOptions::new(&args.app, &args.branch);
    opts.target = args.target.clone();
    opts.baseline = args.baseline.clone();
    opts.commit = args.commit.clone();
    opts.environment = args.env;
    opts.distributed = args.distributed;
    opts.default_policies = !args.no_default_policies;
    opts.policies = read_policies(&args.policies)?;
    opts.tool_version = env!("CARGO_PKG_VERSION").to_string();
    let store = open_store(db).await?;
    let outcome = run_gate(store.as_ref(), &args.reports, &opts).await?;
    let report = &outcome.report;

    if let Some(p) = &args.sarif {
        write(p, &serde_json::to_vec_pretty(&sarif::write(report))?)?;
    }
    if let Some(p) = &args.junit {
        write(p, junit::write(report).as_bytes())?;
    }
    if let Some(p) = &args.markdown {
        write(p, markdown::write(report).as_bytes())?;
    }
    if let Some(p) = &args.gitlab {
        write(
            p,
            &serde_json::to_vec_pretty(&gitlab::write(report, ReportKind::Sast))?,
        )?;
    }
    if let Some(p) = &args.gitlab_dependency {
        let doc = gitlab::write(report, ReportKind::DependencyScanning);
        write(p, &serde_json::to_vec_pretty(&doc)?)?;
    }

    if args.json {
        println!("{}", serde_json::to_string_pretty(report)?);
    } else {
        let count = |c| report.with_change(c).count();
        for i in &outcome.ingests {
            println!(
                "ingested {} ({}): {} observations, {} new issues",
                i.file_name,
                i.format.name(),
                i.scan.summary.observations,
                i.scan.summary.new
            );
        }
        if !outcome.baseline_scanned {
            println!(
                "note: {} has no scan of {} on {}: every issue counts as introduced",
                report.application, report.target, report.baseline
            );
        }
        println!(
            "{} against {}: {} introduced, {} fixed, {} pre-existing (not judged)",
            report.branch,
            report.baseline,
            count(GateChange::New),
            count(GateChange::Fixed),
            count(GateChange::Unchanged)
        );
        for f in report.with_change(GateChange::New) {
            for r in &f.results {
                println!(
                    "  {:<4} {} [{}] {} ({})",
                    r.level, f.issue.location, r.policy, r.msg, r.file
                );
            }
        }
        println!(
            "{}",
            if report.passed {
                "gate: PASS"
            } else {
                "gate: FAIL"
            }
        );
    }
    Ok(if report.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
