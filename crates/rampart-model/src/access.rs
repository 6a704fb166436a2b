//! Who is asking, and what they may see: the vocabulary of access control.
//!
//! Teams own applications (the catalog's `team`). A caller sees the applications of its teams
//! and nothing else, unless it is an administrator. The store takes a [`TeamScope`] on every
//! read and filters in SQL; no caller ever filters rows after fetching them.

use serde::{Deserialize, Serialize};

/// The applications a caller may see. The default, `All`, is what local CLI use sees; the
/// server always sets the caller's scope.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TeamScope {
    /// Every application (administrators and local CLI use).
    #[default]
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

impl Role {
    /// Every role, least first.
    pub const ALL: [Role; 4] = [Role::Ingest, Role::Read, Role::Triage, Role::Admin];

    /// The stored and displayed name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Ingest => "ingest",
            Role::Read => "read",
            Role::Triage => "triage",
            Role::Admin => "admin",
        }
    }

    /// The role named `s` (as [`Role::as_str`] spells it).
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
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

    #[test]
    fn roles_round_trip_and_order() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
        assert!(
            Role::Ingest < Role::Read && Role::Read < Role::Triage && Role::Triage < Role::Admin
        );
    }
}
