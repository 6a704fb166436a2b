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
/// Allocates only for the statement it returns: most observations carry tags, few of them
/// about reachability.
fn reachability_of(o: &Observation) -> Option<Reachability> {
    if let Some(s) = o.suppression.as_ref().filter(|s| s.kind == "vex") {
        let state = s.status.as_deref().unwrap_or("");
        let reachable = if ["exploitable", "affected"]
            .iter()
            .any(|w| state.eq_ignore_ascii_case(w))
        {
            Some(true)
        } else if ["not_affected", "false_positive"]
            .iter()
            .any(|w| state.eq_ignore_ascii_case(w))
        {
            Some(false)
        } else {
            None
        };
        if let Some(reachable) = reachable {
            return Some(Reachability {
                reachable,
                source: format!(
                    "{} VEX analysis: {}",
                    o.tool.name,
                    state.to_ascii_lowercase()
                ),
            });
        }
    }
    for t in &o.tags {
        // The words below are 9, 11, 13, 22 or 24 bytes long: most tags are none of those.
        if !matches!(t.len(), 9 | 11 | 13 | 22 | 24) {
            continue;
        }
        let is = |words: &[&str]| words.iter().any(|w| t.eq_ignore_ascii_case(w));
        let reachable = if is(&["reachable", "reachability:reachable"]) {
            true
        } else if is(&["unreachable", "reachability:unreachable", "not-reachable"]) {
            false
        } else {
            continue;
        };
        return Some(Reachability {
            reachable,
            source: format!("{} tag {}", o.tool.name, t.to_ascii_lowercase()),
        });
    }
    None
}

/// A 128-bit digest of everything [`observed_facts`] reads of `o` for a score, other than its
/// exploitation facts: severity, CWEs, CVSS, fix availability and reachability. Two
/// observations with the same digest score the same as lone issues in one context, so a
/// scorer can remember scores by it without building the facts (or a string) for each.
/// Fields are written with their lengths, so no two inputs share a byte stream.
pub fn score_digest(o: &Observation) -> u128 {
    use xxhash_rust::xxh3::Xxh3;
    fn text(h: &mut Xxh3, s: Option<&str>) {
        match s {
            Some(s) => {
                h.update(&[1]);
                h.update(&(s.len() as u64).to_le_bytes());
                h.update(s.as_bytes());
            }
            None => h.update(&[0]),
        }
    }
    let mut h = Xxh3::new();
    h.update(&[o.severity.level as u8]);
    h.update(&(o.cwes.len() as u64).to_le_bytes());
    for c in &o.cwes {
        h.update(&c.to_le_bytes());
    }
    h.update(&(o.severity.cvss.len() as u64).to_le_bytes());
    for c in &o.severity.cvss {
        h.update(&[c.version as u8]);
        text(&mut h, c.vector.as_deref());
        match c.score {
            Some(s) => {
                h.update(&[1]);
                h.update(&s.to_bits().to_le_bytes());
            }
            None => h.update(&[0]),
        }
    }
    let fix = match &o.location {
        Location::Package(p) => 1 + u8::from(!p.fixed_versions.is_empty()),
        _ => 0,
    };
    h.update(&[fix]);
    match reachability_of(o) {
        Some(r) => {
            h.update(&[1 + u8::from(r.reachable)]);
            text(&mut h, Some(&r.source));
        }
        None => h.update(&[0]),
    }
    h.digest128()
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

    fn dependency(vector: &str, fixed: bool) -> Observation {
        use rampart_model::{FindingKind, PackageLocation, VulnId};
        let mut o = Observation::new(
            "trivy",
            FindingKind::Dependency,
            "CVE-2021-23337",
            "lodash: command injection",
            Location::Package(PackageLocation {
                name: "lodash".into(),
                fixed_versions: if fixed {
                    vec!["4.17.21".into()]
                } else {
                    vec![]
                },
                ..Default::default()
            }),
        );
        o.vuln_ids = vec![VulnId("CVE-2021-23337".into())];
        o.severity.cvss = vec![Cvss::from_vector(vector, None)];
        o.cwes = vec![94];
        o
    }

    #[test]
    fn reachability_from_tags_and_vex_in_any_case() {
        let mut o = dependency("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", true);
        o.tags = vec!["security".into(), "Reachability:Reachable".into()];
        let r = observed_facts(std::slice::from_ref(&o))
            .reachability
            .unwrap();
        assert!(r.reachable);
        assert_eq!(r.source, "trivy tag reachability:reachable");
        o.tags = vec!["NOT-REACHABLE".into()];
        let r = observed_facts(std::slice::from_ref(&o))
            .reachability
            .unwrap();
        assert!(!r.reachable);
        assert_eq!(r.source, "trivy tag not-reachable");
        o.tags = vec!["security".into(), "reachable-ish".into()];
        assert!(
            observed_facts(std::slice::from_ref(&o))
                .reachability
                .is_none()
        );
        for (tag, reachable) in [
            ("REACHABLE", true),
            ("Unreachable", false),
            ("reachability:UNREACHABLE", false),
        ] {
            o.tags = vec!["cwe-94".into(), tag.into()];
            let r = observed_facts(std::slice::from_ref(&o))
                .reachability
                .unwrap();
            assert_eq!(r.reachable, reachable, "{tag}");
            assert_eq!(r.source, format!("trivy tag {}", tag.to_ascii_lowercase()));
        }
        o.suppression = Some(rampart_model::Suppression {
            kind: "vex".into(),
            status: Some("Not_Affected".into()),
            justification: None,
        });
        let r = observed_facts(std::slice::from_ref(&o))
            .reachability
            .unwrap();
        assert!(!r.reachable);
        assert_eq!(r.source, "trivy VEX analysis: not_affected");
    }

    #[test]
    fn score_digest_follows_the_score_inputs_only() {
        const CRITICAL: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
        let base = dependency(CRITICAL, true);
        let digest = score_digest(&base);
        // What the score does not read: title, rule, ids, tool, tags about other things.
        let mut same = base.clone();
        same.title = "another title".into();
        same.rule_id = "CVE-2022-1".into();
        same.vuln_ids = vec![rampart_model::VulnId("CVE-2022-1".into())];
        same.tags = vec!["security".into()];
        assert_eq!(score_digest(&same), digest);
        // What it reads.
        let changes: Vec<fn(&mut Observation)> = vec![
            |o| o.severity.level = rampart_model::Severity::Low,
            |o| o.cwes = vec![79],
            |o| o.cwes.clear(),
            |o| {
                o.severity.cvss[0].vector =
                    Some("CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N".into())
            },
            |o| o.severity.cvss[0].score = Some(9.0),
            |o| o.severity.cvss.clear(),
            |o| {
                if let Location::Package(p) = &mut o.location {
                    p.fixed_versions.clear();
                }
            },
            |o| o.tags = vec!["reachable".into()],
            |o| o.tags = vec!["unreachable".into()],
        ];
        let mut seen = vec![digest];
        for change in changes {
            let mut o = base.clone();
            change(&mut o);
            let d = score_digest(&o);
            assert!(!seen.contains(&d), "{o:?}");
            seen.push(d);
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
