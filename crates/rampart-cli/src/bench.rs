//! `rampart bench`: generates large reports and measures parsing and ingest end to end.
//!
//! Figures printed: plain `serde_json::Value` parse rate (the limit), Rampart's parse-only
//! rate, first ingest into a fresh SQLite database, re-ingest of the same file, and the peak
//! resident memory of each step (VmHWM, reset between steps, and the anonymous part alone,
//! sampled every 10 ms: VmHWM also counts the database pages SQLite reads through its map).

use anyhow::{Context, Result};
use clap::Args;
use rampart_formats::{Emitter, ParseContext};
use rampart_model::Observation;
use rampart_service::{IngestOptions, ingest_path, ingest_reader};
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BenchArgs {
    /// Results in the generated SARIF report (0: skip SARIF).
    #[arg(long, default_value_t = 1_000_000)]
    sarif_results: usize,
    /// Vulnerabilities in the generated Trivy report (0: skip Trivy).
    #[arg(long, default_value_t = 200_000)]
    trivy_vulns: usize,
    /// Where generated reports and the benchmark database go.
    #[arg(long, default_value = "bench-data")]
    dir: PathBuf,
    /// Skip the serde_json::Value baseline (it needs several GB of memory on large files).
    #[arg(long)]
    no_baseline: bool,
    /// Another benchmark instead of ingest.
    #[command(subcommand)]
    what: Option<BenchWhat>,
}

#[derive(Debug, clap::Subcommand)]
pub enum BenchWhat {
    /// Vulnerability intelligence: load advisories, match an SBOM, re-match stored inventories.
    Intel(crate::bench_intel::BenchIntelArgs),
    /// Build a large synthetic store on PostgreSQL (`--db postgres://...`) and time its queries.
    Store(crate::bench_store::StoreBenchArgs),
    /// The REST API's issue list on a 1M-issue PostgreSQL store, by team (tokens for a load tool).
    Api(crate::bench_api::ApiBenchArgs),
    /// The CI gate on a large baseline, and compliance reports over many applications.
    Gate(crate::bench_gate::GateBenchArgs),
}

/// Runs the ingest benchmark (into a fresh SQLite database in `--dir`, or into the PostgreSQL
/// `db` names), `bench intel` or `bench store`.
pub async fn run(db: &str, mut args: BenchArgs) -> Result<ExitCode> {
    match args.what.take() {
        Some(BenchWhat::Intel(intel)) => return crate::bench_intel::run(intel).await,
        Some(BenchWhat::Store(store_args)) => return crate::bench_store::run(db, store_args).await,
        Some(BenchWhat::Api(api_args)) => return crate::bench_api::run(db, api_args).await,
        Some(BenchWhat::Gate(gate_args)) => return crate::bench_gate::run(db, gate_args).await,
        None => {}
    }
    let postgres = rampart_store::is_postgres_url(db).then_some(db);
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    let sarif = args
        .dir
        .join(format!("generated-{}.sarif", args.sarif_results));
    if args.sarif_results > 0 && !sarif.exists() {
        eprintln!("generating {} ...", sarif.display());
        generate_sarif(&sarif, args.sarif_results)?;
    }
    let trivy = args
        .dir
        .join(format!("generated-trivy-{}.json", args.trivy_vulns));
    if args.trivy_vulns > 0 && !trivy.exists() {
        eprintln!("generating {} ...", trivy.display());
        generate_trivy(&trivy, args.trivy_vulns)?;
    }
    println!(
        "| report | size | step | observations | seconds | observations/s | MB/s | peak RSS MB | peak anon MB |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    start_anon_sampler();
    for (path, n) in [(&sarif, args.sarif_results), (&trivy, args.trivy_vulns)] {
        if n == 0 {
            continue;
        }
        bench_file(&args.dir, path, n, !args.no_baseline, postgres).await?;
    }
    Ok(ExitCode::SUCCESS)
}

fn reset_peak_rss() {
    // Writing 5 to clear_refs resets VmHWM (Linux >= 4.0); harmless elsewhere.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    PEAK_ANON_KB.store(status_kb("RssAnon:"), Ordering::Relaxed);
}

/// A field of `/proc/self/status` in kB (0 where there is none).
fn status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0)
}

fn peak_rss_mb() -> f64 {
    status_kb("VmHWM:") as f64 / 1024.0
}

/// The highest anonymous resident memory (`RssAnon`: the heap, not the pages of the database
/// file SQLite reads through its memory map, which VmHWM also counts) sampled since the last
/// reset.
static PEAK_ANON_KB: AtomicU64 = AtomicU64::new(0);

