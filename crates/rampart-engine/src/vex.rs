//! Which VEX statements speak about an issue, and which one wins.
//!
//! A statement matches an issue when one of its vulnerability ids (the id and its aliases)
//! is one of the issue's, and one of its products is the issue's package: the same purl type,
//! namespace and name, and the same version when the statement's purl names one (qualifiers
//! are ignored). A product that is a whole image or application (`pkg:oci`, `pkg:docker`,
//! `pkg:generic` without subcomponents matched) speaks for every package in it. Among the
//! statements that match, the newest wins (by timestamp; on a tie, the later one in input
//! order).

use packageurl::PackageUrl;
use rampart_model::{IssueStatus, VexStatement, VexStatus};
use std::collections::{BTreeSet, HashMap};
use std::str::FromStr;

/// The `(type, namespace, name, version)` of a purl, lower-cased where the spec says so.
fn parts(purl: &str) -> Option<(String, String, String, Option<String>)> {
    let p = PackageUrl::from_str(purl).ok()?;
    Some((
        p.ty().to_ascii_lowercase(),
        p.namespace().unwrap_or("").to_ascii_lowercase(),
        p.name().to_ascii_lowercase(),
        p.version().map(str::to_string),
    ))
}

/// Alias groups the statements themselves state (a statement naming `CVE-1` with alias
/// `GHSA-x` makes the two one vulnerability for every statement), as id → every id of its
/// group, upper-cased.
pub fn alias_groups(statements: &[VexStatement]) -> HashMap<String, BTreeSet<String>> {
    let mut groups: HashMap<String, BTreeSet<String>> = HashMap::new();
    for s in statements {
        let mut group: BTreeSet<String> = std::iter::once(&s.vulnerability)
            .chain(s.aliases.iter())
            .map(|v| v.to_ascii_uppercase())
            .collect();
        for id in group.clone() {
            if let Some(g) = groups.get(&id) {
                group.extend(g.iter().cloned());
            }
        }
        for id in &group {
            groups.insert(id.clone(), group.clone());
        }
    }
    groups
}

/// `ids` with every alias the groups know.
pub fn with_aliases(ids: &[String], groups: &HashMap<String, BTreeSet<String>>) -> Vec<String> {
    let mut out: BTreeSet<String> = ids.iter().map(|i| i.to_ascii_uppercase()).collect();
    for id in ids {
        if let Some(g) = groups.get(&id.to_ascii_uppercase()) {
            out.extend(g.iter().cloned());
        }
    }
    out.into_iter().collect()
}

/// Whether a statement product (purl) covers the package at `issue_purl`.
pub fn product_covers(product: &str, issue_purl: &str) -> bool {
    let (Some(prod), Some(pkg)) = (parts(product), parts(issue_purl)) else {
        return false;
    };
    if matches!(prod.0.as_str(), "oci" | "docker" | "generic") && prod.0 != pkg.0 {
        return true;
    }
    prod.0 == pkg.0
        && prod.1 == pkg.1
        && prod.2 == pkg.2
        && match (&prod.3, &pkg.3) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        }
}

/// Whether `s` speaks about an issue with these vulnerability ids at this package purl.
pub fn matches(s: &VexStatement, vuln_ids: &[String], purl: Option<&str>) -> bool {
    let named = std::iter::once(&s.vulnerability)
        .chain(s.aliases.iter())
        .any(|v| vuln_ids.iter().any(|i| i.eq_ignore_ascii_case(v)));
    named && purl.is_some_and(|p| s.products.iter().any(|prod| product_covers(prod, p)))
}

/// The newest of the statements that match (see the module documentation).
pub fn newest<'a>(
    statements: &'a [VexStatement],
    vuln_ids: &[String],
    purl: Option<&str>,
) -> Option<&'a VexStatement> {
    statements
        .iter()
        .filter(|s| matches(s, vuln_ids, purl))
        .fold(None, |best: Option<&VexStatement>, s| match best {
            Some(b) if b.timestamp > s.timestamp => Some(b),
            _ => Some(s),
        })
}

