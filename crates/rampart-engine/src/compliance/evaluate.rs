//! Judging one application against a framework: every control's evidence requirement is
//! checked against the application's facts (scan coverage, active issues with their SLA,
//! policy outcomes) and gives a verdict with the evidence behind it.
//!
//! A control **passes** when every requirement that could be evaluated passes and at least one
//! could; it is a **gap** when any fails; it is **not evaluated** when none could (only
//! policies without results). A policy without a result never decides a verdict.

use super::weakness::{asvs_matches, asvs_of, owasp_of};
use super::{Control, Framework, IssueSelector, Requirement, ToolKind};
use crate::sla::{SlaState, SlaStatus};
use rampart_model::{FindingKind, IssueStatus, Severity};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use time::{Duration, OffsetDateTime};

/// At most this many issues are listed under one requirement (the count says how many).
pub const MAX_LISTED: usize = 20;

/// What one tool scanned for an application, and when last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolCoverage {
    /// Tool name.
    pub tool: String,
    /// The coverage kinds it provides (the mapping's `tools` and its stored findings).
    pub kinds: BTreeSet<ToolKind>,
    /// Its most recent scan of the application.
    #[serde(with = "time::serde::rfc3339")]
    pub last_scan: OffsetDateTime,
}

/// An active (open, reopened or risk-accepted) issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenIssue {
    /// Issue id.
    pub id: i64,
    /// Kind.
    pub kind: FindingKind,
    /// Severity.
    pub severity: Severity,
    /// Status.
    pub status: IssueStatus,
    /// CWEs.
    pub cwes: Vec<u32>,
    /// Title.
    pub title: String,
    /// Location (short form).
    pub location: String,
    /// Its SLA, when one applies.
    pub sla: Option<SlaStatus>,
}

/// The outcome of one policy for an application (from the policy engine, or supplied).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PolicyOutcome {
    /// Whether it passed (no `deny`).
    pub passed: bool,
    /// What it said (deny / warn messages).
    #[serde(default)]
    pub messages: Vec<String>,
}

/// Everything one application is judged on.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AppFacts {
    /// Application name.
    pub application: String,
    /// The catalog's data tags (`PCI`, `PHI`, `PII`).
    pub data_tags: Vec<String>,
    /// Scan coverage by tool.
    pub coverage: Vec<ToolCoverage>,
    /// Active issues.
    pub issues: Vec<OpenIssue>,
    /// Policy outcomes by policy name.
    pub policies: BTreeMap<String, PolicyOutcome>,
}

/// A verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The evidence shows the control met.
    Pass,
    /// The evidence shows a gap.
    Gap,
    /// No evidence could be evaluated.
    NotEvaluated,
}

impl Verdict {
    /// snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Gap => "gap",
            Verdict::NotEvaluated => "not_evaluated",
        }
    }
}

/// One piece of evidence behind a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EvidenceItem {
    /// The latest scan of a coverage kind (none: never scanned).
    Scan {
        /// Kind.
        kind: ToolKind,
        /// The tool of the latest scan.
        #[serde(skip_serializing_if = "Option::is_none")]
        tool: Option<String>,
        /// When.
        #[serde(with = "time::serde::rfc3339::option")]
        last_scan: Option<OffsetDateTime>,
    },
    /// An issue.
    Issue {
        /// Id.
        id: i64,
        /// Severity.
        severity: Severity,
        /// Title.
        title: String,
        /// Location.
        location: String,
        /// OWASP categories and CWEs (`A03`, `CWE-89`).
        weakness: Vec<String>,
        /// SLA due date, when one applies.
        #[serde(with = "time::serde::rfc3339::option")]
        due: Option<OffsetDateTime>,
    },
    /// A policy's message.
    Message {
        /// Text.
        text: String,
    },
}

/// One requirement's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceResult {
    /// `scan_coverage`, `open_issues`, `sla_adherence` or `policy`.
    pub kind: String,
    /// What was required, in words.
    pub requirement: String,
    /// Verdict.
    pub verdict: Verdict,
    /// What was found, in words.
    pub summary: String,
    /// How many items matched (issues, breaches); scans for coverage.
    pub count: usize,
    /// The items (at most [`MAX_LISTED`] issues).
    pub items: Vec<EvidenceItem>,
}

