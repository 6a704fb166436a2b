//! The `ingest` job: a report whose bytes were stored in the database (a report blob) is
//! ingested by whichever worker claims the job.
//!
//! Queuing ([`enqueue_ingest`]) hashes the report, uploads it chunk by chunk unless the same
//! bytes are already stored, and enqueues a job whose payload ([`IngestJob`]) names the blob
//! and carries the ingest options. Running it ([`IngestHandler`]) streams the chunks back into
//! the ordinary ingest pipeline, which checks the digest before it commits; the job's result
//! is the [`crate::IngestReport`]. The blob is deleted when the last job naming it ends.

use super::{INGEST, JobContext, JobError, JobHandler};
use crate::ingest::{IngestError, IngestOptions, ingest_reader};
use async_trait::async_trait;
use rampart_formats::Format;
use rampart_model::Environment;
use rampart_store::blobs::{CHUNK_SIZE, chunk_count};
use rampart_store::{Job, NewJob, Store, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use time::OffsetDateTime;

/// The stored report an ingest job reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRef {
    /// SHA-256 of the bytes, hex (the blob's name).
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// The file name it was queued from (shown in messages and recorded on the scan).
    pub file_name: String,
}

/// The payload of an `ingest` job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestJob {
    /// The report.
    pub report: ReportRef,
    /// Application name.
    pub application: String,
    /// Target name (default: the application).
    pub target: Option<String>,
    /// Branch.
    pub branch: String,
    /// Commit.
    pub commit: Option<String>,
    /// Environment (`production`, `staging`, `dev`).
    pub environment: Option<String>,
    /// Format name, when detection is skipped.
    pub format: Option<String>,
    /// Scan time: when the report was queued (so a retry records the same time).
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

impl IngestJob {
    /// The payload for `report` ingested with `opts` (queued now unless `opts.at` says when).
    pub fn new(report: ReportRef, opts: &IngestOptions) -> IngestJob {
        IngestJob {
            report,
            application: opts.application.clone(),
            target: opts.target.clone(),
            branch: opts.branch.clone(),
            commit: opts.commit.clone(),
            environment: opts.environment.map(|e| e.as_str().to_string()),
            format: opts.format.map(|f| f.name().to_string()),
            at: opts.at.unwrap_or_else(OffsetDateTime::now_utc),
        }
    }

    /// The ingest options this payload asks for.
    pub fn options(&self) -> Result<IngestOptions, String> {
        let mut o = IngestOptions::new(&self.application);
        o.target = self.target.clone();
        o.branch = self.branch.clone();
        o.commit = self.commit.clone();
        o.environment = self
            .environment
            .as_deref()
            .map(str::parse::<Environment>)
            .transpose()?;
        o.format = self
            .format
            .as_deref()
            .map(|f| Format::from_name(f).ok_or_else(|| format!("unknown format `{f}`")))
            .transpose()?;
        o.at = Some(self.at);
        o.expected_sha256 = Some(self.report.sha256.clone());
        Ok(o)
    }
}

/// Stores the report at `path` (unless the same bytes are stored already) and queues its
/// ingest. Returns the job id.
pub async fn enqueue_ingest(
    store: &dyn Store,
    path: &Path,
    opts: &IngestOptions,
) -> Result<i64, IngestError> {
    let file_name = path.display().to_string();
    let open = || {
        std::fs::File::open(path).map_err(|source| IngestError::Open {
            file: file_name.clone(),
            source,
        })
    };
    // First pass: the digest and size, without holding the file in memory.
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut file = open()?;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(|source| IngestError::Open {
            file: file_name.clone(),
            source,
        })?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    let report = ReportRef {
        sha256: hex::encode(hasher.finalize()),
        size,
        file_name: file_name.clone(),
    };
    enqueue_stored(store, report, opts, &mut || Ok(Box::new(open()?))).await
}

/// Queues the ingest of a report held in memory (an API upload), named `file_name`.
pub async fn enqueue_ingest_reader(
    store: &dyn Store,
    bytes: &[u8],
    file_name: &str,
    opts: &IngestOptions,
) -> Result<i64, IngestError> {
    let report = ReportRef {
        sha256: hex::encode(Sha256::digest(bytes)),
        size: bytes.len() as u64,
        file_name: file_name.to_string(),
    };
    enqueue_stored(store, report, opts, &mut || {
        Ok(Box::new(std::io::Cursor::new(bytes)))
    })
    .await
}

/// A fresh reader of a report's bytes, for each upload.
type Reopen<'a> = dyn FnMut() -> Result<Box<dyn Read + Send + 'a>, IngestError> + Send + 'a;

/// Uploads `report` (read with `reopen`) and queues its ingest with `opts`.
async fn enqueue_stored(
    store: &dyn Store,
    report: ReportRef,
    opts: &IngestOptions,
    reopen: &mut Reopen<'_>,
) -> Result<i64, IngestError> {
    upload(store, &report, reopen()?.as_mut()).await?;
    let job = IngestJob::new(report.clone(), opts);
    let payload = serde_json::to_value(&job)
        .map_err(|e| IngestError::Invalid(format!("ingest job payload: {e}")))?;
    let id = store.enqueue_job(NewJob::new(INGEST, payload)).await?;
    // A worker that finished another job on the same bytes may have deleted the blob between
    // the upload and the enqueue; now that this job names it, it stays: upload it again.
    if store.report_blob(&report.sha256).await?.is_none() {
        upload(store, &report, reopen()?.as_mut()).await?;
    }
    Ok(id)
}

