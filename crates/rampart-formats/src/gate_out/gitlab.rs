//! GitLab security reports (schema 15.0.x): `sast` (code, secrets, IaC, web issues) and
//! `dependency_scanning` (vulnerable and license-flagged packages), for the merge-request
//! security widget. A report lists every issue the branch reports (new and pre-existing):
//! GitLab compares it with the target branch's report itself.

use super::{GateChange, GateFinding, GateReport};
use rampart_model::{FindingKind, Location, Severity};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The schema version written.
pub const SCHEMA_VERSION: &str = "15.0.7";

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// `artifacts:reports:sast`.
    Sast,
    /// `artifacts:reports:dependency_scanning`.
    DependencyScanning,
}

impl ReportKind {
    /// GitLab's `scan.type`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Sast => "sast",
            ReportKind::DependencyScanning => "dependency_scanning",
        }
    }

    /// Whether an issue of `kind` belongs in this report.
    pub fn holds(self, kind: FindingKind) -> bool {
        matches!(kind, FindingKind::Dependency | FindingKind::License)
            == (self == ReportKind::DependencyScanning)
    }
}

/// A UUID-shaped id derived from the issue key: the same issue keeps its id across runs.
fn uuid_of(key: &str) -> String {
    let h = Sha256::digest(key.as_bytes());
    let x = hex::encode(&h[..16]);
    format!(
        "{}-{}-5{}-{}-{}",
        &x[0..8],
        &x[8..12],
        &x[13..16],
        &x[16..20],
        &x[20..32]
    )
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
        Severity::Info => "Info",
    }
}

fn identifiers(f: &GateFinding) -> Vec<Value> {
    let mut ids: Vec<Value> = Vec::new();
    for v in &f.issue.vuln_ids {
        let id = v.0.as_str();
        let upper = id.to_ascii_uppercase();
        let (kind, url) = if upper.starts_with("CVE-") {
            (
                "cve",
                Some(format!("https://nvd.nist.gov/vuln/detail/{id}")),
            )
        } else if upper.starts_with("GHSA-") {
            ("ghsa", Some(format!("https://github.com/advisories/{id}")))
        } else {
            ("advisory", None)
        };
        let mut i = json!({ "type": kind, "name": id, "value": id });
        if let Some(u) = url {
            i["url"] = json!(u);
        }
        ids.push(i);
    }
    for c in &f.issue.cwes {
        ids.push(json!({
            "type": "cwe",
            "name": format!("CWE-{c}"),
            "value": c.to_string(),
            "url": format!("https://cwe.mitre.org/data/definitions/{c}.html"),
        }));
    }
    ids.push(json!({
        "type": "rampart_rule",
        "name": format!("Rule {}", f.issue.rule_id),
        "value": f.issue.rule_id,
    }));
    ids
}

fn location(f: &GateFinding, kind: ReportKind) -> Value {
    match (&f.location, kind) {
        (Location::Package(p), _) => json!({
            "file": p.found_in.clone().unwrap_or_default(),
            "dependency": {
                "package": { "name": p.name },
                "version": p.version.clone().unwrap_or_default(),
            }
        }),
        (_, ReportKind::DependencyScanning) => json!({
            "file": f.file().unwrap_or(""),
            "dependency": { "package": { "name": f.issue.location }, "version": "" }
        }),
        (Location::Web(w), _) => json!({ "file": w.url }),
        _ => {
            let mut l = json!({ "file": f.file().unwrap_or(&f.issue.location) });
            if let Some((start, end)) = f.lines() {
                l["start_line"] = json!(start);
                if let Some(e) = end.filter(|e| *e >= start) {
                    l["end_line"] = json!(e);
                }
            }
            l
        }
    }
}

fn gitlab_time(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The GitLab security report of `kind` for `report`.
pub fn write(report: &GateReport, kind: ReportKind) -> Value {
    let findings: Vec<&GateFinding> = report
        .findings
        .iter()
        .filter(|f| f.change != GateChange::Fixed && kind.holds(f.issue.kind))
        .collect();
    let vulnerabilities: Vec<Value> = findings
        .iter()
        .map(|f| {
            let mut v = json!({
                "id": uuid_of(&f.issue.key),
                "name": f.issue.title,
                "description": f.description.clone().unwrap_or_else(|| f.issue.title.clone()),
                "severity": severity(f.issue.severity),
                "identifiers": identifiers(f),
                "location": location(f, kind),
            });
            let solution = match (&f.remediation, f.fix_versions.is_empty()) {
                (_, false) => Some(format!("Upgrade to {}.", f.fix_versions.join(" or "))),
                (Some(r), true) => Some(r.clone()),
                (None, true) => None,
            };
            if let Some(s) = solution {
                v["solution"] = json!(s);
            }
            if let Some(u) = &f.help_uri {
                v["links"] = json!([{ "url": u }]);
            }
            v
        })
        .collect();
    let tool = json!({
        "id": "rampart",
        "name": "Rampart",
        "version": report.tool_version,
        "vendor": { "name": "Rampart" },
    });
    let mut out = json!({
        "version": SCHEMA_VERSION,
        "vulnerabilities": vulnerabilities,
        "scan": {
            "analyzer": tool,
            "scanner": tool,
            "type": kind.as_str(),
            "start_time": gitlab_time(report.started),
            "end_time": gitlab_time(report.finished),
            "status": "success",
        }
    });
    if kind == ReportKind::DependencyScanning {
        // The manifests the packages were found in, with their flagged packages.
        let mut files: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for f in &findings {
            if let Location::Package(p) = &f.location {
                files
                    .entry(p.found_in.clone().unwrap_or_default())
                    .or_default()
                    .push(json!({ "package": { "name": p.name }, "version": p.version.clone().unwrap_or_default() }));
            }
        }
        out["dependency_files"] = Value::Array(
            files
                .into_iter()
                .map(|(path, deps)| {
                    json!({ "path": path, "package_manager": "unknown", "dependencies": deps })
                })
                .collect(),
        );
    }
    out
}
