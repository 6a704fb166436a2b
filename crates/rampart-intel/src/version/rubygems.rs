//! RubyGems versions, ordered as `Gem::Version#<=>`: `-` reads as `.pre.`, the string is cut into
//! digit runs (numbers) and letter runs (strings), trailing zeros of the release part and of the
//! pre-release part are dropped, and segments compare pairwise (missing ones are 0); a string is
//! older than a number, strings compare byte-wise.

use std::cmp::Ordering;

use super::num::Num;
use super::{Scheme, VersionError};

#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Num(Num),
    Str(String),
}

/// A parsed gem version.
#[derive(Clone, Debug)]
pub(crate) struct GemVersion {
    segments: Vec<Segment>,
    prerelease: bool,
}

/// `Gem::Version::ANCHORED_VERSION_PATTERN` (after trimming), `[0-9]+(\.[0-9a-zA-Z]+)*` then
/// optionally `-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*`, read leniently: the first segment may continue
/// with letters (`1beta`, seen in the wild and in the OSV vectors), which sort as RubyGems sorts
/// `1.beta`.
fn is_well_formed(s: &str) -> bool {
    let (head, tail) = match s.split_once('-') {
        Some((h, t)) => (h, Some(t)),
        None => (s, None),
    };
    let mut parts = head.split('.');
    let first_ok = parts.next().is_some_and(|p| {
        p.starts_with(|c: char| c.is_ascii_digit()) && p.bytes().all(|b| b.is_ascii_alphanumeric())
    });
    let rest_ok = parts.all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    let tail_ok = tail.is_none_or(|t| {
        t.split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    });
    first_ok && rest_ok && tail_ok
}

/// `scan(/[0-9]+|[a-z]+/i)` over the version with `-` read as `.pre.`.
fn segments(s: &str) -> Vec<Segment> {
    let replaced = s.replace('-', ".pre.");
    let mut out = Vec::new();
    let bytes = replaced.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes.get(i).copied().unwrap_or(b'.');
        let digit = b.is_ascii_digit();
        if !digit && !b.is_ascii_alphabetic() {
            i += 1;
            continue;
        }
        let start = i;
        while bytes.get(i).is_some_and(|c| {
            if digit {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        }) {
            i += 1;
        }
        let run = replaced.get(start..i).unwrap_or("");
        out.push(match Num::parse(run) {
            Some(n) if digit => Segment::Num(n),
            _ => Segment::Str(run.to_owned()),
        });
    }
    out
}

/// Drops trailing zeros from the release numbers and from the pre-release part.
fn canonical(segs: Vec<Segment>) -> Vec<Segment> {
    let split = segs
        .iter()
        .position(|s| matches!(s, Segment::Str(_)))
        .unwrap_or(segs.len());
    let mut numbers = segs;
    let mut strings = numbers.split_off(split);
    let trim = |v: &mut Vec<Segment>| {
        while matches!(v.last(), Some(Segment::Num(n)) if n.is_zero()) {
            v.pop();
        }
    };
    trim(&mut numbers);
    trim(&mut strings);
    numbers.append(&mut strings);
    numbers
}

impl GemVersion {
    /// Parses a gem version; blank is `0`, as RubyGems reads it.
    pub(crate) fn parse(input: &str) -> Result<GemVersion, VersionError> {
        let s = input.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b');
        let s = if s.is_empty() { "0" } else { s };
        if !is_well_formed(s) {
            return Err(VersionError::new(
                Scheme::RubyGems,
                input,
                "malformed version number string (expected digits, dot-separated alphanumerics, optional -prerelease)",
            ));
        }
        Ok(GemVersion {
            segments: canonical(segments(s)),
            prerelease: s.bytes().any(|b| b.is_ascii_alphabetic()),
        })
    }

    /// Whether the version has letters (RubyGems' definition of a pre-release).
    pub(crate) fn is_prerelease(&self) -> bool {
        self.prerelease
    }
}

impl Ord for GemVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let zero = Segment::Num(Num::zero());
        let n = self.segments.len().max(other.segments.len());
        for i in 0..n {
            let a = self.segments.get(i).unwrap_or(&zero);
            let b = other.segments.get(i).unwrap_or(&zero);
            let o = match (a, b) {
                (Segment::Num(x), Segment::Num(y)) => x.cmp(y),
                (Segment::Str(x), Segment::Str(y)) => x.cmp(y),
                (Segment::Str(_), Segment::Num(_)) => Ordering::Less,
                (Segment::Num(_), Segment::Str(_)) => Ordering::Greater,
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for GemVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for GemVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for GemVersion {}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        GemVersion::parse(a)
            .unwrap()
            .cmp(&GemVersion::parse(b).unwrap())
    }

    #[test]
    fn gem_version_order() {
        assert_eq!(cmp("1.0.0.rc3.0", "1.0.0.rc3"), Ordering::Equal);
        assert_eq!(cmp("1.0.a", "1.0"), Ordering::Less);
        assert_eq!(cmp("1.0.0-rc1", "1.0.0.pre.rc1"), Ordering::Equal);
        assert_eq!(cmp("1.a10", "1.a9"), Ordering::Greater);
        assert!(GemVersion::parse("junk").is_err());
    }
}