/// One control's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlResult {
    /// Control id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Verdict.
    pub verdict: Verdict,
    /// The evidence.
    pub evidence: Vec<EvidenceResult>,
}

/// One application's results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppCompliance {
    /// Application.
    pub application: String,
    /// Whether the framework's scope (catalog data tags) includes it.
    pub in_scope: bool,
    /// Controls passed.
    pub passed: usize,
    /// Controls with a gap.
    pub gaps: usize,
    /// Controls not evaluated.
    pub not_evaluated: usize,
    /// Every control.
    pub controls: Vec<ControlResult>,
}

/// A compliance report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplianceReport {
    /// Framework id.
    pub framework: String,
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// The time the evidence was judged at.
    #[serde(with = "time::serde::rfc3339")]
    pub as_of: OffsetDateTime,
    /// Applications, in the order given.
    pub applications: Vec<AppCompliance>,
}

/// Judges every application of `apps` against `framework` at `now`.
pub fn report(framework: &Framework, apps: &[AppFacts], now: OffsetDateTime) -> ComplianceReport {
    ComplianceReport {
        framework: framework.id.clone(),
        name: framework.name.clone(),
        version: framework.version.clone(),
        as_of: now,
        applications: apps
            .iter()
            .map(|a| evaluate_app(framework, a, now))
            .collect(),
    }
}

/// Judges one application against `framework` at `now`.
pub fn evaluate_app(framework: &Framework, app: &AppFacts, now: OffsetDateTime) -> AppCompliance {
    let scope = &framework.scope.data_tags;
    let in_scope = scope.is_empty()
        || app
            .data_tags
            .iter()
            .any(|t| scope.iter().any(|s| s.eq_ignore_ascii_case(t)));
    let controls: Vec<ControlResult> = framework
        .controls
        .iter()
        .map(|c| control(c, app, now))
        .collect();
    let count = |v: Verdict| controls.iter().filter(|c| c.verdict == v).count();
    AppCompliance {
        application: app.application.clone(),
        in_scope,
        passed: count(Verdict::Pass),
        gaps: count(Verdict::Gap),
        not_evaluated: count(Verdict::NotEvaluated),
        controls,
    }
}

fn control(c: &Control, app: &AppFacts, now: OffsetDateTime) -> ControlResult {
    let evidence: Vec<EvidenceResult> = c
        .evidence
        .iter()
        .map(|r| requirement(r, app, now))
        .collect();
    let verdict = if evidence.iter().any(|e| e.verdict == Verdict::Gap) {
        Verdict::Gap
    } else if evidence.iter().any(|e| e.verdict == Verdict::Pass) {
        Verdict::Pass
    } else {
        Verdict::NotEvaluated
    };
    ControlResult {
        id: c.id.clone(),
        title: c.title.clone(),
        verdict,
        evidence,
    }
}

fn requirement(r: &Requirement, app: &AppFacts, now: OffsetDateTime) -> EvidenceResult {
    match r {
        Requirement::ScanCoverage { kinds, within_days } => coverage(kinds, *within_days, app, now),
        Requirement::OpenIssues(select) => open_issues(select, app),
        Requirement::SlaAdherence {
            severities,
            kinds,
            max_breached,
        } => sla_adherence(severities, kinds, *max_breached, app),
        Requirement::Policy { name } => policy(name, app),
    }
}

