//! RPM versions: `[epoch:]version[-release]`, each part compared with `rpmvercmp` (through the
//! `rpm-version` crate: digit runs numerically, letter runs lexically, `~` before everything, `^`
//! after the end but before anything else).
//!
//! The split follows the OSV tooling: the epoch is the text before the first `:` only when it is all
//! digits (`1.m+e2:1` has no epoch), the release is everything after the first `-`. An empty part is
//! older than a non-empty one (`1 < 1-`).

use std::cmp::Ordering;

use rpm_version::Evr;

use super::{Scheme, VersionError};

/// A parsed RPM epoch:version-release.
#[derive(Clone, Debug)]
pub(crate) struct RpmVersion {
    epoch: String,
    version: String,
    release: String,
}

impl RpmVersion {
    /// Parses an RPM version string.
    pub(crate) fn parse(input: &str) -> Result<RpmVersion, VersionError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(VersionError::new(Scheme::Rpm, input, "empty version"));
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(VersionError::new(
                Scheme::Rpm,
                input,
                "whitespace inside the version",
            ));
        }
        let (epoch, vr) = match s.split_once(':') {
            Some((e, rest)) if e.bytes().all(|b| b.is_ascii_digit()) => (e, rest),
            _ => ("", s),
        };
        let (version, release) = match vr.split_once('-') {
            Some((v, r)) => (v.to_owned(), format!("-{r}")),
            None => (vr.to_owned(), String::new()),
        };
        Ok(RpmVersion {
            epoch: if epoch.is_empty() { "0" } else { epoch }.to_owned(),
            version,
            release,
        })
    }
}

/// `rpmvercmp` of one part, with an empty part older than any non-empty one.
fn cmp_part(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => Evr::new("0", a, "").cmp(&Evr::new("0", b, "")),
    }
}

impl Ord for RpmVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_part(&self.epoch, &other.epoch)
            .then_with(|| cmp_part(&self.version, &other.version))
            .then_with(|| cmp_part(&self.release, &other.release))
    }
}

impl PartialOrd for RpmVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for RpmVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for RpmVersion {}
