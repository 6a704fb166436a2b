//! The risk score: 0–100 per issue, deterministic, with every factor's contribution, and an
//! SSVC-style decision (Act / Attend / Track* / Track). `docs/risk.md` states the formula and
//! works examples; the tests below assert those exact examples.
//!
//! The score is built in three steps, each recorded as a [`Factor`]:
//! 1. **Severity** (0–40 points): 4 × the CVSS base score (v4, else v3, else v2; computed from
//!    the vector with the `cvss` crate, else the stated score), or, without CVSS, a fixed
//!    number per severity level.
//! 2. **Threat** (points added): EPSS (20 × √probability), CISA KEV (+20), known ransomware
//!    use (+5), a fix being available (+3).
//! 3. **Context** (multipliers, in order): asset criticality tier, data classification,
//!    internet exposure, environment, dormancy, reachability, compensating controls, triage
//!    status. A multiplier's contribution is the points it adds or removes at that step.
//!
//! The total is rounded and clamped to 0..100. No IO, no clock: `now` is passed in.

use crate::risk_input::Sighting;
use rampart_model::{
    AppProfile, CvssVersion, DataClass, Deployment, ExploitFacts, Exposure, IssueStatus, Severity,
};
use serde::{Deserialize, Serialize};
use std::fmt;
use time::{Duration, OffsetDateTime};

/// An issue without a sighting for this long is dormant.
pub const DORMANT_AFTER: Duration = Duration::days(90);

/// What a tool or a VEX statement says about whether the vulnerable code is reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reachability {
    /// Reached (true) or not (false).
    pub reachable: bool,
    /// Who says so, e.g. `vex: vulnerable_code_not_in_execute_path` or `semgrep`.
    pub source: String,
}

/// Everything the score depends on, gathered by the caller.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RiskInput {
    /// Worst severity any tool gave.
    pub severity: Severity,
    /// CVSS data (any version; the best is chosen).
    pub cvss: Vec<rampart_model::Cvss>,
    /// EPSS / KEV facts (from the intelligence feeds or the tools).
    pub exploit: Option<ExploitFacts>,
    /// Whether a fixed version exists (`None`: not a package finding / unknown).
    pub fix_available: Option<bool>,
    /// The issue's CWEs.
    pub cwes: Vec<u32>,
    /// Reachability evidence.
    pub reachability: Option<Reachability>,
    /// Current status.
    pub status: IssueStatus,
    /// The application's catalog entry, when the catalog has one.
    pub profile: Option<AppProfile>,
    /// Where the issue is reported (target, branch, environment, when).
    pub sightings: Vec<Sighting>,
}

/// How a factor acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FactorKind {
    /// Adds points.
    Add,
    /// Multiplies the running score.
    Multiply,
}

/// One factor of a score and what it contributed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Factor {
    /// Stable name: `severity`, `epss`, `kev`, `ransomware`, `fix_available`, `criticality`,
    /// `data`, `exposure`, `environment`, `dormant`, `reachability`, `control`, `status`.
    pub name: String,
    /// What was found, for people: `CVSS 3.1 9.8 (CVSS:3.1/AV:N/...)`, `tier 1`.
    pub evidence: String,
    /// Add or multiply.
    pub kind: FactorKind,
    /// The points added, or the multiplier.
    pub value: f64,
    /// Points this factor added (negative: removed) at its step, to one decimal.
    pub contribution: f64,
}

/// SSVC-style decision (CISA's deployer outcomes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Decision {
    /// Remediate on the normal schedule.
    Track,
    /// Track closely; remediate on the normal schedule.
    #[serde(rename = "Track*")]
    TrackStar,
    /// Needs attention from the owners soon; remediate sooner than normal.
    Attend,
    /// Act now: remediate as soon as possible.
    Act,
}

impl Decision {
    /// The SSVC name.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Track => "Track",
            Decision::TrackStar => "Track*",
            Decision::Attend => "Attend",
            Decision::Act => "Act",
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// SSVC decision points, as derived from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsvcPoints {
    /// `none`, `poc` or `active`.
    pub exploitation: &'static str,
    /// Whether exploitation can be automated (CVSS AV:N, AC:L, PR:N, UI:N).
    pub automatable: bool,
    /// `partial` or `total`.
    pub technical_impact: &'static str,
    /// `low`, `medium` or `high` (criticality, data and environment).
    pub mission_impact: &'static str,
}

