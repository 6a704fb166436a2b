//! The demo portfolio: reports written for a fictional company, shipped in `demo/`.

use crate::ingest::{IngestError, IngestOptions, IngestReport, ingest_path};
use rampart_store::Store;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use time::{Duration, OffsetDateTime};

/// One ingest of the demo manifest.
#[derive(Debug, Clone, Deserialize)]
pub struct DemoIngest {
    /// Report path, relative to the demo directory.
    pub file: String,
    /// Application.
    pub app: String,
    /// Target.
    #[serde(default)]
    pub target: Option<String>,
    /// Branch.
    #[serde(default)]
    pub branch: Option<String>,
    /// Commit.
    #[serde(default)]
    pub commit: Option<String>,
    /// Environment.
    #[serde(default)]
    pub env: Option<String>,
    /// The report's format, as the demo's author wrote it. Informational: the loader detects
    /// the format from the content like any ingest, and the tests check both agree.
    #[serde(default)]
    pub format: Option<String>,
    /// How many results the report holds (asserted by the tests).
    #[serde(default)]
    pub expected_results: Option<u64>,
    /// How many days before now the scan happened.
    #[serde(default)]
    pub days_ago: i64,
}

/// The demo manifest.
#[derive(Debug, Clone, Deserialize)]
pub struct DemoManifest {
    /// Ingests, in order.
    pub ingests: Vec<DemoIngest>,
}

/// Finds the demo directory: `$RAMPART_DEMO_DIR`, else `demo/` beside the workspace this
/// binary was built from, else `./demo`.
pub fn demo_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("RAMPART_DEMO_DIR") {
        return Some(PathBuf::from(d));
    }
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo");
    [built, PathBuf::from("demo")]
        .into_iter()
        .find(|p| p.join("manifest.json").is_file())
        .map(|p| p.canonicalize().unwrap_or(p))
}

/// Reads the demo manifest in `dir`.
pub fn manifest(dir: &Path) -> Result<DemoManifest, IngestError> {
    let manifest_path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&manifest_path).map_err(|source| IngestError::Open {
        file: manifest_path.display().to_string(),
        source,
    })?;
    serde_json::from_str(&text)
        .map_err(|e| IngestError::Invalid(format!("{}: {e}", manifest_path.display())))
}

/// Applies the demo catalog (`catalog.yaml`, through the same code as `rampart apps apply`), then
/// loads every report of the demo manifest in `dir` into `store`, in order, dating each scan
/// `days_ago` days before `now`. Returns each manifest entry with what its ingest did.
pub async fn load(
    store: &dyn Store,
    dir: &Path,
    now: OffsetDateTime,
) -> Result<Vec<(DemoIngest, IngestReport)>, IngestError> {
    let catalog = dir.join("catalog.yaml");
    if catalog.is_file() {
        crate::catalog::apply_files(store, &[catalog.as_path()], now - Duration::days(31)).await?;
    }
    let mut reports = Vec::new();
    for item in manifest(dir)?.ingests {
        let mut opts = IngestOptions::new(&item.app);
        opts.target = item.target.clone();
        if let Some(b) = &item.branch {
            opts.branch = b.clone();
        }
        opts.commit = item.commit.clone();
        opts.environment = match &item.env {
            Some(e) => Some(e.parse().map_err(IngestError::Invalid)?),
            None => None,
        };
        opts.at = Some(now - Duration::days(item.days_ago));
        let report = ingest_path(
            store,
            &dir.join(&item.file),
            &opts,
            Arc::new(AtomicU64::new(0)),
        )
        .await?;
        reports.push((item, report));
    }
    Ok(reports)
}
