//! PyPI versions: PEP 440 through `pep440_rs`, with the pre-PEP 440 ("legacy") strings that old
//! releases and advisories still carry ordered as setuptools' `LegacyVersion` did: before every
//! PEP 440 version, among themselves by setuptools' legacy sort key.

use std::cmp::Ordering;
use std::str::FromStr;

use super::{Scheme, VersionError};

/// A PyPI version.
#[derive(Clone, Debug)]
pub(crate) enum Pep440Version {
    /// A legacy version and its sort key.
    Legacy(Vec<String>),
    /// A PEP 440 version.
    Pep440(pep440_rs::Version),
}

impl Pep440Version {
    /// Parses a PyPI version; anything non-empty that is not PEP 440 is a legacy version.
    pub(crate) fn parse(input: &str) -> Result<Pep440Version, VersionError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(VersionError::new(Scheme::Pep440, input, "empty version"));
        }
        match pep440_rs::Version::from_str(s) {
            Ok(v) => Ok(Pep440Version::Pep440(v)),
            Err(_) => Ok(Pep440Version::Legacy(legacy_key(s))),
        }
    }

    /// Whether this is a PEP 440 pre-release or development release.
    pub(crate) fn is_prerelease(&self) -> bool {
        match self {
            Pep440Version::Pep440(v) => v.any_prerelease(),
            Pep440Version::Legacy(_) => false,
        }
    }
}

/// setuptools' legacy key: lower-cased string split into digit runs (zero-padded to 8), letter runs,
/// `.` and `-` (and whatever lies between them); `pre`/`preview`/`rc` read as `c`, `dev` as `@`,
/// `-` as `final-`; trailing zeros and `final-` markers dropped before letters; `*final` appended.
fn legacy_key(s: &str) -> Vec<String> {
    let lower = s.to_lowercase();
    let mut parts: Vec<String> = Vec::new();
    for raw in legacy_split(&lower) {
        let raw = match raw {
            "pre" | "preview" | "rc" => "c",
            "-" => "final-",
            "dev" => "@",
            other => other,
        };
        if raw.is_empty() || raw == "." {
            continue;
        }
        let part = if raw.starts_with(|c: char| c.is_ascii_digit()) {
            format!("{raw:0>8}")
        } else {
            format!("*{raw}")
        };
        push_legacy_part(&mut parts, part);
    }
    push_legacy_part(&mut parts, "*final".to_owned());
    parts
}

fn push_legacy_part(parts: &mut Vec<String>, part: String) {
    if part.starts_with('*') {
        if part.as_str() < "*final" {
            while parts.last().is_some_and(|p| p == "*final-") {
                parts.pop();
            }
        }
        while parts.last().is_some_and(|p| p == "00000000") {
            parts.pop();
        }
    }
    parts.push(part);
}

/// Python's `re.split(r'(\d+|[a-z]+|\.|-)', s)`: the matches and the text between them.
fn legacy_split(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut other_start = 0;
    let mut i = 0;
    let bytes = s.as_bytes();
    while i < bytes.len() {
        let class = |b: u8| {
            if b.is_ascii_digit() {
                1
            } else if b.is_ascii_lowercase() {
                2
            } else if b == b'.' || b == b'-' {
                3
            } else {
                0
            }
        };
        let c = bytes.get(i).copied().map(class).unwrap_or(0);
        if c == 0 {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        if c != 3 {
            while j < bytes.len() && bytes.get(j).copied().map(class) == Some(c) {
                j += 1;
            }
        }
        out.push(s.get(other_start..i).unwrap_or(""));
        out.push(s.get(i..j).unwrap_or(""));
        other_start = j;
        i = j;
    }
    out.push(s.get(other_start..).unwrap_or(""));
    out
}

impl Ord for Pep440Version {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Pep440Version::Pep440(a), Pep440Version::Pep440(b)) => a.cmp(b),
            (Pep440Version::Legacy(a), Pep440Version::Legacy(b)) => a.cmp(b),
            (Pep440Version::Legacy(_), Pep440Version::Pep440(_)) => Ordering::Less,
            (Pep440Version::Pep440(_), Pep440Version::Legacy(_)) => Ordering::Greater,
        }
    }
}

impl PartialOrd for Pep440Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Pep440Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Pep440Version {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_sorts_before_pep440() {
        let legacy = Pep440Version::parse("0.1-bulbasaur").unwrap();
        let modern = Pep440Version::parse("0.0.1").unwrap();
        assert!(matches!(legacy, Pep440Version::Legacy(_)));
        assert!(legacy < modern);
        assert!(
            Pep440Version::parse("0.1-bulbasaur").unwrap()
                < Pep440Version::parse("0.1-charmander").unwrap()
        );
        assert!(Pep440Version::parse("").is_err());
    }
}
