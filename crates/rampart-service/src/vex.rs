//! VEX in and out. In: parse a document (OpenVEX, CSAF 2.0, CycloneDX), store its statements,
//! and apply them: each dependency issue takes the status of the newest statement that
//! matches it (by vulnerability alias and purl, `engine::vex`), recorded as a triage decision
//! by `vex:<document>`, unless an analyst decided after that statement. Statements are applied
//! again after every ingest, so issues found later get them too. Out: the triage decisions of
//! an application as OpenVEX or CycloneDX VEX.

use crate::ingest::IngestError;
use crate::risk::recompute_issues;
use rampart_engine::vex::{alias_groups, newest, status_under, with_aliases};
use rampart_formats::ParseContext;
use rampart_formats::vex::{self, VexDocument};
use rampart_formats::vex_out::{self, VexOutFormat};
use rampart_model::{IssueStatus, TriageRequest, VexStatement, VexStatus};
use rampart_store::Store;
use std::path::Path;
use time::OffsetDateTime;

/// What a VEX import did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VexImport {
    /// The document's id.
    pub document: String,
    /// Statements it holds.
    pub statements: usize,
    /// Statements not stored before.
    pub new: u64,
    /// Issues whose status the statements set: `(issue id, status)`.
    pub applied: Vec<(i64, IssueStatus)>,
}

/// Reads a VEX document.
pub fn read(path: &Path) -> Result<VexDocument, IngestError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| IngestError::Open {
        file: name.clone(),
        source,
    })?;
    Ok(vex::parse(&bytes, &ParseContext::new(name, Vec::new()))?)
}

/// Imports the VEX document at `path` for `application` (every application when `None`).
pub async fn import(
    store: &dyn Store,
    path: &Path,
    application: Option<&str>,
    now: OffsetDateTime,
) -> Result<VexImport, IngestError> {
    let doc = read(path)?;
    let new = store
        .add_vex_statements(application, &doc.statements, now)
        .await?;
    let apps: Vec<String> = match application {
        Some(a) => vec![a.to_string()],
        None => store
            .list_applications()
            .await?
            .into_iter()
            .map(|a| a.name)
            .collect(),
    };
    let mut applied = Vec::new();
    for app in apps {
        applied.extend(apply(store, &app, now).await?);
    }
    Ok(VexImport {
        document: doc.id,
        statements: doc.statements.len(),
        new,
        applied,
    })
}

/// Applies the stored VEX statements to `application`'s issues; returns what changed.
pub async fn apply(
    store: &dyn Store,
    application: &str,
    now: OffsetDateTime,
) -> Result<Vec<(i64, IssueStatus)>, IngestError> {
    let statements = store.vex_statements(application).await?;
    if statements.is_empty() {
        return Ok(Vec::new());
    }
    let mut ids: Vec<String> = statements
        .iter()
        .flat_map(|s| std::iter::once(s.vulnerability.clone()).chain(s.aliases.iter().cloned()))
        .collect();
    ids.sort();
    ids.dedup();
    let groups = alias_groups(&statements);
    let mut changed = Vec::new();
    for issue in store.issues_with_vulns(application, &ids).await? {
        let vulns: Vec<String> = issue.vuln_ids.iter().map(|v| v.0.clone()).collect();
        let vulns = with_aliases(&vulns, &groups);
        let purl = issue
            .location
            .starts_with("pkg:")
            .then_some(issue.location.as_str());
        let Some(s) = newest(&statements, &vulns, purl) else {
            continue;
        };
        let stamp = s.timestamp.unwrap_or(now);
        let actor = format!("vex:{}", s.document);
        let history = store.triage_history(issue.id).await?;
        let in_force = history.iter().rev().find(|d| d.ended_at.is_none());
        if let Some(d) = in_force {
            let same = d.actor == actor && d.at == stamp && d.vex_status == Some(s.status);
            if same || d.at > stamp {
                continue; // already applied, or an analyst decided after the statement
            }
        }
        let from_vex = in_force.is_some_and(|d| d.vex_status.is_some());
        let status = match status_under(s.status, issue.status, from_vex) {
            Some(st) => st,
            // Affected / under investigation on an open issue: recorded (it is reachability
            // evidence), status unchanged.
            None if issue.status.is_active() && s.status == VexStatus::Affected => issue.status,
            None => continue,
        };
        let request = request_of(s, status, actor);
        if store.triage(issue.id, &request, stamp).await?.is_some() && status != issue.status {
            changed.push((issue.id, status));
        }
        recompute_issues(store, application, &[issue.id], now).await?;
    }
    let ids: Vec<i64> = changed.iter().map(|(id, _)| *id).collect();
    crate::sla::refresh_issues(store, &ids, now).await?;
    Ok(changed)
}

fn request_of(s: &VexStatement, status: IssueStatus, actor: String) -> TriageRequest {
    let mut reason = format!("VEX {} {}: {}", s.document, s.source_ref, s.status.as_str());
    if let Some(d) = &s.detail {
        reason.push_str(": ");
        reason.push_str(d);
    }
    TriageRequest {
        status,
        actor,
        reason,
        approver: None,
        expires_at: None,
        justification: s.justification.clone(),
        vex_status: Some(s.status),
    }
}

/// The triage decisions of `application` as a VEX document.
pub async fn export(
    store: &dyn Store,
    application: &str,
    format: VexOutFormat,
    now: OffsetDateTime,
) -> Result<serde_json::Value, IngestError> {
    let triaged = store.triaged_issues(application).await?;
    let entries: Vec<vex_out::Entry> = triaged
        .iter()
        .filter(|(i, _)| !i.vuln_ids.is_empty())
        .map(|(i, d)| vex_out::Entry {
            vulnerability: i.vuln_ids[0].0.clone(),
            aliases: i.vuln_ids[1..].iter().map(|v| v.0.clone()).collect(),
            product: i.location.clone(),
            decision: d.clone(),
        })
        .collect();
    Ok(vex_out::write(format, application, &entries, now))
}
