//! Correlation v1: every observation gets its identity key within a target; observations with
//! the same key (from any tool, in any scan of the application) are one issue.
//!
//! Two observations of one report by one tool that share a basis (for example two identical
//! findings of one rule in one file, where the tool quoted no distinguishing code) are told
//! apart by occurrence, in report order: the second gets `#2`. Report order is stable across
//! rescans of moved code, so the occurrence number is too.

use rampart_model::identity::identity_key;
use rampart_model::{KeyedObservation, Observation};
use std::collections::HashMap;
use xxhash_rust::xxh3::{Xxh3, xxh3_128};

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
        KeyedObservation {
            observation,
            hash: content_hash(&key.hex, &json),
            key,
            json,
        }
    }
}

/// The content hash of a keyed observation: 64-bit XXH3 over the key and the serialized
/// observation. It only tells "the same statement again" from "a different one" within one
/// stream (no adversary gains from a collision: the worst case is a statement treated as
/// unchanged), so a fast non-cryptographic hash does; XXH3 is specified and stable across
/// versions, so stored hashes stay comparable.
pub fn content_hash(key_hex: &str, json: &str) -> i64 {
    let mut h = Xxh3::new();
    h.update(key_hex.as_bytes());
    h.update(json.as_bytes());
    h.digest() as i64
}

/// 128-bit XXH3 over the tool name and the basis hash (an in-memory counter key only).
fn occurrence_key(tool: &str, hex: &str) -> u128 {
    let mut buf = Vec::with_capacity(tool.len() + 1 + hex.len());
    buf.extend_from_slice(tool.as_bytes());
    buf.push(0);
    buf.extend_from_slice(hex.as_bytes());
    xxh3_128(&buf)
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
