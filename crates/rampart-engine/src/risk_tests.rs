//! The worked examples of docs/risk.md, asserted exactly, and the tier-1 / tier-3 scenario.

use super::*;
use crate::risk_input::Sighting;
use rampart_model::{CompensatingControl, Cvss, EnvironmentRule};
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-11-27 12:00 UTC);
const SPRING4SHELL: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";

fn sighting(target: &str, branch: &str, days_ago: i64) -> Sighting {
    Sighting {
        target: target.into(),
        branch: branch.into(),
        environment: None,
        last_seen: NOW - Duration::days(days_ago),
        active: true,
    }
}

fn spring4shell() -> RiskInput {
    RiskInput {
        severity: Severity::Critical,
        cvss: vec![Cvss::from_vector(SPRING4SHELL, Some(9.8))],
        exploit: Some(ExploitFacts {
            epss: Some(0.97),
            epss_percentile: None,
            kev: Some(true),
            ransomware: None,
            source: None,
        }),
        fix_available: Some(true),
        cwes: vec![94],
        status: IssueStatus::Open,
        ..Default::default()
    }
}

fn payments() -> AppProfile {
    AppProfile {
        name: "checkout".into(),
        tier: Some(1),
        data_class: Some(DataClass::Restricted),
        data_tags: vec!["PCI".into(), "PII".into()],
        exposure: Some(Exposure::Internet),
        environments: vec![EnvironmentRule {
            environment: Deployment::Production,
            target: None,
            branches: vec!["main".into()],
        }],
        ..Default::default()
    }
}

fn intranet_tool() -> AppProfile {
    AppProfile {
        name: "wiki-bot".into(),
        tier: Some(3),
        data_class: Some(DataClass::Internal),
        exposure: Some(Exposure::Internal),
        environments: vec![EnvironmentRule {
            environment: Deployment::Dev,
            target: None,
            branches: vec!["develop".into()],
        }],
        ..Default::default()
    }
}

/// `(name, contribution)` of every factor.
fn contributions(a: &RiskAssessment) -> Vec<(&str, f64)> {
    a.factors
        .iter()
        .map(|f| (f.name.as_str(), f.contribution))
        .collect()
}

#[test]
fn example_1_tier1_internet_pci_production() {
    let mut input = spring4shell();
    input.profile = Some(payments());
    input.sightings = vec![sighting("git.example/checkout", "main", 1)];
    let a = assess(&input, NOW);
    assert_eq!(
        contributions(&a),
        vec![
            ("severity", 39.2),
            ("epss", 19.7),
            ("kev", 20.0),
            ("fix_available", 3.0),
            ("criticality", 16.4),
            ("data", 14.7),
            ("exposure", 17.0),
            ("environment", 0.0),
        ]
    );
    assert_eq!(a.score, 100);
    assert_eq!(a.decision, Decision::Act);
    assert_eq!(a.ssvc.exploitation, "active");
    assert!(a.ssvc.automatable);
    assert_eq!(a.ssvc.technical_impact, "total");
    assert_eq!(a.ssvc.mission_impact, "high");
    assert_eq!(
        a.factors[0].evidence,
        format!("CVSS 3.1 base score 9.8 ({SPRING4SHELL})")
    );
    assert_eq!(a.factors[5].evidence, "restricted (PCI, PII)");
    assert_eq!(
        a.factors[7].evidence,
        "production (catalog: git.example/checkout@main)"
    );
}

#[test]
fn example_2_same_cve_tier3_internal_dev_branch() {
    let mut input = spring4shell();
    input.profile = Some(intranet_tool());
    input.sightings = vec![sighting("git.example/wiki-bot", "develop", 1)];
    let a = assess(&input, NOW);
    assert_eq!(
        contributions(&a),
        vec![
            ("severity", 39.2),
            ("epss", 19.7),
            ("kev", 20.0),
            ("fix_available", 3.0),
            ("criticality", -16.4),
            ("data", 0.0),
            ("exposure", -9.8),
            ("environment", -27.8),
        ]
    );
    assert_eq!(a.score, 28);
    assert_eq!(a.decision, Decision::Attend);
    assert_eq!(a.ssvc.mission_impact, "low");
    assert_eq!(
        a.factors[7].evidence,
        "dev (catalog: git.example/wiki-bot@develop)"
    );
}

