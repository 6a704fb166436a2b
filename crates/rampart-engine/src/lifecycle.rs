//! Issue lifecycle: what a rescan does to an issue's status.
//!
//! - An observation with an unknown identity creates an issue: **new**, status `open`.
//! - An observation of an `open` or `reopened` issue: **unchanged**.
//! - An observation of a `fixed` issue: **reopened**.
//! - An observation of a triaged issue (false positive, risk accepted, not affected,
//!   mitigated): the triage holds, the issue counts as **unchanged** (the decision is applied
//!   again to the same identity).
//! - An issue that no tool reports any more on any stream: **fixed** when it was active;
//!   triaged issues keep their triage state.
//! - A file renamed with its findings keeps its issues ([`crate::rename`]).

use rampart_model::IssueStatus;
pub use rampart_model::lifecycle::{Lifecycle, SeenTransition};
use rampart_model::rename::{RenameCandidate, RenamePair};

/// Rampart's default lifecycle rules (see the module documentation).
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultLifecycle;

impl Lifecycle for DefaultLifecycle {
    fn on_seen(&self, prior: Option<IssueStatus>) -> (SeenTransition, IssueStatus) {
        match prior {
            None => (SeenTransition::New, IssueStatus::Open),
            Some(IssueStatus::Fixed) => (SeenTransition::Reopened, IssueStatus::Reopened),
            Some(s) => (SeenTransition::Unchanged, s),
        }
    }

    fn on_gone(&self, status: IssueStatus) -> Option<IssueStatus> {
        status.is_active().then_some(IssueStatus::Fixed)
    }

    fn renames(&self, gone: &[RenameCandidate], fresh: &[RenameCandidate]) -> Vec<RenamePair> {
        crate::rename::pair_renames(gone, fresh)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions() {
        let l = DefaultLifecycle;
        assert_eq!(l.on_seen(None), (SeenTransition::New, IssueStatus::Open));
        assert_eq!(
            l.on_seen(Some(IssueStatus::Open)),
            (SeenTransition::Unchanged, IssueStatus::Open)
        );
        assert_eq!(
            l.on_seen(Some(IssueStatus::Fixed)),
            (SeenTransition::Reopened, IssueStatus::Reopened)
        );
        assert_eq!(
            l.on_seen(Some(IssueStatus::FalsePositive)),
            (SeenTransition::Unchanged, IssueStatus::FalsePositive)
        );
        assert_eq!(l.on_gone(IssueStatus::Open), Some(IssueStatus::Fixed));
        assert_eq!(l.on_gone(IssueStatus::Reopened), Some(IssueStatus::Fixed));
        assert_eq!(l.on_gone(IssueStatus::RiskAccepted), None);
        assert_eq!(l.on_gone(IssueStatus::Fixed), None);
    }
}
