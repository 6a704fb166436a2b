//! `feeds import`: reads intelligence files (OSV JSON/YAML records, directories of them, osv.dev
//! per-ecosystem `.zip` exports, CISA KEV JSON/CSV, EPSS CSV plain or `.gz`, the CWE catalog
//! XML) and stores them. A reader thread walks the files and hands batches to the writer
//! through a bounded channel, so memory grows with a batch, not with the feed.
//!
//! Incremental: an OSV record whose `modified` is not newer than the stored copy is skipped;
//! EPSS scores replace stored ones only from the same or a later `score_date`. A malformed
//! record or row is reported (file and reason) and skipped; the import goes on. Afterwards the
//! alias groups are rebuilt from every stored advisory that is not withdrawn.

use flate2::read::GzDecoder;
use rampart_intel::aliases::AliasGroups;
use rampart_intel::feeds::{self, FeedKind};
use rampart_intel::matching::affected_key;
use rampart_intel::osv::{self, Format, Record};
use rampart_model::{EpssScore, KevFacts};
use rampart_store::{AdvisoryRow, CweRow, Store, StoreError};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Advisories per batch handed to the store.
const BATCH: usize = 2000;

/// A file, archive member, record or row that was skipped, and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FeedProblem {
    /// The file (`archive.zip!member` inside archives), with the place inside when known.
    pub file: String,
    /// What was wrong.
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FeedImportReport {
    /// Files (and archive members) read.
    pub files: u64,
    /// Files that are no intelligence feed Rampart reads (READMEs, licences, schemas), skipped.
    pub not_feeds: u64,
    /// OSV records read.
    pub advisories_read: u64,
    /// Records stored for the first time.
    pub advisories_new: u64,
    /// Records that replaced an older copy.
    pub advisories_updated: u64,
    /// Records not newer than the stored copy, skipped.
    pub advisories_unchanged: u64,
    /// Stored records (new or updated) that are withdrawn.
    pub advisories_withdrawn: u64,
    /// KEV entries stored.
    pub kev: u64,
    /// EPSS scores stored (older than the stored ones are not counted).
    pub epss: u64,
    /// EPSS rows read.
    pub epss_read: u64,
    /// CWE entries stored.
    pub cwe: u64,
    /// Ids in alias groups after the import.
    pub alias_ids: u64,
    /// Whether any advisory changed (so inventories need re-matching).
    pub advisories_changed: bool,
    /// Whether KEV or EPSS changed.
    pub exploitation_changed: bool,
    /// The packages (OSV ecosystem family, normalized name) that the new and updated
    /// advisories name, in their stored and in their new versions: the inventories to re-match
    /// ([`crate::matching::Selection::Packages`]).
    #[serde(skip)]
    pub changed_packages: Vec<(String, String)>,
    /// Problems, in reading order.
    pub problems: Vec<FeedProblem>,
    /// Wall time.
    #[serde(serialize_with = "ser_secs")]
    pub elapsed: Duration,
}

fn ser_secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// Why an import stopped (a store failure; bad input never stops it).
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The reader thread failed.
    #[error("feed reader failed: {0}")]
    Reader(String),
}

/// What the reader hands the writer.
enum Batch {
    Advisories(Vec<AdvisoryRow>, Counts),
    Kev(Vec<KevFacts>),
    Epss(Vec<EpssScore>),
    Cwe(Vec<CweRow>),
}

#[derive(Default, Clone, Copy)]
struct Counts {
    new: u64,
    updated: u64,
    withdrawn: u64,
}

/// The reader's state: what is stored, what was read, where to send it.
struct Reader {
    stored: HashMap<String, Option<String>>,
    pending: Vec<AdvisoryRow>,
    counts: Counts,
    report: FeedImportReport,
    tx: tokio::sync::mpsc::Sender<Batch>,
}

impl Reader {
    fn problem(&mut self, file: &str, reason: impl Into<String>) {
        self.report.problems.push(FeedProblem {
            file: file.to_owned(),
            reason: reason.into(),
        });
    }

    fn send(&mut self, batch: Batch) -> Result<(), String> {
        self.tx
            .blocking_send(batch)
            .map_err(|_| "the store stopped accepting feed data".to_owned())
    }

