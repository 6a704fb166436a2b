//! Issues by weakness: the OWASP Top 10 2021 category and the ASVS 4.0 requirements of an
//! issue, from its CWEs (`data/compliance/cwe-map.tsv`, derived by
//! `scripts/gen-compliance-cwe.py` from MITRE CWE v4.14 view 1344 and DefectDojo's ASVS 4.0.1
//! fixtures; a CWE neither maps inherits from its nearest mapped ancestors in view 1000).
//!
//! The kind of finding comes first where OWASP has a category for it: a vulnerable dependency
//! is A06 (Vulnerable and Outdated Components) whatever the CVE's CWE, and a misconfigured
//! resource is A05 (Security Misconfiguration) as well as what its CWE says.

use rampart_model::FindingKind;
use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

const CWE_MAP_TSV: &str = include_str!("../../data/compliance/cwe-map.tsv");

/// One CWE's row.
#[derive(Debug, Default)]
struct Row {
    owasp: Vec<String>,
    asvs: Vec<String>,
}

static TABLE: OnceLock<HashMap<u32, Row>> = OnceLock::new();

fn table() -> &'static HashMap<u32, Row> {
    TABLE.get_or_init(|| parse(CWE_MAP_TSV))
}

fn parse(tsv: &str) -> HashMap<u32, Row> {
    let list = |s: &str| -> Vec<String> {
        s.split(',')
            .filter(|x| !x.is_empty() && *x != "-")
            .map(str::to_string)
            .collect()
    };
    tsv.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut cols = l.split('\t');
            let cwe = cols.next()?.parse().ok()?;
            let owasp = list(cols.next()?);
            let asvs = list(cols.next()?);
            Some((cwe, Row { owasp, asvs }))
        })
        .collect()
}

/// The OWASP Top 10 2021 categories (`A01` .. `A10`) of an issue of `kind` with `cwes`.
pub fn owasp_of(kind: FindingKind, cwes: &[u32]) -> BTreeSet<&'static str> {
    let t = table();
    let mut out = BTreeSet::new();
    match kind {
        FindingKind::Dependency => {
            out.insert("A06");
            return out;
        }
        FindingKind::Iac => {
            out.insert("A05");
        }
        _ => {}
    }
    for c in cwes {
        if let Some(r) = t.get(c) {
            out.extend(r.owasp.iter().map(String::as_str));
        }
    }
    out
}

/// The ASVS 4.0 requirements (`5.3.4`) the CWEs map to.
pub fn asvs_of(cwes: &[u32]) -> BTreeSet<&'static str> {
    let t = table();
    cwes.iter()
        .filter_map(|c| t.get(c))
        .flat_map(|r| r.asvs.iter().map(String::as_str))
        .collect()
}

/// The chapter (`V5`) of an ASVS requirement (`5.3.4`).
pub fn asvs_chapter(requirement: &str) -> String {
    format!("V{}", requirement.split('.').next().unwrap_or(requirement))
}

/// Whether `selector` (an ASVS chapter `V5` or requirement `5.3.4`) matches `requirement`.
pub(crate) fn asvs_matches(selector: &str, requirement: &str) -> bool {
    match selector.strip_prefix(['V', 'v']) {
        Some(chapter) => requirement.split('.').next() == Some(chapter),
        None => requirement == selector,
    }
}

/// Whether the table knows OWASP category `category`.
#[cfg(test)]
pub(crate) fn known_owasp(category: &str) -> bool {
    table()
        .values()
        .any(|r| r.owasp.iter().any(|o| o == category))
}

/// Whether the table knows ASVS chapter or requirement `selector`.
#[cfg(test)]
pub(crate) fn known_asvs(selector: &str) -> bool {
    table()
        .values()
        .any(|r| r.asvs.iter().any(|a| asvs_matches(selector, a)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_weaknesses_land_in_their_categories() {
        assert_eq!(owasp_of(FindingKind::Code, &[89]), BTreeSet::from(["A03"]));
        assert_eq!(owasp_of(FindingKind::Code, &[79]), BTreeSet::from(["A03"]));
        assert_eq!(owasp_of(FindingKind::Code, &[22]), BTreeSet::from(["A01"]));
        assert_eq!(owasp_of(FindingKind::Code, &[327]), BTreeSet::from(["A02"]));
        assert_eq!(
            owasp_of(FindingKind::Secret, &[798]),
            BTreeSet::from(["A07"])
        );
        assert_eq!(owasp_of(FindingKind::Web, &[918]), BTreeSet::from(["A10"]));
        assert_eq!(
            owasp_of(FindingKind::Dependency, &[79]),
            BTreeSet::from(["A06"])
        );
        assert!(owasp_of(FindingKind::Iac, &[]).contains("A05"));
        assert!(asvs_of(&[89]).contains("5.3.4"));
        assert!(asvs_of(&[798]).contains("2.10.4"));
        assert_eq!(asvs_chapter("5.3.4"), "V5");
        assert!(asvs_matches("V5", "5.3.4") && !asvs_matches("V5", "15.1.1"));
        assert!(asvs_matches("5.3.4", "5.3.4") && !asvs_matches("5.3", "5.3.4"));
    }
}