fn coverage(
    kinds: &[ToolKind],
    within_days: u32,
    app: &AppFacts,
    now: OffsetDateTime,
) -> EvidenceResult {
    let since = now - Duration::days(i64::from(within_days));
    let mut items = Vec::new();
    let mut missing = Vec::new();
    for kind in kinds {
        let latest = app
            .coverage
            .iter()
            .filter(|c| c.kinds.contains(kind))
            .max_by_key(|c| c.last_scan);
        if latest.is_none_or(|c| c.last_scan < since) {
            missing.push(kind.as_str());
        }
        items.push(EvidenceItem::Scan {
            kind: *kind,
            tool: latest.map(|c| c.tool.clone()),
            last_scan: latest.map(|c| c.last_scan),
        });
    }
    let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    let requirement = format!("{} scanned within {within_days} days", names.join(", "));
    let (verdict, summary) = if missing.is_empty() {
        (
            Verdict::Pass,
            format!("every kind scanned since {}", date(since)),
        )
    } else {
        (
            Verdict::Gap,
            format!("no scan since {}: {}", date(since), missing.join(", ")),
        )
    };
    EvidenceResult {
        kind: "scan_coverage".into(),
        requirement,
        verdict,
        summary,
        count: kinds.len() - missing.len(),
        items,
    }
}

/// The OWASP categories and CWEs of an issue, as shown in evidence.
fn weakness_labels(i: &OpenIssue) -> Vec<String> {
    owasp_of(i.kind, &i.cwes)
        .into_iter()
        .map(str::to_string)
        .chain(i.cwes.iter().map(|c| format!("CWE-{c}")))
        .collect()
}

fn issue_item(i: &OpenIssue) -> EvidenceItem {
    EvidenceItem::Issue {
        id: i.id,
        severity: i.severity,
        title: i.title.clone(),
        location: i.location.clone(),
        weakness: weakness_labels(i),
        due: i.sla.map(|s| s.due),
    }
}

/// Whether `i` matches every selector `s` gives.
fn selected(s: &IssueSelector, i: &OpenIssue) -> bool {
    (s.kinds.is_empty() || s.kinds.contains(&i.kind))
        && (s.severities.is_empty() || s.severities.contains(&i.severity))
        && (s.cwes.is_empty() || i.cwes.iter().any(|c| s.cwes.contains(c)))
        && (s.owasp.is_empty() || {
            let cats = owasp_of(i.kind, &i.cwes);
            s.owasp.iter().any(|o| cats.contains(o.as_str()))
        })
        && (s.asvs.is_empty() || {
            let reqs = asvs_of(&i.cwes);
            s.asvs
                .iter()
                .any(|sel| reqs.iter().any(|r| asvs_matches(sel, r)))
        })
}

fn describe(s: &IssueSelector) -> String {
    let mut parts = Vec::new();
    let join = |v: Vec<String>| v.join(" or ");
    if !s.severities.is_empty() {
        parts.push(join(s.severities.iter().map(|x| x.to_string()).collect()));
    }
    if !s.kinds.is_empty() {
        parts.push(join(
            s.kinds.iter().map(|x| x.as_str().to_string()).collect(),
        ));
    }
    let mut r = format!(
        "at most {} open {}issues",
        s.max,
        parts.iter().map(|p| format!("{p} ")).collect::<String>()
    );
    if !s.owasp.is_empty() {
        r.push_str(&format!(" in OWASP {}", s.owasp.join(", ")));
    }
    if !s.asvs.is_empty() {
        r.push_str(&format!(" under ASVS {}", s.asvs.join(", ")));
    }
    if !s.cwes.is_empty() {
        let c: Vec<String> = s.cwes.iter().map(|c| format!("CWE-{c}")).collect();
        r.push_str(&format!(" of {}", c.join(", ")));
    }
    r
}

fn open_issues(s: &IssueSelector, app: &AppFacts) -> EvidenceResult {
    let mut matched: Vec<&OpenIssue> = app
        .issues
        .iter()
        .filter(|i| i.status.is_active() && selected(s, i))
        .collect();
    matched.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.id.cmp(&b.id)));
    let n = matched.len();
    let verdict = if n <= s.max as usize {
        Verdict::Pass
    } else {
        Verdict::Gap
    };
    EvidenceResult {
        kind: "open_issues".into(),
        requirement: describe(s),
        verdict,
        summary: format!("{n} open issue{} match", if n == 1 { "" } else { "s" }),
        count: n,
        items: matched
            .into_iter()
            .take(MAX_LISTED)
            .map(issue_item)
            .collect(),
    }
}

