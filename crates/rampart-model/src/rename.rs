//! The contract of the rename pass (logic in `rampart-engine::rename`): what the store hands
//! over about an observation, and the pairs it gets back.

use crate::identity::content_evidence;
use crate::location::Location;
use crate::observation::Observation;

/// One observation taking part in the rename pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenameCandidate {
    /// Observation row id.
    pub observation: i64,
    /// Issue row id.
    pub issue: i64,
    /// Tool.
    pub tool: String,
    /// Rule.
    pub rule: String,
    /// File path.
    pub path: String,
    /// Start line.
    pub line: Option<u32>,
    /// Content evidence (may be empty).
    pub content: String,
}

impl RenameCandidate {
    /// The candidate for a stored observation, when it has a file.
    pub fn of(observation: i64, issue: i64, obs: &Observation) -> Option<RenameCandidate> {
        let path = match &obs.location {
            Location::Resource(r) => r.file.clone()?,
            other => other.file()?.to_string(),
        };
        Some(RenameCandidate {
            observation,
            issue,
            tool: obs.tool.name.clone(),
            rule: obs.rule_id.clone(),
            path,
            line: obs.location.line(),
            content: content_evidence(obs),
        })
    }

    /// `path:line`, or the path alone.
    pub fn place(&self) -> String {
        match self.line {
            Some(l) => format!("{}:{l}", self.path),
            None => self.path.clone(),
        }
    }
}

/// A fresh observation that is an old issue in a renamed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenamePair {
    /// The fresh observation.
    pub observation: i64,
    /// The issue it opened (to be dropped).
    pub new_issue: i64,
    /// The issue it continues.
    pub old_issue: i64,
    /// `moved from a.py:42 to b.py:42 (renamed file, same ...)`.
    pub detail: String,
}
