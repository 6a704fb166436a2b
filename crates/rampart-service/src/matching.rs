//! Continuous matching: stored inventories against stored advisories, producing observations
//! of tool `rampart`.
//!
//! A match of one inventory is recorded as a synthetic scan of its target × branch by tool
//! `rampart`, written through the ordinary ingest session, so the lifecycle does the
//! bookkeeping: a newly affected component raises a new issue, a match that disappears (the
//! advisory was withdrawn or corrected, or the SBOM changed) ends its observation and fixes the
//! issue when no other tool still reports it. Each inventory keeps the digest of its last
//! match; a re-match writes a scan only where the digest changed.
//!
//! An SBOM ingest matches its inventory itself ([`match_sbom`]) and writes the observations,
//! the inventory and its digest in the SBOM's own ingest session, so a failed ingest stores
//! none of them.
//!
//! A re-match reads the inventories in rounds of [`ROUND`] (one query for their components),
//! loads the advisories naming packages it has not seen yet (one query per round), matches
//! against an index whose entries are compiled once, then loads the alias groups and the
//! EPSS/KEV facts of what matched (one query each per round) and writes a scan for each
//! changed inventory. After a feed import only inventories with a package named by a changed
//! advisory are read ([`Selection::Packages`]).

use crate::ingest::{BATCH, IngestError};
use rampart_engine::{Correlator, DefaultLifecycle};
use rampart_intel::aliases::AliasGroups;
use rampart_intel::matching::{MatchOutcome, directness, match_each, package_key};
use rampart_intel::observe::{AdvisoryFacts, TOOL, observation_with};
use rampart_intel::osv::{AdvisoryIndex, from_json};
use rampart_model::{Inventory, Lifecycle, Observation, Scan, ScanSummary};
use rampart_store::{
    InventoryComponent, NewInventory, ScanEnd, ScanMeta, Store, StoredInventory, VulnIntel,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// The stored format name of a match scan.
pub const MATCH_FORMAT: &str = "rampart-match";

/// What a re-match changed for one target × branch.
#[derive(Debug, Clone, Serialize)]
pub struct TargetChange {
    /// Application.
    pub application: String,
    /// Target.
    pub target: String,
    /// Branch.
    pub branch: String,
    /// Affected (component, advisory) pairs now.
    pub matches: u64,
    /// The synthetic scan's outcome (new / unchanged / fixed / reopened issues).
    pub summary: ScanSummary,
    /// The scan's id.
    pub scan_id: i64,
}

/// What a re-match did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MatchReport {
    /// Inventories matched.
    pub inventories: u64,
    /// Their components.
    pub components: u64,
    /// Advisories loaded (those naming a package of some inventory).
    pub advisories: u64,
    /// Advisories that could not be read back (skipped).
    pub unreadable_advisories: u64,
    /// Affected (component, advisory) pairs in all inventories.
    pub matches: u64,
    /// Verdicts that could not be decided (GIT-only ranges, unparsable versions).
    pub undecided: u64,
    /// Inventories whose verdicts changed, each with its scan.
    pub changed: Vec<TargetChange>,
    /// Wall time.
    #[serde(serialize_with = "ser_secs")]
    pub elapsed: Duration,
}

fn ser_secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// Inventories a re-match reads, matches and writes per round (bounds its memory).
pub const ROUND: usize = 100;

/// Which stored inventories a re-match reads.
#[derive(Debug, Clone)]
pub enum Selection {
    /// Every inventory.
    All,
    /// One inventory.
    Inventory(i64),
    /// Inventories with a component of one of these packages (OSV ecosystem family,
    /// normalized name): after a feed import, the packages the changed advisories name
    /// ([`crate::feeds::FeedImportReport::changed_packages`]).
    Packages(Vec<(String, String)>),
}

