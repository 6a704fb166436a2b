//! Operations: Prometheus metrics at `/metrics`, liveness at `/healthz`, readiness at
//! `/readyz`, and the middleware that counts and times every request and logs it (method,
//! route, status, duration: never a header, so no token or cookie reaches the log).

mod metrics;

pub use metrics::Metrics;

use crate::AppState;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::time::Instant;

/// The operations routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/metrics", get(metrics_text))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

/// Counts and times a request under its route pattern (`/api/v1/issues/{id}`, never the
/// concrete path, so label sets stay few), and logs it.
pub async fn track_requests(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let response = next.run(req).await;
    let elapsed = start.elapsed();
    let status = response.status().as_u16();
    state
        .metrics
        .observe_request(method.as_str(), &route, status, elapsed);
    tracing::info!(
        target: "rampart::http",
        method = %method,
        route,
        status,
        ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    response
}

async fn healthz() -> &'static str {
    "ok\n"
}

/// Ready when the store answers and its schema is current (the store runs its migrations on
/// open, so an answer from the auth tables, the newest, says they ran).
async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.list_teams().await {
        Ok(_) => (StatusCode::OK, "ready\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "store unreachable\n").into_response()
        }
    }
}

async fn metrics_text(State(state): State<AppState>) -> Response {
    let jobs = state.store.list_jobs(None, 10_000).await.ok();
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(jobs.as_deref()),
    )
        .into_response()
}
