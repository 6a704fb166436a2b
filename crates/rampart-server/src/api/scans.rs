//! Uploading a scan (`POST /api/v1/scans`: the raw report as the body, or multipart with a
//! `file` part) queues an ingest job through the report blobs and answers 202 with the job
//! id at once; `GET /api/v1/jobs/{id}` tells its progress and result.
//!
//! Who may upload: the ingest role (or higher) in the team that owns the application (the
//! catalog's `team`); administrators anywhere. An ingest-only token reads back only the jobs it
//! queued; a reader sees the jobs of applications in its teams.

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use rampart_formats::Format;
use rampart_model::{Environment, Role};
use rampart_service::IngestOptions;
use rampart_service::jobs::{IngestJob, enqueue_ingest_reader};
use rampart_store::{Job, JobState};
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;
use utoipa::{IntoParams, ToSchema};

/// What the upload is about.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadParams {
    /// Application (required; may also be a multipart field).
    pub application: Option<String>,
    /// Target (default: the application).
    pub target: Option<String>,
    /// Branch (default `main`).
    pub branch: Option<String>,
    /// Commit.
    pub commit: Option<String>,
    /// Environment: production, staging, dev.
    pub environment: Option<String>,
    /// Format name, to skip detection (`sarif`, `trivy`, `cyclonedx` ...).
    pub format: Option<String>,
    /// The report's file name (recorded on the scan).
    pub file_name: Option<String>,
}

/// An accepted upload.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScanAccepted {
    /// The ingest job.
    pub job_id: i64,
    /// Where to follow it.
    pub job_url: String,
    /// The format detected (or given).
    pub format: String,
    /// Bytes received.
    pub bytes: u64,
}

/// A job as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobView {
    /// Id.
    pub id: i64,
    /// Kind (`ingest`).
    pub kind: String,
    /// queued, running, succeeded, failed.
    pub state: String,
    /// Attempts so far.
    pub attempts: u32,
    /// The application (ingest jobs).
    pub application: Option<String>,
    /// Progress while running (`bytes_read`, `bytes_total`, ...).
    #[schema(value_type = Option<Object>)]
    pub progress: Option<serde_json::Value>,
    /// The ingest report once succeeded: counts of new, unchanged, fixed and reopened issues.
    #[schema(value_type = Option<Object>)]
    pub result: Option<serde_json::Value>,
    /// Why the last attempt failed.
    pub error: Option<String>,
    /// Queued at.
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    /// Finished at.
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<time::OffsetDateTime>,
}

fn job_application(j: &Job) -> Option<String> {
    serde_json::from_value::<IngestJob>(j.payload.clone())
        .ok()
        .map(|p| p.application)
}

impl From<Job> for JobView {
    fn from(j: Job) -> JobView {
        JobView {
            application: job_application(&j),
            id: j.id,
            kind: j.kind,
            state: j.state.as_str().into(),
            attempts: j.attempts,
            progress: j.progress,
            result: j.result,
            error: if j.state == JobState::Succeeded {
                None
            } else {
                j.last_error
            },
            created_at: j.created_at,
            finished_at: j.finished_at,
        }
    }
}

/// Upload a scan report; it is ingested by a job (202 with the job id at once).
#[utoipa::path(post, path = "/api/v1/scans", tag = "scans", params(UploadParams),
    request_body(content = Vec<u8>, description = "the report (raw body), or multipart/form-data with a `file` part",
        content_type = "application/octet-stream"),
    responses((status = 202, body = ScanAccepted), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Query(mut p): Query<UploadParams>,
    req: Request,
) -> Result<
    (
        StatusCode,
        [(header::HeaderName, String); 1],
        Json<ScanAccepted>,
    ),
    ApiError,