/// The advisories a match needs, loaded package by package as inventories ask for them.
#[derive(Default)]
struct Advisories {
    index: AdvisoryIndex,
    loaded: HashSet<(String, String)>,
    unreadable: u64,
}

impl Advisories {
    /// Loads the advisories naming `keys` that are not loaded yet (one query).
    async fn load<'k>(
        &mut self,
        store: &dyn Store,
        keys: impl IntoIterator<Item = &'k (String, String)>,
    ) -> Result<(), IngestError> {
        let wanted: Vec<(String, String)> = keys
            .into_iter()
            .filter(|k| !self.loaded.contains(*k))
            .cloned()
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        for json in store.advisories_for_packages(&wanted).await? {
            match from_json(json.as_bytes()) {
                // An advisory naming two packages comes once per package.
                Ok(r) if self.index.get(&r.id).is_none() => {
                    self.index.insert(r);
                }
                Ok(_) => {}
                Err(_) => self.unreadable += 1,
            }
        }
        self.loaded.extend(wanted);
        Ok(())
    }
}

/// The digest of one inventory's verdicts: every (component position, advisory id, advisory
/// `modified`); empty when nothing matched.
fn digest(outcome: &MatchOutcome<'_>) -> String {
    if outcome.matches.is_empty() {
        return String::new();
    }
    let mut h = Sha256::new();
    for m in &outcome.matches {
        h.update(m.component.to_string().as_bytes());
        h.update(b"\t");
        h.update(m.record.id.as_bytes());
        h.update(b"\t");
        h.update(m.record.modified.as_deref().unwrap_or("").as_bytes());
        h.update(b"\n");
    }
    hex::encode(&h.finalize()[..16])
}

/// Alias groups and EPSS/KEV facts of the advisories that matched (two queries), and what
/// their observations take from each advisory, computed once per advisory.
struct Enrichment {
    facts: HashMap<String, AdvisoryFacts>,
    intel: HashMap<String, VulnIntel>,
}

impl Enrichment {
    async fn load(
        store: &dyn Store,
        index: &AdvisoryIndex,
        ids: HashSet<&str>,
    ) -> Result<Enrichment, IngestError> {
        let ids: Vec<String> = ids.into_iter().map(str::to_owned).collect();
        let mut groups = AliasGroups::new();
        if ids.is_empty() {
            return Ok(Enrichment {
                facts: HashMap::new(),
                intel: HashMap::new(),
            });
        }
        for (member, group) in store.alias_groups_of(&ids).await? {
            groups.link(&member, &group);
        }
        for id in &ids {
            if let Some(r) = index.get(id) {
                groups.add_record(&r.id, r.aliases.iter().map(String::as_str));
            }
        }
        let intel = store.vuln_intel(&ids).await?;
        let facts = ids
            .iter()
            .filter_map(|id| Some((id.clone(), AdvisoryFacts::new(index.get(id)?, &groups))))
            .collect();
        Ok(Enrichment { facts, intel })
    }

    /// The observations of one inventory's matches.
    fn observations(
        &self,
        outcome: &MatchOutcome<'_>,
        components: &[InventoryComponent],
    ) -> Vec<Observation> {
        outcome
            .matches
            .iter()
            .filter_map(|m| {
                let c = components.get(m.component)?;
                Some(observation_with(
                    m,
                    &c.component,
                    self.facts.get(&m.record.id)?,
                    self.intel.get(&m.record.id).cloned(),
                    c.direct,
                ))
            })
            .collect()
    }
}

/// An SBOM's inventory, matched, to be written in the SBOM's own ingest session: the
/// observations (tool [`TOOL`]) with the SBOM's, then the inventory and its digest with
/// [`rampart_store::IngestSession::put_inventory`].
pub struct SbomMatch {
    /// The inventory to store (its application, target and scan are the session's).
    pub inventory: NewInventory,
    /// The observations of its matches.
    pub observations: Vec<Observation>,
    /// The digest of its verdicts.
    pub digest: String,
    /// Counts (`changed` is for the caller to fill once the scan is written).
    pub report: MatchReport,
}

