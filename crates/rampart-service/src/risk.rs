//! Keeping risk scores current: gather each issue's inputs from the store (catalog entry,
//! sightings, observations, VEX decision, exploit facts), score them with `engine::risk`, store
//! the scores in batches. Called after every ingest, catalog apply and triage.

use rampart_engine::risk::{Reachability, RiskAssessment, RiskInput, assess};
use rampart_engine::risk_input::{Sighting, observed_facts, score_digest};
use rampart_model::{
    AppProfile, Environment, ExploitFacts, IssueStatus, KeyedObservation, Observation, VexStatus,
    VulnIntel,
};
use rampart_store::{IssueRiskRow, Store, StoreError, VexFact};
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

/// Exploit facts of an issue naming `vuln_ids`: the feeds' first (the curated source), the
/// tools' (`tool`) filling the gaps.
fn merged_exploit(
    vuln_ids: &[String],
    feed: &HashMap<String, ExploitFacts>,
    tool: Option<ExploitFacts>,
) -> Option<ExploitFacts> {
    match (feed_facts_for(vuln_ids, feed), tool) {
        (Some(mut f), Some(t)) => {
            f.merge(&t);
            Some(f)
        }
        (f, t) => f.or(t),
    }
}

/// Reachability: a VEX decision in force speaks first, then what the tools said.
fn reachability_of(vex: Option<&VexFact>, tools: Option<Reachability>) -> Option<Reachability> {
    match vex {
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
        _ => tools,
    }
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
    RiskInput {
        severity: row.severity,
        cvss: facts.cvss,
        exploit: merged_exploit(&row.vuln_ids, feed, facts.exploit),
        fix_available: facts.fix_available,
        cwes: row.cwes.clone(),
        reachability: reachability_of(row.vex.as_ref(), facts.reachability),
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

/// Scores an observation as the only one of the issue it opens, during an ingest, so that the
/// store writes a new issue with its score: the same input [`input_of`] reads back for such
/// an issue (its severity, CWEs and vulnerability ids are the observation's, its one sighting
/// is the scan's target and branch as of the scan, no VEX decision yet). Issues that end up
/// with more than one observation, and those a stored VEX statement then applies to, are
/// rescored after the ingest ([`after_ingest`]).
#[derive(Debug)]
pub struct NewIssueScorer {
    profile: Option<AppProfile>,
    sighting: Sighting,
    status: IssueStatus,
    now: OffsetDateTime,
    /// Scores by everything a lone new issue's score depends on besides the scorer's own
    /// context ([`score_digest`]): a large report repeats few combinations of severity, CVSS,
    /// CWEs and fix availability, and scoring one from scratch parses its CVSS vectors.
    memo: std::sync::Mutex<HashMap<u128, u8>>,
    /// Whether the store holds any feed facts ([`IntelStore::has_exploit_facts`]), once
    /// asked: a scorer lives for one ingest.
    ///
    /// [`IntelStore::has_exploit_facts`]: rampart_store::IntelStore::has_exploit_facts
    feeds_stored: tokio::sync::OnceCell<bool>,
}

impl NewIssueScorer {
    /// A scorer for the scan of `target`@`branch` in `environment` at `now`, in an
    /// application with catalog entry `profile`; new issues start with `status`.
    pub fn new(
        profile: Option<AppProfile>,
        target: &str,
        branch: &str,
        environment: Option<Environment>,
        now: OffsetDateTime,
        status: IssueStatus,
    ) -> Self {
        NewIssueScorer {
            profile,
            sighting: Sighting {
                target: target.to_string(),
                branch: branch.to_string(),
                environment,
                last_seen: now,
                active: true,
            },
            status,
            now,
            memo: std::sync::Mutex::new(HashMap::new()),
            feeds_stored: tokio::sync::OnceCell::new(),
        }
    }

    /// The vulnerability ids of `o` as the issue row keeps them.
    pub fn vuln_ids(o: &Observation) -> Vec<String> {
        o.vuln_ids.iter().map(|v| v.0.clone()).collect()
    }

    /// The score of a new issue whose one observation is `o`, with the feeds' facts `feed`.
    pub fn score(&self, o: &Observation, feed: &HashMap<String, ExploitFacts>) -> u8 {
        // Remembered by everything a lone new issue's score depends on besides this scorer's
        // context, unless exploitation facts are known: they vary too much to be worth it.
        let exploit_known = o.exploit.is_some()
            || (!feed.is_empty()
                && o.vuln_ids
                    .iter()
                    .any(|v| feed.contains_key(&v.0.to_ascii_uppercase())));
        let memo = (!exploit_known).then(|| score_digest(o));
        if let Some(score) = memo.and_then(|k| self.memo.lock().ok()?.get(&k).copied()) {
            return score;
        }
        let mut facts = observed_facts(std::slice::from_ref(o));
        let exploit = if feed.is_empty() {
            facts.exploit.take()
        } else {
            merged_exploit(&Self::vuln_ids(o), feed, facts.exploit.take())
        };
        let input = RiskInput {
            severity: o.severity.level,
            cvss: facts.cvss,
            exploit,
            fix_available: facts.fix_available,
            cwes: o.cwes.clone(),
            reachability: facts.reachability,
            status: self.status,
            profile: self.profile.clone(),
            sightings: vec![self.sighting.clone()],
        };
        let score = assess(&input, self.now).score;
        if let Some(k) = memo
            && let Ok(mut m) = self.memo.lock()
        {
            m.insert(k, score);
        }
        score
    }

    /// Scores `batch` ([`KeyedObservation::risk`]) with the feeds' facts: one feed query for
    /// the batch's vulnerability ids, none when the store holds no EPSS score or KEV entry
    /// (asked once per scorer). With `rescore_only_feed_hits`, only observations naming an id
    /// the feeds know are scored (the others were scored without feeds already).
    pub async fn score_batch(
        &self,
        store: &dyn Store,
        batch: &mut [KeyedObservation],
        rescore_only_feed_hits: bool,
    ) -> Result<(), StoreError> {
        let feeds_stored = *self
            .feeds_stored
            .get_or_try_init(|| store.has_exploit_facts())
            .await?;
        let feed = if feeds_stored {
            let mut ids: Vec<String> = batch
                .iter()
                .flat_map(|k| k.observation.vuln_ids.iter().map(|v| v.0.clone()))
                .collect();
            ids.sort_unstable();
            ids.dedup();
            feed_exploit_facts(store, &ids).await?
        } else {
            HashMap::new()
        };
        for ko in batch {
            let hit = ko
                .observation
                .vuln_ids
                .iter()
                .any(|v| feed.contains_key(&v.0.to_ascii_uppercase()));
            if hit || !rescore_only_feed_hits {
                ko.risk = self.score(&ko.observation, &feed);
            }
        }
        Ok(())
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

/// Rescores every issue of every application: after the intelligence feeds changed (KEV, EPSS
/// and the advisories' alias groups feed the score of every issue that names a vulnerability),
/// so that stored scores and the risk queues follow the feeds.
pub async fn recompute_all(
    store: &dyn Store,
    now: OffsetDateTime,
) -> Result<Recomputed, StoreError> {
    let mut total = Recomputed::default();
    for app in store.list_applications().await? {
        let r = recompute_application(store, &app.name, now).await?;
        total.issues += r.issues;
        total.changed += r.changed;
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
    let mut total = Recomputed::default();
    for page in ids.chunks(PAGE as usize) {
        let rows = store.risk_inputs_of(page).await?;
        let r = score_rows(store, &rows, profile.as_ref(), now).await?;
        total.issues += r.issues;
        total.changed += r.changed;
    }
    Ok(total)
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

/// What an ingest of `scan` sets off: expired risk acceptances reopen and stored VEX
/// statements apply to the issues (new ones too), each rescoring the issues it changed; then
/// the issues whose inputs the scan changed are rescored ([`RiskScope`](rampart_store::RiskScope):
/// issues it made a new statement about or stopped reporting, issues it created with several
/// observations, issues with an event of the scan). The issues it created with one observation
/// were stored with their score ([`NewIssueScorer`]); issues it merely saw again keep theirs.
/// When the scope cannot be that narrow (the stream's environment changed, or some issue
/// crossed the dormancy threshold), every issue of the application is rescored. Either way
/// the stored scores end equal to what [`recompute_application`] gives at the scan's time.
/// SLA due dates follow the same scope: the ingest stored the new issues with theirs
/// (`sla::NewIssueDues`, written by both stores' writers with the issue row), expired
/// acceptances and VEX statements refresh the issues they changed, and the issues of the
/// scope get theirs again (`sla::refresh_issues`; the dates do not depend on the environment
/// or on dormancy, so the scope's list is enough even when the rescore is whole).
pub async fn after_ingest(
    store: &dyn Store,
    scan: &rampart_model::Scan,
) -> Result<Recomputed, crate::IngestError> {
    let now = scan.ingested_at;
    crate::triage::expire(store, now).await?;
    crate::vex::apply(store, &scan.application, now).await?;
    let scope = store
        .risk_scope(scan.id, rampart_engine::risk::DORMANT_AFTER)
        .await?;
    crate::sla::refresh_issues(store, &scope.issues, now).await?;
    Ok(match scope.full {
        Some(why) => {
            tracing::debug!(scan = scan.id, why, "rescoring the whole application");
            recompute_application(store, &scan.application, now).await?
        }
        None => recompute_issues(store, &scan.application, &scope.issues, now).await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_model::{Cvss, FindingKind, Location, PackageLocation, Severity, VulnId};

    fn dependency(id: &str, vector: &str, fixed: bool) -> Observation {
        let mut o = Observation::new(
            "trivy",
            FindingKind::Dependency,
            id,
            "t",
            Location::Package(PackageLocation {
                purl: Some("pkg:npm/lodash@4.17.20".into()),
                name: "lodash".into(),
                fixed_versions: if fixed {
                    vec!["4.17.21".into()]
                } else {
                    vec![]
                },
                ..Default::default()
            }),
        );
        o.vuln_ids = vec![VulnId(id.into())];
        o.severity.level = Severity::High;
        o.severity.cvss = vec![Cvss::from_vector(vector, None)];
        o
    }

    fn scorer() -> NewIssueScorer {
        NewIssueScorer::new(
            None,
            "repo",
            "main",
            None,
            OffsetDateTime::UNIX_EPOCH,
            IssueStatus::Open,
        )
    }

    const CRITICAL: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
    const LOW: &str = "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N";

    #[test]
    fn remembered_scores_are_the_scores_of_equal_inputs_only() {
        let no_feed = HashMap::new();
        let s = scorer();
        let a = s.score(&dependency("CVE-2021-1", CRITICAL, true), &no_feed);
        // Another id with the same facts: the remembered score, and what a fresh scorer says.
        let b = s.score(&dependency("CVE-2021-2", CRITICAL, true), &no_feed);
        assert_eq!(a, b);
        assert_eq!(
            scorer().score(&dependency("CVE-2021-2", CRITICAL, true), &no_feed),
            b
        );
        // Any input that differs is scored afresh: the vector, the fix.
        let low = s.score(&dependency("CVE-2021-3", LOW, true), &no_feed);
        assert!(low < a, "{low} < {a}");
        let unfixed = s.score(&dependency("CVE-2021-4", CRITICAL, false), &no_feed);
        assert_ne!(unfixed, a);
        assert_eq!(
            scorer().score(&dependency("CVE-2021-4", CRITICAL, false), &no_feed),
            unfixed
        );
        // What the feeds know of an id raises its score past the remembered one.
        let feed = HashMap::from([(
            "CVE-2021-2".to_string(),
            ExploitFacts {
                kev: Some(true),
                ..Default::default()
            },
        )]);
        let known = s.score(&dependency("CVE-2021-2", CRITICAL, true), &feed);
        assert!(known > a, "{known} > {a}");
        assert_eq!(s.score(&dependency("CVE-2021-5", CRITICAL, true), &feed), a);
    }
}
