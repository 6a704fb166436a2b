//! The contract between the lifecycle rules (in `rampart-engine`) and the store that applies
//! them during an ingest.

use crate::entities::IssueStatus;
use crate::rename::{RenameCandidate, RenamePair};

/// What seeing an issue in a scan did to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeenTransition {
    /// First sighting: the issue is created.
    New,
    /// Seen before and still active (or triaged: the triage holds).
    Unchanged,
    /// Was fixed, is reported again.
    Reopened,
}

/// The lifecycle rules the store applies during an ingest.
pub trait Lifecycle: Send + Sync {
    /// The transition and the resulting status when a scan reports an issue whose prior
    /// status is `prior` (`None`: no such issue yet).
    fn on_seen(&self, prior: Option<IssueStatus>) -> (SeenTransition, IssueStatus);
    /// The new status when the last observation of an issue with status `status` is gone,
    /// or `None` when the status stays.
    fn on_gone(&self, status: IssueStatus) -> Option<IssueStatus>;

    /// Pairs observations that opened new issues in this scan (`fresh`) with observations the
    /// scan stopped making (`gone`) where a file was renamed with its findings, at most one pair
    /// per new issue; the store moves the new issue's observations to the old issue. Default: no
    /// pairs.
    fn renames(&self, gone: &[RenameCandidate], fresh: &[RenameCandidate]) -> Vec<RenamePair> {
        let _ = (gone, fresh);
        Vec::new()
    }
}
