//! Correlation: which issue each observation of a report belongs to.
//!
//! Every observation first gets its own identity key within a target
//! ([`rampart_model::identity_key`]; two observations of one report by one tool with the same
//! basis are told apart by occurrence, in report order: the second gets `#2`). Then it is
//! paired, in passes, with what the application already knows (the *prior* index, loaded once
//! per ingest) and with what this report said before it:
//!
//! 1. **exact key**: its own key was seen before: the issue that observation went to (so a
//!    merge, once made, holds on every rescan, wherever the code moved inside the file);
//! 2. **location and class**: an earlier observation at the same site with a compatible
//!    anchor ([`crate::pairing`]: same weakness class / checked property / secret span /
//!    vulnerability alias, same line or statement span): that observation's issue;
//! 3. otherwise its own key names a new issue.
//!
//! The observation is stored under the issue's key, with a [`CorrelationNote`] in its JSON
//! that says which pass merged it and on what evidence. (A file renamed with its content is
//! the store's pass at the end of the ingest: see [`crate::rename`].)

use crate::pairing::{Anchor, anchor_of, pair_evidence};
use crate::weakness::weakness_class;
use rampart_model::identity::{identity_key, normalize_url};
use rampart_model::{FindingKind, IdentityKey, KeyedObservation, Location, Observation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Why an observation belongs to an issue whose key is not its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Merge {
    /// `location` (paired at the same place), `earlier` (its key was merged before) or
    /// `rename` (its file was renamed with the same findings).
    pub pass: String,
    /// The evidence, in words.
    pub evidence: Vec<String>,
}

/// What correlation recorded about an observation; stored in its JSON as `correlation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrelationNote {
    /// The observation's own identity key (hex).
    pub own_key: String,
    /// What that key was built from, up to its first field (`code`, `secret`, `dep` ...).
    pub basis: String,
    /// What it offers for pairing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor: Option<Anchor>,
    /// How it joined an issue of another key; `None` when its own key names its issue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged: Option<Merge>,
}

/// One earlier observation of the application, as the store hands it back: the key of the
/// issue it belongs to and its correlation note.
#[derive(Debug, Clone)]
pub struct PriorObservation {
    /// The issue's key (hex).
    pub issue_key: String,
    /// The note stored with the observation.
    pub note: CorrelationNote,
}

#[derive(Serialize)]
struct Noted<'a> {
    #[serde(flatten)]
    observation: &'a Observation,
    correlation: &'a CorrelationNote,
}

/// Assigns issue keys to the observations of one report, in report order.
#[derive(Debug, Default)]
pub struct Correlator {
    target: String,
    /// Occurrences per (tool, basis), keyed by a 128-bit hash of both: a million-result
    /// report keeps 24 bytes per entry, not two strings.
    seen: HashMap<u128, u32>,
    /// Own key → (issue key, how it was merged).
    own: HashMap<String, (String, Option<Merge>)>,
    /// Site → anchors seen there, with their issue keys.
    anchors: HashMap<String, Vec<(Anchor, String)>>,
}

impl Correlator {
    /// A correlator for one report on `target` of an application that knows nothing yet.
    pub fn new(target: impl Into<String>) -> Self {
        Correlator {
            target: target.into(),
            ..Default::default()
        }
    }

    /// A correlator for one report on `target`, pairing with the application's earlier
    /// observations.
    pub fn with_prior(target: impl Into<String>, prior: Vec<PriorObservation>) -> Self {
        let mut c = Correlator::new(target);
        for p in prior {
            c.remember(
                p.note.own_key.clone(),
                p.issue_key,
                p.note.merged,
                p.note.anchor,
            );
        }
        c
    }

    fn remember(
        &mut self,
        own: String,
        issue: String,
        merged: Option<Merge>,
        anchor: Option<Anchor>,
    ) {
        if let Some(a) = anchor {
            let list = self.anchors.entry(a.site.clone()).or_default();
            if !list.iter().any(|(x, i)| x == &a && i == &issue) {
                list.push((a, issue.clone()));
            }
        }
        self.own.entry(own).or_insert((issue, merged));
    }

    /// The best earlier anchor `anchor` pairs with: its issue key and the evidence.
    fn pair(&self, anchor: &Anchor) -> Option<(String, Vec<String>)> {
        let list = self.anchors.get(&anchor.site)?;
        let mut best: Option<(u32, &String, Vec<String>)> = None;
        for (old, issue) in list {
            if let Some((score, why)) = pair_evidence(anchor, old) {
                if best.as_ref().is_none_or(|(s, _, _)| score < *s) {
                    best = Some((score, issue, why));
                }
            }
        }
        best.map(|(_, issue, why)| (issue.clone(), why))
    }