/// A computed score with its explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskAssessment {
    /// 0..100.
    pub score: u8,
    /// The SSVC-style decision.
    pub decision: Decision,
    /// The SSVC decision points.
    pub ssvc: SsvcPoints,
    /// Every factor, in the order applied.
    pub factors: Vec<Factor>,
    /// The formula's version, so stored scores can be told apart when it changes.
    pub formula: &'static str,
}

/// The formula version this module implements.
pub const FORMULA: &str = "rampart-risk/1";

/// Points per severity level when no CVSS is known.
pub fn severity_points(s: Severity) -> f64 {
    match s {
        Severity::Critical => 36.0,
        Severity::High => 28.0,
        Severity::Medium => 18.0,
        Severity::Low => 8.0,
        Severity::Info => 2.0,
    }
}

/// Multiplier of a criticality tier (1 most critical).
pub fn tier_multiplier(tier: u8) -> f64 {
    match tier {
        0 | 1 => 1.2,
        2 => 1.0,
        3 => 0.8,
        _ => 0.6,
    }
}

/// Multiplier of a data class.
pub fn data_multiplier(d: DataClass) -> f64 {
    match d {
        DataClass::Restricted => 1.15,
        DataClass::Confidential => 1.05,
        DataClass::Internal => 1.0,
        DataClass::Public => 0.9,
    }
}

/// Multiplier of an exposure.
pub fn exposure_multiplier(e: Exposure) -> f64 {
    match e {
        Exposure::Internet => 1.15,
        Exposure::Partner => 1.0,
        Exposure::Internal => 0.85,
        Exposure::Isolated => 0.6,
    }
}

/// Multiplier of an environment.
pub fn environment_multiplier(d: Deployment) -> f64 {
    match d {
        Deployment::Production => 1.0,
        Deployment::Staging => 0.7,
        Deployment::Dev => 0.5,
        Deployment::FeatureBranch => 0.4,
    }
}

/// Multiplier per compensating control that mitigates one of the issue's CWEs (at most two
/// count).
pub const CONTROL_MULTIPLIER: f64 = 0.8;

/// The best CVSS of a list, scored: `(version label, base score, vector)`. A vector the `cvss`
/// crate parses gives the score; otherwise the stated score is used. CVSS v2 is not used: NVD
/// retired it in 2022, and its scores run high (a distribution's "negligible" is often a v2
/// 10.0), so an issue with only v2 data is scored by its severity level.
pub fn best_cvss(list: &[rampart_model::Cvss]) -> Option<(String, f64, Option<String>)> {
    let rank = |v: CvssVersion| match v {
        CvssVersion::V4 => 3,
        CvssVersion::V3 => 2,
        CvssVersion::V2 => 1,
    };
    let mut scored: Vec<(u8, String, f64, Option<String>)> = list
        .iter()
        .filter(|c| c.version != CvssVersion::V2)
        .filter_map(|c| {
            let parsed = c
                .vector
                .as_deref()
                .and_then(|v| v.parse::<cvss::Cvss>().ok());
            let (label, score) = match &parsed {
                Some(p) => (version_label(p), p.score()),
                None => (
                    match c.version {
                        CvssVersion::V4 => "CVSS 4.0".to_string(),
                        CvssVersion::V3 => "CVSS 3".to_string(),
                        CvssVersion::V2 => "CVSS 2".to_string(),
                    },
                    c.score?,
                ),
            };
            (0.0..=10.0)
                .contains(&score)
                .then(|| (rank(c.version), label, score, c.vector.clone()))
        })
        .collect();
    // Highest version first; within a version, the highest score (deterministic).
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(b.2.total_cmp(&a.2)));
    scored.into_iter().next().map(|(_, l, s, v)| (l, s, v))
}

fn version_label(c: &cvss::Cvss) -> String {
    let s = c.to_string();
    match s.split('/').next() {
        Some(prefix) if prefix.starts_with("CVSS:") => format!("CVSS {}", &prefix[5..]),
        _ => "CVSS 2.0".into(),
    }
}

/// One decimal, for contributions.
fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

struct Builder {
    total: f64,
    factors: Vec<Factor>,
}

impl Builder {
    fn add(&mut self, name: &str, evidence: String, points: f64) {
        self.total += points;
        self.factors.push(Factor {
            name: name.into(),
            evidence,
            kind: FactorKind::Add,
            value: round1(points),
            contribution: round1(points),
        });
    }

