//! Matching an inventory against an [`AdvisoryIndex`]: each component with a purl is mapped to
//! its OSV ecosystem and name ([`crate::ecosystem::from_purl`]), the advisories naming that
//! package are looked up, and each `affected[]` entry is evaluated against the component's
//! version ([`crate::osv::affected`]). What cannot be decided (GIT-only ranges, versions a
//! scheme cannot parse) is reported as a [`MatchProblem`], never guessed.

use std::collections::HashSet;

use rampart_model::{Component, Inventory};

use crate::ecosystem::{Base, PackageRef, from_purl, normalize_name};
use crate::osv::compiled::Targets;
use crate::osv::{AdvisoryIndex, Affected, AffectedBy, Affectedness, Record, Unknown};

/// One component affected by one advisory.
#[derive(Debug, Clone)]
pub struct Match<'a> {
    /// Position of the component in the list matched.
    pub component: usize,
    /// The advisory.
    pub record: &'a Record,
    /// The `affected[]` entry that matched.
    pub entry: &'a Affected,
    /// Why the version is affected.
    pub by: AffectedBy,
}

/// An advisory that names a component's package but whose verdict could not be decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchProblem {
    /// Position of the component.
    pub component: usize,
    /// The advisory id.
    pub advisory: String,
    /// Why.
    pub reason: Unknown,
}

/// What matching an inventory found.
#[derive(Debug, Clone, Default)]
pub struct MatchOutcome<'a> {
    /// Affected components, in component order, one per (component, advisory).
    pub matches: Vec<Match<'a>>,
    /// Undecidable verdicts.
    pub problems: Vec<MatchProblem>,
    /// Components that could not be matched at all: no purl, no version, or a purl type with no
    /// OSV ecosystem.
    pub unmatchable: usize,
}

/// The lookup key of a component in an advisory database: the OSV ecosystem family's name and
/// the package name advisories of it use, normalized (the source package for Debian, Ubuntu
/// and Alpine binaries that name one). `None` without a usable purl.
pub fn package_key(component: &Component) -> Option<(String, String)> {
    let purl = component.purl.as_deref()?;
    let p = from_purl(purl).ok()?;
    let name = normalize_name(&p.ecosystem.base, p.advisory_name());
    Some((p.ecosystem.base.osv_name().to_owned(), name))
}

/// The lookup key of an advisory's `affected[]` entry (see [`package_key`]).
pub fn affected_key(entry: &Affected) -> Option<(String, String)> {
    let p = entry
        .package
        .as_ref()
        .filter(|p| !p.name.trim().is_empty())?;
    let base = Base::from_osv(p.ecosystem.split(':').next().unwrap_or(""));
    let name = normalize_name(&base, &p.name);
    Some((base.osv_name().to_owned(), name))
}

fn version_of<'c>(component: &'c Component, p: &'c PackageRef) -> Option<&'c str> {
    p.version
        .as_deref()
        .or(component.version.as_deref())
        .filter(|v| !v.trim().is_empty())
}

/// Matches `components` against `index`.
pub fn match_components<'a>(
    index: &'a AdvisoryIndex,
    components: &[Component],
) -> MatchOutcome<'a> {
    match_each(index, components)
}

/// Matches the components `components` yields (positions count from 0) against `index`. Each
/// advisory entry is evaluated in its compiled form (parsed once per index), each component's
/// version parsed once per scheme.
pub fn match_each<'a, 'c>(
    index: &'a AdvisoryIndex,
    components: impl IntoIterator<Item = &'c Component>,
) -> MatchOutcome<'a> {
    let mut out = MatchOutcome::default();
    // Per component: the first verdict that decides wins; an undecidable entry is reported only
    // when no other entry of the same advisory decides. Reused across components.
    let mut affected_by: Vec<&'a str> = Vec::new();
    let mut undecided: Vec<(&'a str, Unknown)> = Vec::new();
    for (i, component) in components.into_iter().enumerate() {
        let Some(p) = component.purl.as_deref().and_then(|u| from_purl(u).ok()) else {
            out.unmatchable += 1;
            continue;
        };
        let Some(version) = version_of(component, &p) else {
            out.unmatchable += 1;
            continue;
        };
        let mut targets = Targets::new(version);
        affected_by.clear();
        undecided.clear();
        for c in index.compiled_candidates(&p.ecosystem, p.advisory_name()) {
            let id = c.record.id.as_str();
            if affected_by.contains(&id) {
                continue;
            }
            match c.compiled.evaluate(c.entry, &mut targets) {
                Affectedness::Affected(by) => {
                    affected_by.push(id);
                    out.matches.push(Match {
                        component: i,
                        record: c.record,
                        entry: c.entry,
                        by,
                    });
                }
                Affectedness::NotAffected => {}
                Affectedness::Unknown(reason) => undecided.push((id, reason)),
            }
        }
        let first = out.problems.len();
        for (advisory, reason) in undecided.drain(..) {
            let reported = out
                .problems
                .get(first..)
                .is_some_and(|mine| mine.iter().any(|p| p.advisory == advisory));
            if !affected_by.contains(&advisory) && !reported {
                out.problems.push(MatchProblem {
                    component: i,
                    advisory: advisory.to_owned(),
                    reason,
                });
            }
        }
    }
    out
}

