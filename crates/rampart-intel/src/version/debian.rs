//! Debian (dpkg) versions through the `debversion` crate: `[epoch:]upstream[-revision]`, compared
//! as dpkg does (`~` before everything, letters before other symbols, digit runs numerically).

use std::cmp::Ordering;

use super::{Scheme, VersionError};

/// A parsed Debian version.
#[derive(Clone, Debug)]
pub(crate) struct DebianVersion(debversion::Version);

impl DebianVersion {
    /// Parses a Debian version. Underscores (seen in real packages, off-policy) are accepted.
    pub(crate) fn parse(input: &str) -> Result<DebianVersion, VersionError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(VersionError::new(Scheme::Debian, input, "empty version"));
        }
        debversion::Version::parse_lenient(s)
            .map(DebianVersion)
            .map_err(|e| {
                VersionError::new(
                    Scheme::Debian,
                    input,
                    format!(
                        "expected [epoch:]upstream[-revision] of letters, digits and .+~-:_ ({e})"
                    ),
                )
            })
    }
}

impl Ord for DebianVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp(&other.0)
    }
}

impl PartialOrd for DebianVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for DebianVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for DebianVersion {}