    /// Keys, notes, hashes and serializes one observation.
    pub fn key(&mut self, observation: Observation) -> KeyedObservation {
        let base = match (&observation.kind, &observation.location) {
            // Web findings: the weakness class rather than the tool's CWE, so that scanners
            // that name one weakness by neighbouring CWEs (79 / 80) agree.
            (FindingKind::Web, Location::Web(w)) => IdentityKey::from_basis(format!(
                "web|{}|{}|{}|{}|{}",
                self.target,
                w.method.as_deref().unwrap_or("GET").to_ascii_uppercase(),
                normalize_url(&w.url),
                w.parameter.as_deref().unwrap_or(""),
                weakness_class(&observation).name
            )),
            _ => identity_key(&self.target, &observation),
        };
        let n = self
            .seen
            .entry(occurrence_key(&observation.tool.name, &base.hex))
            .and_modify(|n| *n += 1)
            .or_insert(1);
        let own = base.with_occurrence(*n);
        let anchor = anchor_of(&observation);
        let (issue, merged) = match self.own.get(&own.hex) {
            Some((issue, merged)) => (issue.clone(), merged.clone()),
            None => match anchor.as_ref().and_then(|a| self.pair(a)) {
                Some((issue, evidence)) => (
                    issue,
                    Some(Merge {
                        pass: "location".into(),
                        evidence,
                    }),
                ),
                None => (own.hex.clone(), None),
            },
        };
        let merged = merged.filter(|_| issue != own.hex);
        self.remember(
            own.hex.clone(),
            issue.clone(),
            merged.clone(),
            anchor.clone(),
        );
        let note = CorrelationNote {
            own_key: own.hex.clone(),
            basis: own.basis.split('|').next().unwrap_or("").to_string(),
            anchor,
            merged,
        };
        let json = serde_json::to_string(&Noted {
            observation: &observation,
            correlation: &note,
        })
        .unwrap_or_else(|_| "{}".into());
        let key = IdentityKey {
            basis: own.basis,
            hex: issue,
        };
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

/// Reads the correlation note out of a stored observation's JSON, if it has one.
pub fn note_of(json: &str) -> Option<CorrelationNote> {
    #[derive(Deserialize)]
    struct Only {
        correlation: Option<CorrelationNote>,
    }
    serde_json::from_str::<Only>(json).ok()?.correlation
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
    use rampart_model::{CodeLocation, WebLocation};

    #[test]
    fn web_findings_meet_by_weakness_class_and_normalized_url() {
        let web = |tool: &str, url: &str, cwe: u32| {
            let mut o = Observation::new(
                tool,
                FindingKind::Web,
                "x",
                "t",
                Location::Web(WebLocation {
                    url: url.into(),
                    method: Some("get".into()),
                    parameter: Some("q".into()),
                }),
            );
            o.cwes = vec![cwe];
            o
        };
        let mut c = Correlator::new("site");
        let zap = c.key(web("zap", "HTTP://Shop.example:80/items/17?q=1&b=2", 79));
        let burp = c.key(web("burp", "http://shop.example/items/99?b=&q=x", 80));
        let sqli = c.key(web("burp", "http://shop.example/items/99?b=&q=x", 89));
        assert_eq!(zap.key.hex, burp.key.hex);
        assert_ne!(zap.key.hex, sqli.key.hex);
    }

    fn obs(tool: &str, rule: &str, line: u32) -> Observation {
        Observation::new(
            tool,
            FindingKind::Code,
            rule,
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
        let a = c.key(obs("semgrep", "r1", 10));
        let b = c.key(obs("semgrep", "r1", 20));
        assert_ne!(a.key, b.key);
        // A rescan with both moved by 5 lines keeps both keys; the content hash changes.
        let mut c2 = Correlator::new("repo");
        let a2 = c2.key(obs("semgrep", "r1", 15));
        let b2 = c2.key(obs("semgrep", "r1", 25));
        assert_eq!((a.key.clone(), b.key.clone()), (a2.key, b2.key));
        assert_ne!(a.hash, a2.hash);
        // Occurrences are counted per tool.
        let mut c3 = Correlator::new("repo");
        c3.key(obs("bandit", "r1", 1));
        assert_eq!(c3.key(obs("semgrep", "r1", 1)).key, a.key);
    }

    #[test]
    fn cross_tool_merge_holds_after_a_line_shift() {
        let mut c = Correlator::new("repo");
        let b = c.key(obs("bandit", "B608", 19));
        let s = c.key(obs("semgrep", "formatted-sql-query", 19));
        let other = c.key(obs("semgrep", "request-with-http", 19));
        assert_eq!(b.key.hex, s.key.hex);
        assert_ne!(b.key.hex, other.key.hex);
        let note = note_of(&s.json).unwrap();
        assert_eq!(note.merged.as_ref().unwrap().pass, "location");
        assert!(note_of(&b.json).unwrap().merged.is_none());
        // A rescan by semgrep alone, 7 lines further down: its own key finds the merge.
        let prior = [&b, &s, &other]
            .iter()
            .map(|k| PriorObservation {
                issue_key: k.key.hex.clone(),
                note: note_of(&k.json).unwrap(),
            })
            .collect();
        let mut c2 = Correlator::with_prior("repo", prior);
        let s2 = c2.key(obs("semgrep", "formatted-sql-query", 26));
        assert_eq!(s2.key.hex, b.key.hex);
    }
}
