//! `apps apply`: read catalog files (Rampart YAML, Backstage), record the entries (a changed
//! entry becomes a new version) and rescore the applications whose entry changed.

use crate::ingest::IngestError;
use crate::risk::{Recomputed, recompute_application};
use rampart_formats::catalog;
use rampart_model::CatalogChange;
use rampart_store::Store;
use std::collections::HashMap;
use std::path::Path;
use time::OffsetDateTime;

/// What applying catalog files did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CatalogReport {
    /// Per application: its version now and whether it changed.
    pub changes: Vec<CatalogChange>,
    /// Entries the files hold that are not applications.
    pub skipped: Vec<String>,
    /// Issues rescored because their application's entry changed.
    pub rescored: Recomputed,
}

/// Reads every file first (any error: nothing is stored), then records the entries and
/// rescores the applications that changed.
pub async fn apply_files(
    store: &dyn Store,
    paths: &[&Path],
    at: OffsetDateTime,
) -> Result<CatalogReport, IngestError> {
    let mut parsed = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for path in paths {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| IngestError::Open {
            file: name.clone(),
            source,
        })?;
        let file = catalog::parse(&name, &text)?;
        for p in &file.profiles {
            if let Some(other) = seen.insert(p.name.clone(), name.clone()) {
                return Err(IngestError::Invalid(format!(
                    "{name}: application {}: also described in {other}: expected each application in one file",
                    p.name
                )));
            }
        }
        parsed.push((name, file));
    }
    let mut report = CatalogReport::default();
    for (name, file) in parsed {
        let changes = store.apply_catalog(&file.profiles, &name, at).await?;
        report
            .skipped
            .extend(file.skipped.iter().map(|s| format!("{name}: {s}")));
        report.changes.extend(changes);
    }
    for c in report.changes.iter().filter(|c| c.changed) {
        let r = recompute_application(store, &c.application, at).await?;
        crate::sla::refresh_application(store, &c.application, at).await?;
        report.rescored.issues += r.issues;
        report.rescored.changed += r.changed;
    }
    Ok(report)
}
