//! Triage use cases: decide (checked with `TriageRequest::validate`), undo, expire; each
//! rescores the issues it touched.

use crate::ingest::IngestError;
use crate::risk::recompute_issues;
use rampart_model::{TriageDecision, TriageRequest};
use rampart_store::Store;
use time::OffsetDateTime;

/// Records a triage decision on issue `id` and rescores it.
pub async fn decide(
    store: &dyn Store,
    id: i64,
    request: &TriageRequest,
    now: OffsetDateTime,
) -> Result<TriageDecision, IngestError> {
    request
        .validate(now)
        .map_err(|e| IngestError::Invalid(format!("issue {id}: {e}")))?;
    let d = store
        .triage(id, request, now)
        .await?
        .ok_or_else(|| IngestError::Invalid(format!("no issue with id {id}")))?;
    rescore(store, &[id], now).await?;
    Ok(d)
}

/// Undoes the decision in force on issue `id` and rescores it.
pub async fn undo(
    store: &dyn Store,
    id: i64,
    actor: &str,
    now: OffsetDateTime,
) -> Result<TriageDecision, IngestError> {
    let d = store.undo_triage(id, actor, now).await?.ok_or_else(|| {
        IngestError::Invalid(format!("issue {id} has no triage decision in force"))
    })?;
    rescore(store, &[id], now).await?;
    Ok(d)
}

/// Reopens every risk acceptance expired at `now` and rescores those issues.
pub async fn expire(store: &dyn Store, now: OffsetDateTime) -> Result<Vec<i64>, IngestError> {
    let ids = store.expire_triage(now).await?;
    rescore(store, &ids, now).await?;
    Ok(ids)
}

/// Rescores `ids`, grouped by application, and stores their SLA due dates again.
async fn rescore(store: &dyn Store, ids: &[i64], now: OffsetDateTime) -> Result<(), IngestError> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut by_app: std::collections::BTreeMap<String, Vec<i64>> = Default::default();
    for id in ids {
        if let Some(d) = store.issue_detail(*id).await? {
            by_app.entry(d.issue.application).or_default().push(*id);
        }
    }
    for (app, ids) in by_app {
        recompute_issues(store, &app, &ids, now).await?;
    }
    crate::sla::refresh_issues(store, ids, now).await?;
    Ok(())
}
