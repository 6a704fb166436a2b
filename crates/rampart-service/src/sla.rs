//! Remediation SLAs as a use case: the policy in force (stored in the store's settings, else
//! the default), every active issue's SLA in a scope at a given time (the store's facts read in
//! bulk, `rampart_engine::sla` deciding), and the due dates kept in the store: written with
//! each new issue by the ingest ([`NewIssueDues`]), then refreshed only for the issues whose
//! facts something changed ([`refresh_issues`]), or a page at a time for a whole scope when
//! the tiers or the policy change ([`refresh`]).
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

/// Checks the policy file `file` (its text), makes it the policy in force and stores every
/// active issue's due date under it.
pub async fn set_policy(
    store: &dyn Store,
    file: &str,
    text: &str,
) -> Result<SlaPolicy, IngestError> {
    let p = SlaPolicy::from_yaml(file, text).map_err(|e| IngestError::Invalid(e.to_string()))?;
    store.set_sla_policy(text).await?;
    // Every stored due date may move; ingests afterwards refresh only what they change.
    refresh(store, &AppScope::default(), OffsetDateTime::now_utc()).await?;
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

/// Issues read per page when due dates are refreshed.
const PAGE: usize = 5000;

/// What is stored of an SLA: its due date, unless the clock is paused or no SLA applies.
fn stored_due(status: Option<SlaStatus>) -> Option<OffsetDateTime> {
    status
        .filter(|s| s.state != sla::SlaState::Paused)
        .map(|s| s.due)
}

/// Catalog tiers by application name, read once per application.
#[derive(Default)]
struct Tiers(HashMap<String, Option<u8>>);

impl Tiers {
    async fn of(
        &mut self,
        store: &dyn Store,
        application: &str,
    ) -> Result<Option<u8>, IngestError> {
        if let Some(t) = self.0.get(application) {
            return Ok(*t);
        }
        let tier = store.app_profile(application).await?.and_then(|p| p.tier);
        self.0.insert(application.to_string(), tier);
        Ok(tier)
    }
}

/// Evaluates `issues` under `policy` at `now` and stores the due dates that changed; returns
/// each issue with its SLA, and how many due dates changed.
async fn evaluate_rows(
    store: &dyn Store,
    policy: &SlaPolicy,
    tiers: &mut Tiers,
    issues: Vec<SlaIssueRow>,
    now: OffsetDateTime,
) -> Result<(Vec<(SlaIssueRow, Option<SlaStatus>)>, u64), IngestError> {
    let mut dues = Vec::new();
    let mut out = Vec::with_capacity(issues.len());
    for i in issues {
        let tier = tiers.of(store, &i.application).await?;
        let status = sla::evaluate(policy, &i.application, tier, &engine_facts(&i), now);
        let stored = stored_due(status);
        if stored.map(|d| d.unix_timestamp()) != i.sla_due.map(|d| d.unix_timestamp()) {
            dues.push((i.id, stored));
        }
        out.push((i, status));
    }
    let changed = if dues.is_empty() {
        0
    } else {
        store.set_sla_due(&dues).await?
    };
    Ok((out, changed))
}

/// Every active issue of `scope` with its SLA under `policy` at `now` (`None`: no SLA for its
/// severity), by id; the due dates that changed are stored (`None` while paused). Tiers come
/// from the catalog. Holds every row of the scope: for listing; [`refresh`] pages.
pub async fn evaluate_scope(
    store: &dyn Store,
    policy: &SlaPolicy,
    scope: &AppScope,
    now: OffsetDateTime,
) -> Result<Vec<(SlaIssueRow, Option<SlaStatus>)>, IngestError> {
    let issues = store.sla_issues(scope).await?;
    Ok(
        evaluate_rows(store, policy, &mut Tiers::default(), issues, now)
            .await?
            .0,
    )
}

/// Recomputes and stores the due dates of the active issues of `scope` under the policy in
/// force, a page at a time (memory stays bounded whatever the number of issues): after a
/// catalog change (tiers) or a policy change. Returns how many due dates changed.
pub async fn refresh(
    store: &dyn Store,
    scope: &AppScope,
    now: OffsetDateTime,
) -> Result<u64, IngestError> {
    let policy = policy(store).await?;
    let mut tiers = Tiers::default();
    let (mut after, mut changed) = (0, 0);
    loop {
        let page = store.sla_issues_page(scope, after, PAGE as u32).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let full = page.len() == PAGE;
        changed += evaluate_rows(store, &policy, &mut tiers, page, now)
            .await?
            .1;
        if !full {
            break;
        }
    }
    Ok(changed)
}

/// [`refresh`] of one application.
pub async fn refresh_application(
    store: &dyn Store,
    application: &str,
    now: OffsetDateTime,
) -> Result<u64, IngestError> {
    let scope = AppScope {
        application: Some(application.to_string()),
        team: None,
    };
    refresh(store, &scope, now).await
}

/// Recomputes and stores the due dates of the issues `ids` (those not active are left alone),
/// a page at a time: after an ingest (the issues whose facts the scan changed), a triage
/// decision or a VEX statement. Returns how many due dates changed.
pub async fn refresh_issues(
    store: &dyn Store,
    ids: &[i64],
    now: OffsetDateTime,
) -> Result<u64, IngestError> {
    if ids.is_empty() {
        return Ok(0);
    }
    let policy = policy(store).await?;
    let mut tiers = Tiers::default();
    let mut changed = 0;
    for page in ids.chunks(PAGE) {
        let rows = store.sla_issues_of(page).await?;
        changed += evaluate_rows(store, &policy, &mut tiers, rows, now)
            .await?
            .1;
    }
    Ok(changed)
}

/// The due dates of the issues one ingest creates, by severity. A new issue is open, first
/// seen at the scan's time, never reopened nor accepted: its due date depends on its
/// severity alone (under the policy in force and its application's tier), and the ingest
/// stores it with the issue ([`KeyedObservation::sla_due`](rampart_model::KeyedObservation)),
/// as [`sla::evaluate`] would give it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NewIssueDues {
    by_severity: [Option<i64>; 5],
}

impl NewIssueDues {
    /// The due dates of issues of `application` (catalog `tier`) that open with `status` at
    /// `at`, under `policy`.
    pub fn new(
        policy: &SlaPolicy,
        application: &str,
        tier: Option<u8>,
        status: IssueStatus,
        at: OffsetDateTime,
    ) -> Self {
        let mut by_severity = [None; 5];
        for severity in Severity::ALL {
            let facts = SlaFacts {
                severity,
                status,
                first_seen: at,
                reopened: Vec::new(),
                accepted: Vec::new(),
                fixed_at: None,
            };
            by_severity[severity as usize] =
                stored_due(sla::evaluate(policy, application, tier, &facts, at))
                    .map(|d| d.unix_timestamp());
        }
        NewIssueDues { by_severity }
    }

    /// [`NewIssueDues::new`] under the stored policy and `application`'s catalog tier.
    pub async fn read(
        store: &dyn Store,
        application: &str,
        status: IssueStatus,
        at: OffsetDateTime,
    ) -> Result<Self, IngestError> {
        let policy = policy(store).await?;
        let tier = Tiers::default().of(store, application).await?;
        Ok(NewIssueDues::new(&policy, application, tier, status, at))
    }

    /// The due date (Unix seconds) of a new issue of `severity`, if an SLA applies.
    pub fn due(&self, severity: Severity) -> Option<i64> {
        self.by_severity[severity as usize]
    }
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
