//! Keeping risk scores current: gather each issue's inputs from the store (catalog entry,
//! sightings, observations, VEX decision, exploit facts), score them with `engine::risk`, store
//! the scores in batches. Called after every ingest, catalog apply and triage.

use rampart_engine::risk::{Reachability, RiskAssessment, RiskInput, assess};
use rampart_engine::risk_input::{Sighting, observed_facts};
use rampart_model::{AppProfile, ExploitFacts, Observation, VexStatus, VulnIntel};
use rampart_store::{IssueRiskRow, Store, StoreError};
use std::collections::HashMap;
use time::OffsetDateTime;

/// Issues scored per page.
const PAGE: u32 = 5000;

/// What a recompute did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Recomputed {
    /// Issues scored.
    pub issues: u64,
    /// Scores that changed.
    pub changed: u64,
}

/// EPSS and KEV facts from Rampart's intelligence feeds (`rampart feeds import`), by
/// vulnerability id (upper-case): the facts of each id's alias group, so a GHSA-only issue
/// gets its CVE's EPSS score and KEV entry. Scanners' own facts (Grype's EPSS, for one) are
/// merged with these by [`input_of`].
pub async fn feed_exploit_facts(
    store: &dyn Store,
    vuln_ids: &[String],
) -> Result<HashMap<String, ExploitFacts>, StoreError> {
    if vuln_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let intel = store.vuln_intel(vuln_ids).await?;
    Ok(intel
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(id, v)| (id.to_ascii_uppercase(), exploit_facts(&v)))
        .collect())
}

/// The risk formula's view of a feed's facts.
fn exploit_facts(v: &VulnIntel) -> ExploitFacts {
    let mut sources = Vec::new();
    if let Some(e) = &v.epss {
        sources.push(match &e.score_date {
            // `2026-11-26T00:00:00+0000`: the day is what a reader needs.
            Some(d) => format!("epss feed {}", d.get(..10).unwrap_or(d)),
            None => "epss feed".to_string(),
        });
    }
    if let Some(k) = &v.kev {
        sources.push(format!("cisa kev {}", k.date_added));
    }
    ExploitFacts {
        epss: v.epss.as_ref().map(|e| e.probability),
        epss_percentile: v.epss.as_ref().map(|e| e.percentile),
        kev: v.kev.as_ref().map(|_| true),
        ransomware: v.kev.as_ref().map(|k| k.known_ransomware_campaign_use),
        source: (!sources.is_empty()).then(|| sources.join(", ")),
    }
}

/// The facts the feeds know about any of `ids`, merged (highest EPSS, any KEV).
fn feed_facts_for(ids: &[String], feed: &HashMap<String, ExploitFacts>) -> Option<ExploitFacts> {
    let mut out: Option<ExploitFacts> = None;
    for id in ids {
        if let Some(f) = feed.get(&id.to_ascii_uppercase()) {
            match &mut out {
                Some(o) => o.merge(f),
                None => out = Some(f.clone()),
            }
        }
    }
    out
}

/// The risk input of one stored issue.
pub fn input_of(
    row: &IssueRiskRow,
    profile: Option<&AppProfile>,
    feed: &HashMap<String, ExploitFacts>,
) -> RiskInput {
    let any_active = row.sightings.iter().any(|s| s.active);
    let observations: Vec<Observation> = row
        .sightings
        .iter()
        .filter(|s| s.active || !any_active)
        .filter_map(|s| serde_json::from_value(s.observation.clone()).ok())
        .collect();
    let facts = observed_facts(&observations);
    // Feed facts first: they are the curated source; the tools' fill the gaps.
    let exploit = match (feed_facts_for(&row.vuln_ids, feed), facts.exploit) {
        (Some(mut f), Some(t)) => {
            f.merge(&t);
            Some(f)
        }
        (f, t) => f.or(t),
    };
    let reachability = match &row.vex {
        Some(v) if v.status == VexStatus::Affected => Some(Reachability {
            reachable: true,
            source: format!("{}: affected", v.actor),
        }),
        Some(v)
            if matches!(
                v.justification.as_deref(),
                Some(
                    "vulnerable_code_not_in_execute_path"
                        | "vulnerable_code_cannot_be_controlled_by_adversary"
                )
            ) =>
        {
            Some(Reachability {
                reachable: false,
                source: format!("{}: {}", v.actor, v.justification.as_deref().unwrap_or("")),
            })
        }
        _ => facts.reachability,
    };
    RiskInput {
        severity: row.severity,
        cvss: facts.cvss,
        exploit,
        fix_available: facts.fix_available,
        cwes: row.cwes.clone(),
        reachability,
        status: row.status,
        profile: profile.cloned(),
        sightings: row
            .sightings
            .iter()
            .map(|s| Sighting {
                target: s.target.clone(),
                branch: s.branch.clone(),
                environment: s.environment.as_deref().and_then(|e| e.parse().ok()),
                last_seen: s.last_seen,
                active: s.active,
            })
            .collect(),
    }
}