/// Matches an SBOM's `inventory` (of `application` / `target` / `branch`, ingested `at`)
/// against the stored advisories. Reads only; nothing is written.
pub async fn match_sbom(
    store: &dyn Store,
    meta: &ScanMeta,
    inventory: Inventory,
) -> Result<SbomMatch, IngestError> {
    let started = Instant::now();
    let direct = directness(&inventory);
    let components: Vec<InventoryComponent> = inventory
        .components
        .into_iter()
        .zip(direct)
        .map(|(component, direct)| InventoryComponent {
            key: package_key(&component),
            component,
            direct,
        })
        .collect();
    let mut advisories = Advisories::default();
    advisories
        .load(store, components.iter().filter_map(|c| c.key.as_ref()))
        .await?;
    let index = &advisories.index;
    let outcome = match_each(index, components.iter().map(|c| &c.component));
    let ids: HashSet<&str> = outcome
        .matches
        .iter()
        .map(|m| m.record.id.as_str())
        .collect();
    let enrichment = Enrichment::load(store, index, ids).await?;
    let observations = enrichment.observations(&outcome, &components);
    let report = MatchReport {
        inventories: 1,
        components: components.len() as u64,
        advisories: index.len() as u64,
        unreadable_advisories: advisories.unreadable,
        matches: outcome.matches.len() as u64,
        undecided: outcome.problems.len() as u64,
        changed: Vec::new(),
        elapsed: started.elapsed(),
    };
    let digest = digest(&outcome);
    Ok(SbomMatch {
        inventory: NewInventory {
            application: meta.application.clone(),
            target: meta.target.clone(),
            branch: meta.branch.clone(),
            scan_id: None,
            at: meta.ingested_at,
            root: inventory.root,
            components,
            edges: inventory.edges,
        },
        observations,
        digest,
        report,
    })
}

/// Re-matches every stored inventory (or only `only`) and records a `rampart` scan for each
/// whose verdicts changed. `at`: the scans' time (default now).
pub async fn rematch(
    store: &dyn Store,
    only: Option<i64>,
    at: Option<OffsetDateTime>,
    file_name: &str,
) -> Result<MatchReport, IngestError> {
    let selection = match only {
        Some(id) => Selection::Inventory(id),
        None => Selection::All,
    };
    rematch_selected(store, selection, at, file_name).await
}

