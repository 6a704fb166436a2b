//! `rampart jobs list|show`, and `rampart ingest --async` (queue the reports as jobs).

use crate::open_store;
use crate::output::{ListFormat, csv_line, ellipsize, print_json, short_time, table};
use anyhow::{Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use rampart_service::IngestOptions;
use rampart_service::jobs::{Runner, RunnerConfig, Stop, enqueue_ingest};
use rampart_store::{Job, JobState, Store};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// List jobs, newest first.
    List(ListArgs),
    /// Show one job: state, attempts, progress, result or last error.
    Show(ShowArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only jobs in this state: queued, running, succeeded, failed.
    #[arg(long, value_parser = parse_state)]
    state: Option<JobState>,
    /// At most this many.
    #[arg(long, default_value_t = 50)]
    limit: u32,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: ListFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum, Default)]
enum ShowFormat {
    /// Text for people.
    #[default]
    Table,
    /// JSON (the shape `GET /api/v1/jobs/{id}` will serve; see docs/json-output.md).
    Json,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Job id.
    id: i64,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: ShowFormat,
}

fn parse_state(s: &str) -> Result<JobState, String> {
    JobState::parse(s).ok_or_else(|| {
        format!("unknown state `{s}`: expected queued, running, succeeded or failed")
    })
}

