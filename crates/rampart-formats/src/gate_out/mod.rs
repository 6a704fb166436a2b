//! Output writers of the CI gate (issue 6): what `rampart gate` decided, as SARIF 2.1.0 for
//! GitHub code scanning ([`sarif`]), JUnit XML ([`junit`]), a Markdown pull-request summary
//! ([`markdown`]) and GitLab security reports ([`gitlab`]).
//!
//! The writers read a [`GateReport`]: plain data the gate service fills (the engine's policy
//! results copied into [`GateResult`]s), so this crate keeps depending on the model only.

pub mod gitlab;
pub mod junit;
pub mod markdown;
pub mod sarif;

use rampart_model::{Issue, Location, Severity};
use serde::Serialize;
use time::OffsetDateTime;

/// How an issue relates to the baseline branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GateChange {
    /// Introduced by the branch: judged.
    New,
    /// On the baseline too: pre-existing, not judged.
    Unchanged,
    /// On the baseline, gone from the branch: fixed by the change.
    Fixed,
}

/// One policy message about one issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GateResult {
    /// `deny` or `warn`.
    pub level: String,
    /// The rule's name (`no-secrets`), or its package.
    pub policy: String,
    /// The Rego package.
    pub package: String,
    /// The policy file.
    pub file: String,
    /// The message.
    pub msg: String,
}

impl GateResult {
    /// Whether it fails the gate.
    pub fn is_deny(&self) -> bool {
        self.level == "deny"
    }
}

/// One issue in the gate's report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateFinding {
    /// New, unchanged or fixed.
    pub change: GateChange,
    /// The issue.
    pub issue: Issue,
    /// Where, in full (the branch's observation; the baseline's for a fixed issue).
    pub location: Location,
    /// The rule's human name, when a tool gave one.
    pub rule_name: Option<String>,
    /// A longer description (the tool's message).
    pub description: Option<String>,
    /// A reference URL.
    pub help_uri: Option<String>,
    /// Remediation advice.
    pub remediation: Option<String>,
    /// The tools' tags.
    pub tags: Vec<String>,
    /// The best CVSS base score known.
    pub cvss_score: Option<f64>,
    /// Versions that fix it.
    pub fix_versions: Vec<String>,
    /// What the policies said (introduced issues only).
    pub results: Vec<GateResult>,
}

impl GateFinding {
    /// Whether a policy denied it.
    pub fn denied(&self) -> bool {
        self.results.iter().any(GateResult::is_deny)
    }

    /// GitHub's `security-severity`: the CVSS base score, else a score in the band of the
    /// severity (critical ≥ 9.0, high 7.0–8.9, medium 4.0–6.9, low 0.1–3.9).
    pub fn security_severity(&self) -> f64 {
        self.cvss_score
            .unwrap_or(match self.issue.severity {
                Severity::Critical => 9.5,
                Severity::High => 8.0,
                Severity::Medium => 5.5,
                Severity::Low => 3.0,
                Severity::Info => 0.0,
            })
            .clamp(0.0, 10.0)
    }

    /// The file the issue is in (or the manifest a package was found in), when known.
    pub fn file(&self) -> Option<&str> {
        match &self.location {
            Location::Code(c) => Some(c.path.as_str()),
            Location::Resource(r) => r.file.as_deref(),
            Location::Package(p) => p.found_in.as_deref(),
            _ => None,
        }
    }

    /// First and last line, when known.
    pub fn lines(&self) -> Option<(u32, Option<u32>)> {
        match &self.location {
            Location::Code(c) => c.start_line.filter(|l| *l > 0).map(|l| (l, c.end_line)),
            Location::Resource(r) => r.start_line.filter(|l| *l > 0).map(|l| (l, r.end_line)),
            _ => None,
        }
    }
}

/// What the gate decided, with everything the writers show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateReport {
    /// Application.
    pub application: String,
    /// Target.
    pub target: String,
    /// The branch judged.
    pub branch: String,
    /// The baseline branch.
    pub baseline: String,
    /// Commit, when given.
    pub commit: Option<String>,
    /// Whether the gate passed (no deny on an introduced issue).
    pub passed: bool,
    /// Rampart's version.
    pub tool_version: String,
    /// When the gate started.
    #[serde(with = "time::serde::rfc3339")]
    pub started: OffsetDateTime,
    /// When it decided.
    #[serde(with = "time::serde::rfc3339")]
    pub finished: OffsetDateTime,
    /// The policy packages evaluated.
    pub policies: Vec<String>,
    /// The owning team (catalog).
    pub team: Option<String>,
    /// Other owners (catalog).
    pub owners: Vec<String>,
    /// New, unchanged and fixed issues.
    pub findings: Vec<GateFinding>,
}

impl GateReport {
    /// The findings with this change.
    pub fn with_change(&self, change: GateChange) -> impl Iterator<Item = &GateFinding> {
        self.findings.iter().filter(move |f| f.change == change)
    }

    /// Every deny on an introduced issue, with its finding.
    pub fn denials(&self) -> impl Iterator<Item = (&GateFinding, &GateResult)> {
        self.with_change(GateChange::New).flat_map(|f| {
            f.results
                .iter()
                .filter(|r| r.is_deny())
                .map(move |r| (f, r))
        })
    }
}
