//! `rampart bench gate`: the CI gate against a large baseline, and the compliance report over
//! many applications. A fresh SQLite database in `--dir` (or the PostgreSQL `--db` names, for
//! a schema of its own): the baseline branch's SARIF report of `--baseline-issues` results is
//! gated on `main`, then a branch's report with `--introduced` more; the branch's decision is
//! then timed again without the ingest (`judge` alone). Then `--applications` applications
//! each get a report of `--per-app` results and a recorded gate decision, and the PCI DSS
//! report is timed over all of them and over one; `tool_findings`, the coverage query it
//! makes, is timed alone.

use crate::bench::generate_sarif;
use anyhow::{Context, Result, ensure};
use clap::Args;
use rampart_engine::policy::PolicySet;
use rampart_formats::gate_out::GateChange;
use rampart_service::compliance::{ComplianceOptions, PolicyResults, report};
use rampart_service::gate::{GateOptions, decision_of, judge, run_gate};
use rampart_service::{IngestOptions, ingest_path};
use rampart_store::{AppScope, Store};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Instant;
use time::OffsetDateTime;

#[derive(Debug, Args)]
pub struct GateBenchArgs {
    /// Results of the baseline's report (issues on main).
    #[arg(long, default_value_t = 100_000)]
    baseline_issues: usize,
    /// Results the branch's report adds.
    #[arg(long, default_value_t = 1_000)]
    introduced: usize,
    /// Applications for the compliance report (0: skip it).
    #[arg(long, default_value_t = 1_000)]
    applications: usize,
    /// Results of each application's report.
    #[arg(long, default_value_t = 50)]
    per_app: usize,
    /// Where generated reports and the SQLite database go.
    #[arg(long, default_value = "bench-gate")]
    dir: PathBuf,
}

fn line(step: &str, n: usize, secs: f64) {
    println!(
        "| {step} | {n} | {secs:.3} | {:.0} |",
        n as f64 / secs.max(1e-9)
    );
}

pub async fn run(db: &str, args: GateBenchArgs) -> Result<ExitCode> {
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("{}: cannot create", args.dir.display()))?;
    let store: Arc<dyn Store> = if rampart_store::is_postgres_url(db) {
        rampart_store::open(db).await?
    } else {
        let path = args.dir.join("gate.db");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        rampart_store::open(&path.display().to_string()).await?
    };
    let s = store.as_ref();
    let main = args.dir.join("main.sarif");
    let branch = args.dir.join("branch.sarif");
    // The generator is deterministic: the branch's first results are the baseline's.
    generate_sarif(&main, args.baseline_issues)?;
    generate_sarif(&branch, args.baseline_issues + args.introduced)?;

    println!("| step | items | seconds | items/s |");
    println!("|---|---|---|---|");
    let mut opts = GateOptions::new("bench-gate", "main");
    opts.tool_version = env!("CARGO_PKG_VERSION").into();
    let t = Instant::now();
    let base = run_gate(s, std::slice::from_ref(&main), &opts).await?;
    line(
        "gate on main (ingest + judge)",
        base.report.findings.len(),
        t.elapsed().as_secs_f64(),
    );
    opts.branch = "feature/bench".into();
    let t = Instant::now();
    let out = run_gate(s, std::slice::from_ref(&branch), &opts).await?;
    let secs = t.elapsed().as_secs_f64();
    let new = out.report.with_change(GateChange::New).count();
    ensure!(
        new == args.introduced,
        "the branch introduced {new} issues, expected {}",
        args.introduced
    );
    line(
        &format!("gate on the branch (ingest + judge; {new} introduced)"),
        out.report.findings.len(),
        secs,
    );
    let t = Instant::now();
    let again = judge(
        s,
        PolicySet::new(&opts.sources())?,
        &opts,
        OffsetDateTime::now_utc(),
    )
    .await?;
    line(
        "  judge alone (presence, SLA, policies on the introduced)",
        again.report.findings.len(),
        t.elapsed().as_secs_f64(),
    );

    if args.applications > 0 {
        let small = args.dir.join("app.sarif");
        generate_sarif(&small, args.per_app)?;
        let t = Instant::now();
        for i in 0..args.applications {
            let app = format!("app-{i:04}");
            ingest_path(
                s,
                &small,
                &IngestOptions::new(&app),
                Arc::new(AtomicU64::new(0)),
            )
            .await?;
            let mut d = decision_of(&out.report);
            d.application = app.clone();
            d.target = app;
            d.passed = i % 10 != 0;
            s.record_gate_decision(&d).await?;
        }
        line(
            "load: applications (ingest + record a decision)",
            args.applications,
            t.elapsed().as_secs_f64(),
        );
        let t = Instant::now();
        let rows = s.tool_findings(&AppScope::default()).await?;
        line(
            "  tool_findings over every application",
            rows.len(),
            t.elapsed().as_secs_f64(),
        );
        let opts = |application: Option<String>| ComplianceOptions {
            framework: "pci-dss".into(),
            scope: AppScope {
                application,
                team: None,
            },
            now: OffsetDateTime::now_utc(),
            policies: PolicyResults::new(),
        };
        let t = Instant::now();
        let all = report(s, &opts(None)).await?;
        line(
            "compliance report pci-dss, every application",
            all.applications.len(),
            t.elapsed().as_secs_f64(),
        );
        let t = Instant::now();
        let one = report(s, &opts(Some("app-0001".into()))).await?;
        line(
            "compliance report pci-dss, one application",
            one.applications.len(),
            t.elapsed().as_secs_f64(),
        );
    }
    Ok(ExitCode::SUCCESS)
}