/// Whether each component is a direct dependency of the inventory's subject (`Some(true)`), a
/// transitive one (`Some(false)`), or unknown (`None`: the SBOM has no edges from its subject).
/// Direct: an edge from the root (CycloneDX `metadata.component`, SPDX `DESCRIBES` target) to
/// the component.
pub fn directness(inventory: &Inventory) -> Vec<Option<bool>> {
    let root = inventory.root.as_ref().map(|r| r.bom_ref.as_str());
    let direct: HashSet<&str> = inventory
        .edges
        .iter()
        .filter(|e| Some(e.from.as_str()) == root)
        .map(|e| e.to.as_str())
        .collect();
    let known = !direct.is_empty();
    inventory
        .components
        .iter()
        .map(|c| known.then(|| direct.contains(c.bom_ref.as_str())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osv::from_json;
    use rampart_model::DependencyEdge;

    fn comp(purl: &str) -> Component {
        Component {
            bom_ref: purl.into(),
            name: String::new(),
            version: None,
            purl: Some(purl.into()),
            component_type: None,
            licenses: vec![],
            hashes: vec![],
        }
    }

    #[test]
    fn matches_versions_and_reports_problems() {
        let mut idx = AdvisoryIndex::new();
        idx.insert(from_json(br#"{"id":"GHSA-jfh8-c2jp-5v3q","aliases":["CVE-2021-44228"],"affected":[{"package":{"ecosystem":"Maven","name":"org.apache.logging.log4j:log4j-core"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"2.0-beta9"},{"fixed":"2.15.0"}]}]}]}"#).unwrap());
        idx.insert(from_json(br#"{"id":"GHSA-n","affected":[{"package":{"ecosystem":"npm","name":"ms"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"2.0.0"}]}]}]}"#).unwrap());
        idx.insert(from_json(br#"{"id":"OSV-G","affected":[{"package":{"ecosystem":"Maven","name":"org.apache.logging.log4j:log4j-core"},"ranges":[{"type":"GIT","repo":"x","events":[{"introduced":"abc"}]}]}]}"#).unwrap());
        let comps = vec![
            comp("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"),
            comp("pkg:maven/org.apache.logging.log4j/log4j-core@2.17.0"),
            comp("pkg:npm/ms@not..a..version"),
            comp("pkg:docker/nginx@1"),
        ];
        let out = match_components(&idx, &comps);
        assert_eq!(out.matches.len(), 1);
        assert_eq!(out.matches[0].component, 0);
        assert!(
            out.problems
                .iter()
                .any(|p| p.advisory == "OSV-G" && p.reason == Unknown::GitRangesNotEvaluable)
        );
        assert!(
            out.problems
                .iter()
                .any(|p| p.component == 2 && matches!(p.reason, Unknown::UnparsableVersion(_)))
        );
        assert_eq!(out.unmatchable, 1);
        assert_eq!(
            package_key(&comps[0]),
            Some(("Maven".into(), "org.apache.logging.log4j:log4j-core".into()))
        );
    }

    #[test]
    fn direct_and_transitive() {
        let mut inv = Inventory {
            root: Some(comp("app")),
            components: vec![comp("a"), comp("b")],
            edges: vec![
                DependencyEdge {
                    from: "app".into(),
                    to: "a".into(),
                },
                DependencyEdge {
                    from: "a".into(),
                    to: "b".into(),
                },
            ],
        };
        assert_eq!(directness(&inv), vec![Some(true), Some(false)]);
        inv.edges.clear();
        assert_eq!(directness(&inv), vec![None, None]);
    }
}
