//! `rampart bench intel`: the speed of vulnerability intelligence.
//!
//! 1. Load every advisory under an OSV directory (the corpus's `osv/`): parsed and indexed in
//!    memory, and imported into a fresh SQLite database with `feeds import`.
//! 2. Match a generated 10,000-component inventory against the loaded index (pure matching),
//!    and ingest the same SBOM as CycloneDX end to end (parse, store inventory, match, write the
//!    `rampart` scan).
//! 3. Store 1,000 inventories of 500 components each, match them once, then import a feed
//!    update (one advisory affecting a tenth of them) and re-match every inventory.
//!
//! Components are drawn from packages the advisories name, with versions taken from their
//! range events, so that matching does real work.

use anyhow::{Context, Result};
use clap::Args;
use rampart_intel::ecosystem::Base;
use rampart_intel::matching::{match_components, package_key};
use rampart_intel::osv::{AdvisoryIndex, Event, Format, parse_document};
use rampart_model::Component;
use rampart_service::feeds::import;
use rampart_service::matching::{Selection, rematch, rematch_selected};
use rampart_service::{IngestOptions, ingest_path};
use rampart_store::{InventoryComponent, NewInventory, ScanEnd, ScanMeta};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct BenchIntelArgs {
    /// The OSV advisories to load (default: `$RAMPART_CORPUS/osv` or `../shared/corpus/osv`).
    #[arg(long)]
    osv: Option<PathBuf>,
    /// Components of the single SBOM.
    #[arg(long, default_value_t = 10_000)]
    sbom_components: usize,
    /// Stored inventories re-matched after the feed update.
    #[arg(long, default_value_t = 1_000)]
    inventories: usize,
    /// Components per stored inventory.
    #[arg(long, default_value_t = 500)]
    inventory_components: usize,
    /// Where the benchmark databases and files go.
    #[arg(long, default_value = "bench-data/intel")]
    dir: PathBuf,
}

fn osv_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            osv_files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// One purl per package some advisory names, at a version its ranges name (so that matching
/// meets both affected and unaffected versions).
fn candidates(index: &AdvisoryIndex) -> Vec<String> {
    let mut out = Vec::new();
    let mut packages = std::collections::HashSet::new();
    for r in index.records() {
        for a in &r.affected {
            let Some(p) = a.package.as_ref() else {
                continue;
            };
            let base = Base::from_osv(p.ecosystem.split(':').next().unwrap_or(""));
            let Some(ty) = base.purl_type() else { continue };
            if !packages.insert((ty, p.name.clone())) {
                continue;
            }
            if matches!(
                base,
                Base::Debian | Base::Ubuntu | Base::Alpine | Base::RedHat
            ) {
                continue;
            }
            let version = a
                .ranges
                .iter()
                .flat_map(|g| g.events.iter())
                .find_map(|e| match e {
                    Event::Fixed(v) | Event::LastAffected(v) => Some(v.clone()),
                    Event::Introduced(v) if v != "0" => Some(v.clone()),
                    _ => None,
                })
                .or_else(|| a.versions.first().cloned());
            let Some(version) = version else { continue };
            let name = match (ty, p.name.split_once(':')) {
                ("maven", Some((g, a))) => format!("{g}/{a}"),
                _ => p.name.replace('@', "%40"),
            };
            out.push(format!("pkg:{ty}/{name}@{version}"));
        }
    }
    out.sort();
    out.dedup();
    out
}

fn component(purl: String) -> Component {
    Component {
        bom_ref: purl.clone(),
        name: purl.clone(),
        version: None,
        purl: Some(purl),
        component_type: Some("library".into()),
        licenses: vec![],
        hashes: vec![],
    }
}

/// CPU seconds this process has used so far (all threads, user + system), from
/// `/proc/self/stat`; 0 where it cannot be read. A shared machine stretches wall time, hardly
/// CPU time.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // The fields after the command name (which may hold spaces) start after the last ')'.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// The CPU clock at the start of a step.
static CPU_START: std::sync::Mutex<f64> = std::sync::Mutex::new(0.0);

fn start() -> Instant {
    if let Ok(mut c) = CPU_START.lock() {
        *c = cpu_seconds();
    }
    Instant::now()
}

fn row(what: &str, n: usize, unit: &str, secs: f64, target: &str) {
    let cpu = cpu_seconds() - CPU_START.lock().map(|c| *c).unwrap_or(0.0);
    println!(
        "| {what} | {n} {unit} | {secs:.3} | {cpu:.2} | {:.0} {unit}/s | {target} |",
        n as f64 / secs.max(1e-9)
    );
}