/// Samples `RssAnon` every 10 ms for the rest of the process.
fn start_anon_sampler() {
    std::thread::spawn(|| {
        loop {
            PEAK_ANON_KB.fetch_max(status_kb("RssAnon:"), Ordering::Relaxed);
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    });
}

fn row(name: &str, size: u64, step: &str, n: u64, secs: f64) {
    println!(
        "| {name} | {:.0} MB | {step} | {n} | {secs:.2} | {:.0} | {:.0} | {:.0} | {:.0} |",
        size as f64 / 1e6,
        n as f64 / secs,
        size as f64 / 1e6 / secs,
        peak_rss_mb(),
        PEAK_ANON_KB
            .load(Ordering::Relaxed)
            .max(status_kb("RssAnon:")) as f64
            / 1024.0
    );
}

async fn bench_file(
    dir: &Path,
    path: &Path,
    expected: usize,
    baseline: bool,
    postgres: Option<&str>,
) -> Result<()> {
    let size = std::fs::metadata(path)?.len();
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("report")
        .to_string();
    // Ingest first, so the peak RSS of the ingest is not hidden by the baseline's.
    let db = dir.join("bench.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    // On PostgreSQL, a new application per run keeps the first ingest a first ingest.
    let (store, opts) = match postgres {
        Some(url) => (
            rampart_store::open(url).await?,
            IngestOptions::new(format!("bench-{}", std::process::id())),
        ),
        None => (
            rampart_store::open(&db.display().to_string()).await?,
            IngestOptions::new("bench"),
        ),
    };
    // The re-ingest of the file takes the unchanged-report shortcut (the file is hashed, the
    // scan recorded); the last step streams the same bytes through the whole pipeline (parse,
    // key, compare with the stored statements), as a report that changed a little would.
    for step in [
        "ingest (new database)",
        "re-ingest (same file)",
        "re-ingest (read in full)",
    ] {
        reset_peak_rss();
        let t = Instant::now();
        let progress = Arc::new(AtomicU64::new(0));
        let r = if step.ends_with("(read in full)") {
            let file = File::open(path)?;
            ingest_reader(store.as_ref(), file, &name, &opts, progress).await?
        } else {
            ingest_path(store.as_ref(), path, &opts, progress).await?
        };
        let secs = t.elapsed().as_secs_f64();
        anyhow::ensure!(
            r.scan.summary.observations as usize == expected,
            "expected {expected} observations, ingested {}",
            r.scan.summary.observations
        );
        row(&name, size, step, r.scan.summary.observations, secs);
        // SQLite copies the committed log into the database file on a thread of its own after
        // the ingest returned; wait for it here, so the next step runs alone, and show the
        // step with that copy included.
        if postgres.is_none() {
            let t = Instant::now();
            store.checkpoint().await?;
            let copy = t.elapsed().as_secs_f64();
            let step = format!("{step} + WAL checkpoint ({copy:.2} s)");
            row(&name, size, &step, r.scan.summary.observations, secs + copy);
        }
    }
    drop(store);

    reset_peak_rss();
    let t = Instant::now();
    let ctx = ParseContext::new(name.clone(), b"bench-key".to_vec());
    let mut count = 0u64;
    let mut sink = |_o: Observation| {
        count += 1;
        Ok(())
    };
    let mut emitter = Emitter::new(&mut sink);
    rampart_formats::parse(File::open(path)?, None, &ctx, &mut emitter)?;
    drop(emitter);
    row(
        &name,
        size,
        "parse only (rampart)",
        count,
        t.elapsed().as_secs_f64(),
    );

    if baseline {
        reset_peak_rss();
        let t = Instant::now();
        let v: serde_json::Value =
            serde_json::from_reader(BufReader::with_capacity(1 << 18, File::open(path)?))?;
        let secs = t.elapsed().as_secs_f64();
        row(
            &name,
            size,
            "serde_json::Value (baseline)",
            expected as u64,
            secs,
        );
        drop(v);
    }
    Ok(())
}

const RULES: [(&str, &str, &str, &str); 8] = [
    (
        "py/sql-injection",
        "8.8",
        "89",
        "cursor.execute(\"SELECT * FROM orders WHERE id = \" + order_id_{n})",
    ),
    (
        "py/path-injection",
        "7.5",
        "22",
        "open(os.path.join(BASE, request.args['f{n}']))",
    ),
    (
        "py/reflective-xss",
        "6.1",
        "79",
        "return make_response(request.args.get('q{n}'))",
    ),
    (
        "py/clear-text-logging-sensitive-data",
        "7.5",
        "312",
        "log.info('token=%s', token_{n})",
    ),
    (
        "py/weak-cryptographic-algorithm",
        "7.5",
        "327",
        "hashlib.md5(data_{n}).hexdigest()",
    ),
    (
        "py/command-line-injection",
        "9.8",
        "78",
        "subprocess.call(cmd_{n}, shell=True)",
    ),
    (
        "py/unsafe-deserialization",
        "9.8",
        "502",
        "pickle.loads(payload_{n})",
    ),
    (
        "py/url-redirection",
        "6.1",
        "601",
        "return redirect(request.args['next{n}'])",
    ),
];

/// Writes a SARIF 2.1.0 log of `n` CodeQL-like results spread over 5,000 files.
pub fn generate_sarif(path: &Path, n: usize) -> Result<()> {
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
    write!(
        w,
        r#"{{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":[{{"tool":{{"driver":{{"name":"CodeQL","semanticVersion":"2.19.3","rules":["#
    )?;
    for (i, (id, sev, cwe, _)) in RULES.iter().enumerate() {
        if i > 0 {
            write!(w, ",")?;
        }
        write!(
            w,
            r#"{{"id":"{id}","name":"{id}","shortDescription":{{"text":"{id}"}},"defaultConfiguration":{{"level":"error"}},"properties":{{"tags":["security","external/cwe/cwe-{cwe}"],"security-severity":"{sev}","precision":"high"}}}}"#
        )?;
    }
    write!(w, r#"]}}}},"results":["#)?;
    for i in 0..n {
        if i > 0 {
            write!(w, ",")?;
        }
        let (id, _, _, snippet) = RULES[i % RULES.len()];
        let snippet = snippet.replace("{n}", &i.to_string());
        let file = i % 5000;
        let line = 10 + (i / 5000) % 2000;
        write!(
            w,
            r#"{{"ruleId":"{id}","ruleIndex":{ri},"level":"error","message":{{"text":"This query depends on a user-provided value."}},"locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"src/service_{d}/module_{file}.py","uriBaseId":"%SRCROOT%"}},"region":{{"startLine":{line},"startColumn":5,"endColumn":60,"snippet":{{"text":"{snippet}"}}}}}}}}],"partialFingerprints":{{"primaryLocationLineHash":"{h:016x}:1"}}}}"#,
            ri = i % RULES.len(),
            d = file % 50,
            h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            snippet = snippet.replace('"', "\\\""),
        )?;
    }
    write!(w, "]}}]}}")?;
    w.flush()?;
    Ok(())
}

/// Writes a Trivy JSON report (SchemaVersion 2) with `n` vulnerabilities over 200 targets.
pub fn generate_trivy(path: &Path, n: usize) -> Result<()> {
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
    write!(
        w,
        r#"{{"SchemaVersion":2,"CreatedAt":"2026-11-20T10:00:00Z","ArtifactName":"registry.example.com/shop/web:1.0","ArtifactType":"container_image","Metadata":{{"OS":{{"Family":"debian","Name":"12.7"}}}},"Results":["#
    )?;
    let targets = 200usize;
    let per = n.div_ceil(targets);
    let mut written = 0usize;
    for t in 0..targets {
        if written >= n {
            break;
        }
        if t > 0 {
            write!(w, ",")?;
        }
        write!(
            w,
            r#"{{"Target":"app/node_modules/pkg-{t}/package-lock.json","Class":"lang-pkgs","Type":"npm","Vulnerabilities":["#
        )?;
        for k in 0..per.min(n - written) {
            if k > 0 {
                write!(w, ",")?;
            }
            let i = written + k;
            let pkg = format!("lib-{t}-{}", k % 500);
            write!(
                w,
                r#"{{"VulnerabilityID":"CVE-20{y}-{id:05}","PkgID":"{pkg}@1.{m}.0","PkgName":"{pkg}","PkgIdentifier":{{"PURL":"pkg:npm/{pkg}@1.{m}.0"}},"InstalledVersion":"1.{m}.0","FixedVersion":"1.{m}.1","Status":"fixed","SeveritySource":"ghsa","PrimaryURL":"https://avd.aquasec.com/nvd/cve-20{y}-{id:05}","Title":"{pkg}: prototype pollution in merge()","Description":"A prototype pollution flaw allows attackers to modify object prototypes.","Severity":"{sev}","CweIDs":["CWE-1321"],"CVSS":{{"nvd":{{"V3Vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","V3Score":9.8}}}},"References":["https://github.com/advisories"]}}"#,
                y = 10 + i % 15,
                id = i,
                m = k / 500,
                sev = ["LOW", "MEDIUM", "HIGH", "CRITICAL"][i % 4],
            )?;
        }
        written += per.min(n - written);
        write!(w, "]}}")?;
    }
    write!(w, "]}}")?;
    w.flush()?;
    Ok(())
}