async fn score_rows(
    store: &dyn Store,
    rows: &[IssueRiskRow],
    profile: Option<&AppProfile>,
    now: OffsetDateTime,
) -> Result<Recomputed, StoreError> {
    let mut ids: Vec<String> = rows
        .iter()
        .flat_map(|r| r.vuln_ids.iter().cloned())
        .collect();
    ids.sort();
    ids.dedup();
    let feed = feed_exploit_facts(store, &ids).await?;
    let scores: Vec<(i64, u8)> = rows
        .iter()
        .filter_map(|r| {
            let score = assess(&input_of(r, profile, &feed), now).score;
            (score != r.risk).then_some((r.id, score))
        })
        .collect();
    let changed = store.set_risk(&scores).await?;
    Ok(Recomputed {
        issues: rows.len() as u64,
        changed,
    })
}

/// Rescores every issue of `application`, a page at a time.
pub async fn recompute_application(
    store: &dyn Store,
    application: &str,
    now: OffsetDateTime,
) -> Result<Recomputed, StoreError> {
    let profile = store.app_profile(application).await?;
    let mut total = Recomputed::default();
    let mut after = 0;
    loop {
        let rows = store.risk_inputs(application, after, PAGE).await?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        let r = score_rows(store, &rows, profile.as_ref(), now).await?;
        total.issues += r.issues;
        total.changed += r.changed;
        if rows.len() < PAGE as usize {
            break;
        }
    }
    Ok(total)
}

/// Rescores the issues `ids` of `application`.
pub async fn recompute_issues(
    store: &dyn Store,
    application: &str,
    ids: &[i64],
    now: OffsetDateTime,
) -> Result<Recomputed, StoreError> {
    let profile = store.app_profile(application).await?;
    let rows = store.risk_inputs_of(ids).await?;
    score_rows(store, &rows, profile.as_ref(), now).await
}

/// The score of issue `id` with every factor, as of `now` (`None`: no such issue).
pub async fn explain(
    store: &dyn Store,
    id: i64,
    now: OffsetDateTime,
) -> Result<Option<RiskAssessment>, StoreError> {
    let Some(detail) = store.issue_detail(id).await? else {
        return Ok(None);
    };
    let profile = store.app_profile(&detail.issue.application).await?;
    let rows = store.risk_inputs_of(&[id]).await?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let feed = feed_exploit_facts(store, &row.vuln_ids).await?;
    Ok(Some(assess(&input_of(row, profile.as_ref(), &feed), now)))
}

/// What an ingest of `scan` sets off: expired risk acceptances reopen, stored VEX statements
/// apply to the issues (new ones too), and, when the scan created, fixed or reopened an issue,
/// every issue of the application is rescored and its SLA due dates are stored (a rescan that
/// changed nothing rescores nothing: re-ingesting an unchanged report stays as cheap as it was).
pub async fn after_ingest(
    store: &dyn Store,
    scan: &rampart_model::Scan,
) -> Result<Recomputed, crate::IngestError> {
    let now = scan.ingested_at;
    let expired = crate::triage::expire(store, now).await?;
    let vex = crate::vex::apply(store, &scan.application, now).await?;
    let s = &scan.summary;
    if s.new + s.fixed + s.reopened == 0 && expired.is_empty() && vex.is_empty() {
        return Ok(Recomputed::default());
    }
    crate::sla::refresh(store, &scan.application, now).await?;
    Ok(recompute_application(store, &scan.application, now).await?)
}
