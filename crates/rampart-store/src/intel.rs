//! Vulnerability intelligence in the store: advisories (OSV records), alias groups, CISA KEV,
//! EPSS, the CWE catalog, and the current inventory of each target × branch that continuous
//! matching re-matches after every feed import. [`IntelStore`] is a supertrait of
//! [`crate::Store`], implemented by both backends in their `intel.rs`.

use async_trait::async_trait;
use rampart_model::{Component, DependencyEdge, EpssScore, KevFacts};
use serde::Serialize;
use std::collections::HashMap;
use time::OffsetDateTime;

use crate::Result;

/// Reads the rows of the `vuln_intel` query (both backends select the same columns:
/// asked id, EPSS columns, KEV columns) into facts per asked id.
macro_rules! vuln_intel_from_rows {
    ($rows:expr) => {{
        let mut out: std::collections::HashMap<String, crate::intel::VulnIntel> =
            std::collections::HashMap::new();
        for r in $rows {
            let epss = r
                .get::<Option<String>, _>(1)
                .map(|cve| rampart_model::EpssScore {
                    cve,
                    probability: r.get(2),
                    percentile: r.get(3),
                    score_date: r.get(4),
                    model_version: r.get(5),
                });
            let kev = r
                .get::<Option<String>, _>(6)
                .map(|cve| rampart_model::KevFacts {
                    cve,
                    vendor_project: r.get(7),
                    product: r.get(8),
                    name: r.get(9),
                    date_added: r.get(10),
                    due_date: r.get(11),
                    known_ransomware_campaign_use: r.get::<bool, _>(12),
                    required_action: r.get(13),
                });
            out.entry(r.get(0))
                .or_default()
                .merge(crate::intel::VulnIntel { epss, kev });
        }
        out
    }};
}
pub(crate) use vuln_intel_from_rows;

/// Appends the rows of the inventory-components query (inventory_id, bom_ref, name, version,
/// purl, component_type, licenses, ecosystem, package, direct) to the inventories they belong to.
macro_rules! components_into_inventories {
    ($rows:expr, $out:expr) => {{
        let position: std::collections::HashMap<i64, usize> = $out
            .iter()
            .enumerate()
            .map(|(i, inv)| (inv.id, i))
            .collect();
        for r in $rows {
            let Some(&slot) = position.get(&r.get::<i64, _>(0)) else {
                continue;
            };
            let licenses: String = r.get(6);
            let key = match (r.get::<Option<String>, _>(7), r.get::<Option<String>, _>(8)) {
                (Some(e), Some(p)) => Some((e, p)),
                _ => None,
            };
            if let Some(inv) = $out.get_mut(slot) {
                inv.components.push(crate::intel::InventoryComponent {
                    component: rampart_model::Component {
                        bom_ref: r.get(1),
                        name: r.get(2),
                        version: r.get(3),
                        purl: r.get(4),
                        component_type: r.get(5),
                        licenses: licenses
                            .split('\n')
                            .filter(|l| !l.is_empty())
                            .map(str::to_owned)
                            .collect(),
                        hashes: Vec::new(),
                    },
                    key,
                    direct: r.get(9),
                });
            }
        }
    }};
}
pub(crate) use components_into_inventories;

/// The package index rows `(ecosystem, name, advisory id)` of the advisories in `rows` that
/// are not withdrawn (a withdrawn advisory matches nothing).
pub(crate) fn package_index_rows(rows: &[AdvisoryRow]) -> Vec<(&str, &str, &str)> {
    rows.iter()
        .filter(|r| r.withdrawn.is_none())
        .flat_map(|r| {
            r.packages
                .iter()
                .map(move |(e, n)| (e.as_str(), n.as_str(), r.id.as_str()))
        })
        .collect()
}

/// The EPSS and KEV facts of a vulnerability's alias group (what risk scoring reads).
pub use rampart_model::VulnIntel;

/// An OSV record to store.
#[derive(Debug, Clone)]
pub struct AdvisoryRow {
    /// The record id.
    pub id: String,
    /// `modified`, RFC 3339.
    pub modified: Option<String>,
    /// `withdrawn`, RFC 3339, when withdrawn (it then matches nothing).
    pub withdrawn: Option<String>,
    /// The record's own `aliases`.
    pub aliases: Vec<String>,
    /// Where it was read from (file, or `archive.zip!member`).
    pub source: String,
    /// The record, as JSON text.
    pub json: String,
    /// Its lookup keys: (OSV ecosystem family, normalized package name).
    pub packages: Vec<(String, String)>,
}

/// A CWE catalog entry to store.
#[derive(Debug, Clone)]
pub struct CweRow {
    /// The number.
    pub id: u32,
    /// The name.
    pub name: String,
    /// `weakness`, `category` or `view`.
    pub kind: String,
    /// Abstraction level (weaknesses).
    pub abstraction: Option<String>,
    /// Status.
    pub status: Option<String>,
    /// Primary parent in the research view.
    pub parent: Option<u32>,
}

/// A CWE entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CweInfo {
    /// The number.
    pub id: u32,
    /// The name.
    pub name: String,
    /// `weakness`, `category` or `view`.
    pub kind: String,
}

/// A component of a stored inventory, with its advisory lookup key and directness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryComponent {
    /// The component.
    pub component: Component,
    /// (OSV ecosystem family, normalized package name), when the purl gives one.
    pub key: Option<(String, String)>,
    /// Direct (true) or transitive (false) dependency; `None` when the SBOM does not say.
    pub direct: Option<bool>,
}

