//! Rampart's server: the REST API (`api`), authentication and access control (`auth`), the
//! web dashboard (`web`) and operations (`ops`: metrics, health), one axum [`Router`] over one
//! [`Store`].
//!
//! The server is stateless between requests: everything lives in the store, long work is a job
//! row, so several `rampart serve` processes can share one PostgreSQL. It must never hold a
//! rule (those live in `rampart-engine`) or write SQL (only `rampart-store` does).

pub mod api;
pub mod auth;
pub mod config;
pub mod error;
pub mod ops;
pub mod web;

pub use config::ServerConfig;
pub use error::ApiError;

use axum::Router;
use rampart_store::Store;
use std::sync::Arc;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Arc<dyn Store>,
    /// Authentication settings and login rate limiters.
    pub auth: Arc<auth::AuthState>,
    /// Request and job counters for `/metrics`.
    pub metrics: Arc<ops::Metrics>,
    /// The configuration the server runs with.
    pub config: Arc<ServerConfig>,
}

impl AppState {
    /// The state of a server on `store` configured by `config`.
    pub fn new(store: Arc<dyn Store>, config: ServerConfig) -> AppState {
        AppState {
            store,
            auth: Arc::new(auth::AuthState::new(&config.auth)),
            metrics: Arc::new(ops::Metrics::default()),
            config: Arc::new(config),
        }
    }
}

/// The whole application: API under `/api`, operations endpoints (`/metrics`, `/healthz`,
/// `/readyz`), the dashboard everywhere else; every request counted and timed.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(api::router(&state))
        .merge(ops::router())
        .merge(web::router())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ops::track_requests,
        ))
        .with_state(state)
}
