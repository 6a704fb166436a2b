//! Who is asking, and what they may see: the vocabulary of access control.
//!
//! Teams own applications (the catalog's `team`). A caller sees the applications of its teams
//! and nothing else, unless it is an administrator. The store takes a [`TeamScope`] on every
//! read and filters in SQL; no caller ever filters rows after fetching them.

use serde::{Deserialize, Serialize};

/// The applications a caller may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TeamScope {
    /// Every application (administrators and local CLI use).
    All,
    /// Only applications owned by one of these teams. Empty: nothing at all.
    Teams(Vec<String>),
}

impl TeamScope {
    /// Whether an application owned by `team` (None: no owner recorded) is visible.
    pub fn allows(&self, team: Option<&str>) -> bool {
        match self {
            TeamScope::All => true,
            TeamScope::Teams(teams) => team.is_some_and(|t| teams.iter().any(|x| x == t)),
        }
    }
}

/// What a caller may do. Ordered: each role may do what the ones before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Upload scans only (CI tokens).
    Ingest,
    /// Read issues, applications, components and metrics.
    Read,
    /// Read, and record triage decisions.
    Triage,
    /// Everything, including users, tokens and teams, across all teams.
    Admin,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_filters_by_team() {
        let scope = TeamScope::Teams(vec!["payments".into()]);
        assert!(scope.allows(Some("payments")));
        assert!(!scope.allows(Some("identity")));
        assert!(!scope.allows(None));
        assert!(TeamScope::All.allows(None));
        assert!(!TeamScope::Teams(vec![]).allows(Some("payments")));
    }
}
