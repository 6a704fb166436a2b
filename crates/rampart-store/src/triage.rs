//! Triage decisions in the store (issue 5): set, undo, expire, and the history of an issue.
//! [`TriageStore`] is a supertrait of [`Store`](crate::Store); both backends implement it
//! (`sqlite/triage.rs`, `postgres/triage.rs`). The store records and applies decisions; whether
//! a request is complete is `TriageRequest::validate` (model), checked by the service.

use crate::Result;
use async_trait::async_trait;
use rampart_model::{Issue, TriageDecision, TriageRequest};
use time::OffsetDateTime;

/// Triage storage.
#[async_trait]
pub trait TriageStore: Send + Sync {
    /// Records `request` on issue `issue` at `at` and sets the issue's status: one
    /// transaction. The decision in force before (if any) ends as `superseded`. `None` when the
    /// issue does not exist.
    async fn triage(
        &self,
        issue: i64,
        request: &TriageRequest,
        at: OffsetDateTime,
    ) -> Result<Option<TriageDecision>>;

    /// Undoes the decision in force on `issue`: it ends (`undone by <actor>`) and the issue
    /// gets back the status it had before. `None` when no decision is in force.
    async fn undo_triage(
        &self,
        issue: i64,
        actor: &str,
        at: OffsetDateTime,
    ) -> Result<Option<TriageDecision>>;

    /// Every decision on `issue`, oldest first.
    async fn triage_history(&self, issue: i64) -> Result<Vec<TriageDecision>>;

    /// Ends every risk acceptance whose expiry is at or before `now`: the issue reopens
    /// (`reopened` while a tool still reports it, else `fixed`). Returns the issues reopened.
    async fn expire_triage(&self, now: OffsetDateTime) -> Result<Vec<i64>>;

    /// The decisions in force on `application`'s issues, with their issues, by issue id.
    async fn triaged_issues(&self, application: &str) -> Result<Vec<(Issue, TriageDecision)>>;
}
