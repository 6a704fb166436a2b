//! Compliance reports as a use case: gathers each application's evidence from the store in
//! bulk (scan coverage by tool, the kinds of findings each tool made, active issues with their
//! SLA) and hands it to `rampart_engine::compliance`, which judges every control; [`render`]
//! writes the report as Markdown or escaped HTML (JSON is the report serialized).
//!
//! Policy outcomes come from the latest recorded `rampart gate` decision of each application
//! (`gate`, and each Rego package by name), and from [`ComplianceOptions::policies`] (the
//! CLI's `--policy-results FILE`), which wins for the policies it names. A policy without an
//! outcome is listed as not evaluated.

pub mod render;

use crate::ingest::IngestError;
use rampart_engine::compliance::{
    self, AppFacts, ComplianceReport, OpenIssue, PolicyOutcome, ToolCoverage, ToolKind,
};
use rampart_store::{AppScope, Store};
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;

/// Policy outcomes by application, then by policy name.
pub type PolicyResults = BTreeMap<String, BTreeMap<String, PolicyOutcome>>;

/// What to report on.
#[derive(Debug, Clone)]
pub struct ComplianceOptions {
    /// Framework id (`pci-dss`, `soc2`, ...).
    pub framework: String,
    /// Which applications.
    pub scope: AppScope,
    /// The time the evidence is judged at.
    pub now: OffsetDateTime,
    /// Policy outcomes given by the caller; they replace the recorded gate decisions'
    /// outcomes for the policies they name.
    pub policies: PolicyResults,
}

/// Whether a report of `format` is an SBOM (which shows software composition coverage).
fn is_sbom(format: &str) -> bool {
    format.starts_with("cyclonedx") || format.starts_with("spdx")
}

/// Builds the report for `opts`.
pub async fn report(
    store: &dyn Store,
    opts: &ComplianceOptions,
) -> Result<ComplianceReport, IngestError> {
    let framework = compliance::framework(&opts.framework).map_err(IngestError::Invalid)?;
    let apps = store.scoped_apps(&opts.scope).await?;
    if let Some(name) = &opts.scope.application
        && apps.is_empty()
    {
        return Err(IngestError::Invalid(format!(
            "no application named `{name}`"
        )));
    }
    let mut facts: BTreeMap<String, AppFacts> = apps
        .into_iter()
        .map(|a| {
            let data_tags = a.profile.map(|p| p.data_tags).unwrap_or_default();
            let policies = opts.policies.get(&a.name).cloned().unwrap_or_default();
            (
                a.name.clone(),
                AppFacts {
                    application: a.name,
                    data_tags,
                    policies,
                    ..Default::default()
                },
            )
        })
        .collect();

    // The latest gate decision of each application: its policies' outcomes.
    for d in store.latest_gate_decisions(&opts.scope).await? {
        let Some(f) = facts.get_mut(&d.application) else {
            continue;
        };
        let context = format!(
            "rampart gate on {} against {}{} at {}: {}",
            d.branch,
            d.baseline,
            d.commit
                .as_deref()
                .map(|c| format!(" ({c})"))
                .unwrap_or_default(),
            d.at.format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            if d.passed { "passed" } else { "failed" },
        );
        for (name, o) in d.outcomes {
            f.policies.entry(name).or_insert_with(|| PolicyOutcome {
                passed: o.passed,
                messages: std::iter::once(context.clone()).chain(o.messages).collect(),
            });
        }
    }

    // Coverage: the mapping's kinds of each tool, and the kinds its findings show.
    let mut shown: BTreeMap<(String, String), BTreeSet<ToolKind>> = BTreeMap::new();
    for f in store.tool_findings(&opts.scope).await? {
        shown
            .entry((f.application, f.tool))
            .or_default()
            .insert(ToolKind::of_finding(f.kind, f.os_package));
    }
    let mut coverage: BTreeMap<(String, String), ToolCoverage> = BTreeMap::new();
    for row in store.scan_coverage(&opts.scope).await? {
        // A report naming no tool (an SBOM) counts under its format's name.
        let tools = if row.tools.is_empty() {
            vec![row.format.clone()]
        } else {
            row.tools.clone()
        };
        for tool in &tools {
            let mut kinds: BTreeSet<ToolKind> =
                compliance::tool_kinds(tool).iter().copied().collect();
            if let Some(k) = shown.get(&(row.application.clone(), tool.clone())) {
                kinds.extend(k);
            }
            if is_sbom(&row.format) {
                kinds.insert(ToolKind::Sca);
            }
            let entry = coverage
                .entry((row.application.clone(), tool.clone()))
                .or_insert_with(|| ToolCoverage {
                    tool: tool.clone(),
                    kinds: BTreeSet::new(),
                    last_scan: row.last_scan,
                });
            entry.kinds.extend(kinds);
            entry.last_scan = entry.last_scan.max(row.last_scan);
        }
    }
    for ((app, _), c) in coverage {
        if let Some(f) = facts.get_mut(&app) {
            f.coverage.push(c);
        }
    }

    // Active issues with their SLA (the due dates are kept current on the way).
    let policy = crate::sla::policy_in(store, &opts.scope).await?;
    for (row, sla) in crate::sla::evaluate_scope(store, &policy, &opts.scope, opts.now).await? {
        if let Some(f) = facts.get_mut(&row.application) {
            f.issues.push(OpenIssue {
                id: row.id,
                kind: row.kind,
                severity: row.severity,
                status: row.status,
                cwes: row.cwes,
                title: row.title,
                location: row.location,
                sla,
            });
        }
    }
    let apps: Vec<AppFacts> = facts.into_values().collect();
    Ok(compliance::report(framework, &apps, opts.now))
}