/// The inventory of one target × branch, to store (it replaces the previous one).
#[derive(Debug, Clone)]
pub struct NewInventory {
    /// Application name (must exist: the SBOM's scan created it).
    pub application: String,
    /// Target name.
    pub target: String,
    /// Branch.
    pub branch: String,
    /// The scan of the SBOM.
    pub scan_id: Option<i64>,
    /// When.
    pub at: OffsetDateTime,
    /// The component the SBOM describes.
    pub root: Option<Component>,
    /// Every component.
    pub components: Vec<InventoryComponent>,
    /// Dependency edges.
    pub edges: Vec<DependencyEdge>,
}

/// A stored inventory, as re-matching reads it.
#[derive(Debug, Clone)]
pub struct StoredInventory {
    /// Store id.
    pub id: i64,
    /// Application name.
    pub application: String,
    /// Target name.
    pub target: String,
    /// Branch.
    pub branch: String,
    /// The digest of its last match (empty: never matched, or nothing matched).
    pub match_digest: String,
    /// Its components, in SBOM order.
    pub components: Vec<InventoryComponent>,
}

/// How much intelligence the store holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IntelCounts {
    /// Advisories (including withdrawn).
    pub advisories: u64,
    /// Withdrawn advisories.
    pub withdrawn: u64,
    /// Vulnerability ids in alias groups.
    pub alias_ids: u64,
    /// KEV entries.
    pub kev: u64,
    /// EPSS scores.
    pub epss: u64,
    /// CWE entries.
    pub cwe: u64,
    /// Stored inventories.
    pub inventories: u64,
    /// Their components.
    pub components: u64,
}

/// Intelligence storage, implemented by both backends.
#[async_trait]
pub trait IntelStore: Send + Sync {
    /// Every stored advisory's `modified` (for incremental imports).
    async fn advisory_modified(&self) -> Result<HashMap<String, Option<String>>>;

    /// Inserts or replaces advisories (with their package index rows), in one transaction.
    async fn put_advisories(&self, rows: Vec<AdvisoryRow>) -> Result<()>;

    /// Every advisory that is not withdrawn, with its own aliases (to rebuild alias groups).
    async fn advisory_alias_lists(&self) -> Result<Vec<(String, Vec<String>)>>;

    /// Replaces every alias group: `(vuln_id, canonical id of its group)`.
    async fn replace_alias_groups(&self, members: Vec<(String, String)>) -> Result<()>;

    /// Every member of the groups of `ids`, as `(vuln_id, group id)`.
    async fn alias_groups_of(&self, ids: &[String]) -> Result<Vec<(String, String)>>;

    /// Inserts or replaces KEV entries; returns how many were written.
    async fn put_kev(&self, entries: Vec<KevFacts>) -> Result<u64>;

    /// Inserts EPSS scores, replacing a stored score only with one of the same or a later
    /// `score_date`; returns how many were written.
    async fn put_epss(&self, scores: Vec<EpssScore>) -> Result<u64>;

    /// Inserts or replaces CWE entries; returns how many were written.
    async fn put_cwes(&self, entries: Vec<CweRow>) -> Result<u64>;

    /// CWE names by number.
    async fn cwe_names(&self, ids: &[u32]) -> Result<Vec<CweInfo>>;

    /// Whether any EPSS score or KEV entry is stored: an ingest asks [`vuln_intel`] nothing
    /// when none is. One index probe per table.
    ///
    /// [`vuln_intel`]: IntelStore::vuln_intel
    async fn has_exploit_facts(&self) -> Result<bool>;

    /// The EPSS and KEV facts of each id's alias group (the highest EPSS among the group's
    /// CVEs, the earliest KEV entry), keyed by the ids as given. Ids with no facts are absent.
    async fn vuln_intel(&self, ids: &[String]) -> Result<HashMap<String, VulnIntel>>;

    /// Stores the inventory of a target × branch, replacing the previous one (its match digest
    /// is kept, so the next match can tell what changed); returns the inventory's id.
    async fn put_inventory(&self, inventory: NewInventory) -> Result<i64>;

    /// Every stored inventory (or only `only`), with its components.
    async fn inventories(&self, only: Option<i64>) -> Result<Vec<StoredInventory>> {
        let ids = match only {
            Some(id) => vec![id],
            None => self.inventory_ids(None).await?,
        };
        self.inventories_in(&ids).await
    }

    /// The ids of every stored inventory (`packages` `None`), or of those with a component of
    /// one of `packages` (OSV ecosystem family, normalized name), in id order.
    async fn inventory_ids(&self, packages: Option<&[(String, String)]>) -> Result<Vec<i64>>;

    /// The inventories `ids` (in id order), with their components in SBOM order; unknown ids
    /// are left out. Callers pass a few hundred ids at a time.
    async fn inventories_in(&self, ids: &[i64]) -> Result<Vec<StoredInventory>>;

    /// The JSON of every advisory that is not withdrawn and names one of `packages`.
    async fn advisories_for_packages(&self, packages: &[(String, String)]) -> Result<Vec<String>>;

    /// The packages the stored copies of advisories `ids` name (what a re-import of them may
    /// stop naming).
    async fn advisory_packages_of(&self, ids: &[String]) -> Result<Vec<(String, String)>>;

    /// The JSON of every advisory that is not withdrawn and names a package of a stored
    /// inventory (or of inventory `only`).
    async fn advisories_for_inventories(&self, only: Option<i64>) -> Result<Vec<String>>;

    /// Records the digests of the latest matches.
    async fn set_match_digests(&self, digests: Vec<(i64, String)>) -> Result<()>;

    /// Counts.
    async fn intel_counts(&self) -> Result<IntelCounts>;
}
