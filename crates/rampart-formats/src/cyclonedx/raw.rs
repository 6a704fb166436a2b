//! The neutral form of CycloneDX records that both readers (JSON and XML) produce and the
//! [`super::builder::BomBuilder`] consumes. Only what Rampart keeps is here.

/// One component as written, before a `bom-ref` is generated and the group joined.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RawComponent {
    /// `bom-ref`, when given.
    pub bom_ref: Option<String>,
    /// `type` (`library`, `application`, `container` ...).
    pub component_type: Option<String>,
    /// `group` (Maven group id, npm scope, Composer vendor ...).
    pub group: Option<String>,
    /// `name`.
    pub name: Option<String>,
    /// `version`.
    pub version: Option<String>,
    /// `purl`.
    pub purl: Option<String>,
    /// License ids, names and expressions, in document order.
    pub licenses: Vec<String>,
    /// Hashes as `(alg, content)`.
    pub hashes: Vec<(String, String)>,
}

/// One vulnerability (1.4+ `vulnerabilities`, or the 1.0 vulnerability extension of XML).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RawVulnerability {
    /// `bom-ref` of the vulnerability itself.
    pub bom_ref: Option<String>,
    /// `id` (`CVE-2021-44228`, `GHSA-...`, `SNYK-...`).
    pub id: Option<String>,
    /// `source.name`.
    pub source_name: Option<String>,
    /// `source.url`.
    pub source_url: Option<String>,
    /// `references[].id`: aliases.
    pub aliases: Vec<String>,
    /// `ratings`.
    pub ratings: Vec<RawRating>,
    /// `cwes`, as written (numbers or strings).
    pub cwes: Vec<String>,
    /// `description`.
    pub description: Option<String>,
    /// `detail`.
    pub detail: Option<String>,
    /// `recommendation`.
    pub recommendation: Option<String>,
    /// `workaround`.
    pub workaround: Option<String>,
    /// `advisories[].url`.
    pub advisories: Vec<String>,
    /// `analysis` (VEX).
    pub analysis: RawAnalysis,
    /// `affects`.
    pub affects: Vec<RawAffect>,
}

/// One `ratings[]` entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RawRating {
    /// `source.name`.
    pub source: Option<String>,
    /// `score`, as written.
    pub score: Option<String>,
    /// `severity` word.
    pub severity: Option<String>,
    /// `method` (`CVSSv31`, `CVSSv4`, `OWASP` ...).
    pub method: Option<String>,
    /// `vector`.
    pub vector: Option<String>,
}

/// The VEX `analysis` of a vulnerability.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RawAnalysis {
    /// `state` (`not_affected`, `exploitable`, `in_triage` ...).
    pub state: Option<String>,
    /// `justification` (`code_not_reachable` ...).
    pub justification: Option<String>,
    /// `response` (JSON) / `responses` (XML).
    pub responses: Vec<String>,
    /// `detail`.
    pub detail: Option<String>,
}

/// One `affects[]` entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RawAffect {
    /// `ref`: a `bom-ref`, a purl or a BOM-Link.
    pub reference: Option<String>,
    /// `versions`.
    pub versions: Vec<RawAffectedVersion>,
}

/// One `affects[].versions[]` entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RawAffectedVersion {
    /// `version`.
    pub version: Option<String>,
    /// `range` (a vers range).
    pub range: Option<String>,
    /// `status` (`affected`, `unaffected`, `unknown`).
    pub status: Option<String>,
}

/// Trims `s` and drops it when nothing is left.
pub(crate) fn clean(s: Option<String>) -> Option<String> {
    let s = s?;
    let t = s.trim();
    if t.is_empty() {
        None
    } else if t.len() == s.len() {
        Some(s)
    } else {
        Some(t.to_string())
    }
}