> {
    caller.require(Role::Ingest)?;
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let bytes = if multipart {
        read_multipart(
            Multipart::from_request(req, &state)
                .await
                .map_err(|e| ApiError::bad_request(e.body_text()))?,
            &mut p,
        )
        .await?
    } else {
        Bytes::from_request(req, &state).await.map_err(too_large)?
    };
    let application = p
        .application
        .clone()
        .filter(|a| !a.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("`application` is required"))?;
    if bytes.is_empty() {
        return Err(ApiError::bad_request("the report is empty"));
    }
    // Only into an application the caller's teams own (administrators: any).
    if !state
        .store
        .application_visible(&application, &caller.scope_for(Role::Ingest))
        .await?
        && !caller.admin
    {
        return Err(ApiError::not_found(format!(
            "application `{application}` (uploads go to applications your teams own in the catalog)"
        )));
    }
    let file_name = p.file_name.clone().unwrap_or_else(|| "upload".into());
    let format = match &p.format {
        Some(f) => Format::from_name(f)
            .ok_or_else(|| ApiError::bad_request(format!("unknown format `{f}`")))?,
        None => {
            rampart_formats::detect(&bytes[..bytes.len().min(rampart_formats::detect::HEAD_LEN)])
                .map_err(|e| ApiError::bad_request(format!("{file_name}: {e}")))?
        }
    };
    let mut opts = IngestOptions::new(&application);
    opts.target = p.target.clone();
    if let Some(b) = &p.branch {
        opts.branch = b.clone();
    }
    opts.commit = p.commit.clone();
    opts.environment = p
        .environment
        .as_deref()
        .map(|e| e.parse::<Environment>().map_err(ApiError::bad_request))
        .transpose()?;
    opts.format = Some(format);
    let job_id = enqueue_ingest_reader(state.store.as_ref(), &bytes, &file_name, &opts)
        .await
        .map_err(ApiError::internal)?;
    state
        .store
        .record_job_submitter(job_id, &caller.subject)
        .await?;
    state.metrics.uploads.fetch_add(1, Ordering::Relaxed);
    state
        .metrics
        .upload_bytes
        .fetch_add(bytes.len() as u64, Ordering::Relaxed);
    tracing::info!(
        job_id,
        application,
        bytes = bytes.len(),
        format = format.name(),
        subject = caller.subject,
        "scan queued"
    );
    let job_url = format!("/api/v1/jobs/{job_id}");
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, job_url.clone())],
        Json(ScanAccepted {
            job_id,
            job_url,
            format: format.name().into(),
            bytes: bytes.len() as u64,
        }),
    ))
}

fn too_large(e: axum::extract::rejection::BytesRejection) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            e.body_text(),
        )
    } else {
        ApiError::bad_request(e.body_text())
    }
}

/// The `file` part's bytes; other text parts fill the parameters the query string left out.
async fn read_multipart(mut m: Multipart, p: &mut UploadParams) -> Result<Bytes, ApiError> {
    let mut file = None;
    while let Some(field) = m
        .next_field()
        .await
        .map_err(|e| ApiError::bad_request(e.body_text()))?
    {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            if p.file_name.is_none() {
                p.file_name = field.file_name().map(String::from);
            }
            file = Some(field.bytes().await.map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "payload_too_large",
                        e.body_text(),
                    )
                } else {
                    ApiError::bad_request(e.body_text())
                }
            })?);
            continue;
        }
        let value = field
            .text()
            .await
            .map_err(|e| ApiError::bad_request(e.body_text()))?;
        let slot = match name.as_str() {
            "application" => &mut p.application,
            "target" => &mut p.target,
            "branch" => &mut p.branch,
            "commit" => &mut p.commit,
            "environment" => &mut p.environment,
            "format" => &mut p.format,
            "file_name" => &mut p.file_name,
            other => {
                return Err(ApiError::bad_request(format!(
                    "unknown multipart field `{other}`"
                )));
            }
        };
        if slot.is_none() {
            *slot = Some(value);
        }
    }
    file.ok_or_else(|| ApiError::bad_request("multipart upload without a `file` part"))
}

/// A job's state, progress and result.
#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "scans", params(("id" = i64, Path)),
    responses((status = 200, body = JobView), (status = 404, body = ErrorBody)))]
pub async fn get_job(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<JobView>, ApiError> {
    let not_found = || ApiError::not_found(format!("job {id}"));
    let job = state.store.get_job(id).await?.ok_or_else(not_found)?;
    let own = state.store.job_submitter(id).await?.as_deref() == Some(caller.subject.as_str());
    let readable = caller.may(Role::Read)
        && match job_application(&job) {
            Some(app) => {
                state
                    .store
                    .application_visible(&app, &caller.scope_for(Role::Read))
                    .await?
            }
            None => caller.admin,
        };
    if !own && !readable {
        return Err(not_found());
    }
    Ok(Json(job.into()))
}