    fn flush(&mut self) -> Result<(), String> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.pending);
        let counts = std::mem::take(&mut self.counts);
        self.send(Batch::Advisories(rows, counts))
    }

    fn walk(&mut self, path: &Path) -> Result<(), String> {
        let name = path.display().to_string();
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                self.problem(&name, format!("cannot read: {e}"));
                return Ok(());
            }
        };
        if meta.is_dir() {
            let mut entries: Vec<PathBuf> = match std::fs::read_dir(path) {
                Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
                Err(e) => {
                    self.problem(&name, format!("cannot list: {e}"));
                    return Ok(());
                }
            };
            entries.sort();
            for entry in entries {
                self.walk(&entry)?;
            }
            return Ok(());
        }
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                self.problem(&name, format!("cannot read: {e}"));
                return Ok(());
            }
        };
        if name.to_ascii_lowercase().ends_with(".zip") {
            return self.zip(&name, bytes);
        }
        self.bytes(&name, bytes)
    }

    fn zip(&mut self, name: &str, bytes: Vec<u8>) -> Result<(), String> {
        let mut archive = match zip::ZipArchive::new(std::io::Cursor::new(bytes)) {
            Ok(a) => a,
            Err(e) => {
                self.problem(name, format!("not a readable zip archive: {e}"));
                return Ok(());
            }
        };
        for i in 0..archive.len() {
            let (member, data) = match archive.by_index(i) {
                Ok(mut f) if f.is_file() => {
                    let member = format!("{name}!{}", f.name());
                    let mut data = Vec::with_capacity(f.size() as usize);
                    match f.read_to_end(&mut data) {
                        Ok(_) => (member, data),
                        Err(e) => {
                            self.problem(&member, format!("cannot decompress: {e}"));
                            continue;
                        }
                    }
                }
                Ok(_) => continue,
                Err(e) => {
                    self.problem(name, format!("archive member #{i}: {e}"));
                    continue;
                }
            };
            self.bytes(&member, data)?;
        }
        Ok(())
    }

    fn bytes(&mut self, name: &str, bytes: Vec<u8>) -> Result<(), String> {
        let lower = name.to_ascii_lowercase();
        let (name, bytes) = if lower.ends_with(".gz") {
            let mut out = Vec::new();
            if let Err(e) = GzDecoder::new(bytes.as_slice()).read_to_end(&mut out) {
                self.problem(name, format!("not a readable gzip file: {e}"));
                return Ok(());
            }
            (name.trim_end_matches(".gz").trim_end_matches(".GZ"), out)
        } else {
            (name, bytes)
        };
        self.report.files += 1;
        let Some(kind) = FeedKind::detect(name, &bytes) else {
            self.report.not_feeds += 1;
            return Ok(());
        };
        match kind {
            FeedKind::OsvJson | FeedKind::OsvYaml => {
                let format = if kind == FeedKind::OsvYaml {
                    Format::Yaml
                } else {
                    Format::Json
                };
                match osv::parse_document(&bytes, format) {
                    Ok(records) => {
                        for (i, r) in records.into_iter().enumerate() {
                            match r {
                                Ok(record) => self.record(name, record)?,
                                Err(e) => {
                                    self.problem(&format!("{name} (record #{i})"), e.to_string())
                                }
                            }
                        }
                    }
                    Err(e) => self.problem(name, e.to_string()),
                }
                if self.pending.len() >= BATCH {
                    self.flush()?;
                }
            }
            FeedKind::KevJson | FeedKind::KevCsv => {
                let parsed = if kind == FeedKind::KevJson {
                    feeds::kev::parse_json(&bytes)
                } else {
                    feeds::kev::parse_csv(&bytes)
                };
                match parsed {
                    Ok(c) => {
                        for p in c.problems {
                            self.problem(&format!("{name} {}", p.place), p.reason);
                        }
                        self.send(Batch::Kev(c.entries))?;
                    }
                    Err(e) => self.problem(name, e.to_string()),
                }
            }
            FeedKind::EpssCsv => match feeds::epss::parse(&bytes) {
                Ok(f) => {
                    for p in f.problems {
                        self.problem(&format!("{name} {}", p.place), p.reason);
                    }
                    self.report.epss_read += f.scores.len() as u64;
                    self.send(Batch::Epss(f.scores))?;
                }
                Err(e) => self.problem(name, e.to_string()),
            },
            FeedKind::CweXml => match feeds::cwe::parse(&bytes) {
                Ok(c) => {
                    let rows = c
                        .entries
                        .into_iter()
                        .map(|e| CweRow {
                            id: e.id,
                            name: e.name,
                            kind: e.kind.as_str().to_owned(),
                            abstraction: e.abstraction,
                            status: e.status,
                            parent: e.parent,
                        })
                        .collect();
                    self.send(Batch::Cwe(rows))?;
                }
                Err(e) => self.problem(name, e.to_string()),
            },
        }
        Ok(())
    }

    fn record(&mut self, source: &str, record: Record) -> Result<(), String> {
        self.report.advisories_read += 1;
        let known = self.stored.get(&record.id);
        let newer = match known {
            None => true,
            Some(old) => match (&record.modified, old) {
                (Some(new), Some(old)) => new > old,
                (Some(_), None) => true,
                (None, _) => false,
            },
        };
        if !newer {
            self.report.advisories_unchanged += 1;
            return Ok(());
        }
        if known.is_some() {
            self.counts.updated += 1;
        } else {
            self.counts.new += 1;
        }
        let json = match serde_json::to_string(&record) {
            Ok(j) => j,
            Err(e) => {
                self.problem(source, format!("{}: cannot be stored: {e}", record.id));
                return Ok(());
            }
        };
        let mut packages: Vec<(String, String)> =
            record.affected.iter().filter_map(affected_key).collect();
        packages.sort();
        packages.dedup();
        let withdrawn = record.withdrawn.clone().filter(|w| !w.trim().is_empty());
        if withdrawn.is_some() {
            self.counts.withdrawn += 1;
        }
        self.stored
            .insert(record.id.clone(), record.modified.clone());
        // A second copy of one id in the same import replaces the first.
        self.pending.retain(|r| r.id != record.id);
        self.pending.push(AdvisoryRow {
            id: record.id,
            modified: record.modified,
            withdrawn,
            aliases: record.aliases,
            source: source.to_owned(),
            json,
            packages,
        });
        Ok(())
    }
}

