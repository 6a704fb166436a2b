//! The IaC check-equivalence model: which property of which kind of resource a check tests,
//! shared by every tool (`data/check-equivalence.json`, ours). Checkov `CKV_AWS_19`, Trivy
//! `AWS-0088` and tfsec `aws-s3-enable-bucket-encryption` all test S3 server-side encryption.

use rampart_model::Observation;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::OnceLock;

const CHECKS_JSON: &str = include_str!("../data/check-equivalence.json");

#[derive(Deserialize)]
struct ChecksFile {
    properties: Vec<PropertyEntry>,
}

#[derive(Deserialize)]
struct PropertyEntry {
    property: String,
    checks: HashMap<String, Vec<String>>,
}

/// Normalized check id → property (tool-independent: ids of different tools never clash).
static TABLE: OnceLock<HashMap<String, String>> = OnceLock::new();

fn table() -> &'static HashMap<String, String> {
    TABLE.get_or_init(|| {
        let file: ChecksFile = serde_json::from_str(CHECKS_JSON).unwrap_or(ChecksFile {
            properties: Vec::new(),
        });
        let mut out = HashMap::new();
        for p in file.properties {
            for ids in p.checks.values() {
                for id in ids {
                    out.insert(normalize_check_id(id), p.property.clone());
                }
            }
        }
        out
    })
}

/// A check id in comparable form: upper case, `AVD-` dropped, dashes and underscores dropped,
/// leading zeros of a trailing number dropped (`AVD-DS-0026` → `DS26`, `CKV_AWS_19` →
/// `CKVAWS19`).
pub fn normalize_check_id(id: &str) -> String {
    let up = id.trim().to_ascii_uppercase();
    let up = up.strip_prefix("AVD-").unwrap_or(&up);
    let squashed: String = up.chars().filter(|c| *c != '-' && *c != '_').collect();
    let digits = squashed
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .count();
    if digits == 0 || digits == squashed.len() {
        return squashed;
    }
    let (head, num) = squashed.split_at(squashed.len() - digits);
    let num = num.trim_start_matches('0');
    format!("{head}{}", if num.is_empty() { "0" } else { num })
}

/// The property an IaC check tests, when the equivalence table lists it.
pub fn check_property(rule_id: &str) -> Option<&'static str> {
    table()
        .get(&normalize_check_id(rule_id))
        .map(String::as_str)
}

/// The property class of an IaC observation: the table's property, else the tool's own
/// check (`check:checkov:CKVDOCKER9`), with the evidence.
pub fn iac_class(obs: &Observation) -> (String, String) {
    match check_property(&obs.rule_id) {
        Some(p) => (
            p.to_string(),
            format!(
                "check-equivalence: {} {} checks {p}",
                obs.tool.name, obs.rule_id
            ),
        ),
        None => (
            format!(
                "check:{}:{}",
                obs.tool.name,
                normalize_check_id(&obs.rule_id)
            ),
            "own check".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_normalize_across_spellings() {
        assert_eq!(normalize_check_id("AVD-DS-0026"), "DS26");
        assert_eq!(normalize_check_id("DS026"), "DS26");
        assert_eq!(normalize_check_id("ds-0026"), "DS26");
        assert_eq!(normalize_check_id("CKV_AWS_19"), "CKVAWS19");
        assert_eq!(normalize_check_id("CKV_AWS_145"), "CKVAWS145");
    }

    #[test]
    fn equivalent_checks_share_a_property_and_different_ones_do_not() {
        let file: ChecksFile = serde_json::from_str(CHECKS_JSON).unwrap();
        assert!(file.properties.len() >= 20);
        assert_eq!(check_property("CKV_AWS_19"), check_property("AWS-0088"));
        assert_eq!(
            check_property("AVD-AWS-0088"),
            check_property("aws-s3-enable-bucket-encryption")
        );
        assert_eq!(check_property("CKV_DOCKER_2"), check_property("DS-0026"));
        assert_ne!(check_property("CKV_DOCKER_2"), check_property("DS-0002"));
        assert_ne!(check_property("CKV_AWS_19"), check_property("CKV_AWS_21"));
        assert_eq!(check_property("CKV_DOCKER_999"), None);
    }
}
