//! Ingest: report bytes → observations → identity keys → documents → the store, streaming, in
//! one transaction. Parsing, keying and writing documents each run on a blocking thread and
//! hand batches on through bounded channels, so the stages overlap and memory stays bounded.

use crate::risk::NewIssueScorer;
use rampart_engine::{CorrelationNote, Correlator, DefaultLifecycle, Unwritten};
use rampart_formats::{Diagnostic, Emitter, Format, ParseContext, ParseError};
use rampart_model::Lifecycle;
use rampart_model::{Environment, KeyedObservation, Observation, Scan, ToolInfo, ToolKind};
use rampart_store::codec::ScanPacker;
use rampart_store::{ScanEnd, ScanMeta, Store, StoreError};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use thiserror::Error;
use time::OffsetDateTime;

/// Observations per batch handed to the store.
pub const BATCH: usize = 2000;

/// Why an ingest failed. Nothing was stored.
#[derive(Debug, Error)]
pub enum IngestError {
    /// The report could not be parsed.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The file could not be opened.
    #[error("{file}: cannot open: {source}")]
    Open {
        /// File name.
        file: String,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// A request field is invalid.
    #[error("{0}")]
    Invalid(String),
}

/// Where a report belongs and how to read it.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Application name.
    pub application: String,
    /// Target name (default: the application name).
    pub target: Option<String>,
    /// Branch (default `main`).
    pub branch: String,
    /// Commit.
    pub commit: Option<String>,
    /// Environment.
    pub environment: Option<Environment>,
    /// Format, when detection should be skipped.
    pub format: Option<Format>,
    /// When the scan happened (default: now).
    pub at: Option<OffsetDateTime>,
    /// The SHA-256 (hex) the report's bytes must have; a mismatch fails the ingest before it
    /// commits (a queued ingest reads its report back from the store and checks it).
    pub expected_sha256: Option<String>,
}

impl IngestOptions {
    /// Options for `application` with defaults for the rest.
    pub fn new(application: impl Into<String>) -> Self {
        IngestOptions {
            application: application.into(),
            target: None,
            branch: "main".into(),
            commit: None,
            environment: None,
            format: None,
            at: None,
            expected_sha256: None,
        }
    }
}

/// What an ingest did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IngestReport {
    /// The report's file name.
    pub file_name: String,
    /// The stored scan with its summary.
    pub scan: Scan,
    /// The detected (or given) format.
    pub format: Format,
    /// The tools the report names.
    pub tools: Vec<ToolInfo>,
    /// The class of tool.
    pub tool_kind: Option<ToolKind>,
    /// Records skipped or degraded, with reasons.
    pub diagnostics: Vec<Diagnostic>,
    /// Report size in bytes.
    pub bytes: u64,
    /// Wall time.
    #[serde(serialize_with = "ser_secs")]
    pub elapsed: Duration,
    /// For SBOMs: the stored inventory's match against the advisories (a `rampart` scan).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matching: Option<crate::matching::MatchReport>,
    /// When the report's bytes are those of the latest scan of its streams: that scan. The
    /// scan was recorded without the report being parsed again (the store's
    /// [`RepeatScanStore`](rampart_store::RepeatScanStore)); `tools` then holds only names,
    /// and the diagnostics are the earlier ingest's (not repeated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat_of: Option<i64>,
}

fn ser_secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// Counts bytes read and hashes them, for progress and the report's SHA-256.
struct Tap<R> {
    inner: R,
    hasher: Sha256,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Tap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Ingests the report at `path`. `progress` receives the number of bytes read so far.
pub async fn ingest_path(
    store: &dyn Store,
    path: &Path,
    opts: &IngestOptions,
    progress: Arc<AtomicU64>,
) -> Result<IngestReport, IngestError> {
    let file_name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| IngestError::Open {
        file: file_name.clone(),
        source,
    })?;
    // A report that may repeat an earlier one is hashed first, so that an unchanged report is
    // recorded without being parsed (see `RepeatScanStore`). A first ingest skips this.
    let target = opts.target.as_deref().unwrap_or(&opts.application);
    let known = if opts.expected_sha256.is_none()
        && !opts.application.trim().is_empty()
        && store
            .has_reports(&opts.application, target, &opts.branch)
            .await?
    {
        let hashed = path.to_path_buf();
        let name = file_name.clone();
        Some(
            tokio::task::spawn_blocking(move || hash_file(&hashed))
                .await
                .map_err(|e| IngestError::Invalid(format!("hashing thread failed: {e}")))?
                .map_err(|source| IngestError::Open { file: name, source })?,
        )
    } else {
        None
    };
    ingest_stream(store, file, &file_name, opts, progress, known).await
}