pub async fn run(args: BenchIntelArgs) -> Result<ExitCode> {
    let osv = args
        .osv
        .clone()
        .or_else(|| std::env::var_os("RAMPART_CORPUS").map(|c| PathBuf::from(c).join("osv")))
        .unwrap_or_else(|| PathBuf::from("../shared/corpus/osv"));
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    println!("| step | size | seconds | CPU seconds | rate | target |");
    println!("|---|---|---|---|---|---|");

    // 1a. Parse and index every advisory in memory.
    let started = start();
    let mut files = Vec::new();
    osv_files(&osv, &mut files);
    let mut index = AdvisoryIndex::new();
    for f in &files {
        let name = f.display().to_string();
        let lower = name.to_ascii_lowercase();
        let format = if lower.ends_with(".json") {
            Format::Json
        } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
            Format::Yaml
        } else {
            continue;
        };
        let Ok(bytes) = std::fs::read(f) else {
            continue;
        };
        if let Ok(records) = parse_document(&bytes, format) {
            for r in records.into_iter().flatten() {
                index.insert(r);
            }
        }
    }
    row(
        "load every OSV advisory (parse + index, memory)",
        index.len(),
        "advisories",
        started.elapsed().as_secs_f64(),
        "< 5 s",
    );

    // 1b. The same through `feeds import` into a fresh SQLite database.
    let db = args.dir.join("intel-bench.db");
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
    let store = rampart_store::open(&db.display().to_string()).await?;
    let started = start();
    let report = import(store.as_ref(), std::slice::from_ref(&osv)).await?;
    row(
        "feeds import of the same (SQLite)",
        report.advisories_new as usize,
        "advisories",
        started.elapsed().as_secs_f64(),
        "< 5 s",
    );

    // 2. A 10,000-component SBOM.
    let pool = candidates(&index);
    anyhow::ensure!(!pool.is_empty(), "no advisories under {}", osv.display());
    let sbom: Vec<Component> = (0..args.sbom_components)
        .map(|i| component(pool[(i * 7919) % pool.len()].clone()))
        .collect();
    // The first match compiles the entries it meets (parses their versions once); the second
    // finds them compiled.
    for what in ["first match: compiles the entries it meets", "second match"] {
        let started = start();
        let outcome = match_components(&index, &sbom);
        row(
            &format!(
                "match one SBOM, index loaded, {what} ({} affected)",
                outcome.matches.len()
            ),
            sbom.len(),
            "components",
            started.elapsed().as_secs_f64(),
            "< 200 ms",
        );
    }
    let cdx = args.dir.join("sbom-10000.cdx.json");
    let doc = serde_json::json!({
        "bomFormat": "CycloneDX", "specVersion": "1.5",
        "metadata": {"component": {"bom-ref": "app", "type": "application", "name": "bench"}},
        "components": sbom.iter().enumerate().map(|(i, c)| serde_json::json!({
            "bom-ref": format!("c{i}"), "type": "library", "name": c.name, "purl": c.purl
        })).collect::<Vec<_>>(),
    });
    std::fs::write(&cdx, serde_json::to_vec(&doc)?)?;
    let started = start();
    let r = ingest_path(
        store.as_ref(),
        &cdx,
        &IngestOptions::new("bench-sbom"),
        Arc::new(AtomicU64::new(0)),
    )
    .await?;
    let affected = r.matching.as_ref().map_or(0, |m| m.matches);
    row(
        &format!(
            "ingest the SBOM as CycloneDX: store inventory, match, write scan ({affected} affected)"
        ),
        sbom.len(),
        "components",
        started.elapsed().as_secs_f64(),
        "",
    );

    // 3. 1,000 stored inventories of 500 components, then a feed update.
    let started = start();
    let log4j = "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1".to_owned();
    for n in 0..args.inventories {
        let app = format!("app-{n:04}");
        let session = store
            .begin_ingest(ScanMeta {
                application: app.clone(),
                target: app.clone(),
                branch: "main".into(),
                commit: None,
                environment: None,
                format: "cyclonedx-json".into(),
                file_name: "generated".into(),
                report_sha256: String::new(),
                ingested_at: time::OffsetDateTime::now_utc(),
            })
            .await?;
        let scan = session
            .finish(
                ScanEnd {
                    tools: vec!["cyclonedx".into()],
                    report_sha256: String::new(),
                },
                &rampart_engine::DefaultLifecycle,
            )
            .await?;
        let mut components: Vec<Component> = (0..args.inventory_components)
            .map(|i| component(pool[(n * 104_729 + i * 7919) % pool.len()].clone()))
            .collect();
        if n % 10 == 0 {
            components[0] = component(log4j.clone());
        }
        store
            .put_inventory(NewInventory {
                application: app.clone(),
                target: app,
                branch: "main".into(),
                scan_id: Some(scan.id),
                at: scan.ingested_at,
                root: None,
                components: components
                    .into_iter()
                    .map(|c| InventoryComponent {
                        key: package_key(&c),
                        component: c,
                        direct: None,
                    })
                    .collect(),
                edges: vec![],
            })
            .await?;
    }
    let stored = started.elapsed().as_secs_f64();
    let started = start();
    let first = rematch(store.as_ref(), None, None, "bench").await?;
    println!(
        "(setup: {} inventories stored in {stored:.1} s; first match {:.1} s, {} affected, {} scans written)",
        first.inventories,
        started.elapsed().as_secs_f64(),
        first.matches,
        first.changed.len()
    );
    let update = args.dir.join("log4shell.json");
    std::fs::write(
        &update,
        serde_json::to_vec(&serde_json::json!({
            "id": "GHSA-jfh8-c2jp-5v3q", "modified": "2099-01-01T00:00:00Z", "aliases": ["CVE-2021-44228"],
            "affected": [{"package": {"ecosystem": "Maven", "name": "org.apache.logging.log4j:log4j-core"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.13.0"}, {"fixed": "2.15.0"}]}]}]
        }))?,
    )?;
    let started = start();
    let imported = import(store.as_ref(), &[update]).await?;
    let m = rematch_selected(
        store.as_ref(),
        Selection::Packages(imported.changed_packages),
        None,
        "bench update",
    )
    .await?;
    let new: u64 = m.changed.iter().map(|c| c.summary.new).sum();
    row(
        &format!(
            "feed update + re-match of {} inventories ({} changed, {new} new issues)",
            m.inventories,
            m.changed.len()
        ),
        m.components as usize,
        "components",
        started.elapsed().as_secs_f64(),
        "< 10 s",
    );
    let started = start();
    let all = rematch(store.as_ref(), None, None, "bench full").await?;
    row(
        &format!(
            "full re-match of every inventory, nothing changed ({} inventories, {} scans written)",
            all.inventories,
            all.changed.len()
        ),
        all.components as usize,
        "components",
        started.elapsed().as_secs_f64(),
        "",
    );
    Ok(ExitCode::SUCCESS)
}
