//! VEX out: triage decisions written as OpenVEX (v0.2.0) or CycloneDX VEX (1.6 JSON).
//!
//! | decision | OpenVEX | CycloneDX `analysis` |
//! |---|---|---|
//! | not affected | `not_affected` + its justification | `not_affected` + the matching justification |
//! | false positive | `not_affected`, `vulnerable_code_not_present`, impact "false positive: …" | `false_positive` |
//! | mitigated (VEX `fixed`) | `fixed` | `resolved` |
//! | mitigated | `not_affected`, `inline_mitigations_already_exist` | `not_affected`, `protected_by_mitigating_control` |
//! | risk accepted | `affected`, action "risk accepted …" | `exploitable`, response `will_not_fix` |
//! | open (VEX said affected) | `affected` | `exploitable` |

use rampart_model::{IssueStatus, TriageDecision, VexStatus};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Which VEX dialect to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VexOutFormat {
    /// OpenVEX JSON.
    OpenVex,
    /// CycloneDX 1.6 JSON with `vulnerabilities[].analysis`.
    CycloneDx,
}

/// One decision to write: the issue's vulnerability and package, and the decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The issue's primary vulnerability id.
    pub vulnerability: String,
    /// Its other ids.
    pub aliases: Vec<String>,
    /// The package (a purl when the issue is a dependency finding).
    pub product: String,
    /// The decision in force.
    pub decision: TriageDecision,
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// The OpenVEX status, justification, impact and action statements of a decision.
fn openvex_status(
    d: &TriageDecision,
) -> (&'static str, Option<String>, Option<String>, Option<String>) {
    let reason = d.reason.clone();
    match d.status {
        IssueStatus::NotAffected => (
            "not_affected",
            Some(
                d.justification
                    .clone()
                    .unwrap_or_else(|| "vulnerable_code_not_present".into()),
            ),
            Some(reason),
            None,
        ),
        IssueStatus::FalsePositive => (
            "not_affected",
            Some("vulnerable_code_not_present".into()),
            Some(format!("false positive: {reason}")),
            None,
        ),
        IssueStatus::Mitigated if d.vex_status == Some(VexStatus::Fixed) => {
            ("fixed", None, None, None)
        }
        IssueStatus::Mitigated => (
            "not_affected",
            Some("inline_mitigations_already_exist".into()),
            Some(reason),
            None,
        ),
        IssueStatus::RiskAccepted => (
            "affected",
            None,
            None,
            Some(format!(
                "risk accepted by {}, approved by {}{}: {reason}",
                d.actor,
                d.approver.as_deref().unwrap_or("-"),
                d.expires_at
                    .map(|e| format!(", until {}", rfc3339(e)))
                    .unwrap_or_default()
            )),
        ),
        _ if d.vex_status == Some(VexStatus::UnderInvestigation) => {
            ("under_investigation", None, None, None)
        }
        _ => ("affected", None, None, Some(reason)),
    }
}

/// CycloneDX's justification for an OpenVEX one.
fn cdx_justification(openvex: &str) -> &'static str {
    match openvex {
        "component_not_present" | "vulnerable_code_not_present" => "code_not_present",
        "vulnerable_code_not_in_execute_path" => "code_not_reachable",
        "vulnerable_code_cannot_be_controlled_by_adversary" => "requires_environment",
        _ => "protected_by_mitigating_control",
    }
}

/// The CycloneDX `analysis` of a decision.
fn cdx_analysis(d: &TriageDecision) -> Value {
    let (state, justification, response) = match d.status {
        IssueStatus::NotAffected => (
            "not_affected",
            Some(cdx_justification(d.justification.as_deref().unwrap_or(""))),
            None,
        ),
        IssueStatus::FalsePositive => ("false_positive", None, None),
        IssueStatus::Mitigated if d.vex_status == Some(VexStatus::Fixed) => {
            ("resolved", None, None)
        }
        IssueStatus::Mitigated => (
            "not_affected",
            Some("protected_by_mitigating_control"),
            None,
        ),
        IssueStatus::RiskAccepted => ("exploitable", None, Some("will_not_fix")),
        _ if d.vex_status == Some(VexStatus::UnderInvestigation) => ("in_triage", None, None),
        _ => ("exploitable", None, None),
    };
    let mut a = json!({
        "state": state,
        "detail": d.reason,
        "firstIssued": rfc3339(d.at),
        "lastUpdated": rfc3339(d.at),
    });
    if let Some(j) = justification {
        a["justification"] = json!(j);
    }
    if let Some(r) = response {
        a["response"] = json!([r]);
    }
    a
}