/// The status an issue should have under statement status `vex`, given its `current` status
/// and whether the decision in force came from VEX: not affected, false positive and fixed set
/// theirs; affected or under investigation reopen an issue a VEX statement had closed, and
/// leave any other status alone. `None`: nothing to change.
pub fn status_under(
    vex: VexStatus,
    current: IssueStatus,
    current_from_vex: bool,
) -> Option<IssueStatus> {
    let target = match vex.issue_status() {
        Some(s) => s,
        None if current_from_vex && !current.is_active() && current != IssueStatus::Fixed => {
            IssueStatus::Open
        }
        None => return None,
    };
    (target != current).then_some(target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn st(vuln: &str, product: &str, status: VexStatus, day: u8) -> VexStatement {
        VexStatement {
            vulnerability: vuln.into(),
            aliases: vec!["GHSA-aaaa".into()],
            products: vec![product.into()],
            status,
            justification: None,
            detail: None,
            timestamp: Some(datetime!(2026-01-01 0:00 UTC).replace_day(day).unwrap()),
            document: "d".into(),
            source_ref: format!("/{day}"),
        }
    }

    #[test]
    fn purls_and_aliases() {
        let ids = vec!["GHSA-aaaa".to_string(), "CVE-9".to_string()];
        let purl = Some("pkg:npm/lodash@4.17.20");
        assert!(matches(
            &st("CVE-9", "pkg:npm/lodash@4.17.20", VexStatus::NotAffected, 1),
            &ids,
            purl
        ));
        assert!(matches(
            &st("CVE-other", "pkg:npm/lodash", VexStatus::NotAffected, 1),
            &ids,
            purl
        ));
        assert!(!matches(
            &st("CVE-9", "pkg:npm/lodash@4.17.21", VexStatus::NotAffected, 1),
            &ids,
            purl
        ));
        assert!(!matches(
            &st(
                "CVE-9",
                "pkg:pypi/lodash@4.17.20",
                VexStatus::NotAffected,
                1
            ),
            &ids,
            purl
        ));
        assert!(matches(
            &st(
                "CVE-9",
                "pkg:oci/app@sha256%3Aabc",
                VexStatus::NotAffected,
                1
            ),
            &ids,
            purl
        ));
        assert!(!matches(
            &st("CVE-9", "Generic App 1.0", VexStatus::NotAffected, 1),
            &ids,
            purl
        ));
        assert!(!matches(
            &st("CVE-9", "pkg:npm/lodash", VexStatus::NotAffected, 1),
            &ids,
            None
        ));
        assert!(product_covers(
            "pkg:apk/alpine/zlib@1.2.11-r1?arch=x86_64&distro=alpine-3.10.9",
            "pkg:apk/alpine/zlib@1.2.11-r1?distro=alpine-3.10.9"
        ));
    }

    #[test]
    fn newest_wins() {
        let ids = vec!["CVE-9".to_string()];
        let list = vec![
            st("CVE-9", "pkg:npm/lodash", VexStatus::Affected, 3),
            st("CVE-9", "pkg:npm/lodash", VexStatus::NotAffected, 5),
            st("CVE-9", "pkg:npm/lodash", VexStatus::UnderInvestigation, 4),
            st("CVE-9", "pkg:npm/other", VexStatus::Fixed, 9),
        ];
        let n = newest(&list, &ids, Some("pkg:npm/lodash@1")).unwrap();
        assert_eq!(n.status, VexStatus::NotAffected);
        assert_eq!(
            status_under(VexStatus::NotAffected, IssueStatus::Open, false),
            Some(IssueStatus::NotAffected)
        );
        assert_eq!(
            status_under(VexStatus::Affected, IssueStatus::NotAffected, true),
            Some(IssueStatus::Open)
        );
        assert_eq!(
            status_under(VexStatus::Affected, IssueStatus::FalsePositive, false),
            None
        );
        assert_eq!(
            status_under(VexStatus::NotAffected, IssueStatus::NotAffected, true),
            None
        );
    }

    #[test]
    fn statements_link_aliases() {
        let a = st("CVE-9", "pkg:npm/x", VexStatus::Affected, 1);
        let mut b = st("CVE-10", "pkg:npm/x", VexStatus::Affected, 1);
        b.aliases = vec![];
        let groups = alias_groups(&[a, b]);
        assert_eq!(
            with_aliases(&["ghsa-aaaa".into()], &groups),
            ["CVE-9", "GHSA-AAAA"]
        );
        assert_eq!(with_aliases(&["CVE-10".into()], &groups), ["CVE-10"]);
    }
}