pub async fn run(db: &str, cmd: JobsCommand) -> Result<ExitCode> {
    let store = open_store(db).await?;
    match cmd {
        JobsCommand::List(args) => {
            let jobs = store.list_jobs(args.state, args.limit).await?;
            match args.format {
                ListFormat::Json => print_json(&jobs)?,
                ListFormat::Csv => {
                    println!(
                        "id,kind,state,attempts,max_attempts,worker,created_at,finished_at,last_error"
                    );
                    for j in &jobs {
                        println!(
                            "{}",
                            csv_line(&[
                                j.id.to_string(),
                                j.kind.clone(),
                                j.state.to_string(),
                                j.attempts.to_string(),
                                j.max_attempts.to_string(),
                                j.locked_by.clone().unwrap_or_default(),
                                j.created_at.to_string(),
                                j.finished_at.map(|t| t.to_string()).unwrap_or_default(),
                                j.last_error.clone().unwrap_or_default(),
                            ])
                        );
                    }
                }
                ListFormat::Table => {
                    let mut t = table(&[
                        "id", "kind", "state", "attempts", "progress", "worker", "queued", "about",
                    ]);
                    for j in &jobs {
                        t.add_row(vec![
                            j.id.to_string(),
                            j.kind.clone(),
                            j.state.to_string(),
                            format!("{}/{}", j.attempts, j.max_attempts),
                            progress_text(j),
                            j.locked_by.clone().unwrap_or_default(),
                            short_time(j.created_at),
                            ellipsize(&about(j), 60),
                        ]);
                    }
                    println!("{t}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        JobsCommand::Show(args) => {
            let Some(job) = store.get_job(args.id).await? else {
                bail!("no job {}", args.id);
            };
            match args.format {
                ShowFormat::Json => print_json(&job)?,
                ShowFormat::Table => print_job(&job),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `42% (190.2 MB of 447.1 MB)` for an ingest that publishes bytes.
fn progress_text(j: &Job) -> String {
    let Some(p) = &j.progress else {
        return String::new();
    };
    match (p["bytes_read"].as_u64(), p["bytes_total"].as_u64()) {
        (Some(read), Some(total)) if total > 0 => format!(
            "{:.0}% ({} of {})",
            read as f64 * 100.0 / total as f64,
            size_text(read),
            size_text(total)
        ),
        _ => p.to_string(),
    }
}

/// `7.3 kB`, `447.1 MB`.
fn size_text(bytes: u64) -> String {
    if bytes < 1_000_000 {
        format!("{:.1} kB", bytes as f64 / 1e3)
    } else {
        format!("{:.1} MB", bytes as f64 / 1e6)
    }
}

/// One line saying what the job is about, or how it ended.
fn about(j: &Job) -> String {
    if let Some(e) = &j.last_error
        && j.state != JobState::Succeeded
    {
        return format!("error: {e}");
    }
    if let Some(r) = &j.result
        && let Some(s) = r.get("scan")
    {
        let sum = &s["summary"];
        return format!(
            "scan #{} {}: {} observations, {} new, {} fixed",
            s["id"],
            s["application"].as_str().unwrap_or(""),
            sum["observations"],
            sum["new"],
            sum["fixed"]
        );
    }
    match (
        j.payload["report"]["file_name"].as_str(),
        j.payload["application"].as_str(),
    ) {
        (Some(f), Some(a)) => format!("{f} → {a}"),
        _ => j.payload.to_string(),
    }
}

fn print_job(j: &Job) {
    println!("job #{} ({}): {}", j.id, j.kind, j.state);
    println!("  attempts:  {} of {}", j.attempts, j.max_attempts);
    println!("  queued:    {}", short_time(j.created_at));
    if j.state == JobState::Queued {
        println!("  runs at:   {}", short_time(j.run_after));
    }
    if let Some(w) = &j.locked_by {
        println!("  worker:    {w}");
    }
    if let Some(p) = &j.progress {
        println!("  progress:  {}", progress_text(j).if_empty(p.to_string()));
    }
    if let Some(t) = j.finished_at {
        println!("  finished:  {}", short_time(t));
    }
    println!("  about:     {}", about(j));
    if let Some(e) = &j.last_error {
        println!("  last error: {e}");
    }
}

trait IfEmpty {
    fn if_empty(self, other: String) -> String;
}

impl IfEmpty for String {
    fn if_empty(self, other: String) -> String {
        if self.is_empty() { other } else { self }
    }
}

/// `rampart ingest --async`: stores each report and queues its ingest. On SQLite (one
/// process, no separate worker) the jobs then run here, in-process; on PostgreSQL the command
/// returns once they are queued (workers run them), or waits for them with `wait`.
pub async fn ingest_async(
    db: &str,
    files: &[PathBuf],
    opts: &IngestOptions,
    wait: bool,
    json: bool,
) -> Result<ExitCode> {
    let store = open_store(db).await?;
    let mut ids = Vec::new();
    let mut failed = false;
    for file in files {
        match enqueue_ingest(store.as_ref(), file, opts).await {
            Ok(id) => {
                if !json {
                    println!("{}: queued as job #{id}", file.display());
                }
                ids.push(id);
            }
            Err(e) => {
                eprintln!("error: {e}");
                eprintln!("       {} was not queued", file.display());
                failed = true;
            }
        }
    }
    let in_process = !rampart_store::is_postgres_url(db);
    let jobs = if in_process {
        let runner = Runner::with_default_handlers(store.clone(), RunnerConfig::default()).spawn();
        let jobs = wait_for(store.as_ref(), &ids).await?;
        runner.shutdown(Stop::Finish).await;
        jobs
    } else if wait {
        wait_for(store.as_ref(), &ids).await?
    } else {
        let mut jobs = Vec::new();
        for id in &ids {
            jobs.extend(store.get_job(*id).await?);
        }
        jobs
    };
    if json {
        print_json(&jobs)?;
    } else if in_process || wait {
        for j in &jobs {
            println!("job #{} {}: {}", j.id, j.state, about(j));
        }
    }
    failed |= jobs.iter().any(|j| j.state == JobState::Failed);
    Ok(if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// Waits until every job of `ids` has succeeded or failed for good.
async fn wait_for(store: &dyn Store, ids: &[i64]) -> Result<Vec<Job>> {
    loop {
        let mut jobs = Vec::with_capacity(ids.len());
        for id in ids {
            jobs.extend(store.get_job(*id).await?);
        }
        if jobs
            .iter()
            .all(|j| matches!(j.state, JobState::Succeeded | JobState::Failed))
        {
            return Ok(jobs);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