/// The SHA-256 (hex) and length of the file at `path`.
fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut len = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        len += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), len))
}

/// Whether reading a report of `format` does more than make statements (an SBOM's inventory
/// is stored and matched): such a report is always read in full.
fn has_inventory(format: Format) -> bool {
    matches!(
        format,
        Format::CycloneDxJson | Format::CycloneDxXml | Format::SpdxJson | Format::SpdxTagValue
    )
}

/// Ingests a report read from `reader`, named `file_name` in messages.
pub async fn ingest_reader<R: Read + Send + 'static>(
    store: &dyn Store,
    reader: R,
    file_name: &str,
    opts: &IngestOptions,
    progress: Arc<AtomicU64>,
) -> Result<IngestReport, IngestError> {
    ingest_stream(store, reader, file_name, opts, progress, None).await
}

/// [`ingest_reader`], with the SHA-256 and length of the report when the caller hashed it
/// (`known`): a report that repeats the latest scan of its streams is then only recorded.
async fn ingest_stream<R: Read + Send + 'static>(
    store: &dyn Store,
    reader: R,
    file_name: &str,
    opts: &IngestOptions,
    progress: Arc<AtomicU64>,
    known: Option<(String, u64)>,
) -> Result<IngestReport, IngestError> {
    let started = Instant::now();
    if opts.application.trim().is_empty() {
        return Err(IngestError::Invalid(
            "an application name is required (--app)".into(),
        ));
    }
    let target = opts
        .target
        .clone()
        .unwrap_or_else(|| opts.application.clone());
    let key = store.installation_key().await?;
    let ctx = ParseContext::new(file_name, key);

    // Detect first (cheap), so that an unknown format fails before a transaction opens.
    let mut tap = Tap {
        inner: reader,
        hasher: Sha256::new(),
        read: progress.clone(),
    };
    let head = rampart_formats::detect::read_head(&mut tap, &ctx)?;
    let format = match opts.format {
        Some(f) => f,
        None => {
            rampart_formats::detect::detect(&head).map_err(|hint| ParseError::UnknownFormat {
                file: file_name.to_string(),
                hint,
            })?
        }
    };

    let meta = ScanMeta {
        application: opts.application.clone(),
        target: target.clone(),
        branch: opts.branch.clone(),
        commit: opts.commit.clone(),
        environment: opts.environment,
        format: format.name().to_string(),
        file_name: file_name.to_string(),
        // Known for a queued report: makes a second run of the same job record nothing.
        report_sha256: opts.expected_sha256.clone().unwrap_or_default(),
        ingested_at: opts.at.unwrap_or_else(OffsetDateTime::now_utc),
    };
    if let Some((sha, len)) = known.as_ref().filter(|_| !has_inventory(format))
        && let Some(repeated) = store.record_repeat(&meta, sha).await?
    {
        let scan = repeated.scan;
        crate::risk::after_ingest(store, &scan).await?;
        progress.store(*len, Ordering::Relaxed);
        return Ok(IngestReport {
            file_name: file_name.to_string(),
            tools: scan
                .tool
                .split(',')
                .filter(|t| !t.is_empty())
                .map(|t| ToolInfo {
                    name: t.to_string(),
                    version: None,
                })
                .collect(),
            scan,
            format,
            tool_kind: None,
            diagnostics: Vec::new(),
            bytes: *len,
            elapsed: started.elapsed(),
            matching: None,
            repeat_of: Some(repeated.repeats),
        });
    }
    let meta_copy = meta.clone();
    // New issues are stored with their risk score: each observation is scored as the lone
    // observation of the issue it may open (on the key thread, without the feeds' facts; the
    // writer rescores the few whose vulnerability ids the feeds know).
    let scorer = Arc::new(NewIssueScorer::new(
        store.app_profile(&opts.application).await?,
        &meta.target,
        &meta.branch,
        meta.environment,
        meta.ingested_at,
        DefaultLifecycle.on_seen(None).1,
    ));
    // ... and with its SLA due date, which for a new issue depends on its severity alone.
    let dues = crate::sla::NewIssueDues::read(
        store,
        &opts.application,
        DefaultLifecycle.on_seen(None).1,
        meta.ingested_at,
    )
    .await?;
    // The document thread packs observations as the store keeps them, sparing the writer, only
    // when most of them will be written: on the branch's first report. A rescan mostly repeats
    // statements the store already holds, which the writer skips unpacked.
    let pack = store.packs_observations()
        && !store
            .has_reports(&meta.application, &meta.target, &meta.branch)
            .await?;
    let mut session = store.begin_ingest(meta).await?;
    // What the application already knows, for pairing: read once per ingest, in chunks, into
    // the correlator's compact index, inside the write transaction (after its lock, so an
    // ingest of the same application that commits meanwhile is never missed).
    let mut correlator = Correlator::new(target);
    let prior_started = Instant::now();
    let mut prior = 0u64;
    session
        .correlation_notes(&mut |issue_key, note| {
            if let Ok(note) = serde_json::from_str::<CorrelationNote>(&note) {
                correlator.add_prior(&issue_key, note);
                prior += 1;
            }
        })
        .await?;
    tracing::debug!(
        prior,
        seconds = prior_started.elapsed().as_secs_f64(),
        "correlation prior index loaded"
    );

    // Four stages, each on its own thread, joined by bounded channels so memory stays bounded:
    // parse (blocking) → key (blocking) → write documents (blocking) → store (this task, with
    // the store's thread). Keying depends on the observations keyed before; the documents
    // (serializing, hashing, packing: a third of the work keying did alone) do not, so they
    // are written beside it.
    let (raw_tx, mut raw_rx) = tokio::sync::mpsc::channel::<Vec<Box<Observation>>>(4);
    let (unwritten_tx, mut unwritten_rx) = tokio::sync::mpsc::channel::<Vec<Unwritten>>(2);
    // A keyed batch, with the dictionary its documents are packed against when it is the first.
    type Keyed = (Vec<KeyedObservation>, Option<Vec<u8>>);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Keyed>(4);
    let parse_ctx = ctx.clone();
    let parser = tokio::task::spawn_blocking(move || {
        // Boxed here, once: the keying, document and store stages then hand pointers on.
        let mut batch: Vec<Box<Observation>> = Vec::with_capacity(BATCH);
        let mut sink = |o: Observation| -> Result<(), String> {
            batch.push(Box::new(o));
            if batch.len() >= BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                raw_tx
                    .blocking_send(full)
                    .map_err(|_| "the store stopped accepting observations".to_string())?;
            }
            Ok(())
        };
        let mut emitter = Emitter::new(&mut sink);
        let chained = std::io::BufReader::with_capacity(
            rampart_formats::READ_BUFFER,
            std::io::Cursor::new(head).chain(&mut tap),
        );
        let outcome = rampart_formats::parse_as(format, chained, &parse_ctx, &mut emitter);
        drop(emitter);
        if outcome.is_ok() && !batch.is_empty() {
            let _ = raw_tx.blocking_send(batch);
        }
        // Drain whatever the parser left unread (white space) so the hash covers the file.
        if outcome.is_ok() {
            let _ = std::io::copy(&mut tap, &mut std::io::sink());
        }
        (outcome, hex::encode(tap.hasher.finalize()))
    });
    let key_scorer = scorer.clone();
    let keyer = tokio::task::spawn_blocking(move || {
        let no_feed = std::collections::HashMap::new();
        while let Some(batch) = raw_rx.blocking_recv() {
            let keyed: Vec<Unwritten> = batch
                .into_iter()
                .map(|o| {
                    let mut u = correlator.key_only(o);
                    u.keyed.risk = key_scorer.score(&u.keyed.observation, &no_feed);
                    u.keyed.sla_due = dues.due(u.keyed.observation.severity.level);
                    u
                })
                .collect();
            if unwritten_tx.blocking_send(keyed).is_err() {
                break;
            }
        }
        correlator
    });
    let documents = tokio::task::spawn_blocking(move || {
        let mut scratch = Vec::new();
        // The scan's packer, trained on its first batch (a dictionary when it is large enough).
        let mut packer: Option<ScanPacker> = None;
        while let Some(batch) = unwritten_rx.blocking_recv() {
            let mut dictionary = None;
            // A packer exists only when `pack` is set, from the first batch on.
            let keyed: Vec<KeyedObservation> = match packer.as_mut() {
                // Packed from the scratch buffer: the store keeps only the packed form.
                Some(packer) => batch
                    .into_iter()
                    .map(|u| {
                        let (mut ko, json) = u.write_in(&mut scratch);
                        ko.stored = packer.pack(json);
                        ko
                    })
                    .collect(),
                _ => {
                    let mut keyed: Vec<KeyedObservation> =
                        batch.into_iter().map(|u| u.write(&mut scratch)).collect();
                    if pack {
                        let samples: Vec<&str> = keyed.iter().map(|k| k.json.as_str()).collect();
                        let mut trained = ScanPacker::for_samples(&samples);
                        dictionary = trained.dictionary().map(<[u8]>::to_vec);
                        for ko in &mut keyed {
                            ko.stored = trained.pack(&ko.json);
                        }
                        packer = Some(trained);
                    }
                    keyed
                }
            };
            if tx.blocking_send((keyed, dictionary)).is_err() {
                break;
            }
        }
    });

    let rules = DefaultLifecycle;
    let mut store_error = None;
    while let Some((mut batch, dictionary)) = rx.recv().await {
        if let Some(dictionary) = dictionary {
            session.use_dictionary(dictionary);
        }
        // Scored without the feeds on the keying thread: those naming an id the feeds know are
        // scored again with them.
        if batch.iter().any(|k| !k.observation.vuln_ids.is_empty())
            && let Err(e) = scorer.score_batch(store, &mut batch, true).await
        {
            store_error = Some(e);
            break;
        }
        if let Err(e) = session.write(batch, &rules).await {
            store_error = Some(e);
            break;
        }
    }
    drop(rx);
    documents
        .await
        .map_err(|e| IngestError::Invalid(format!("document thread failed: {e}")))?;
    let mut correlator = keyer
        .await
        .map_err(|e| IngestError::Invalid(format!("correlation thread failed: {e}")))?;
    let (outcome, sha) = parser
        .await
        .map_err(|e| IngestError::Invalid(format!("parser thread failed: {e}")))?;
    if let Some(e) = store_error {
        return Err(e.into());
    }
    let mut outcome = outcome?;
    if let Some(expected) = opts.expected_sha256.as_deref().filter(|e| *e != sha) {
        return Err(IngestError::Invalid(format!(
            "{file_name}: the report read back has SHA-256 {sha}, expected {expected}"
        )));
    }
    let mut tools: Vec<String> = outcome.tools.iter().map(|t| t.name.clone()).collect();
    // An SBOM: its inventory, matched, is written in this transaction (observations of tool
    // `rampart`, then the inventory and its digest), so a failed ingest stores none of it.
    let mut matching = None;
    if let Some(inventory) = outcome.inventory.take() {
        let m = crate::matching::match_sbom(store, &meta_copy, inventory).await?;
        let mut batch = Vec::with_capacity(BATCH.min(m.observations.len()));
        for o in m.observations {
            let mut ko = correlator.key(o);
            ko.sla_due = dues.due(ko.observation.severity.level);
            batch.push(ko);
            if batch.len() >= BATCH {
                let mut full = std::mem::take(&mut batch);
                scorer.score_batch(store, &mut full, false).await?;
                session.write(full, &rules).await?;
            }
        }
        if !batch.is_empty() {
            scorer.score_batch(store, &mut batch, false).await?;
            session.write(batch, &rules).await?;
        }
        let previous = session.put_inventory(m.inventory, &m.digest).await?;
        tools.push(rampart_intel::observe::TOOL.to_owned());
        matching = Some((m.report, previous != m.digest));
    }
    free_in_background(correlator);
    let scan = session
        .finish(
            ScanEnd {
                tools,
                report_sha256: sha,
            },
            &rules,
        )
        .await?;
    crate::risk::after_ingest(store, &scan).await?;
    let matching = matching.map(|(mut report, changed)| {
        if changed {
            report.changed.push(crate::matching::TargetChange {
                application: scan.application.clone(),
                target: scan.target.clone(),
                branch: scan.branch.clone(),
                matches: report.matches,
                summary: scan.summary.clone(),
                scan_id: scan.id,
            });
        }
        report
    });
    Ok(IngestReport {
        file_name: file_name.to_string(),
        scan,
        format,
        tools: outcome.tools,
        tool_kind: outcome.tool_kind,
        diagnostics: outcome.diagnostics,
        bytes: progress.load(Ordering::Relaxed),
        elapsed: started.elapsed(),
        matching,
        repeat_of: None,
    })
}

/// Frees `value` on a thread of its own, which nothing waits for. A large report's correlator
/// holds an entry per finding, in many small allocations: freeing it on the ingest's path took
/// about 70 ms after 200,000 Trivy findings (perf, docs/benchmarks.md), after a commit that keeps
/// only one core busy. When no thread can start, the value is freed here.
fn free_in_background<T: Send + 'static>(value: T) {
    // A failed spawn drops the closure, and the value with it.
    let _ = std::thread::Builder::new()
        .name("rampart-free".into())
        .spawn(move || drop(value));
}

#[cfg(test)]
mod tests {
    use super::free_in_background;
    use std::sync::mpsc::{Sender, channel};
    use std::thread::ThreadId;
    use std::time::Duration;

    /// Says on which thread it is dropped.
    struct Tell(Sender<ThreadId>);

    impl Drop for Tell {
        fn drop(&mut self) {
            let _ = self.0.send(std::thread::current().id());
        }
    }

    #[test]
    fn a_value_freed_in_background_is_freed_on_another_thread() {
        let (tx, rx) = channel();
        free_in_background(Tell(tx));
        let on = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the value was never freed");
        assert_ne!(on, std::thread::current().id());
    }
}
