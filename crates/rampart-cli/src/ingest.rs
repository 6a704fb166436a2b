//! `rampart ingest`.

use crate::open_store;
use anyhow::Result;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use rampart_formats::Format;
use rampart_model::Environment;
use rampart_service::{IngestOptions, IngestReport, ingest_path};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Progress bars are shown for reports larger than this.
const PROGRESS_MIN_BYTES: u64 = 8 * 1024 * 1024;

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Report or SBOM files (format detected from the content).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Application the reports belong to (created when new).
    #[arg(long)]
    app: String,
    /// Target within the application: repository, image, service (default: the application).
    #[arg(long)]
    target: Option<String>,
    /// Branch scanned.
    #[arg(long, default_value = "main")]
    branch: String,
    /// Commit scanned.
    #[arg(long)]
    commit: Option<String>,
    /// Environment: production, staging or dev.
    #[arg(long, value_parser = parse_env)]
    env: Option<Environment>,
    /// Skip detection and read the files as this format.
    #[arg(long, value_parser = parse_format)]
    format: Option<Format>,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
    /// Store the reports and queue their ingest as jobs (see `rampart jobs`). On SQLite the
    /// jobs then run in this process; on PostgreSQL the command returns once they are queued.
    #[arg(long = "async")]
    queue: bool,
    /// With `--async` on PostgreSQL: wait until workers have run the jobs.
    #[arg(long, requires = "queue")]
    wait: bool,
}

fn parse_env(s: &str) -> Result<Environment, String> {
    s.parse()
}

fn parse_format(s: &str) -> Result<Format, String> {
    Format::from_name(s).ok_or_else(|| {
        let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
        format!("unknown format `{s}`: expected one of {}", names.join(", "))
    })
}

pub async fn run(db: &str, args: IngestArgs) -> Result<ExitCode> {
    let mut opts = IngestOptions::new(&args.app);
    opts.target = args.target.clone();
    opts.branch = args.branch.clone();
    opts.commit = args.commit.clone();
    opts.environment = args.env;
    opts.format = args.format;
    if args.queue {
        return crate::jobs::ingest_async(db, &args.files, &opts, args.wait, args.json).await;
    }
    let store = open_store(db).await?;
    let mut reports = Vec::new();
    let mut failed = false;
    for file in &args.files {
        let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
        let progress = Arc::new(AtomicU64::new(0));
        let bar = (size >= PROGRESS_MIN_BYTES && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new(size);
            bar.set_style(
                ProgressStyle::with_template(
                    "{msg} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_message(file.display().to_string());
            bar
        });
        let ticker = bar.clone().map(|bar| {
            let progress = progress.clone();
            tokio::spawn(async move {
                loop {
                    bar.set_position(progress.load(Ordering::Relaxed));
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            })
        });
        let result = ingest_path(store.as_ref(), file, &opts, progress).await;
        if let Some(t) = ticker {
            t.abort();
        }
        if let Some(b) = bar {
            b.finish_and_clear();
        }
        match result {
            Ok(report) => {
                if !args.json {
                    print_report(&report);
                }
                reports.push(report);
            }
            Err(e) => {
                eprintln!("error: {e}");
                eprintln!("       nothing from {} was stored", file.display());
                failed = true;
            }
        }
    }
    if args.json {
        crate::output::print_json(&reports)?;
    }
    Ok(if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_report(r: &IngestReport) {
    let s = &r.scan.summary;
    let tools: Vec<String> = r
        .tools
        .iter()
        .map(|t| match &t.version {
            Some(v) => format!("{} {v}", t.name),
            None => t.name.clone(),
        })
        .collect();
    let rate = s.observations as f64 / r.elapsed.as_secs_f64().max(1e-9);
    println!(
        "{file}: {format} from {tools} → {app}/{target}@{branch} (scan #{id})",
        file = r.file_name,
        format = r.format,
        tools = if tools.is_empty() {
            "unknown tool".into()
        } else {
            tools.join(", ")
        },
        app = r.scan.application,
        target = r.scan.target,
        branch = r.scan.branch,
        id = r.scan.id,
    );
    println!(
        "  {} observations in {:.2}s ({:.0}/s); issues: {} new, {} unchanged, {} fixed, {} reopened",
        s.observations,
        r.elapsed.as_secs_f64(),
        rate,
        s.new,
        s.unchanged,
        s.fixed,
        s.reopened
    );
    if let Some(earlier) = r.repeat_of {
        println!("  the same bytes as scan #{earlier}: recorded without reading the report again");
    }
    if let Some(m) = &r.matching {
        crate::feeds::print_rematch(m);
    }
    for d in r.diagnostics.iter().take(10) {
        println!("  note: {}: {}", d.place, d.message);
    }
    if r.diagnostics.len() > 10 {
        println!("  note: ... and {} more", r.diagnostics.len() - 10);
    }
}
