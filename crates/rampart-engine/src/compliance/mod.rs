//! Compliance mapping: which evidence Rampart holds for the controls of SOC 2, PCI DSS 4.0,
//! the HIPAA Security Rule, GDPR, NIST SSDF, the OWASP Top 10 2021 and OWASP ASVS 4.0.
//!
//! The mapping is data: `data/compliance/frameworks.yaml` (controls → evidence requirements,
//! tools → coverage kinds) and `data/compliance/cwe-map.tsv` (CWE → OWASP Top 10 2021 category
//! and ASVS 4.0 requirements, derived by `scripts/gen-compliance-cwe.py` from MITRE CWE v4.14 and
//! DefectDojo's ASVS fixtures). [`weakness`] classifies issues; [`evaluate`] judges one
//! application's facts against a framework's controls (pass / gap, with the evidence).
//! `docs/compliance.md` documents both files. Pure: no IO, no clock.

pub mod evaluate;
pub mod weakness;

pub use evaluate::{
    AppCompliance, AppFacts, ComplianceReport, ControlResult, EvidenceItem, EvidenceResult,
    OpenIssue, PolicyOutcome, ToolCoverage, Verdict, evaluate_app, report,
};
pub use weakness::{asvs_chapter, asvs_of, owasp_of};

use rampart_model::{FindingKind, Severity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

const FRAMEWORKS_YAML: &str = include_str!("../../data/compliance/frameworks.yaml");

/// A kind of security testing an application can be covered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ToolKind {
    /// Static analysis of first-party code.
    Sast,
    /// Software composition analysis (dependencies, SBOMs).
    Sca,
    /// Secret scanning.
    Secrets,
    /// Infrastructure-as-code and configuration scanning.
    Iac,
    /// Dynamic testing of the running application.
    Dast,
    /// Container image scanning (operating-system packages).
    Container,
}

impl ToolKind {
    /// Every kind.
    pub const ALL: [ToolKind; 6] = [
        ToolKind::Sast,
        ToolKind::Sca,
        ToolKind::Secrets,
        ToolKind::Iac,
        ToolKind::Dast,
        ToolKind::Container,
    ];

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ToolKind::Sast => "sast",
            ToolKind::Sca => "sca",
            ToolKind::Secrets => "secrets",
            ToolKind::Iac => "iac",
            ToolKind::Dast => "dast",
            ToolKind::Container => "container",
        }
    }

    /// The coverage a stored finding of `kind` shows its tool provides (`os_package`: a
    /// dependency finding on a distribution package, which a container scan makes).
    pub fn of_finding(kind: FindingKind, os_package: bool) -> ToolKind {
        match kind {
            FindingKind::Code => ToolKind::Sast,
            FindingKind::Secret => ToolKind::Secrets,
            FindingKind::Iac => ToolKind::Iac,
            FindingKind::Web => ToolKind::Dast,
            FindingKind::Dependency if os_package => ToolKind::Container,
            FindingKind::Dependency | FindingKind::License => ToolKind::Sca,
        }
    }
}

impl fmt::Display for ToolKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which applications a framework applies to.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// Catalog data tags (any of them) that put an application in scope.
    #[serde(default)]
    pub data_tags: Vec<String>,
}

/// Selects open issues: every selector given must match (a selector lists alternatives); at
/// most `max` may.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueSelector {
    /// OWASP Top 10 2021 categories (`A03`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owasp: Vec<String>,
    /// ASVS 4.0 chapters (`V5`) or requirements (`5.3.4`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub asvs: Vec<String>,
    /// CWE numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cwes: Vec<u32>,
    /// Finding kinds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<FindingKind>,
    /// Severities.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severities: Vec<Severity>,
    /// How many matching open issues are tolerated.
    #[serde(default)]
    pub max: u32,
}

/// One piece of evidence a control asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Requirement {
    /// Every kind scanned in the last `within_days` days.
    ScanCoverage {
        /// The kinds.
        kinds: Vec<ToolKind>,
        /// How recent the scan must be.
        within_days: u32,
    },
    /// At most `max` open issues match.
    OpenIssues(IssueSelector),
    /// At most `max_breached` active issues (of these severities / kinds) are past due.
    SlaAdherence {
        /// Severities (empty: all).
        #[serde(default)]
        severities: Vec<Severity>,
        /// Kinds (empty: all).
        #[serde(default)]
        kinds: Vec<FindingKind>,
        /// How many breaches are tolerated.
        #[serde(default)]
        max_breached: u32,
    },
    /// The named policy passed for the application.
    Policy {
        /// Policy name.
        name: String,
    },
}

/// One control of a framework.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Control {
    /// The framework's id for it (`6.3.3`, `CC7.1`, `A03`).
    pub id: String,
    /// What it asks, in short.
    pub title: String,
    /// The evidence that shows it is met (all must pass).
    pub evidence: Vec<Requirement>,
}

