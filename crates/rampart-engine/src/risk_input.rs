//! Gathering a [`RiskInput`](crate::risk::RiskInput): where an issue runs (the catalog's
//! environment rules applied to the targets and branches that report it) and what its
//! observations say (CVSS, EPSS/KEV when a tool supplies them, fixed versions, reachability).

use crate::risk::Reachability;
use rampart_model::{
    AppProfile, Cvss, Deployment, Environment, ExploitFacts, Location, Observation,
};
use time::OffsetDateTime;

/// One place an issue is (or was) reported: a target and branch, as of a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    /// Target name.
    pub target: String,
    /// Branch.
    pub branch: String,
    /// The environment the scan declared.
    pub environment: Option<Environment>,
    /// When that stream last reported it (its latest scan while active).
    pub last_seen: OffsetDateTime,
    /// Whether the stream's latest scan still reports it.
    pub active: bool,
}

/// Where an issue counts as running, for the score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// The environment (`None`: not known).
    pub deployment: Option<Deployment>,
    /// Why: `catalog: main of git.example/shop`, `scan environment`, ...
    pub evidence: String,
    /// The latest sighting of the issue anywhere.
    pub last_seen: OffsetDateTime,
}

/// Whether `name` matches `pattern` (exact, or a glob where `*` matches any run of characters).
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let mut rest = name;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

/// The default branches of an application: the catalog's, else `main` and `master`.
fn default_branches(profile: Option<&AppProfile>) -> Vec<String> {
    match profile {
        Some(p) if !p.default_branches.is_empty() => p.default_branches.clone(),
        _ => vec!["main".into(), "master".into()],
    }
}

/// The environment of one sighting: the catalog's first matching rule, else the scan's
/// declared environment, else a feature branch when the branch is not a default branch.
pub fn resolve(s: &Sighting, profile: Option<&AppProfile>) -> (Option<Deployment>, String) {
    let defaults = default_branches(profile);
    let is_default = defaults.iter().any(|d| glob_match(d, &s.branch));
    if let Some(p) = profile {
        for rule in &p.environments {
            if rule
                .target
                .as_deref()
                .is_some_and(|t| !glob_match(t, &s.target))
            {
                continue;
            }
            let branch_ok = if rule.branches.is_empty() {
                is_default
            } else {
                rule.branches.iter().any(|b| glob_match(b, &s.branch))
            };
            if branch_ok {
                return (
                    Some(rule.environment),
                    format!("catalog: {}@{}", s.target, s.branch),
                );
            }
        }
    }
    if let Some(e) = s.environment {
        return (
            Some(e.into()),
            format!("scan environment of {}@{}", s.target, s.branch),
        );
    }
    if !is_default {
        return (
            Some(Deployment::FeatureBranch),
            format!("branch {} is not a default branch", s.branch),
        );
    }
    (
        None,
        format!("no environment known for {}@{}", s.target, s.branch),
    )
}

/// The most exposed place among the sightings still reporting the issue (all sightings when
/// none still does), with the latest sighting time. `None` without sightings.
pub fn most_exposed(sightings: &[Sighting], profile: Option<&AppProfile>) -> Option<Placement> {
    let last_seen = sightings.iter().map(|s| s.last_seen).max()?;
    let any_active = sightings.iter().any(|s| s.active);
    let rank = |d: Option<Deployment>| match d {
        Some(Deployment::Production) => 5,
        None => 4,
        Some(Deployment::Staging) => 3,
        Some(Deployment::Dev) => 2,
        Some(Deployment::FeatureBranch) => 1,
    };
    let mut best: Option<(u8, Option<Deployment>, String)> = None;
    for s in sightings.iter().filter(|s| s.active || !any_active) {
        let (d, evidence) = resolve(s, profile);
        let r = rank(d);
        if best
            .as_ref()
            .is_none_or(|(br, _, be)| r > *br || (r == *br && evidence < *be))
        {
            best = Some((r, d, evidence));
        }
    }
    best.map(|(_, deployment, evidence)| Placement {
        deployment,
        evidence,
        last_seen,
    })
}

/// What an issue's observations say, merged across tools.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ObservedFacts {
    /// Every CVSS any observation carried.
    pub cvss: Vec<Cvss>,
    /// EPSS / KEV as tools reported them.
    pub exploit: Option<ExploitFacts>,
    /// Whether a tool listed a fixed version (`None` for non-package findings).
    pub fix_available: Option<bool>,
    /// Reachability a tool stated (a VEX analysis in an SBOM, a reachability tag).
    pub reachability: Option<Reachability>,
}

