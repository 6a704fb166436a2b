//! Correlation v1: every observation gets its identity key within a target; observations with
//! the same key (from any tool, in any scan of the application) are one issue.
//!
//! Two observations of one report by one tool that share a basis (for example two identical
//! findings of one rule in one file, where the tool quoted no distinguishing code) are told
//! apart by occurrence, in report order: the second gets `#2`. Report order is stable across
//! rescans of moved code, so the occurrence number is too.

use rampart_model::identity::identity_key;
use rampart_model::{KeyedObservation, Observation};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Assigns identity keys to the observations of one report, in report order.
#[derive(Debug, Default)]
pub struct Correlator {
    target: String,
    /// Occurrences per (tool, basis), keyed by a 128-bit hash of both: a million-result
    /// report keeps 24 bytes per entry, not two strings.
    seen: HashMap<u128, u32>,
}

impl Correlator {
    /// A correlator for one report on `target`.
    pub fn new(target: impl Into<String>) -> Self {
        Correlator {
            target: target.into(),
            seen: HashMap::new(),
        }
    }

    /// Keys, hashes and serializes one observation.
    pub fn key(&mut self, observation: Observation) -> KeyedObservation {
        let base = identity_key(&self.target, &observation);
        let n = self
            .seen
            .entry(occurrence_key(&observation.tool.name, &base.hex))
            .and_modify(|n| *n += 1)
            .or_insert(1);
        let key = base.with_occurrence(*n);
        let json = serde_json::to_string(&observation).unwrap_or_else(|_| "{}".into());
        let mut h = Sha256::new();
        h.update(key.hex.as_bytes());
        h.update(json.as_bytes());
        let digest = h.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        KeyedObservation {
            observation,
            key,
            hash: i64::from_le_bytes(first),
            json,
        }
    }
}

/// 128 bits of SHA-256 over the tool name and the basis hash.
fn occurrence_key(tool: &str, hex: &str) -> u128 {
    let mut h = Sha256::new();
    h.update(tool.as_bytes());
    h.update([0u8]);
    h.update(hex.as_bytes());
    let digest = h.finalize();
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    u128::from_le_bytes(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_model::{CodeLocation, FindingKind, Location};

    fn obs(tool: &str, line: u32) -> Observation {
        Observation::new(
            tool,
            FindingKind::Code,
            "r1",
            "t",
            Location::Code(CodeLocation {
                path: "a.py".into(),
                start_line: Some(line),
                ..Default::default()
            }),
        )
    }

    #[test]
    fn occurrences_in_report_order() {
        let mut c = Correlator::new("repo");
        let a = c.key(obs("semgrep", 10));
        let b = c.key(obs("semgrep", 20));
        assert_ne!(a.key, b.key);
        // A rescan with both moved by 5 lines keeps both keys; the content hash changes.
        let mut c2 = Correlator::new("repo");
        let a2 = c2.key(obs("semgrep", 15));
        let b2 = c2.key(obs("semgrep", 25));
        assert_eq!((a.key.clone(), b.key.clone()), (a2.key, b2.key));
        assert_ne!(a.hash, a2.hash);
        // Occurrences are counted per tool.
        let mut c3 = Correlator::new("repo");
        c3.key(obs("bandit", 1));
        assert_eq!(c3.key(obs("semgrep", 1)).key, a.key);
    }
}