    fn multiply(&mut self, name: &str, evidence: String, m: f64) {
        let before = self.total;
        self.total *= m;
        self.factors.push(Factor {
            name: name.into(),
            evidence,
            kind: FactorKind::Multiply,
            value: m,
            contribution: round1(self.total - before),
        });
    }
}

/// Computes the score of one issue. Pure: the same input and `now` give the same result.
pub fn assess(input: &RiskInput, now: OffsetDateTime) -> RiskAssessment {
    let mut b = Builder {
        total: 0.0,
        factors: Vec::new(),
    };
    // 1. Severity.
    let cvss = best_cvss(&input.cvss);
    match &cvss {
        Some((label, score, vector)) => {
            let evidence = match vector {
                Some(v) => format!("{label} base score {score:.1} ({v})"),
                None => format!("{label} base score {score:.1}"),
            };
            b.add("severity", evidence, 4.0 * score);
        }
        None => b.add(
            "severity",
            format!("severity {} (no CVSS)", input.severity),
            severity_points(input.severity),
        ),
    }
    // 2. Threat.
    let exploit = input.exploit.clone().unwrap_or_default();
    let source = exploit
        .source
        .as_deref()
        .map(|s| format!(" ({s})"))
        .unwrap_or_default();
    if let Some(p) = exploit.epss.filter(|p| p.is_finite()) {
        let p = p.clamp(0.0, 1.0);
        let pct = exploit
            .epss_percentile
            .map(|q| format!(", percentile {:.0}%", q * 100.0))
            .unwrap_or_default();
        b.add("epss", format!("EPSS {p:.4}{pct}{source}"), 20.0 * p.sqrt());
    }
    if exploit.kev == Some(true) {
        b.add(
            "kev",
            format!("in CISA Known Exploited Vulnerabilities{source}"),
            20.0,
        );
    }
    if exploit.ransomware == Some(true) {
        b.add("ransomware", "known ransomware campaign use".into(), 5.0);
    }
    if input.fix_available == Some(true) {
        b.add("fix_available", "a fixed version exists".into(), 3.0);
    }
    // 3. Context.
    let profile = input.profile.as_ref();
    match profile.and_then(|p| p.tier) {
        Some(t) => b.multiply("criticality", format!("tier {t}"), tier_multiplier(t)),
        None => b.multiply(
            "criticality",
            if profile.is_some() {
                "tier not given".into()
            } else {
                "application not in the catalog".into()
            },
            1.0,
        ),
    }
    if let Some(p) = profile {
        if let Some(d) = p.effective_data_class() {
            let tags = if p.data_tags.is_empty() {
                String::new()
            } else {
                format!(" ({})", p.data_tags.join(", "))
            };
            b.multiply("data", format!("{d}{tags}"), data_multiplier(d));
        }
        if let Some(e) = p.exposure {
            b.multiply("exposure", e.as_str().to_string(), exposure_multiplier(e));
        }
    }
    let placed = crate::risk_input::most_exposed(&input.sightings, profile);
    if let Some(placed) = &placed {
        match placed.deployment {
            Some(d) => b.multiply(
                "environment",
                format!("{} ({})", d.as_str(), placed.evidence),
                environment_multiplier(d),
            ),
            None => b.multiply("environment", format!("unknown ({})", placed.evidence), 1.0),
        }
        if now - placed.last_seen > DORMANT_AFTER {
            b.multiply(
                "dormant",
                format!(
                    "last reported {} days ago",
                    (now - placed.last_seen).whole_days()
                ),
                0.5,
            );
        }
    }
    if let Some(r) = &input.reachability {
        if r.reachable {
            b.multiply("reachability", format!("reachable ({})", r.source), 1.1);
        } else {
            b.multiply("reachability", format!("not reachable ({})", r.source), 0.5);
        }
    }
    if let Some(p) = profile {
        let matching: Vec<_> = p
            .controls
            .iter()
            .filter(|c| c.cwes.iter().any(|w| input.cwes.contains(w)))
            .take(2)
            .collect();
        for c in matching {
            let cwes: Vec<String> = c
                .cwes
                .iter()
                .filter(|w| input.cwes.contains(w))
                .map(|w| format!("CWE-{w}"))
                .collect();
            b.multiply(
                "control",
                format!("{} mitigates {}", c.name, cwes.join(", ")),
                CONTROL_MULTIPLIER,
            );
        }
    }
    match input.status {
        IssueStatus::FalsePositive | IssueStatus::NotAffected | IssueStatus::Fixed => {
            b.multiply("status", format!("{} (not a risk now)", input.status), 0.0)
        }
        IssueStatus::Mitigated => b.multiply("status", "mitigated".into(), 0.5),
        _ => {}
    }
    let score = b.total.round().clamp(0.0, 100.0) as u8;
    let ssvc = ssvc_points(input, &cvss, placed.as_ref(), now);
    let decision = match input.status {
        IssueStatus::FalsePositive | IssueStatus::NotAffected | IssueStatus::Fixed => {
            Decision::Track
        }
        _ => decide(&ssvc),
    };
    RiskAssessment {
        score,
        decision,
        ssvc,
        factors: b.factors,
        formula: FORMULA,
    }
}

