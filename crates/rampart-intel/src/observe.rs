//! Turning a [`Match`] into an [`Observation`] of tool `rampart`: the advisory id and its
//! alias group, the affected range, the fixed versions, the severity (each CVSS v3 / v4 vector
//! of the advisory scored with the `cvss` crate; the best version decides the level), CWEs,
//! references, and the group's EPSS and KEV facts.

use std::str::FromStr;

use rampart_model::{
    Component, Cvss, CvssVersion, FindingKind, Location, Observation, PackageLocation, Severity,
    SeverityInfo, VulnId, VulnIntel, normalize_vuln_id,
};

use crate::aliases::AliasGroups;
use crate::matching::Match;
use crate::osv::{AffectedBy, Bound, Record};

/// The tool name of Rampart's own matches.
pub const TOOL: &str = "rampart";

/// Every CVSS v3 / v4 vector of the record, scored; v2 vectors kept unscored. Vectors the
/// `cvss` crate rejects are kept without a score. Best version first (v4, v3, v2).
pub fn scored_cvss(record: &Record) -> Vec<Cvss> {
    let mut out: Vec<Cvss> = Vec::new();
    for (_, vector) in record.cvss_vectors() {
        let vector = vector.trim();
        if out.iter().any(|c| c.vector.as_deref() == Some(vector)) {
            continue;
        }
        let score = if vector.starts_with("CVSS:3") || vector.starts_with("CVSS:4") {
            cvss::Cvss::from_str(vector)
                .or_else(|_| cvss::Cvss::from_str(&v3_base(vector)))
                .ok()
                .map(|c| c.score())
        } else {
            None
        };
        out.push(Cvss::from_vector(vector, score));
    }
    let rank = |c: &Cvss| match c.version {
        CvssVersion::V4 => 0,
        CvssVersion::V3 => 1,
        CvssVersion::V2 => 2,
    };
    out.sort_by_key(rank);
    out
}

