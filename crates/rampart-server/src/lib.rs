//! Rampart's server: the REST API (`api`), authentication and access control (`auth`) and the
//! web dashboard (`web`), one axum [`Router`] over one [`Store`].
//!
//! The server is stateless between requests: everything lives in the store, long work is a job
//! row, so several `rampart serve` processes can share one PostgreSQL. It must never hold a
//! rule (those live in `rampart-engine`) or write SQL (only `rampart-store` does).

pub mod api;
pub mod auth;
pub mod web;

use axum::Router;
use rampart_store::Store;
use std::sync::Arc;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Arc<dyn Store>,
}

/// The whole application: API under `/api`, the dashboard everywhere else.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(api::router())
        .merge(web::router())
        .with_state(state)
}
