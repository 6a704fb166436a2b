//! `rampart bench store`: builds a large synthetic store on PostgreSQL (millions of issues,
//! written with `generate_series`, not through ingest) and times the queries the CLI and API
//! make on it: the top 50 issues, one application's, the applications list, the portfolio
//! and the per-team counts (the last three read the summary tables of migration 0010;
//! `--recount` also times the full recount and checks the summaries against it).

use anyhow::{Context, Result, bail};
use clap::Args;
use rampart_model::{IssueStatus, Severity};
use rampart_store::postgres::{PgStore, SyntheticSpec, issue_list_sql};
use rampart_store::{IssueQuery, IssueSort, Store, SummaryStore};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// The order of "the top issues": by risk score (`IssueSort::Severity` before migration 0004).
const TOP: IssueSort = IssueSort::Risk;

#[derive(Debug, Args)]
pub struct StoreBenchArgs {
    /// Issues to generate (skipped when the store already has issues).
    #[arg(long, default_value_t = 10_000_000)]
    issues: u64,
    /// Applications they belong to.
    #[arg(long, default_value_t = 1_000)]
    applications: u64,
    /// Runs per query (the median is printed).
    #[arg(long, default_value_t = 7)]
    runs: usize,
    /// Also print `EXPLAIN (ANALYZE, BUFFERS)` of the top-50 query.
    #[arg(long)]
    explain: bool,
    /// Also recount the applications list and the portfolio from every issue (slow: minutes
    /// at 10M issues), time it, and check that the summaries equal the recount.
    #[arg(long)]
    recount: bool,
}

pub async fn run(db: &str, args: StoreBenchArgs) -> Result<ExitCode> {
    if !rampart_store::is_postgres_url(db) {
        bail!(
            "`bench store` needs a PostgreSQL schema of its own: --db 'postgres://...?options=-c%20search_path%3Dbench'"
        );
    }
    let store = PgStore::open(db)
        .await
        .with_context(|| format!("cannot open {db}"))?;
    let have: u64 = store
        .portfolio()
        .await?
        .issues_by_status
        .iter()
        .map(|s| s.1)
        .sum();
    if have == 0 {
        eprintln!(
            "generating {} issues over {} applications ...",
            args.issues, args.applications
        );
        let t = Instant::now();
        let timings = store
            .fill_synthetic(SyntheticSpec {
                issues: args.issues,
                applications: args.applications,
            })
            .await?;
        for (step, d) in &timings.steps {
            eprintln!("  {step}: {:.1} s", d.as_secs_f64());
        }
        eprintln!("  total: {:.1} s", t.elapsed().as_secs_f64());
    } else {
        eprintln!("the store has {have} issues: timing queries on it as it is");
    }

    let first_app = store
        .list_scans(None, 1)
        .await?
        .first()
        .map(|s| s.application.clone())
        .unwrap_or_default();
    let top = |application: Option<String>| IssueQuery {
        application,
        sort: TOP,
        limit: Some(50),
        ..Default::default()
    };
    println!("| query | median ms | min ms | rows |");
    println!("|---|---|---|---|");
    let queries: Vec<(&str, IssueQuery)> = vec![
        ("top 50 open issues", top(None)),
        (
            "top 50 open issues of one application",
            top(Some(first_app)),
        ),
        (
            "top 50 critical",
            IssueQuery {
                severities: vec![Severity::Critical],
                ..top(None)
            },
        ),
        (
            "top 50 fixed",
            IssueQuery {
                statuses: vec![IssueStatus::Fixed],
                ..top(None)
            },
        ),
        (
            "50 newest open",
            IssueQuery {
                sort: IssueSort::Newest,
                ..top(None)
            },
        ),
    ];
    for (name, q) in &queries {
        let (times, rows) = timed(args.runs, || async {
            Ok(store.list_issues(q).await?.len())
        })
        .await?;
        row(name, &times, rows);
    }
    let (times, rows) = timed(args.runs, || async {
        Ok(store.list_applications().await?.len())
    })
    .await?;
    row("applications list (counts per application)", &times, rows);
    let (times, rows) = timed(args.runs, || async {
        store.portfolio().await?;
        Ok(1)
    })
    .await?;
    row("portfolio summary", &times, rows);
    let (times, rows) = timed(args.runs, || async {
        Ok(store.team_summaries().await?.len())
    })
    .await?;
    row("open counts per team", &times, rows);
    if args.recount {
        recount(&store).await?;
    }
    if args.explain {
        let sql = issue_list_sql(&top(None)).replace("$1", "50");
        println!("\n```text\n{}\n```", store.explain(&sql).await?);
    }
    Ok(ExitCode::SUCCESS)
}

/// Times the full recount once and compares it with the summaries.
async fn recount(store: &PgStore) -> Result<()> {
    let t = Instant::now();
    let apps = store.recount_applications().await?;
    let apps_time = t.elapsed();
    let t = Instant::now();
    let portfolio = store.recount_portfolio().await?;
    let portfolio_time = t.elapsed();
    row(
        "applications list, recounted from the issues",
        &[apps_time],
        apps.len(),
    );
    row("portfolio, recounted from the issues", &[portfolio_time], 1);
    let same = apps == store.list_applications().await? && portfolio == store.portfolio().await?;
    println!(
        "\nsummaries equal the recount: {}",
        if same { "yes" } else { "NO" }
    );
    if !same {
        bail!("the summary tables differ from a recount");
    }
    Ok(())
}

/// Runs `f` once to warm up, then `runs` times; returns the sorted durations and the rows
/// the last run returned.
async fn timed<F, Fut>(runs: usize, f: F) -> Result<(Vec<Duration>, usize)>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<usize>>,
{
    let mut rows = f().await?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        rows = f().await?;
        times.push(t.elapsed());
    }
    times.sort();
    Ok((times, rows))
}

fn row(name: &str, times: &[Duration], rows: usize) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "| {name} | {:.1} | {:.1} | {rows} |",
        ms(times[times.len() / 2]),
        ms(times[0])
    );
}
