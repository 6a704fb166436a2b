//! Helpers shared by the service tests.
#![allow(dead_code)]

use rampart_service::{IngestError, IngestOptions, IngestReport, ingest_path};
use rampart_store::Store;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

/// A fresh SQLite store in a temporary directory (kept alive by the returned guard).
pub async fn store() -> (Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("test.db");
    let store = rampart_store::open(&db.display().to_string())
        .await
        .expect("open store");
    (store, dir)
}

/// Ingests `path` into `app` on branch main.
pub async fn ingest(
    store: &dyn Store,
    path: &Path,
    app: &str,
) -> Result<IngestReport, IngestError> {
    ingest_path(
        store,
        path,
        &IngestOptions::new(app),
        Arc::new(AtomicU64::new(0)),
    )
    .await
}

/// Ingests with explicit options.
pub async fn ingest_with(
    store: &dyn Store,
    path: &Path,
    opts: &IngestOptions,
) -> Result<IngestReport, IngestError> {
    ingest_path(store, path, opts, Arc::new(AtomicU64::new(0))).await
}

/// Writes `value` as JSON to `dir/name` and returns the path.
pub fn write_json(dir: &Path, name: &str, value: &serde_json::Value) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_vec_pretty(value).expect("json")).expect("write");
    p
}