/// Imports every file under `paths` into `store`, then rebuilds the alias groups.
pub async fn import(store: &dyn Store, paths: &[PathBuf]) -> Result<FeedImportReport, FeedError> {
    let started = Instant::now();
    let stored = store.advisory_modified().await?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Batch>(4);
    let paths = paths.to_vec();
    let reader = tokio::task::spawn_blocking(move || {
        let mut r = Reader {
            stored,
            pending: Vec::new(),
            counts: Counts::default(),
            report: FeedImportReport::default(),
            tx,
        };
        let mut outcome = Ok(());
        for p in &paths {
            outcome = r.walk(p);
            if outcome.is_err() {
                break;
            }
        }
        if outcome.is_ok() {
            outcome = r.flush();
        }
        (r.report, outcome)
    });
    let mut written = FeedImportReport::default();
    let mut changed_packages: HashSet<(String, String)> = HashSet::new();
    let mut store_error = None;
    while let Some(batch) = rx.recv().await {
        let result = match batch {
            Batch::Advisories(rows, counts) => {
                written.advisories_new += counts.new;
                written.advisories_updated += counts.updated;
                written.advisories_withdrawn += counts.withdrawn;
                match changed_advisories(store, &rows, &mut changed_packages).await {
                    Ok(()) => store.put_advisories(rows).await,
                    Err(e) => Err(e),
                }
            }
            Batch::Kev(entries) => store.put_kev(entries).await.map(|n| written.kev += n),
            Batch::Epss(scores) => store.put_epss(scores).await.map(|n| written.epss += n),
            Batch::Cwe(rows) => store.put_cwes(rows).await.map(|n| written.cwe += n),
        };
        if let Err(e) = result {
            store_error = Some(e);
            break;
        }
    }
    drop(rx);
    let (mut report, outcome) = reader.await.map_err(|e| FeedError::Reader(e.to_string()))?;
    if let Some(e) = store_error {
        return Err(e.into());
    }
    outcome.map_err(FeedError::Reader)?;
    report.advisories_new = written.advisories_new;
    report.advisories_updated = written.advisories_updated;
    report.advisories_withdrawn = written.advisories_withdrawn;
    report.kev = written.kev;
    report.epss = written.epss;
    report.cwe = written.cwe;
    let mut changed_packages: Vec<(String, String)> = changed_packages.into_iter().collect();
    changed_packages.sort();
    report.changed_packages = changed_packages;
    report.advisories_changed = report.advisories_new + report.advisories_updated > 0;
    report.exploitation_changed = report.kev + report.epss > 0;
    if report.advisories_changed {
        report.alias_ids = rebuild_alias_groups(store).await?;
    } else {
        report.alias_ids = store.intel_counts().await?.alias_ids;
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

/// Adds the packages `rows` name, and those their stored copies named (before they are
/// replaced), to `packages`.
async fn changed_advisories(
    store: &dyn Store,
    rows: &[AdvisoryRow],
    packages: &mut HashSet<(String, String)>,
) -> Result<(), StoreError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    packages.extend(store.advisory_packages_of(&ids).await?);
    packages.extend(rows.iter().flat_map(|r| r.packages.iter().cloned()));
    Ok(())
}

/// Rebuilds every alias group from the stored advisories that are not withdrawn; returns the
/// number of ids grouped.
pub async fn rebuild_alias_groups(store: &dyn Store) -> Result<u64, StoreError> {
    let lists = store.advisory_alias_lists().await?;
    let mut groups = AliasGroups::new();
    for (id, aliases) in &lists {
        groups.add_record(id, aliases.iter().map(String::as_str));
    }
    let members: Vec<(String, String)> = groups
        .groups()
        .into_iter()
        .flat_map(|g| {
            let canonical = g.first().map(|s| s.to_string()).unwrap_or_default();
            g.into_iter()
                .map(move |id| (id.to_owned(), canonical.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    let n = members.len() as u64;
    store.replace_alias_groups(members).await?;
    Ok(n)
}