/// Merges what `observations` say. Deterministic whatever the order of equal facts.
pub fn observed_facts(observations: &[Observation]) -> ObservedFacts {
    let mut f = ObservedFacts::default();
    for o in observations {
        for c in &o.severity.cvss {
            if !f.cvss.contains(c) {
                f.cvss.push(c.clone());
            }
        }
        if let Some(e) = &o.exploit {
            let mut e = e.clone();
            if e.source.is_none() {
                e.source = Some(o.tool.name.clone());
            }
            match &mut f.exploit {
                Some(have) => have.merge(&e),
                None => f.exploit = Some(e),
            }
        }
        if let Location::Package(p) = &o.location {
            let fixed = !p.fixed_versions.is_empty();
            f.fix_available = Some(f.fix_available.unwrap_or(false) || fixed);
        }
        if let Some(r) = reachability_of(o) {
            // "Reachable" from any tool wins over "not reachable": the cautious reading.
            if f.reachability
                .as_ref()
                .is_none_or(|have| !have.reachable && r.reachable)
            {
                f.reachability = Some(r);
            }
        }
    }
    f
}

/// Reachability one observation states: a VEX analysis (CycloneDX `analysis.state`) or a tag.
fn reachability_of(o: &Observation) -> Option<Reachability> {
    if let Some(s) = o.suppression.as_ref().filter(|s| s.kind == "vex") {
        let state = s.status.as_deref().unwrap_or("").to_ascii_lowercase();
        let source = format!("{} VEX analysis: {state}", o.tool.name);
        match state.as_str() {
            "exploitable" | "affected" => {
                return Some(Reachability {
                    reachable: true,
                    source,
                });
            }
            "not_affected" | "false_positive" => {
                return Some(Reachability {
                    reachable: false,
                    source,
                });
            }
            _ => {}
        }
    }
    for t in &o.tags {
        let t = t.to_ascii_lowercase();
        let source = format!("{} tag {t}", o.tool.name);
        if t == "reachable" || t == "reachability:reachable" {
            return Some(Reachability {
                reachable: true,
                source,
            });
        }
        if t == "unreachable" || t == "reachability:unreachable" || t == "not-reachable" {
            return Some(Reachability {
                reachable: false,
                source,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_model::EnvironmentRule;
    use time::macros::datetime;

    fn sighting(target: &str, branch: &str, env: Option<Environment>) -> Sighting {
        Sighting {
            target: target.into(),
            branch: branch.into(),
            environment: env,
            last_seen: datetime!(2026-11-20 0:00 UTC),
            active: true,
        }
    }

    #[test]
    fn globs() {
        assert!(glob_match("release/*", "release/1.2"));
        assert!(glob_match("*", "anything"));
        assert!(glob_match("a*c*e", "abcde"));
        assert!(!glob_match("a*c*e", "abcd"));
        assert!(glob_match("main", "main"));
        assert!(!glob_match("main", "mainline"));
    }

    #[test]
    fn catalog_rules_then_scan_then_branch() {
        let p = AppProfile {
            environments: vec![
                EnvironmentRule {
                    environment: Deployment::Staging,
                    target: None,
                    branches: vec!["release/*".into()],
                },
                EnvironmentRule {
                    environment: Deployment::Production,
                    target: Some("git.example/shop".into()),
                    branches: vec![],
                },
            ],
            ..Default::default()
        };
        let r = |s: &Sighting| resolve(s, Some(&p)).0;
        assert_eq!(
            r(&sighting("git.example/shop", "main", None)),
            Some(Deployment::Production)
        );
        assert_eq!(
            r(&sighting("git.example/shop", "release/2", None)),
            Some(Deployment::Staging)
        );
        assert_eq!(
            r(&sighting(
                "git.example/other",
                "main",
                Some(Environment::Dev)
            )),
            Some(Deployment::Dev)
        );
        assert_eq!(
            r(&sighting("git.example/shop", "feature/x", None)),
            Some(Deployment::FeatureBranch)
        );
        assert_eq!(r(&sighting("git.example/other", "main", None)), None);
        // The most exposed active sighting wins.
        let placed = most_exposed(
            &[
                sighting("git.example/shop", "feature/x", None),
                sighting("git.example/shop", "main", None),
            ],
            Some(&p),
        )
        .unwrap();
        assert_eq!(placed.deployment, Some(Deployment::Production));
    }
}