/// Writes `entries` about `application` as a VEX document dated `now`.
pub fn write(
    format: VexOutFormat,
    application: &str,
    entries: &[Entry],
    now: OffsetDateTime,
) -> Value {
    match format {
        VexOutFormat::OpenVex => {
            let statements: Vec<Value> = entries
                .iter()
                .map(|e| {
                    let (status, justification, impact, action) = openvex_status(&e.decision);
                    let mut s = json!({
                        "vulnerability": {"name": e.vulnerability},
                        "products": [{"@id": e.product}],
                        "status": status,
                        "timestamp": rfc3339(e.decision.at),
                    });
                    if !e.aliases.is_empty() {
                        s["vulnerability"]["aliases"] = json!(e.aliases);
                    }
                    if let Some(j) = justification {
                        s["justification"] = json!(j);
                    }
                    if let Some(i) = impact {
                        s["impact_statement"] = json!(i);
                    }
                    if let Some(a) = action {
                        s["action_statement"] = json!(a);
                    }
                    s
                })
                .collect();
            json!({
                "@context": "https://openvex.dev/ns/v0.2.0",
                "@id": format!("urn:rampart:vex:{application}:{}", now.unix_timestamp()),
                "author": "Rampart",
                "role": "Document Creator",
                "timestamp": rfc3339(now),
                "version": 1,
                "statements": statements,
            })
        }
        VexOutFormat::CycloneDx => {
            let vulns: Vec<Value> = entries
                .iter()
                .map(|e| {
                    let mut v = json!({
                        "id": e.vulnerability,
                        "analysis": cdx_analysis(&e.decision),
                        "affects": [{"ref": e.product}],
                    });
                    if !e.aliases.is_empty() {
                        v["references"] = json!(
                            e.aliases
                                .iter()
                                .map(|a| json!({"id": a, "source": {"name": "alias"}}))
                                .collect::<Vec<_>>()
                        );
                    }
                    v
                })
                .collect();
            json!({
                "bomFormat": "CycloneDX",
                "specVersion": "1.6",
                "version": 1,
                "metadata": {
                    "timestamp": rfc3339(now),
                    "tools": {"components": [{"type": "application", "name": "rampart"}]},
                    "component": {"type": "application", "name": application, "bom-ref": application},
                },
                "vulnerabilities": vulns,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ParseContext, vex};
    use time::macros::datetime;

    fn decision(status: IssueStatus, justification: Option<&str>) -> TriageDecision {
        TriageDecision {
            id: 1,
            issue_id: 7,
            status,
            prior_status: IssueStatus::Open,
            actor: "alice".into(),
            at: datetime!(2026-11-01 10:00 UTC),
            reason: "checked".into(),
            approver: Some("bob".into()),
            expires_at: Some(datetime!(2027-01-01 0:00 UTC)),
            justification: justification.map(String::from),
            vex_status: None,
            ended_at: None,
            ended_how: None,
        }
    }

    fn entries() -> Vec<Entry> {
        let e = |status, j: Option<&str>, n: &str| Entry {
            vulnerability: format!("CVE-2026-{n}"),
            aliases: vec![format!("GHSA-{n}")],
            product: format!("pkg:npm/p{n}@1.0.0"),
            decision: decision(status, j),
        };
        vec![
            e(
                IssueStatus::NotAffected,
                Some("vulnerable_code_not_in_execute_path"),
                "1",
            ),
            e(IssueStatus::FalsePositive, None, "2"),
            e(IssueStatus::Mitigated, None, "3"),
            e(IssueStatus::RiskAccepted, None, "4"),
        ]
    }

    /// What we write, read back by our own VEX reader, says what was decided.
    #[test]
    fn round_trips_through_the_reader() {
        let now = datetime!(2026-11-27 12:00 UTC);
        for (format, expected) in [
            (
                VexOutFormat::OpenVex,
                [
                    VexStatus::NotAffected,
                    VexStatus::NotAffected,
                    VexStatus::NotAffected,
                    VexStatus::Affected,
                ],
            ),
            (
                VexOutFormat::CycloneDx,
                [
                    VexStatus::NotAffected,
                    VexStatus::FalsePositive,
                    VexStatus::NotAffected,
                    VexStatus::Affected,
                ],
            ),
        ] {
            let doc = write(format, "shop", &entries(), now);
            let bytes = serde_json::to_vec(&doc).unwrap();
            let back = vex::parse(&bytes, &ParseContext::new("out.json", Vec::new())).unwrap();
            let statuses: Vec<VexStatus> = back.statements.iter().map(|s| s.status).collect();
            assert_eq!(statuses, expected, "{format:?}");
            assert_eq!(back.statements[0].vulnerability, "CVE-2026-1");
            assert_eq!(back.statements[0].products[0], "pkg:npm/p1@1.0.0");
            if format == VexOutFormat::OpenVex {
                assert_eq!(back.statements[0].aliases, ["GHSA-1"]);
                assert_eq!(
                    back.statements[0].justification.as_deref(),
                    Some("vulnerable_code_not_in_execute_path")
                );
                assert_eq!(
                    back.statements[0].timestamp,
                    Some(datetime!(2026-11-01 10:00 UTC))
                );
                assert!(
                    back.statements[3]
                        .detail
                        .as_deref()
                        .unwrap()
                        .contains("until 2027-01-01")
                );
            } else {
                assert_eq!(
                    back.statements[0].justification.as_deref(),
                    Some("code_not_reachable")
                );
            }
        }
    }
}
