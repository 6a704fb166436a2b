//! Report blobs (the bytes of queued ingests) and the job calls a worker uses around them:
//! progress, release on shutdown, giving up for good.

use crate::backend::Backend;
use rampart_store::blobs::CHUNK_SIZE;
use rampart_store::{JobState, NewJob, StoreError};
use serde_json::json;

fn digest(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

pub async fn report_blobs_round_trip_and_release(b: &Backend) {
    let s = b.store.as_ref();
    let sha = digest(0xab);
    // Two chunks: a full one and a short one, distinct content.
    let bytes: Vec<u8> = (0..CHUNK_SIZE + 1000)
        .map(|i| (i % 251) as u8 ^ (i / 4096) as u8)
        .collect();
    assert!(s.report_blob(&sha).await.unwrap().is_none());
    assert!(s.begin_report_blob(&sha, bytes.len() as u64).await.unwrap());
    s.put_report_chunk(&sha, 0, &bytes[..CHUNK_SIZE])
        .await
        .unwrap();
    // Not complete yet: it cannot be sealed, and readers do not see it.
    assert!(matches!(
        s.seal_report_blob(&sha).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(s.report_blob(&sha).await.unwrap().is_none());
    assert!(s.report_chunk(&sha, 0).await.is_err());
    s.put_report_chunk(&sha, 1, &bytes[CHUNK_SIZE..])
        .await
        .unwrap();
    let info = s.seal_report_blob(&sha).await.unwrap();
    assert_eq!((info.size, info.chunks), (bytes.len() as u64, 2));
    assert_eq!(s.report_blob(&sha).await.unwrap(), Some(info));
    assert_eq!(s.report_chunk(&sha, 0).await.unwrap(), &bytes[..CHUNK_SIZE]);
    assert_eq!(s.report_chunk(&sha, 1).await.unwrap(), &bytes[CHUNK_SIZE..]);
    assert!(s.report_chunk(&sha, 2).await.is_err());
    // Stored compressed.
    let stored = b
        .scalar("SELECT CAST(SUM(LENGTH(data)) AS BIGINT) FROM report_blob_chunks")
        .await;
    assert!((stored as usize) < bytes.len() / 2, "stored {stored} bytes");
    // The same bytes again: nothing to upload.
    assert!(!s.begin_report_blob(&sha, bytes.len() as u64).await.unwrap());
    // Not a digest: refused.
    assert!(s.begin_report_blob("../etc", 1).await.is_err());

    // A queued job names it: it stays; once the job has ended it goes.
    let id = s
        .enqueue_job(NewJob::new(
            "ingest",
            json!({ "report": { "sha256": sha, "size": bytes.len(), "file_name": "r.sarif" } }),
        ))
        .await
        .unwrap();
    assert!(!s.release_report_blob(&sha).await.unwrap());
    let job = s.claim_job("w", &["ingest"]).await.unwrap().unwrap();
    assert!(!s.release_report_blob(&sha).await.unwrap(), "running");
    s.complete_job(job.id, "w", json!({})).await.unwrap();
    assert_eq!(
        s.get_job(id).await.unwrap().unwrap().state,
        JobState::Succeeded
    );
    assert!(s.release_report_blob(&sha).await.unwrap());
    assert!(s.report_blob(&sha).await.unwrap().is_none());
    assert_eq!(b.scalar("SELECT COUNT(*) FROM report_blob_chunks").await, 0);

    // An upload that died half way restarts cleanly, with another size.
    let small = digest(0x01);
    assert!(
        s.begin_report_blob(&small, 3 * CHUNK_SIZE as u64)
            .await
            .unwrap()
    );
    s.put_report_chunk(&small, 2, b"tail").await.unwrap();
    assert!(s.begin_report_blob(&small, 5).await.unwrap());
    s.put_report_chunk(&small, 0, b"hello").await.unwrap();
    assert_eq!(s.seal_report_blob(&small).await.unwrap().chunks, 1);
    assert_eq!(s.report_chunk(&small, 0).await.unwrap(), b"hello");
    assert_eq!(
        b.scalar(&format!(
            "SELECT COUNT(*) FROM report_blob_chunks WHERE sha256 = '{small}'"
        ))
        .await,
        1
    );
}

pub async fn progress_release_and_give_up(b: &Backend) {
    let s = b.store.as_ref();
    let id = s
        .enqueue_job(NewJob::new("ingest", json!({ "n": 1 })))
        .await
        .unwrap();
    let job = s.claim_job("w1", &[]).await.unwrap().unwrap();
    assert_eq!((job.id, job.attempts, job.progress.clone()), (id, 1, None));
    s.report_job_progress(id, "w1", json!({ "bytes_read": 10, "bytes_total": 40 }))
        .await
        .unwrap();
    let seen = s.get_job(id).await.unwrap().unwrap();
    assert_eq!(
        seen.progress,
        Some(json!({ "bytes_read": 10, "bytes_total": 40 }))
    );
    assert!(seen.locked_until.unwrap() >= job.locked_until.unwrap());
    // Another worker can neither report progress on it nor release it.
    assert!(matches!(
        s.report_job_progress(id, "w2", json!({})).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.release_job(id, "w2").await,
        Err(StoreError::NotFound(_))
    ));
    // Released on shutdown: queued again at once, the attempt not counted.
    s.release_job(id, "w1").await.unwrap();
    let queued = s.get_job(id).await.unwrap().unwrap();
    assert_eq!((queued.state, queued.attempts), (JobState::Queued, 0));
    assert!(queued.locked_until.is_none());
    let again = s.claim_job("w2", &[]).await.unwrap().unwrap();
    assert_eq!((again.id, again.attempts), (id, 1));
    // A failure no retry mends: failed for good although attempts remain.
    s.give_up_job(id, "w2", "malformed report").await.unwrap();
    let failed = s.get_job(id).await.unwrap().unwrap();
    assert_eq!(failed.state, JobState::Failed);
    assert_eq!(failed.last_error.as_deref(), Some("malformed report"));
    assert!(failed.finished_at.is_some());
    assert!(s.claim_job("w3", &[]).await.unwrap().is_none());
    assert!(s.give_up_job(id, "w2", "twice").await.is_err());
}