/// The metric value `key` of a CVSS vector (`AV` in `CVSS:3.1/AV:N/...`).
fn metric<'a>(vector: &'a str, key: &str) -> Option<&'a str> {
    vector
        .split('/')
        .filter_map(|m| m.split_once(':'))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
}

fn ssvc_points(
    input: &RiskInput,
    cvss: &Option<(String, f64, Option<String>)>,
    placed: Option<&crate::risk_input::Placement>,
    now: OffsetDateTime,
) -> SsvcPoints {
    let e = input.exploit.clone().unwrap_or_default();
    let exploitation = if e.kev == Some(true) || e.ransomware == Some(true) {
        "active"
    } else if e.epss.is_some_and(|p| p >= 0.1) {
        "poc"
    } else {
        "none"
    };
    let vector = cvss.as_ref().and_then(|c| c.2.as_deref());
    let (automatable, total) = match vector {
        Some(v) => {
            let is = |k: &str, val: &str| metric(v, k) == Some(val);
            let automatable = is("AV", "N")
                && is("AC", "L")
                && (is("PR", "N") || is("Au", "N"))
                && (is("UI", "N") || metric(v, "UI").is_none())
                && (metric(v, "AT").is_none() || is("AT", "N"));
            let total = (is("C", "H") && is("I", "H"))
                || (is("VC", "H") && is("VI", "H"))
                || (is("C", "C") && is("I", "C"));
            (automatable, total)
        }
        None => (false, input.severity == Severity::Critical),
    };
    let profile = input.profile.as_ref();
    let crucial = profile.is_some_and(|p| {
        p.tier == Some(1) || p.effective_data_class() == Some(DataClass::Restricted)
    });
    let minor = profile.is_some_and(|p| p.tier.is_some_and(|t| t >= 3));
    let deployment = placed.and_then(|p| p.deployment);
    let dormant = placed.is_some_and(|p| now - p.last_seen > DORMANT_AFTER);
    let non_prod = matches!(
        deployment,
        Some(Deployment::Dev | Deployment::FeatureBranch)
    );
    let mission_impact = if minor || non_prod || dormant {
        "low"
    } else if crucial && deployment != Some(Deployment::Staging) {
        "high"
    } else {
        "medium"
    };
    SsvcPoints {
        exploitation,
        automatable,
        technical_impact: if total { "total" } else { "partial" },
        mission_impact,
    }
}

/// The decision table (see docs/risk.md).
pub fn decide(p: &SsvcPoints) -> Decision {
    let strong = p.automatable || p.technical_impact == "total";
    let both = p.automatable && p.technical_impact == "total";
    match (p.exploitation, p.mission_impact) {
        ("active", "high") => Decision::Act,
        ("active", "medium") if strong => Decision::Act,
        ("active", "medium") => Decision::Attend,
        ("active", _) if strong => Decision::Attend,
        ("active", _) => Decision::TrackStar,
        ("poc", "high") if strong => Decision::Attend,
        ("poc", "high") => Decision::TrackStar,
        ("poc", "medium") if both => Decision::Attend,
        ("poc", "medium") => Decision::TrackStar,
        ("poc", _) => Decision::Track,
        (_, "high") if both => Decision::Attend,
        (_, "high") => Decision::TrackStar,
        (_, "medium") if both => Decision::TrackStar,
        _ => Decision::Track,
    }
}

#[cfg(test)]
#[path = "risk_tests.rs"]
mod tests;
