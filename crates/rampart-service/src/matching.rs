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
//! The work is batched: one query loads every inventory's components, one loads the advisories
//! that name any of their packages, one the alias groups and one the EPSS/KEV facts of every
//! matched advisory.

use crate::ingest::{BATCH, IngestError, IngestOptions};
use rampart_engine::{Correlator, DefaultLifecycle};
use rampart_intel::aliases::AliasGroups;
use rampart_intel::matching::{directness, match_components, package_key};
use rampart_intel::observe::{TOOL, observation};
use rampart_intel::osv::{AdvisoryIndex, from_json};
use rampart_model::{Component, Inventory, Observation, Scan, ScanSummary};
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

/// Stores `inventory` as the current one of the target × branch of `opts` (the SBOM's scan
/// `scan` created the target) and matches it.
pub async fn store_and_match(
    store: &dyn Store,
    opts: &IngestOptions,
    scan: &Scan,
    inventory: Inventory,
) -> Result<MatchReport, IngestError> {
    let direct = directness(&inventory);
    let components = inventory
        .components
        .into_iter()
        .zip(direct)
        .map(|(component, direct)| InventoryComponent {
            key: package_key(&component),
            component,
            direct,
        })
        .collect();
    let id = store
        .put_inventory(NewInventory {
            application: scan.application.clone(),
            target: scan.target.clone(),
            branch: opts.branch.clone(),
            scan_id: Some(scan.id),
            at: scan.ingested_at,
            root: inventory.root,
            components,
            edges: inventory.edges,
        })
        .await?;
    rematch(store, Some(id), Some(scan.ingested_at), &scan.format).await
}

/// Loads the advisories naming packages of the stored inventories (or of inventory `only`).
pub async fn load_index(
    store: &dyn Store,
    only: Option<i64>,
) -> Result<(AdvisoryIndex, u64), IngestError> {
    let jsons = store.advisories_for_inventories(only).await?;
    let mut index = AdvisoryIndex::new();
    let mut unreadable = 0;
    for json in &jsons {
        match from_json(json.as_bytes()) {
            Ok(r) => {
                index.insert(r);
            }
            Err(_) => unreadable += 1,
        }
    }
    Ok((index, unreadable))
}

/// The digest of one inventory's verdicts: every (component position, advisory id, advisory
/// `modified`); empty when nothing matched.
fn digest(pairs: &[(usize, &str, &str)]) -> String {
    if pairs.is_empty() {
        return String::new();
    }
    let mut h = Sha256::new();
    for (i, id, modified) in pairs {
        h.update(format!("{i}\t{id}\t{modified}\n").as_bytes());
    }
    hex::encode(&h.finalize()[..16])
}

/// Re-matches every stored inventory (or only `only`) and records a `rampart` scan for each
/// whose verdicts changed. `at`: the scans' time (default now).
pub async fn rematch(
    store: &dyn Store,
    only: Option<i64>,
    at: Option<OffsetDateTime>,
    file_name: &str,
) -> Result<MatchReport, IngestError> {
    let started = Instant::now();
    let at = at.unwrap_or_else(OffsetDateTime::now_utc);
    let inventories = store.inventories(only).await?;
    let (index, unreadable) = load_index(store, only).await?;
    let mut report = MatchReport {
        inventories: inventories.len() as u64,
        advisories: index.len() as u64,
        unreadable_advisories: unreadable,
        ..MatchReport::default()
    };

    // Match everything first (pure), then fetch aliases and EPSS/KEV for what matched.
    struct Pending<'a> {
        inventory: &'a StoredInventory,
        components: Vec<Component>,
        digest: String,
    }
    let mut pending: Vec<Pending<'_>> = Vec::new();
    let mut matched_ids: HashSet<String> = HashSet::new();
    for inv in &inventories {
        report.components += inv.components.len() as u64;
        let components: Vec<Component> =
            inv.components.iter().map(|c| c.component.clone()).collect();
        let outcome = match_components(&index, &components);
        report.matches += outcome.matches.len() as u64;
        report.undecided += outcome.problems.len() as u64;
        let pairs: Vec<(usize, &str, &str)> = outcome
            .matches
            .iter()
            .map(|m| {
                (
                    m.component,
                    m.record.id.as_str(),
                    m.record.modified.as_deref().unwrap_or(""),
                )
            })
            .collect();
        let d = digest(&pairs);
        if d != inv.match_digest {
            matched_ids.extend(outcome.matches.iter().map(|m| m.record.id.clone()));
            pending.push(Pending {
                inventory: inv,
                components,
                digest: d,
            });
        }
    }
    if pending.is_empty() {
        report.elapsed = started.elapsed();
        return Ok(report);
    }
    let ids: Vec<String> = matched_ids.into_iter().collect();
    let mut groups = AliasGroups::new();
    for (member, group) in store.alias_groups_of(&ids).await? {
        groups.link(&member, &group);
    }
    for id in &ids {
        if let Some(r) = index.get(id) {
            groups.add_record(&r.id, r.aliases.iter().map(String::as_str));
        }
    }
    let intel: HashMap<String, VulnIntel> = store.vuln_intel(&ids).await?;

    let mut digests = Vec::with_capacity(pending.len());
    for p in pending {
        let inv = p.inventory;
        let outcome = match_components(&index, &p.components);
        let observations: Vec<Observation> = outcome
            .matches
            .iter()
            .filter_map(|m| {
                let c = inv.components.get(m.component)?;
                Some(observation(
                    m,
                    &c.component,
                    &groups,
                    intel.get(&m.record.id).cloned(),
                    c.direct,
                ))
            })
            .collect();
        let matches = observations.len() as u64;
        let meta = ScanMeta {
            application: inv.application.clone(),
            target: inv.target.clone(),
            branch: inv.branch.clone(),
            commit: None,
            environment: None,
            format: MATCH_FORMAT.to_owned(),
            file_name: file_name.to_owned(),
            report_sha256: p.digest.clone(),
            ingested_at: at,
        };
        let scan = write_scan(store, meta, observations).await?;
        digests.push((inv.id, p.digest));
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
    let mut session = store.begin_ingest(meta).await?;
    let mut batch = Vec::with_capacity(BATCH.min(observations.len()));
    for o in observations {
        batch.push(correlator.key(o));
        if batch.len() >= BATCH {
            session.write(std::mem::take(&mut batch), &rules).await?;
        }
    }
    if !batch.is_empty() {
        session.write(batch, &rules).await?;
    }
    Ok(session
        .finish(
            ScanEnd {
                tools: vec![TOOL.to_owned()],
                report_sha256: sha,
            },
            &rules,
        )
        .await?)
}
