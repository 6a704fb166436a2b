//! `rampart`: the command line. Parses arguments, opens the store, calls the use cases in
//! `rampart-service`, prints. Thin by design: no rule or query lives here.

mod access;
mod apps;
mod bench;
mod bench_api;
mod bench_gate;
mod bench_intel;
mod bench_store;
mod catalog;
mod compliance;
mod demo;
mod eval;
mod feeds;
mod gate;
mod ingest;
mod issues;
mod jobs;
mod output;
mod policy;
mod risk;
mod serve;
mod serve_demo;
mod sla;
mod tools;
mod triage;
mod vex;
mod worker;

use anyhow::Result;

/// glibc's allocator spends most of a large ingest consolidating free lists (batches are
/// allocated on the parser thread and freed on the writer); mimalloc's per-thread heaps don't.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Rampart: every security tool's findings, once, prioritized.
#[derive(Debug, Parser)]
#[command(name = "rampart", version, about, long_about = None)]
struct Cli {
    /// Database: a SQLite file path (created when missing) or a postgres:// URL.
    #[arg(long, global = true, env = "RAMPART_DB", default_value = "rampart.db")]
    db: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Ingest scanner reports and SBOMs into an application.
    Ingest(ingest::IngestArgs),
    /// List, show and explain issues.
    #[command(subcommand)]
    Issues(issues::IssuesCommand),
    /// Applications.
    #[command(subcommand)]
    Apps(apps::AppsCommand),
    /// Scans.
    #[command(subcommand)]
    Scans(apps::ScansCommand),
    /// Tool coverage: which tools find what.
    #[command(subcommand)]
    Tools(tools::ToolsCommand),
    /// Load the demo portfolio (a fictional company's scans) and print a summary.
    Demo(demo::DemoArgs),
    /// Vulnerability intelligence: import OSV, KEV, EPSS and CWE feeds; re-match inventories.
    #[command(subcommand)]
    Feeds(feeds::FeedsCommand),
    /// Measure ingest speed on generated reports (`bench store`: query speed on a large store).
    Bench(bench::BenchArgs),
    /// VEX in (OpenVEX, CSAF 2.0, CycloneDX) and out.
    #[command(subcommand)]
    Vex(vex::VexCommand),
    /// Measure Rampart against labelled data (correlation precision and recall).
    #[command(subcommand)]
    Eval(eval::EvalCommand),
    /// Queued jobs (ingests queued with `ingest --async`): list and show.
    #[command(subcommand)]
    Jobs(jobs::JobsCommand),
    /// Run queued jobs until SIGINT/SIGTERM (any number of workers may share a PostgreSQL).
    Worker(worker::WorkerArgs),
    /// Serve the REST API and the web dashboard.
    Serve(serve::ServeArgs),
    /// Server users: add, list, passwd, disable.
    #[command(subcommand)]
    Users(access::UsersCommand),
    /// Teams (owners of applications through the catalog) and their members.
    #[command(subcommand)]
    Teams(access::TeamsCommand),
    /// API tokens: create (printed once), list, revoke.
    #[command(subcommand)]
    Tokens(access::TokensCommand),
    /// Remediation SLAs: due dates and breaches (`sla policy`: the policy in force).
    Sla(sla::SlaArgs),
    /// Compliance: frameworks and controls, and per-application pass / gap reports.
    #[command(subcommand)]
    Compliance(compliance::ComplianceCommand),
    /// CI gate: ingest a branch's reports, judge only what it introduces; exit 0 pass, 1 fail.
    Gate(gate::GateArgs),
    /// Rego policies: run their tests, export the built-in bundle.
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
}

fn main() -> ExitCode {
    restore_sigpipe();
    no_transparent_huge_pages();
    let cli = Cli::parse();
    // The server logs its requests (info); other commands only warnings. JSON on request.
    let (default_level, json) = match &cli.command {
        Command::Serve(a) => ("info", a.json_logs()),
        _ => ("warn", false),
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("RAMPART_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        logs.json().init();
    } else {
        logs.init();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Ingest(args) => ingest::run(&cli.db, args).await,
        Command::Issues(cmd) => issues::run(&cli.db, cmd).await,
        Command::Apps(cmd) => apps::run(&cli.db, cmd).await,
        Command::Scans(cmd) => apps::run_scans(&cli.db, cmd).await,
        Command::Tools(cmd) => tools::run(&cli.db, cmd).await,
        Command::Demo(args) => demo::run(&cli.db, args).await,
        Command::Feeds(cmd) => feeds::run(&cli.db, cmd).await,
        Command::Bench(args) => bench::run(&cli.db, args).await,
        Command::Vex(cmd) => vex::run(&cli.db, cmd).await,
        Command::Eval(cmd) => eval::run(cmd).await,
        Command::Jobs(cmd) => jobs::run(&cli.db, cmd).await,
        Command::Worker(args) => worker::run(&cli.db, args).await,
        Command::Serve(args) => serve::run(&cli.db, args).await,
        Command::Users(cmd) => access::run_users(&cli.db, cmd).await,
        Command::Teams(cmd) => access::run_teams(&cli.db, cmd).await,
        Command::Tokens(cmd) => access::run_tokens(&cli.db, cmd).await,
        Command::Sla(args) => sla::run(&cli.db, args).await,
        Command::Compliance(cmd) => compliance::run(&cli.db, cmd).await,
        Command::Gate(args) => gate::run(&cli.db, args).await,
        Command::Policy(cmd) => policy::run(cmd).await,
    }
}

/// Opens the store named by `--db`, with the URL in the error when it fails.
async fn open_store(db: &str) -> Result<std::sync::Arc<dyn rampart_store::Store>> {
    rampart_store::open(db)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open database {db}: {e}"))
}

/// Keeps the heap in 4 KiB pages. mimalloc asks for transparent huge pages, so each first
/// touch of its memory made the kernel clear a whole 2 MiB page, and memory it returned and
/// took back was cleared again. Without them, in alternating pairs of first ingests, the
/// process spent less time in the kernel (Trivy 0.63-0.72 s against 0.82-1.26 s) and peaked
/// lower (SARIF 381-404 MB against 429-434 MB); ingest rates moved within the machine's spread
/// (docs/benchmarks.md). A failure leaves the default, which only costs memory.
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integer arguments and touches no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Lets a closed pipe end the process quietly, as it does `cat` or `grep`
/// (`rampart issues list --format json | head`). Rust ignores SIGPIPE, so every `println!`
/// after the reader left would otherwise panic.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in `main`, before any other thread exists; SIG_DFL is a
    // valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
