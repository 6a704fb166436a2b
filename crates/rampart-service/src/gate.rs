//! The CI gate (issue 6): ingest a branch's reports, compare the branch with its baseline
//! branch (same application and target), and judge with the Rego policies only the issues
//! the branch introduces. Pre-existing issues are reported, never judged; issues on the
//! baseline that the branch no longer reports are listed as fixed.
//!
//! The outcome is a [`GateReport`] the output writers in `rampart_formats::gate_out` turn
//! into SARIF, JUnit, Markdown and GitLab reports.

use crate::ingest::{IngestError, IngestOptions, IngestReport, ingest_path};
use crate::risk::{feed_exploit_facts, input_of};
use rampart_engine::policy::input::{
    ApplicationFacts, ComponentFacts, IssueFacts, LocationFacts, ObservationFacts, RiskFactorFacts,
    RiskFacts, ScanFacts, SlaFacts,
};
use rampart_engine::policy::{
    Change, PolicyError, PolicyInput, PolicyResult, PolicySet, PolicySource, default_bundle,
};
use rampart_engine::risk::assess;
use rampart_engine::risk_input::{Sighting, resolve};
use rampart_formats::gate_out::{GateChange, GateFinding, GateReport, GateResult};
use rampart_model::{
    AppProfile, Deployment, Environment, ExploitFacts, FindingKind, Issue, IssueStatus, Location,
    Observation, PackageLocation, Severity,
};
use rampart_store::{GateDecision, GatePolicyOutcome, IssueRiskRow, Store, StoreError};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use thiserror::Error;
use time::OffsetDateTime;