/// Re-matches the inventories of `selection` and records a `rampart` scan for each whose
/// verdicts changed. `at`: the scans' time (default now).
pub async fn rematch_selected(
    store: &dyn Store,
    selection: Selection,
    at: Option<OffsetDateTime>,
    file_name: &str,
) -> Result<MatchReport, IngestError> {
    let started = Instant::now();
    let at = at.unwrap_or_else(OffsetDateTime::now_utc);
    let ids = match &selection {
        Selection::All => store.inventory_ids(None).await?,
        Selection::Inventory(id) => vec![*id],
        Selection::Packages(keys) if keys.is_empty() => Vec::new(),
        Selection::Packages(keys) => store.inventory_ids(Some(keys)).await?,
    };
    let mut report = MatchReport::default();
    let mut advisories = Advisories::default();
    // Where the time goes, for `RAMPART_LOG=rampart_service=debug`.
    let mut spent = [Duration::ZERO; 5];
    let mut lap = Instant::now();
    let mut mark = |slot: usize, lap: &mut Instant| {
        spent[slot] += lap.elapsed();
        *lap = Instant::now();
    };
    for round in ids.chunks(ROUND) {
        let inventories = rampart_store::IntelStore::inventories_in(store, round).await?;
        mark(0, &mut lap);
        advisories
            .load(
                store,
                inventories
                    .iter()
                    .flat_map(|i| i.components.iter().filter_map(|c| c.key.as_ref())),
            )
            .await?;
        mark(1, &mut lap);
        let index = &advisories.index;
        // Match the round (pure), then fetch aliases and EPSS/KEV for what changed.
        let mut pending: Vec<(&StoredInventory, MatchOutcome<'_>, String)> = Vec::new();
        let mut matched: HashSet<&str> = HashSet::new();
        for inv in &inventories {
            report.inventories += 1;
            report.components += inv.components.len() as u64;
            let outcome = match_each(index, inv.components.iter().map(|c| &c.component));
            report.matches += outcome.matches.len() as u64;
            report.undecided += outcome.problems.len() as u64;
            let d = digest(&outcome);
            if d != inv.match_digest {
                matched.extend(outcome.matches.iter().map(|m| m.record.id.as_str()));
                pending.push((inv, outcome, d));
            }
        }
        mark(2, &mut lap);
        if pending.is_empty() {
            continue;
        }
        let enrichment = Enrichment::load(store, index, matched).await?;
        mark(3, &mut lap);
        let mut digests = Vec::with_capacity(pending.len());
        for (inv, outcome, d) in pending {
            let observations = enrichment.observations(&outcome, &inv.components);
            let matches = observations.len() as u64;
            let meta = ScanMeta {
                application: inv.application.clone(),
                target: inv.target.clone(),
                branch: inv.branch.clone(),
                commit: None,
                environment: None,
                format: MATCH_FORMAT.to_owned(),
                file_name: file_name.to_owned(),
                report_sha256: d.clone(),
                ingested_at: at,
            };
            let scan = write_scan(store, meta, observations).await?;
            digests.push((inv.id, d));
            report.changed.push(TargetChange {
                application: inv.application.clone(),
                target: inv.target.clone(),
                branch: inv.branch.clone(),
                matches,
                summary: scan.summary,
                scan_id: scan.id,
            });
        }
        store.set_match_digests(digests).await?;
        mark(4, &mut lap);
    }
    tracing::debug!(
        inventories = spent[0].as_secs_f64(),
        advisories = spent[1].as_secs_f64(),
        matching = spent[2].as_secs_f64(),
        enrichment = spent[3].as_secs_f64(),
        scans = spent[4].as_secs_f64(),
        "re-match seconds by step"
    );
    report.advisories = advisories.index.len() as u64;
    report.unreadable_advisories = advisories.unreadable;
    report.elapsed = started.elapsed();
    Ok(report)
}

/// Writes observations of tool `rampart` as one scan through the ordinary ingest session.
async fn write_scan(
    store: &dyn Store,
    meta: ScanMeta,
    observations: Vec<Observation>,
) -> Result<Scan, IngestError> {
    let sha = meta.report_sha256.clone();
    let mut correlator = Correlator::new(meta.target.clone());
    let rules = DefaultLifecycle;
    let scorer = crate::risk::NewIssueScorer::new(
        store.app_profile(&meta.application).await?,
        &meta.target,
        &meta.branch,
        meta.environment,
        meta.ingested_at,
        rules.on_seen(None).1,
    );
    let mut session = store.begin_ingest(meta).await?;
    let mut batch = Vec::with_capacity(BATCH.min(observations.len()));
    for o in observations {
        batch.push(correlator.key(o));
        if batch.len() >= BATCH {
            let mut full = std::mem::take(&mut batch);
            scorer.score_batch(store, &mut full, false).await?;
            session.write(full, &rules).await?;
        }
    }
    if !batch.is_empty() {
        scorer.score_batch(store, &mut batch, false).await?;
        session.write(batch, &rules).await?;
    }
    let scan = session
        .finish(
            ScanEnd {
                tools: vec![TOOL.to_owned()],
                report_sha256: sha,
            },
            &rules,
        )
        .await?;
    // The synthetic scan's issues are scored like any ingest's.
    crate::risk::after_ingest(store, &scan).await?;
    Ok(scan)
}