fn sla_adherence(
    severities: &[Severity],
    kinds: &[FindingKind],
    max: u32,
    app: &AppFacts,
) -> EvidenceResult {
    let in_scope = |i: &&OpenIssue| {
        (severities.is_empty() || severities.contains(&i.severity))
            && (kinds.is_empty() || kinds.contains(&i.kind))
            && i.sla.is_some()
    };
    let with_sla = app.issues.iter().filter(in_scope).count();
    let mut breached: Vec<&OpenIssue> = app
        .issues
        .iter()
        .filter(in_scope)
        .filter(|i| i.sla.is_some_and(|s| s.state == SlaState::Breached))
        .collect();
    breached.sort_by_key(|i| (i.sla.map(|s| s.due), i.id));
    let n = breached.len();
    let what = if severities.is_empty() {
        "active issues".to_string()
    } else {
        let s: Vec<&str> = severities.iter().map(|s| s.as_str()).collect();
        format!("{} issues", s.join(" or "))
    };
    EvidenceResult {
        kind: "sla_adherence".into(),
        requirement: format!("at most {max} {what} past their SLA due date"),
        verdict: if n <= max as usize {
            Verdict::Pass
        } else {
            Verdict::Gap
        },
        summary: format!("{n} of {with_sla} {what} with an SLA are past due"),
        count: n,
        items: breached
            .into_iter()
            .take(MAX_LISTED)
            .map(issue_item)
            .collect(),
    }
}

fn policy(name: &str, app: &AppFacts) -> EvidenceResult {
    let requirement = format!("policy `{name}` passes");
    match app.policies.get(name) {
        None => EvidenceResult {
            kind: "policy".into(),
            requirement,
            verdict: Verdict::NotEvaluated,
            summary: "no gate decision is recorded and no result was supplied".into(),
            count: 0,
            items: vec![],
        },
        Some(o) => EvidenceResult {
            kind: "policy".into(),
            requirement,
            verdict: if o.passed {
                Verdict::Pass
            } else {
                Verdict::Gap
            },
            summary: if o.passed { "passed" } else { "failed" }.into(),
            count: o.messages.len(),
            items: o
                .messages
                .iter()
                .map(|m| EvidenceItem::Message { text: m.clone() })
                .collect(),
        },
    }
}