/// Why the gate could not decide (exit code 2, as opposed to a policy failure).
#[derive(Debug, Error)]
pub enum GateError {
    /// A report could not be ingested.
    #[error(transparent)]
    Ingest(#[from] IngestError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A policy does not parse or fails to evaluate.
    #[error("policy error: {0}")]
    Policy(#[from] PolicyError),
    /// A request field is invalid.
    #[error("{0}")]
    Invalid(String),
}

/// What to gate and how.
#[derive(Debug, Clone)]
pub struct GateOptions {
    /// Application.
    pub application: String,
    /// Target (default: the application name).
    pub target: Option<String>,
    /// The branch under judgement.
    pub branch: String,
    /// The branch it is compared with (default `main`).
    pub baseline: String,
    /// Commit of the branch.
    pub commit: Option<String>,
    /// The environment the baseline runs in, when the catalog does not say.
    pub environment: Option<Environment>,
    /// Whether the application is distributed to others (copyleft licenses matter); `None`:
    /// as the catalog says (`distributed:`), else not.
    pub distributed: Option<bool>,
    /// Whether the built-in bundle is used.
    pub default_policies: bool,
    /// The user's policy files (read by the caller).
    pub policies: Vec<PolicySource>,
    /// Rampart's version, for the reports.
    pub tool_version: String,
    /// The time of the gate (default: now).
    pub at: Option<OffsetDateTime>,
}

impl GateOptions {
    /// Options for `application` on `branch` against `main`, with the default bundle.
    pub fn new(application: impl Into<String>, branch: impl Into<String>) -> Self {
        GateOptions {
            application: application.into(),
            target: None,
            branch: branch.into(),
            baseline: "main".into(),
            commit: None,
            environment: None,
            distributed: None,
            default_policies: true,
            policies: Vec::new(),
            tool_version: String::new(),
            at: None,
        }
    }

    /// Every policy source the gate evaluates.
    pub fn sources(&self) -> Vec<PolicySource> {
        let mut all = if self.default_policies {
            default_bundle()
        } else {
            Vec::new()
        };
        all.extend(self.policies.iter().cloned());
        all
    }
}

/// What the gate did.
#[derive(Debug, Clone)]
pub struct GateOutcome {
    /// The decision with every issue, for the writers.
    pub report: GateReport,
    /// The ingests of the branch's reports.
    pub ingests: Vec<IngestReport>,
    /// Whether the baseline had any scan of the target (when not, every issue is new).
    pub baseline_scanned: bool,
    /// The policy input of every introduced issue, by issue id (`--explain`).
    pub inputs: Vec<PolicyInput>,
}

/// Ingests `reports` on the branch, then decides (see [`judge`]).
pub async fn run_gate(
    store: &dyn Store,
    reports: &[PathBuf],
    opts: &GateOptions,
) -> Result<GateOutcome, GateError> {
    if opts.application.trim().is_empty() {
        return Err(GateError::Invalid(
            "an application name is required (--app)".into(),
        ));
    }
    if opts.branch.trim().is_empty() {
        return Err(GateError::Invalid("a branch is required (--branch)".into()));
    }
    // Policies first: a broken policy fails before anything is stored.
    let policies = PolicySet::new(&opts.sources())?;
    let started = opts.at.unwrap_or_else(OffsetDateTime::now_utc);
    let mut ingests = Vec::with_capacity(reports.len());
    for path in reports {
        let io = IngestOptions {
            application: opts.application.clone(),
            target: opts.target.clone(),
            branch: opts.branch.clone(),
            commit: opts.commit.clone(),
            environment: None,
            format: None,
            at: opts.at,
            expected_sha256: None,
        };
        ingests.push(ingest_path(store, path, &io, Arc::new(AtomicU64::new(0))).await?);
    }
    let mut outcome = judge(store, policies, opts, started).await?;
    outcome.ingests = ingests;
    // The decision is evidence for compliance reports ("policies passing").
    store
        .record_gate_decision(&decision_of(&outcome.report))
        .await?;
    Ok(outcome)
}

/// At most this many messages are kept per policy in a recorded decision.
const MESSAGES_KEPT: usize = 20;

/// The record of a gate decision: the verdict, and per Rego package whether it denied any
/// introduced issue, with its messages.
pub fn decision_of(report: &GateReport) -> GateDecision {
    let introduced: Vec<&GateFinding> = report.with_change(GateChange::New).collect();
    let mut outcomes: BTreeMap<String, GatePolicyOutcome> = report
        .policies
        .iter()
        .map(|p| {
            (
                p.clone(),
                GatePolicyOutcome {
                    passed: true,
                    messages: Vec::new(),
                },
            )
        })
        .collect();
    let mut gate = GatePolicyOutcome {
        passed: report.passed,
        messages: Vec::new(),
    };
    for f in &introduced {
        for r in &f.results {
            let msg = format!("{} {}: {} ({})", r.level, r.policy, r.msg, f.issue.location);
            let o = outcomes.entry(r.package.clone()).or_default();
            if r.level == "deny" {
                o.passed = false;
                if gate.messages.len() < MESSAGES_KEPT {
                    gate.messages.push(msg.clone());
                }
            }
            if o.messages.len() < MESSAGES_KEPT {
                o.messages.push(msg);
            }
        }
    }
    outcomes.insert("gate".into(), gate);
    GateDecision {
        id: 0,
        application: report.application.clone(),
        target: report.target.clone(),
        branch: report.branch.clone(),
        baseline: report.baseline.clone(),
        commit: report.commit.clone(),
        at: report.finished,
        passed: report.passed,
        introduced: introduced.len() as u64,
        denied: introduced.iter().filter(|f| f.denied()).count() as u64,
        outcomes,
    }
}

/// Compares the branch with its baseline as stored now and evaluates `policies` on the
/// issues the branch introduces.
pub async fn judge(
    store: &dyn Store,
    mut policies: PolicySet,
    opts: &GateOptions,
    started: OffsetDateTime,
) -> Result<GateOutcome, GateError> {
    let now = opts.at.unwrap_or_else(OffsetDateTime::now_utc);
    let target = opts
        .target
        .clone()
        .unwrap_or_else(|| opts.application.clone());
    let presence = store
        .branch_presence(&opts.application, &target, &opts.branch, &opts.baseline)
        .await?;
    let baseline_scanned = store
        .list_scans(Some(&opts.application), 10_000)
        .await?
        .iter()
        .any(|s| s.branch == opts.baseline && s.target == target);
    let change_of: HashMap<i64, Change> = presence
        .iter()
        .map(|p| {
            let c = match (p.on_branch, p.on_baseline) {
                (true, false) => Change::New,
                (true, true) => Change::Unchanged,
                _ => Change::Fixed,
            };
            (p.issue_id, c)
        })
        .collect();
    let ids: Vec<i64> = presence.iter().map(|p| p.issue_id).collect();
    let issues = store.issues_by_ids(&ids).await?;
    let rows: HashMap<i64, IssueRiskRow> = store
        .risk_inputs_of(&ids)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let profile = store.app_profile(&opts.application).await?;
    let mut vulns: Vec<String> = issues
        .iter()
        .filter(|i| change_of.get(&i.id) == Some(&Change::New))
        .flat_map(|i| i.vuln_ids.iter().map(|v| v.0.clone()))
        .collect();
    vulns.sort();
    vulns.dedup();
    let feed = feed_exploit_facts(store, &vulns).await?;
    // Every active issue's SLA under the policy in force (`issue.sla`).
    let scope = rampart_store::AppScope {
        application: Some(opts.application.clone()),
        team: None,
    };
    let sla_policy = crate::sla::policy_in(store, &scope).await?;
    let slas: HashMap<i64, SlaFacts> = crate::sla::compute(store, &sla_policy, &scope, now)
        .await?
        .into_iter()
        .map(|r| {
            let facts = SlaFacts {
                due: r
                    .sla
                    .due
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
                breached: r.sla.breached(),
                days_left: r.sla.days_left,
            };
            (r.id, facts)
        })
        .collect();
    let app = application_facts(opts, &target, profile.as_ref());
    let scan = ScanFacts {
        target: target.clone(),
        branch: opts.branch.clone(),
        baseline: opts.baseline.clone(),
        commit: opts.commit.clone(),
    };

    let mut findings = Vec::with_capacity(issues.len());
    let mut inputs = Vec::new();
    for issue in issues {
        let Some(&change) = change_of.get(&issue.id) else {
            continue;
        };
        let Some(row) = rows.get(&issue.id) else {
            continue;
        };
        // The branch's statements (the baseline's for a fixed issue).
        let side = if change == Change::Fixed {
            &opts.baseline
        } else {
            &opts.branch
        };
        let observations: Vec<Observation> = row
            .sightings
            .iter()
            .filter(|s| s.active && s.target == target && &s.branch == side)
            .filter_map(|s| serde_json::from_value(s.observation.clone()).ok())
            .collect();
        let mut results = Vec::new();
        if change == Change::New {
            let risk_input = input_of(row, profile.as_ref(), &feed);
            let exploit = risk_input.exploit.clone();
            let risk = assess(&risk_input, now);
            let input = PolicyInput {
                issue: IssueFacts {
                    sla: slas.get(&issue.id).cloned(),
                    ..issue_facts(&issue, &observations, exploit.as_ref())
                },
                observations: observations.iter().map(observation_facts).collect(),
                application: app.clone(),
                risk: RiskFacts {
                    score: risk.score,
                    decision: risk.decision.as_str().to_string(),
                    factors: risk
                        .factors
                        .iter()
                        .map(|f| RiskFactorFacts {
                            name: f.name.clone(),
                            evidence: f.evidence.clone(),
                            contribution: f.contribution,
                        })
                        .collect(),
                },
                change,
                scan: scan.clone(),
            };
            results = policies.evaluate(&input)?;
            inputs.push(input);
        }
        findings.push(finding(issue, change, &observations, &results));
    }
    // Licenses of the packages the branch's SBOM adds (a scanner's license finding for the
    // same package and license was judged above).
    let judged: std::collections::HashSet<(String, String)> = inputs
        .iter()
        .filter_map(|i| {
            let c = i.issue.component.as_ref()?;
            Some((c.name.clone(), i.issue.license.clone()?))
        })
        .collect();
    for lic in crate::gate_sbom::introduced_licenses(
        store,
        &opts.application,
        &target,
        &opts.branch,
        &opts.baseline,
    )
    .await?
    {
        if judged.contains(&(lic.component.name.clone(), lic.license.clone())) {
            continue;
        }
        let input = PolicyInput {
            issue: lic.issue_facts(),
            observations: Vec::new(),
            application: app.clone(),
            risk: RiskFacts {
                score: 0,
                decision: "Track".into(),
                factors: Vec::new(),
            },
            change: Change::New,
            scan: scan.clone(),
        };
        let results = policies.evaluate(&input)?;
        if !results.is_empty() {
            findings.push(license_finding(&opts.application, &lic, now, &results));
            inputs.push(input);
        }
    }
    findings.sort_by(|a, b| {
        a.change
            .cmp(&b.change)
            .then_with(|| b.denied().cmp(&a.denied()))
            .then_with(|| b.issue.severity.cmp(&a.issue.severity))
            .then_with(|| b.issue.risk.cmp(&a.issue.risk))
            .then_with(|| a.issue.id.cmp(&b.issue.id))
    });
    let passed = !findings
        .iter()
        .any(|f| f.change == GateChange::New && f.denied());
    let report = GateReport {
        application: opts.application.clone(),
        target,
        branch: opts.branch.clone(),
        baseline: opts.baseline.clone(),
        commit: opts.commit.clone(),
        passed,
        tool_version: opts.tool_version.clone(),
        started,
        finished: now.max(started),
        policies: policies.packages(),
        team: profile.as_ref().and_then(|p| p.team.clone()),
        owners: profile.map(|p| p.owners).unwrap_or_default(),
        findings,
    };
    Ok(GateOutcome {
        report,
        ingests: Vec::new(),
        baseline_scanned,
        inputs,
    })
}

/// The application as the policies see it; the environment is the baseline's, where the
/// change lands.
fn application_facts(
    opts: &GateOptions,
    target: &str,
    profile: Option<&AppProfile>,
) -> ApplicationFacts {
    let (deployment, _) = resolve(
        &Sighting {
            target: target.to_string(),
            branch: opts.baseline.clone(),
            environment: opts.environment,
            last_seen: OffsetDateTime::UNIX_EPOCH,
            active: true,
        },
        profile,
    );
    let tier = profile.and_then(|p| p.tier);
    ApplicationFacts {
        name: opts.application.clone(),
        tier,
        criticality: tier.map(|t| {
            match t {
                0 | 1 => "critical",
                2 => "high",
                3 => "medium",
                _ => "low",
            }
            .to_string()
        }),
        data_class: profile
            .and_then(AppProfile::effective_data_class)
            .map(|d| d.as_str().to_string()),
        data_tags: profile.map(|p| p.data_tags.clone()).unwrap_or_default(),
        exposure: profile
            .and_then(|p| p.exposure)
            .map(|e| e.as_str().to_string()),
        environment: deployment.map(|d| d.as_str().to_string()),
        production: deployment == Some(Deployment::Production),
        distributed: opts
            .distributed
            .or(profile.and_then(|p| p.distributed))
            .unwrap_or(false),
        team: profile.and_then(|p| p.team.clone()),
        owners: profile.map(|p| p.owners.clone()).unwrap_or_default(),
    }
}

fn issue_facts(
    issue: &Issue,
    observations: &[Observation],
    exploit: Option<&ExploitFacts>,
) -> IssueFacts {
    let first = observations.first();
    let (file, line, end_line) = match first.map(|o| &o.location) {
        Some(Location::Code(c)) => (Some(c.path.clone()), c.start_line, c.end_line),
        Some(Location::Resource(r)) => (r.file.clone(), r.start_line, r.end_line),
        Some(Location::Package(p)) => (p.found_in.clone(), None, None),
        _ => (None, None, None),
    };
    let component = observations.iter().find_map(|o| match &o.location {
        Location::Package(p) => Some(ComponentFacts {
            purl: p.purl.clone(),
            name: p.name.clone(),
            version: p.version.clone(),
            ecosystem: p.ecosystem.clone(),
        }),
        _ => None,
    });
    let vulnerability_ids: Vec<String> = issue.vuln_ids.iter().map(|v| v.0.clone()).collect();
    // A license finding's rule is the license (Trivy, Checkov).
    let license = observations
        .iter()
        .find(|o| o.kind == FindingKind::License && !o.rule_id.is_empty())
        .map(|o| o.rule_id.clone())
        .or_else(|| (issue.kind == FindingKind::License).then(|| issue.rule_id.clone()));
    IssueFacts {
        id: issue.id,
        key: issue.key.clone(),
        kind: issue.kind.as_str().to_string(),
        severity: issue.severity.as_str().to_string(),
        severity_level: issue.severity as u8,
        status: issue.status.as_str().to_string(),
        active: matches!(issue.status, IssueStatus::Open | IssueStatus::Reopened),
        rule: issue.rule_id.clone(),
        title: issue.title.clone(),
        cves: vulnerability_ids
            .iter()
            .filter(|v| v.to_ascii_uppercase().starts_with("CVE-"))
            .cloned()
            .collect(),
        vulnerability_ids,
        cwes: issue.cwes.clone(),
        location: LocationFacts {
            display: issue.location.clone(),
            file,
            line,
            end_line,
        },
        component,
        fix_versions: fix_versions(observations),
        license,
        // Any tool calling it a secret makes it one (a SAST tool may have opened the issue).
        secret: issue.kind == FindingKind::Secret
            || observations.iter().any(|o| o.kind == FindingKind::Secret),
        kev: exploit.and_then(|e| e.kev).unwrap_or(false),
        epss: exploit.and_then(|e| e.epss),
        tools: issue.tools.clone(),
        // Set by the caller from the SLA policy in force, when one applies.
        sla: None,
    }
}

fn fix_versions(observations: &[Observation]) -> Vec<String> {
    let mut out: Vec<String> = observations
        .iter()
        .flat_map(|o| match &o.location {
            Location::Package(p) => p.fixed_versions.clone(),
            _ => Vec::new(),
        })
        .filter(|v| !v.trim().is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

fn observation_facts(o: &Observation) -> ObservationFacts {
    ObservationFacts {
        tool: o.tool.name.clone(),
        rule: o.rule_id.clone(),
        severity: o.severity.level.as_str().to_string(),
        tool_severity: o.severity.tool_label.clone(),
        title: o.title.clone(),
    }
}

/// A gate finding for a package license the branch's SBOM introduces (no stored issue: id 0).
fn license_finding(
    application: &str,
    lic: &crate::gate_sbom::IntroducedLicense,
    now: OffsetDateTime,
    results: &[PolicyResult],
) -> GateFinding {
    let facts = lic.issue_facts();
    let denied = results
        .iter()
        .any(|r| r.level == rampart_engine::policy::Level::Deny);
    let c = &lic.component;
    let issue = Issue {
        id: 0,
        application: application.to_string(),
        key: facts.key.clone(),
        kind: FindingKind::License,
        title: facts.title.clone(),
        severity: if denied {
            Severity::Medium
        } else {
            Severity::Low
        },
        status: IssueStatus::Open,
        rule_id: lic.license.clone(),
        location: facts.location.display.clone(),
        vuln_ids: Vec::new(),
        cwes: Vec::new(),
        tools: facts.tools.clone(),
        first_seen: now,
        last_seen: now,
        fixed_at: None,
        risk: 0,
    };
    let location = Location::Package(PackageLocation {
        purl: c.purl.clone(),
        ecosystem: facts.component.as_ref().and_then(|f| f.ecosystem.clone()),
        name: c.name.clone(),
        version: c.version.clone(),
        fixed_versions: Vec::new(),
        found_in: None,
    });
    GateFinding {
        change: GateChange::New,
        location,
        rule_name: Some(format!("License {}", lic.license)),
        description: Some(format!(
            "The branch's SBOM adds {} under {}, which the baseline's does not have.",
            c.name, lic.license
        )),
        help_uri: None,
        remediation: None,
        tags: vec!["license".into()],
        cvss_score: None,
        fix_versions: Vec::new(),
        results: gate_results(results),
        issue,
    }
}

fn gate_results(results: &[PolicyResult]) -> Vec<GateResult> {
    results
        .iter()
        .map(|r| GateResult {
            level: r.level.as_str().to_string(),
            policy: r.policy.clone(),
            package: r.package.clone(),
            file: r.file.clone(),
            msg: r.msg.clone(),
        })
        .collect()
}

fn finding(
    issue: Issue,
    change: Change,
    observations: &[Observation],
    results: &[PolicyResult],
) -> GateFinding {
    let first = observations.first();
    let location = first.map(|o| o.location.clone()).unwrap_or(Location::None);
    let mut tags: Vec<String> = observations.iter().flat_map(|o| o.tags.clone()).collect();
    tags.sort();
    tags.dedup();
    let cvss_score = observations
        .iter()
        .flat_map(|o| o.severity.cvss.iter().filter_map(|c| c.score))
        .fold(None, |m: Option<f64>, s| Some(m.map_or(s, |m| m.max(s))));
    GateFinding {
        change: match change {
            Change::New => GateChange::New,
            Change::Unchanged => GateChange::Unchanged,
            Change::Fixed => GateChange::Fixed,
        },
        location,
        rule_name: first.and_then(|o| o.rule_name.clone()),
        description: first.and_then(|o| o.message.clone()),
        help_uri: first.and_then(|o| o.references.first().cloned()),
        remediation: first.and_then(|o| o.remediation.clone()),
        tags,
        cvss_score,
        fix_versions: fix_versions(observations),
        results: gate_results(results),
        issue,
    }
}