/// A compliance framework.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    /// Rampart's id (`pci-dss`).
    pub id: String,
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Which applications it applies to.
    #[serde(default)]
    pub scope: Scope,
    /// Controls.
    pub controls: Vec<Control>,
}

/// The mapping file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// Coverage kinds by tool name (lower-case).
    pub tools: BTreeMap<String, Vec<ToolKind>>,
    /// Frameworks.
    pub frameworks: Vec<Framework>,
}

static MAPPING: OnceLock<Result<Mapping, String>> = OnceLock::new();

/// The mapping compiled into the binary (`data/compliance/frameworks.yaml`). An error only if
/// that file does not parse, which a unit test rules out.
pub fn mapping() -> Result<&'static Mapping, String> {
    MAPPING
        .get_or_init(|| {
            // Evidence items are written `kind: {...}` (a one-key map), not as YAML tags.
            yaml_serde::with::singleton_map_recursive::deserialize(
                yaml_serde::Deserializer::from_str(FRAMEWORKS_YAML),
            )
            .map_err(|e| format!("data/compliance/frameworks.yaml: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// The framework with id `id` (or a known alias: `pci`, `soc-2`, `ssdf`, `owasp`,
/// `top10`); the error lists the ids.
pub fn framework(id: &str) -> Result<&'static Framework, String> {
    let m = mapping()?;
    let want = id.trim().to_ascii_lowercase().replace(['_', ' '], "-");
    let want = match want.as_str() {
        "pci" | "pcidss" | "pci-dss-4" | "pci-dss-4.0" => "pci-dss",
        "soc-2" | "soc2-type2" => "soc2",
        "ssdf" | "nist" | "sp-800-218" => "nist-ssdf",
        "owasp" | "top10" | "owasp-top-10" | "owasp-top10-2021" => "owasp-top10",
        "asvs4" | "asvs-4" | "owasp-asvs" => "asvs",
        w => w,
    };
    m.frameworks.iter().find(|f| f.id == want).ok_or_else(|| {
        format!(
            "unknown framework `{id}`: expected one of {}",
            m.frameworks
                .iter()
                .map(|f| f.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// The coverage kinds the mapping gives tool `tool` (empty when it has none).
pub fn tool_kinds(tool: &str) -> &'static [ToolKind] {
    mapping()
        .ok()
        .and_then(|m| m.tools.get(&tool.to_ascii_lowercase()))
        .map_or(&[], Vec::as_slice)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mapping_parses_and_names_the_issue_controls() {
        let m = mapping().unwrap();
        let ids: Vec<&str> = m.frameworks.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "soc2",
                "pci-dss",
                "hipaa",
                "gdpr",
                "nist-ssdf",
                "owasp-top10",
                "asvs"
            ]
        );
        let has = |f: &str, c: &str| {
            framework(f)
                .unwrap()
                .controls
                .iter()
                .any(|x| x.id == c && !x.evidence.is_empty())
        };
        for (f, c) in [
            ("soc2", "CC7.1"),
            ("soc2", "CC8.1"),
            ("pci", "6.2.4"),
            ("pci-dss", "6.3.1"),
            ("pci-dss", "6.3.3"),
            ("pci-dss", "11.3.1"),
            ("hipaa", "164.308(a)(1)(ii)(A)"),
            ("hipaa", "164.308(a)(1)(ii)(B)"),
            ("hipaa", "164.312(a)(1)"),
            ("gdpr", "Art. 25"),
            ("gdpr", "Art. 32"),
            ("ssdf", "PW.7"),
            ("ssdf", "PW.8"),
            ("ssdf", "RV.1"),
            ("owasp", "A03"),
            ("asvs", "V5"),
        ] {
            assert!(has(f, c), "{f} {c}");
        }
        assert_eq!(framework("owasp").unwrap().controls.len(), 10);
        assert_eq!(framework("asvs").unwrap().controls.len(), 14);
        let e = framework("iso27001").unwrap_err();
        assert!(e.contains("expected one of soc2, pci-dss"), "{e}");
        assert_eq!(tool_kinds("Semgrep"), [ToolKind::Sast]);
        assert!(
            tool_kinds("trivy").is_empty(),
            "trivy's kinds come from its findings"
        );
        // Every OWASP / ASVS selector names a category the CWE table knows.
        for f in &m.frameworks {
            for c in &f.controls {
                for r in &c.evidence {
                    if let Requirement::OpenIssues(select) = r {
                        for o in &select.owasp {
                            assert!(weakness::known_owasp(o), "{} {}: {o}", f.id, c.id);
                        }
                        for a in &select.asvs {
                            assert!(weakness::known_asvs(a), "{} {}: {a}", f.id, c.id);
                        }
                    }
                }
            }
        }
    }
}