#[test]
fn example_3_medium_sast_finding_behind_a_waf() {
    let input = RiskInput {
        severity: Severity::Medium,
        cwes: vec![79],
        status: IssueStatus::Open,
        profile: Some(AppProfile {
            name: "storefront".into(),
            tier: Some(2),
            data_tags: vec!["PII".into()],
            exposure: Some(Exposure::Internet),
            controls: vec![CompensatingControl {
                name: "waf".into(),
                cwes: vec![79, 89],
                description: None,
            }],
            ..Default::default()
        }),
        sightings: vec![Sighting {
            environment: Some(rampart_model::Environment::Production),
            ..sighting("git.example/storefront", "main", 3)
        }],
        ..Default::default()
    };
    let a = assess(&input, NOW);
    assert_eq!(
        contributions(&a),
        vec![
            ("severity", 18.0),
            ("criticality", 0.0),
            ("data", 0.9),
            ("exposure", 2.8),
            ("environment", 0.0),
            ("control", -4.3),
        ]
    );
    assert_eq!(a.score, 17);
    assert_eq!(a.decision, Decision::Track);
    assert_eq!(a.factors[5].evidence, "waf mitigates CWE-79");
    assert_eq!(
        a.factors[4].evidence,
        "production (scan environment of git.example/storefront@main)"
    );
}

#[test]
fn example_4_cvss4_on_a_feature_branch_outside_the_catalog() {
    let input = RiskInput {
        severity: Severity::Critical,
        cvss: vec![Cvss::from_vector(
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            None,
        )],
        exploit: Some(ExploitFacts {
            epss: Some(0.04),
            ..Default::default()
        }),
        status: IssueStatus::Open,
        sightings: vec![sighting("git.example/api", "feature/login", 2)],
        ..Default::default()
    };
    let a = assess(&input, NOW);
    assert_eq!(
        contributions(&a),
        vec![
            ("severity", 37.2),
            ("epss", 4.0),
            ("criticality", 0.0),
            ("environment", -24.7),
        ]
    );
    assert_eq!(a.score, 16);
    assert_eq!(a.decision, Decision::Track);
    assert_eq!(a.factors[2].evidence, "application not in the catalog");
}

#[test]
fn example_5_dormant_unreachable_and_triaged() {
    let mut input = spring4shell();
    input.exploit = None;
    input.sightings = vec![sighting("git.example/legacy", "main", 200)];
    input.reachability = Some(Reachability {
        reachable: false,
        source: "vex: vulnerable_code_not_in_execute_path".into(),
    });
    let a = assess(&input, NOW);
    // 39.2 + 3 = 42.2; unknown environment ×1; dormant ×0.5 → 21.1; unreachable ×0.5 → 10.55 (the step removes 10.55, shown as -10.6).
    assert_eq!(
        contributions(&a),
        vec![
            ("severity", 39.2),
            ("fix_available", 3.0),
            ("criticality", 0.0),
            ("environment", 0.0),
            ("dormant", -21.1),
            ("reachability", -10.6),
        ]
    );
    assert_eq!(a.score, 11);
    input.status = IssueStatus::FalsePositive;
    let fp = assess(&input, NOW);
    assert_eq!(fp.score, 0);
    assert_eq!(fp.decision, Decision::Track);
    input.status = IssueStatus::Mitigated;
    assert_eq!(assess(&input, NOW).score, 5);
}

#[test]
fn deterministic_and_bounded() {
    let mut input = spring4shell();
    input.profile = Some(payments());
    input.sightings = vec![
        sighting("git.example/checkout", "feature/x", 1),
        sighting("git.example/checkout", "main", 5),
    ];
    let a = assess(&input, NOW);
    assert_eq!(a, assess(&input, NOW));
    assert!(a.score <= 100);
    // The production sighting is the one that counts.
    assert!(
        a.factors
            .iter()
            .any(|f| f.name == "environment" && f.value == 1.0)
    );
    let empty = assess(&RiskInput::default(), NOW);
    assert_eq!(empty.score, 2); // info, nothing else known
}

#[test]
fn stated_score_when_the_vector_does_not_parse() {
    let c = best_cvss(&[Cvss {
        version: CvssVersion::V3,
        vector: Some("not a vector".into()),
        score: Some(7.5),
    }])
    .unwrap();
    assert_eq!(c.1, 7.5);
    assert!(
        best_cvss(&[Cvss {
            version: CvssVersion::V3,
            vector: None,
            score: Some(42.0),
        }])
        .is_none()
    );
}

#[test]
fn decision_table_corners() {
    let p = |e, a, t, m| SsvcPoints {
        exploitation: e,
        automatable: a,
        technical_impact: t,
        mission_impact: m,
    };
    assert_eq!(
        decide(&p("active", false, "partial", "high")),
        Decision::Act
    );
    assert_eq!(
        decide(&p("active", false, "partial", "medium")),
        Decision::Attend
    );
    assert_eq!(
        decide(&p("active", false, "partial", "low")),
        Decision::TrackStar
    );
    assert_eq!(decide(&p("poc", true, "partial", "high")), Decision::Attend);
    assert_eq!(decide(&p("poc", false, "partial", "low")), Decision::Track);
    assert_eq!(decide(&p("none", true, "total", "high")), Decision::Attend);
    assert_eq!(
        decide(&p("none", true, "total", "medium")),
        Decision::TrackStar
    );
    assert_eq!(
        decide(&p("none", false, "total", "medium")),
        Decision::Track
    );
}
