//! CRAN versions, ordered as R's `numeric_version`: non-negative integers separated by `.` or `-`
//! (the two are equivalent), compared in turn (missing ones are 0); on a tie the version with more
//! numbers is greater (`0.3.2 < 0.3.2.0`).

use std::cmp::Ordering;

use super::num::{Num, cmp_padded};
use super::{Scheme, VersionError};

/// A parsed CRAN version.
#[derive(Clone, Debug)]
pub(crate) struct CranVersion {
    components: Vec<Num>,
}

impl CranVersion {
    /// Parses a CRAN version: numbers separated by `.` or `-`.
    pub(crate) fn parse(input: &str) -> Result<CranVersion, VersionError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(VersionError::new(Scheme::Cran, input, "empty version"));
        }
        let components = s
            .split(['.', '-'])
            .map(Num::parse)
            .collect::<Option<Vec<Num>>>()
            .ok_or_else(|| {
                VersionError::new(
                    Scheme::Cran,
                    input,
                    "expected numbers separated by `.` or `-`",
                )
            })?;
        Ok(CranVersion { components })
    }
}

impl Ord for CranVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_padded(&self.components, &other.components)
            .then_with(|| self.components.len().cmp(&other.components.len()))
    }
}

impl PartialOrd for CranVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for CranVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for CranVersion {}
