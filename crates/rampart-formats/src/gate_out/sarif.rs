//! SARIF 2.1.0 for GitHub code scanning: one run of tool `Rampart`, a rule per rule id with
//! its metadata (`security-severity`, tags, CWE), a result per issue of the branch with a
//! stable `partialFingerprints` entry (Rampart's identity key, which survives code moving) and
//! a `baselineState` (`new`, `unchanged`; fixed issues are `absent`).

use super::{GateChange, GateFinding, GateReport};
use rampart_model::{Location, Severity};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The `partialFingerprints` key carrying Rampart's identity key.
pub const FINGERPRINT: &str = "rampartIssueKey/v1";

/// The SARIF `level` of a finding: `error` when a policy denied it or it is high or worse.
fn level(f: &GateFinding) -> &'static str {
    if f.denied() {
        return "error";
    }
    match f.issue.severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// A file path as a relative URI reference (spaces and the few reserved characters escaped).
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.trim_start_matches("./").chars() {
        match c {
            ' ' => out.push_str("%20"),
            '%' => out.push_str("%25"),
            '#' => out.push_str("%23"),
            '?' => out.push_str("%3F"),
            '\\' => out.push('/'),
            c => out.push(c),
        }
    }
    out
}

fn location(f: &GateFinding) -> Value {
    let mut loc = Map::new();
    let artifact = match f.file() {
        Some(file) => Some(json!({ "uri": uri(file), "uriBaseId": "%SRCROOT%" })),
        None => match &f.location {
            Location::Web(w) => Some(json!({ "uri": w.url })),
            _ => None,
        },
    };
    if let Some(a) = artifact {
        let mut phys = Map::new();
        phys.insert("artifactLocation".into(), a);
        if let Some((start, end)) = f.lines() {
            let mut region = json!({ "startLine": start });
            if let Some(e) = end.filter(|e| *e >= start) {
                region["endLine"] = json!(e);
            }
            phys.insert("region".into(), region);
        }
        loc.insert("physicalLocation".into(), Value::Object(phys));
    }
    let logical = match &f.location {
        Location::Package(p) => Some((p.purl.clone().unwrap_or_else(|| p.name.clone()), "package")),
        Location::Resource(r) => Some((r.resource.clone(), "resource")),
        Location::Image(_) => Some((f.location.display(), "image")),
        _ => None,
    };
    if let Some((name, kind)) = logical {
        loc.insert(
            "logicalLocations".into(),
            json!([{ "fullyQualifiedName": name, "kind": kind }]),
        );
    }
    if loc.is_empty() {
        loc.insert(
            "logicalLocations".into(),
            json!([{ "fullyQualifiedName": f.issue.location, "kind": "module" }]),
        );
    }
    Value::Object(loc)
}

/// A rule's tags: `security`, the issue kind, `external/cwe/cwe-N` (GitHub's CWE form), and
/// the tools' tags.
fn tags(f: &GateFinding) -> Vec<String> {
    let mut t = vec!["security".to_string(), f.issue.kind.as_str().to_string()];
    t.extend(f.issue.cwes.iter().map(|c| format!("external/cwe/cwe-{c}")));
    t.extend(f.tags.iter().filter(|x| !x.is_empty()).cloned());
    t.sort();
    t.dedup();
    t
}

fn message(f: &GateFinding) -> String {
    let mut text = f.issue.title.clone();
    if !f.fix_versions.is_empty() {
        text.push_str(&format!(" (fixed in {})", f.fix_versions.join(", ")));
    }
    for r in &f.results {
        text.push_str(&format!("\n{} [{}]: {}", r.level, r.policy, r.msg));
    }
    text
}

/// The SARIF log of `report`.
pub fn write(report: &GateReport) -> Value {
    // Rules, by id, from the findings that use them (the worst severity wins).
    let mut rules: BTreeMap<String, &GateFinding> = BTreeMap::new();
    for f in &report.findings {
        let e = rules.entry(f.issue.rule_id.clone()).or_insert(f);
        if f.security_severity() > e.security_severity() {
            *e = f;
        }
    }
    let index: BTreeMap<&str, usize> = rules
        .keys()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    let rules_json: Vec<Value> = rules
        .iter()
        .map(|(id, f)| {
            let full = f
                .description
                .clone()
                .unwrap_or_else(|| f.issue.title.clone());
            let mut help = full.clone();
            if let Some(r) = &f.remediation {
                help.push_str("\n\nRemediation: ");
                help.push_str(r);
            }
            let mut rule = json!({
                "id": id,
                "name": f.rule_name.clone().unwrap_or_else(|| id.clone()),
                "shortDescription": { "text": f.issue.title },
                "fullDescription": { "text": full },
                "help": { "text": help },
                "defaultConfiguration": { "level": level(f) },
                "properties": {
                    "security-severity": format!("{:.1}", f.security_severity()),
                    "tags": tags(f),
                    "precision": "high",
                    "problem.severity": match f.issue.severity {
                        Severity::Critical | Severity::High => "error",
                        Severity::Medium => "warning",
                        _ => "recommendation",
                    },
                }
            });
            if let Some(u) = &f.help_uri {
                rule["helpUri"] = json!(u);
            }
            rule
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let policies: Vec<Value> = f
                .results
                .iter()
                .map(|r| json!({ "level": r.level, "policy": r.policy, "package": r.package, "file": r.file, "msg": r.msg }))
                .collect();
            json!({
                "ruleId": f.issue.rule_id,
                "ruleIndex": index[f.issue.rule_id.as_str()],
                "level": level(f),
                "message": { "text": message(f) },
                "locations": [location(f)],
                "partialFingerprints": { FINGERPRINT: f.issue.key },
                "baselineState": match f.change {
                    GateChange::New => "new",
                    GateChange::Unchanged => "unchanged",
                    GateChange::Fixed => "absent",
                },
                "properties": {
                    "rampart": {
                        "issue": f.issue.id,
                        "severity": f.issue.severity.as_str(),
                        "risk": f.issue.risk,
                        "status": f.issue.status.as_str(),
                        "tools": f.issue.tools,
                        "vulnerabilities": f.issue.vuln_ids.iter().map(|v| v.0.clone()).collect::<Vec<_>>(),
                        "fixVersions": f.fix_versions,
                        "policies": policies,
                    }
                }
            })
        })
        .collect();
    let mut provenance = json!({ "branch": report.branch });
    if let Some(c) = &report.commit {
        provenance["revisionId"] = json!(c);
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "Rampart",
                "semanticVersion": report.tool_version,
                "informationUri": "https://github.com/rampart-aspm/rampart",
                "rules": rules_json,
            }},
            "automationDetails": {
                "id": format!("rampart/{}/{}/", report.application, report.target),
            },
            "invocations": [{
                "executionSuccessful": true,
                "startTimeUtc": rfc3339(report.started),
                "endTimeUtc": rfc3339(report.finished),
            }],
            "results": results,
            "properties": {
                "rampart": {
                    "application": report.application,
                    "target": report.target,
                    "branch": report.branch,
                    "baseline": report.baseline,
                    "verdict": if report.passed { "pass" } else { "fail" },
                    "policies": report.policies,
                    "provenance": provenance,
                }
            }
        }]
    })
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