/// Writes the chunks of `report`, read from `reader`, and seals the blob.
async fn upload(
    store: &dyn Store,
    report: &ReportRef,
    reader: &mut (dyn Read + Send),
) -> Result<(), IngestError> {
    if !store.begin_report_blob(&report.sha256, report.size).await? {
        return Ok(()); // the same bytes are stored already
    }
    let mut chunk = vec![0u8; CHUNK_SIZE];
    for seq in 0..chunk_count(report.size) {
        let mut filled = 0;
        while filled < CHUNK_SIZE {
            let n = reader
                .read(&mut chunk[filled..])
                .map_err(|source| IngestError::Open {
                    file: report.file_name.clone(),
                    source,
                })?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        store
            .put_report_chunk(&report.sha256, seq, &chunk[..filled])
            .await?;
    }
    store.seal_report_blob(&report.sha256).await?;
    Ok(())
}

/// Reads a stored report chunk by chunk. The first chunk is fetched before reading starts
/// (format detection reads from it on an async thread); later chunks are fetched by a task
/// and handed over through a bounded channel, read on the parser's blocking thread.
struct BlobReader {
    current: std::io::Cursor<Vec<u8>>,
    rest: Option<tokio::sync::mpsc::Receiver<Result<Vec<u8>, StoreError>>>,
}

impl BlobReader {
    async fn open(store: Arc<dyn Store>, report: &ReportRef) -> Result<BlobReader, StoreError> {
        let info = store.report_blob(&report.sha256).await?.ok_or_else(|| {
            StoreError::NotFound(format!(
                "report {} ({}) is not stored (uploaded but not sealed, or deleted)",
                report.file_name, report.sha256
            ))
        })?;
        let first = if info.chunks > 0 {
            store.report_chunk(&info.sha256, 0).await?
        } else {
            Vec::new()
        };
        let rest = (info.chunks > 1).then(|| {
            let (tx, rx) = tokio::sync::mpsc::channel(2);
            tokio::spawn(async move {
                for seq in 1..info.chunks {
                    let chunk = store.report_chunk(&info.sha256, seq).await;
                    let failed = chunk.is_err();
                    if tx.send(chunk).await.is_err() || failed {
                        break;
                    }
                }
            });
            rx
        });
        Ok(BlobReader {
            current: std::io::Cursor::new(first),
            rest,
        })
    }
}

impl Read for BlobReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let n = self.current.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            let Some(rx) = self.rest.as_mut() else {
                return Ok(0);
            };
            match rx.blocking_recv() {
                Some(Ok(chunk)) => self.current = std::io::Cursor::new(chunk),
                Some(Err(e)) => return Err(std::io::Error::other(e.to_string())),
                None => {
                    self.rest = None;
                    return Ok(0);
                }
            }
        }
    }
}

/// Runs `ingest` jobs.
#[derive(Debug, Default, Clone, Copy)]
pub struct IngestHandler;

#[async_trait]
impl JobHandler for IngestHandler {
    fn kind(&self) -> &'static str {
        INGEST
    }

    async fn run(&self, job: &Job, ctx: &JobContext) -> Result<serde_json::Value, JobError> {
        let payload: IngestJob = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Permanent(format!("ingest job payload: {e}")))?;
        let opts = payload.options().map_err(JobError::Permanent)?;
        let reader = BlobReader::open(ctx.store().clone(), &payload.report)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        let read = Arc::new(AtomicU64::new(0));
        let (counter, total) = (read.clone(), payload.report.size);
        ctx.set_progress(Box::new(move || {
            serde_json::json!({ "bytes_read": counter.load(Ordering::Relaxed), "bytes_total": total })
        }));
        let outcome = ingest_reader(
            ctx.store().as_ref(),
            reader,
            &payload.report.file_name,
            &opts,
            read,
        )
        .await;
        let report = match outcome {
            Ok(report) => report,
            // An earlier attempt of this job committed its scan (its lease ran out before it
            // could say so): the job is done, once.
            Err(IngestError::Store(StoreError::AlreadyIngested(id))) => {
                let scan = ctx
                    .store()
                    .list_scans(Some(&payload.application), 1000)
                    .await
                    .map_err(|e| JobError::Retry(e.to_string()))?
                    .into_iter()
                    .find(|s| s.id == id);
                return Ok(serde_json::json!({
                    "file_name": payload.report.file_name,
                    "scan": scan,
                    "already_ingested": true,
                }));
            }
            // The database may come back, so a store error is retried, unless the scan was
            // committed and a step after it (the risk recompute) failed: ingesting again would
            // record the report twice.
            Err(IngestError::Store(e)) => {
                let scans = ctx
                    .store()
                    .list_scans(Some(&payload.application), 1000)
                    .await
                    .map_err(|e| JobError::Retry(e.to_string()))?;
                return match scans.into_iter().find(|s| {
                    s.report_sha256 == payload.report.sha256 && s.ingested_at == payload.at
                }) {
                    Some(scan) => Ok(serde_json::json!({
                        "file_name": payload.report.file_name,
                        "scan": scan,
                        "post_ingest_error": e.to_string(),
                    })),
                    None => Err(JobError::Retry(e.to_string())),
                };
            }
            Err(other) => return Err(JobError::Permanent(other.to_string())),
        };
        serde_json::to_value(&report)
            .map_err(|e| JobError::Permanent(format!("ingest result: {e}")))
    }

    async fn finished(&self, store: &dyn Store, job: &Job) {
        if let Some(sha) = job.payload["report"]["sha256"].as_str()
            && let Err(e) = store.release_report_blob(sha).await
        {
            tracing::warn!(job = job.id, "cannot delete report blob {sha}: {e}");
        }
    }
}
