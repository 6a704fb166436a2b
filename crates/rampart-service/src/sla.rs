//! Remediation SLAs as a use case: the policy in force (stored in the store's settings, else
//! the default), every active issue's SLA in a scope at a given time (the store's facts read in
//! bulk, `rampart_engine::sla` deciding), and the due dates kept in the store.
//!
//! The gate's policy input takes an issue's `sla` object from [`SlaRow::sla`]
//! (`SlaStatus::policy_input`), or, for one issue, from [`engine_facts`] + `sla::evaluate`.

use crate::ingest::IngestError;
use rampart_engine::sla::{self, AcceptedPeriod, SlaFacts, SlaPolicy, SlaStatus};
use rampart_model::{FindingKind, IssueStatus, Severity};
use rampart_store::{AppScope, SlaIssueRow, Store};
use serde::Serialize;
use std::collections::HashMap;
use time::OffsetDateTime;

/// One active issue with its SLA.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlaRow {
    /// Issue id.
    pub id: i64,
    /// Application.
    pub application: String,
    /// Title.
    pub title: String,
    /// Kind.
    pub kind: FindingKind,
    /// Severity.
    pub severity: Severity,
    /// Status.
    pub status: IssueStatus,
    /// CWEs.
    pub cwes: Vec<u32>,
    /// Location.
    pub location: String,
    /// The SLA.
    pub sla: SlaStatus,
}

/// The SLA policy in force: the one set with [`set_policy`], else the default, with the
/// catalog's per-application `sla:` overrides merged in (see [`SlaPolicy::with_catalog`]).
pub async fn policy(store: &dyn Store) -> Result<SlaPolicy, IngestError> {
    policy_in(store, &AppScope::default()).await
}

/// [`policy`] with the catalog overrides of `scope`'s applications only (all a caller
/// evaluating that scope needs).
pub async fn policy_in(store: &dyn Store, scope: &AppScope) -> Result<SlaPolicy, IngestError> {
    let base = match store.sla_policy().await? {
        Some(text) => SlaPolicy::from_yaml("stored SLA policy", &text)
            .map_err(|e| IngestError::Invalid(e.to_string()))?,
        None => SlaPolicy::default(),
    };
    with_catalog(store, base, scope).await
}

/// `policy` with the catalog's `sla:` overrides of `scope`'s applications merged in.
pub async fn with_catalog(
    store: &dyn Store,
    policy: SlaPolicy,
    scope: &AppScope,
) -> Result<SlaPolicy, IngestError> {
    let apps = store.scoped_apps(scope).await?;
    Ok(policy.with_catalog(
        apps.iter()
            .filter_map(|a| a.profile.as_ref().map(|p| (a.name.as_str(), &p.sla))),
    ))
}

/// Checks the policy file `file` (its text) and makes it the policy in force.
pub async fn set_policy(
    store: &dyn Store,
    file: &str,
    text: &str,
) -> Result<SlaPolicy, IngestError> {
    let p = SlaPolicy::from_yaml(file, text).map_err(|e| IngestError::Invalid(e.to_string()))?;
    store.set_sla_policy(text).await?;
    Ok(p)
}

/// The engine's facts for one stored issue: a risk acceptance lasts until it ended, or until
/// its expiry date when that came first (an expired acceptance not yet closed by the store).
pub fn engine_facts(row: &SlaIssueRow) -> SlaFacts {
    SlaFacts {
        severity: row.severity,
        status: row.status,
        first_seen: row.first_seen,
        reopened: row.reopened.clone(),
        accepted: row
            .acceptances
            .iter()
            .map(|a| AcceptedPeriod {
                from: a.at,
                until: match (a.ended_at, a.expires_at) {
                    (Some(e), Some(x)) => Some(e.min(x)),
                    (e, x) => e.or(x),
                },
            })
            .collect(),
        fixed_at: row.fixed_at,
    }
}

/// Every active issue of `scope` with its SLA under `policy` at `now` (`None`: no SLA for its
/// severity), by id; the due dates that changed are stored (`None` while paused). Tiers come
/// from the catalog.
pub async fn evaluate_scope(
    store: &dyn Store,
    policy: &SlaPolicy,
    scope: &AppScope,
    now: OffsetDateTime,
) -> Result<Vec<(SlaIssueRow, Option<SlaStatus>)>, IngestError> {
    let tiers: HashMap<String, Option<u8>> = store
        .scoped_apps(scope)
        .await?
        .into_iter()
        .map(|a| (a.name, a.profile.and_then(|p| p.tier)))
        .collect();
    let issues = store.sla_issues(scope).await?;
    let mut dues = Vec::new();
    let mut out = Vec::with_capacity(issues.len());
    for i in issues {
        let tier = tiers.get(&i.application).copied().flatten();
        let status = sla::evaluate(policy, &i.application, tier, &engine_facts(&i), now);
        let stored = status
            .filter(|s| s.state != sla::SlaState::Paused)
            .map(|s| s.due);
        if stored != i.sla_due {
            dues.push((i.id, stored));
        }
        out.push((i, status));
    }
    store.set_sla_due(&dues).await?;
    Ok(out)
}

/// Recomputes and stores the due dates of `application`'s active issues under the policy in
/// force: after an ingest, a triage decision or a catalog change, so `issues.sla_due` stays
/// current between `rampart sla` runs.
pub async fn refresh(
    store: &dyn Store,
    application: &str,
    now: OffsetDateTime,
) -> Result<(), IngestError> {
    let policy = policy(store).await?;
    let scope = AppScope {
        application: Some(application.to_string()),
        team: None,
    };
    evaluate_scope(store, &policy, &scope, now).await?;
    Ok(())
}

/// Every active issue of `scope` that has an SLA under `policy` at `now`, earliest due first
/// (see [`evaluate_scope`]).
pub async fn compute(
    store: &dyn Store,
    policy: &SlaPolicy,
    scope: &AppScope,
    now: OffsetDateTime,
) -> Result<Vec<SlaRow>, IngestError> {
    let mut rows: Vec<SlaRow> = evaluate_scope(store, policy, scope, now)
        .await?
        .into_iter()
        .filter_map(|(i, sla)| {
            Some(SlaRow {
                id: i.id,
                application: i.application,
                title: i.title,
                kind: i.kind,
                severity: i.severity,
                status: i.status,
                cwes: i.cwes,
                location: i.location,
                sla: sla?,
            })
        })
        .collect();
    rows.sort_by(|a, b| a.sla.due.cmp(&b.sla.due).then(a.id.cmp(&b.id)));
    Ok(rows)
}