/// A CVSS v3 vector cut to its base metrics: the `cvss` crate rejects temporal and
/// environmental metrics (`E:P/RL:O/RC:C`), which GHSA vectors sometimes carry and which do not
/// change the base score.
fn v3_base(vector: &str) -> String {
    const BASE: [&str; 8] = ["AV", "AC", "PR", "UI", "S", "C", "I", "A"];
    vector
        .split('/')
        .filter(|part| {
            part.starts_with("CVSS:")
                || part
                    .split_once(':')
                    .is_some_and(|(metric, _)| BASE.contains(&metric))
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The severity of an advisory: the best scored CVSS vector, else the database's own label
/// (GHSA `database_specific.severity`), else medium (an advisory with no severity at all is
/// still a known vulnerability).
pub fn severity(record: &Record) -> SeverityInfo {
    let cvss = scored_cvss(record);
    let label = record.database_severity().map(str::to_owned);
    let level = cvss
        .iter()
        .find_map(|c| c.score)
        .map(Severity::from_cvss_score)
        .or_else(|| label.as_deref().and_then(Severity::from_label))
        .unwrap_or(Severity::Medium);
    SeverityInfo {
        level,
        tool_label: label,
        cvss,
    }
}

/// The affected range that matched, as text: `>= 2.0-beta9, < 2.15.0`, `<= 1.2`, `listed`.
pub fn range_text(by: &AffectedBy) -> String {
    match by {
        AffectedBy::Listed => "listed version".to_owned(),
        AffectedBy::Range {
            introduced, until, ..
        } => {
            let from = (introduced != "0").then(|| format!(">= {introduced}"));
            let to = until.as_ref().map(|b| match b {
                Bound::Fixed(v) => format!("< {v}"),
                Bound::LastAffected(v) => format!("<= {v}"),
                Bound::Limit(v) => format!("< {v} (limit)"),
            });
            match (from, to) {
                (Some(f), Some(t)) => format!("{f}, {t}"),
                (Some(f), None) => f,
                (None, Some(t)) => t,
                (None, None) => "every version".to_owned(),
            }
        }
    }
}

/// The ids of the advisory's vulnerability: its alias group's canonical id first (a CVE when
/// the group has one), then the rest of the group, the advisory's own id and aliases.
pub fn vuln_ids(record: &Record, groups: &AliasGroups) -> Vec<VulnId> {
    let mut ids: Vec<VulnId> = Vec::new();
    let mut push = |s: &str| {
        if let Some(id) = normalize_vuln_id(s)
            && !ids.contains(&id)
        {
            ids.push(id);
        }
    };
    for id in groups.group(&record.id) {
        push(id);
    }
    push(&record.id);
    for a in &record.aliases {
        push(a);
    }
    ids
}

/// What the observation of a match takes from its advisory alone: computed once per advisory
/// when many components match it ([`observation_with`]).
#[derive(Debug, Clone)]
pub struct AdvisoryFacts {
    severity: SeverityInfo,
    cwes: Vec<u32>,
    vuln_ids: Vec<VulnId>,
    references: Vec<String>,
}

impl AdvisoryFacts {
    /// The facts of `record`, with the ids of its alias group in `groups`.
    pub fn new(record: &Record, groups: &AliasGroups) -> AdvisoryFacts {
        AdvisoryFacts {
            severity: severity(record),
            cwes: record.cwe_ids(),
            vuln_ids: vuln_ids(record, groups),
            references: record
                .references
                .iter()
                .map(|r| r.url.clone())
                .filter(|u| !u.is_empty())
                .take(20)
                .collect(),
        }
    }
}

/// The observation of one match. `direct`: whether the component is a direct dependency
/// (see [`crate::matching::directness`]).
pub fn observation(
    m: &Match<'_>,
    component: &Component,
    groups: &AliasGroups,
    intel: Option<VulnIntel>,
    direct: Option<bool>,
) -> Observation {
    observation_with(
        m,
        component,
        &AdvisoryFacts::new(m.record, groups),
        intel,
        direct,
    )
}

/// [`observation`] with the advisory's facts computed beforehand (`facts` must be those of
/// `m.record`).
pub fn observation_with(
    m: &Match<'_>,
    component: &Component,
    facts: &AdvisoryFacts,
    intel: Option<VulnIntel>,
    direct: Option<bool>,
) -> Observation {
    let record = m.record;
    let fixed: Vec<String> = m
        .entry
        .fixed_versions()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let range = range_text(&m.by);
    let name = m
        .entry
        .package
        .as_ref()
        .map(|p| p.name.clone())
        .unwrap_or_else(|| component.name.clone());
    let version = component.version.clone().or_else(|| {
        component
            .purl
            .as_deref()
            .and_then(|p| crate::ecosystem::from_purl(p).ok())
            .and_then(|p| p.version)
    });
    let title = match record
        .summary
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(s) => format!("{}: {s}", record.id),
        None => format!("{} in {name}", record.id),
    };
    let mut obs = Observation::new(
        TOOL,
        FindingKind::Dependency,
        record.id.clone(),
        title,
        Location::Package(PackageLocation {
            purl: component.purl.clone(),
            ecosystem: m.entry.package.as_ref().map(|p| p.ecosystem.clone()),
            name: name.clone(),
            version: version.clone(),
            fixed_versions: fixed.clone(),
            found_in: None,
        }),
    );
    obs.tool.version = Some(env!("CARGO_PKG_VERSION").to_owned());
    obs.rule_name = record.summary.clone();
    obs.message = Some(format!(
        "{name} {} is affected ({range}) by {}{}",
        version.as_deref().unwrap_or("?"),
        record.id,
        match record.details.as_deref().map(str::trim) {
            Some(d) if !d.is_empty() => format!(": {}", truncate(d, 2000)),
            _ => String::new(),
        }
    ));
    obs.severity = facts.severity.clone();
    obs.cwes = facts.cwes.clone();
    obs.vuln_ids = facts.vuln_ids.clone();
    obs.references = facts.references.clone();
    obs.remediation =
        (!fixed.is_empty()).then(|| format!("Upgrade {name} to {}", fixed.join(" or ")));
    obs.tags = vec![format!("affected:{range}")];
    match direct {
        Some(true) => obs.tags.push("direct".into()),
        Some(false) => obs.tags.push("transitive".into()),
        None => {}
    }
    if let Some(m) = &record.modified {
        obs.tags.push(format!("advisory-modified:{m}"));
    }
    obs.source_ref = format!("/components/{}#{}", m.component, record.id);
    obs.intel = intel.filter(|i| !i.is_empty()).map(Box::new);
    obs
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osv::from_json;

    #[test]
    fn cvss_vectors_are_scored() {
        let r = from_json(br#"{"id":"GHSA-x","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"},{"type":"CVSS_V4","score":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H"}],"database_specific":{"severity":"CRITICAL"}}"#).unwrap();
        let s = severity(&r);
        assert_eq!(s.level, Severity::Critical);
        assert_eq!(s.cvss[0].version, CvssVersion::V4);
        assert_eq!(s.cvss[0].score, Some(10.0));
        assert_eq!(s.cvss[1].score, Some(10.0));
        let r = from_json(br#"{"id":"GHSA-y","database_specific":{"severity":"MODERATE"},"severity":[{"type":"CVSS_V3","score":"garbage"}]}"#).unwrap();
        assert_eq!(severity(&r).level, Severity::Medium);
        let r = from_json(br#"{"id":"GHSA-z","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C"}]}"#).unwrap();
        assert_eq!(severity(&r).cvss[0].score, Some(9.8));
        assert_eq!(
            range_text(&AffectedBy::Range {
                range: 0,
                introduced: "2.0".into(),
                until: Some(Bound::Fixed("2.15.0".into()))
            }),
            ">= 2.0, < 2.15.0"
        );
    }
}