fn date(t: OffsetDateTime) -> String {
    let d = t.date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compliance::framework;
    use crate::sla::{SlaFacts, SlaPolicy, evaluate};
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-06-01 0:00 UTC);

    fn issue(id: i64, kind: FindingKind, severity: Severity, cwes: &[u32]) -> OpenIssue {
        OpenIssue {
            id,
            kind,
            severity,
            status: IssueStatus::Open,
            cwes: cwes.to_vec(),
            title: format!("issue {id}"),
            location: "app.py:1".into(),
            sla: None,
        }
    }

    fn scanned(tool: &str, kinds: &[ToolKind], days_ago: i64) -> ToolCoverage {
        ToolCoverage {
            tool: tool.into(),
            kinds: kinds.iter().copied().collect(),
            last_scan: NOW - Duration::days(days_ago),
        }
    }

    fn verdict(r: &AppCompliance, id: &str) -> Verdict {
        r.controls.iter().find(|c| c.id == id).unwrap().verdict
    }

    #[test]
    fn pci_verdicts_follow_the_evidence() {
        let pci = framework("pci-dss").unwrap();
        let mut app = AppFacts {
            application: "shop".into(),
            data_tags: vec!["PCI".into()],
            coverage: vec![
                scanned("semgrep", &[ToolKind::Sast], 3),
                scanned("grype", &[ToolKind::Sca], 45),
            ],
            issues: vec![issue(1, FindingKind::Code, Severity::High, &[89])],
            policies: BTreeMap::new(),
        };
        let r = evaluate_app(pci, &app, NOW);
        assert!(r.in_scope);
        // 6.2.4: a recent SAST scan, but an open high SQL injection (A03): gap, naming it.
        assert_eq!(verdict(&r, "6.2.4"), Verdict::Gap);
        let c = r.controls.iter().find(|c| c.id == "6.2.4").unwrap();
        let e = c.evidence.iter().find(|e| e.kind == "open_issues").unwrap();
        assert_eq!(e.count, 1);
        assert!(
            matches!(&e.items[0], EvidenceItem::Issue { id: 1, weakness, .. } if weakness.contains(&"A03".to_string()))
        );
        // The gate policy has no result: listed, not deciding.
        let p = c.evidence.iter().find(|e| e.kind == "policy").unwrap();
        assert_eq!(p.verdict, Verdict::NotEvaluated);
        // 6.3.1 wants SCA within 30 days: grype ran 45 days ago.
        assert_eq!(verdict(&r, "6.3.1"), Verdict::Gap);
        // 6.3.2 accepts 90 days.
        assert_eq!(verdict(&r, "6.3.2"), Verdict::Pass);
        // 8.6.2: no secret scan at all.
        assert_eq!(verdict(&r, "8.6.2"), Verdict::Gap);
        app.coverage
            .push(scanned("gitleaks", &[ToolKind::Secrets], 1));
        app.issues
            .push(issue(2, FindingKind::Secret, Severity::Low, &[798]));
        let r = evaluate_app(pci, &app, NOW);
        assert_eq!(
            verdict(&r, "8.6.2"),
            Verdict::Gap,
            "one secret is one too many"
        );
        app.issues[1].status = IssueStatus::RiskAccepted;
        app.issues[0].status = IssueStatus::RiskAccepted;
        let r = evaluate_app(pci, &app, NOW);
        assert_eq!(
            verdict(&r, "8.6.2"),
            Verdict::Pass,
            "accepted issues are not open"
        );
        assert_eq!(verdict(&r, "6.2.4"), Verdict::Pass);
        // A failed policy is a gap, with its messages as evidence.
        app.policies.insert(
            "gate".into(),
            PolicyOutcome {
                passed: false,
                messages: vec!["critical past SLA".into()],
            },
        );
        let r = evaluate_app(pci, &app, NOW);
        assert_eq!(verdict(&r, "6.2.4"), Verdict::Gap);
        // Out of scope without a PCI tag, still judged.
        app.data_tags.clear();
        assert!(!evaluate_app(pci, &app, NOW).in_scope);
    }

    #[test]
    fn sla_adherence_counts_breaches_only() {
        let policy = SlaPolicy::default();
        let mut late = issue(7, FindingKind::Dependency, Severity::Critical, &[]);
        let facts = SlaFacts {
            severity: Severity::Critical,
            status: IssueStatus::Open,
            first_seen: NOW - Duration::days(40),
            reopened: vec![],
            accepted: vec![],
            fixed_at: None,
        };
        late.sla = evaluate(&policy, "shop", Some(1), &facts, NOW);
        let mut fresh = issue(8, FindingKind::Dependency, Severity::Critical, &[]);
        fresh.sla = evaluate(
            &policy,
            "shop",
            Some(1),
            &SlaFacts {
                first_seen: NOW - Duration::days(2),
                ..facts.clone()
            },
            NOW,
        );
        let app = AppFacts {
            application: "shop".into(),
            issues: vec![late, fresh],
            ..Default::default()
        };
        let r = evaluate_app(framework("hipaa").unwrap(), &app, NOW);
        let c = r
            .controls
            .iter()
            .find(|c| c.id == "164.308(a)(1)(ii)(B)")
            .unwrap();
        assert_eq!(c.verdict, Verdict::Gap);
        assert_eq!(
            c.evidence[0].summary,
            "1 of 2 critical or high issues with an SLA are past due"
        );
        assert!(matches!(
            c.evidence[0].items[0],
            EvidenceItem::Issue { id: 7, .. }
        ));
        // OWASP: a vulnerable dependency is A06.
        let r = evaluate_app(framework("owasp-top10").unwrap(), &app, NOW);
        let a06 = r.controls.iter().find(|c| c.id == "A06").unwrap();
        assert_eq!(a06.evidence[1].count, 2);
        // No scans at all: every coverage requirement is a gap.
        assert_eq!(a06.verdict, Verdict::Gap);
        assert_eq!(
            r.controls.iter().find(|c| c.id == "A03").unwrap().verdict,
            Verdict::Gap
        );
    }
}
