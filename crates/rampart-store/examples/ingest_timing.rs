//! Times the store alone (no report parsing): ingest of `N` synthetic keyed observations in
//! batches, a re-ingest of the same, and the top-50 issue list. Criterion-free, prints a table.
//!
//! ```text
//! cargo run --release -p rampart-store --example ingest_timing -- [DB_URL] [N] [BATCH]
//! ```
//! `DB_URL`: a `postgres://` URL (tables go to the URL's schema; use
//! `?options=-c%20search_path%3Dbench` and `CREATE SCHEMA bench` first to keep them apart) or a
//! SQLite path (default: a temporary file). `N` defaults to 100,000, `BATCH` to 2,000 (what the
//! ingest service hands the store).

use rampart_engine::{Correlator, DefaultLifecycle};
use rampart_model::{CodeLocation, FindingKind, KeyedObservation, Location, Observation, Severity};
use rampart_store::{IssueQuery, ScanEnd, ScanMeta, Store};
use std::time::Instant;

fn observation(n: usize) -> Observation {
    let mut o = Observation::new(
        "codeql",
        FindingKind::Code,
        format!("js/rule-{}", n % 50),
        format!("Finding {n} of rule {}", n % 50),
        Location::Code(CodeLocation {
            path: format!("src/module{}/file{}.js", n % 100, n % 1000),
            start_line: Some((n % 500) as u32 + 1),
            end_line: Some((n % 500) as u32 + 3),
            start_column: Some(5),
            end_column: Some(40),
        }),
    );
    o.message = Some(format!(
        "Untrusted data flows from a request parameter into a sensitive sink here (finding {n})."
    ));
    o.snippet = Some(format!(
        "const q = 'SELECT * FROM t WHERE id = ' + req.query.id{n};"
    ));
    o.severity.level = Severity::ALL[n % 5];
    o.severity.tool_label = Some("error".into());
    o.cwes = vec![89];
    o.tags = vec!["security".into(), "external/cwe/cwe-089".into()];
    o.source_ref = format!("/runs/0/results/{n}");
    o
}

async fn ingest(
    store: &dyn Store,
    n: usize,
    batch: usize,
    step: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let rules = DefaultLifecycle;
    let meta = ScanMeta {
        application: "timing".into(),
        target: "timing".into(),
        branch: "main".into(),
        commit: None,
        environment: None,
        format: "synthetic".into(),
        file_name: "synthetic".into(),
        report_sha256: String::new(),
        ingested_at: time::OffsetDateTime::now_utc(),
    };
    let mut correlator = Correlator::new("timing");
    let t = Instant::now();
    let mut keying = 0.0;
    let mut session = store.begin_ingest(meta).await?;
    let mut next = 0;
    while next < n {
        let k = Instant::now();
        let chunk: Vec<KeyedObservation> = (next..(next + batch).min(n))
            .map(|i| correlator.key(observation(i)))
            .collect();
        keying += k.elapsed().as_secs_f64();
        next += chunk.len();
        session.write(chunk, &rules).await?;
    }
    let scan = session
        .finish(
            ScanEnd {
                tools: vec!["codeql".into()],
                report_sha256: "synthetic".into(),
            },
            &rules,
        )
        .await?;
    let secs = t.elapsed().as_secs_f64();
    let store_secs = secs - keying;
    println!(
        "| {step} | {n} | {secs:.2} | {:.0} | {:.0} | new {} unchanged {} |",
        n as f64 / secs,
        n as f64 / store_secs,
        scan.summary.new,
        scan.summary.unchanged
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = tempfile::tempdir()?;
    let default_db = dir.path().join("timing.db").display().to_string();
    let db = args
        .first()
        .filter(|a| !a.is_empty())
        .cloned()
        .unwrap_or(default_db);
    let n: usize = args
        .get(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(100_000);
    let batch: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(2_000);
    let store = rampart_store::open(&db).await?;
    println!(
        "| step | observations | seconds | observations/s | observations/s (store only) | summary |"
    );
    println!("|---|---|---|---|---|---|");
    ingest(store.as_ref(), n, batch, "ingest (new)").await?;
    ingest(store.as_ref(), n, batch, "re-ingest (same)").await?;
    let q = IssueQuery {
        limit: Some(50),
        ..Default::default()
    };
    store.list_issues(&q).await?;
    let t = Instant::now();
    const RUNS: u32 = 20;
    for _ in 0..RUNS {
        store.list_issues(&q).await?;
    }
    println!(
        "top 50 open issues by severity: {:.1} ms",
        t.elapsed().as_secs_f64() * 1000.0 / f64::from(RUNS)
    );
    Ok(())
}
