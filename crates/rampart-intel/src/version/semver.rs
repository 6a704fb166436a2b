//! SemVer-like versions: SemVer 2.0 precedence, read leniently, in the flavors of several ecosystems.
//!
//! Real data is not always SemVer: `v1.2.3` (Go, and npm strings in the wild), `1.5` (partial),
//! components beyond 64 bits. Strings the `semver` crate accepts are strict SemVer; the others are
//! read the way OSV tooling reads them: a leading `v` is dropped, dot-separated digit runs are
//! numbers (missing ones are zero), and everything from the first other character on is the
//! pre-release / build part. Numbers past the flavor's count (3, or 4 for NuGet) join the build part.

use std::cmp::Ordering;

use super::num::{Num, cmp_digits, cmp_padded, is_digits};
use super::{Scheme, VersionError};

/// The ecosystem rules layered on SemVer precedence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Flavor {
    /// npm, crates.io, Hex ...: three numbers, build metadata ignored.
    Standard,
    /// Go: as standard; `+incompatible` is build metadata and so ignored.
    Go,
    /// Pub: as standard, then build metadata compared as text (`1.0.0 < 1.0.0+1`).
    Pub,
    /// NuGet: four numbers, pre-release compared case-insensitively.
    NuGet,
    /// Hackage: any number of numbers, nothing else; more numbers is greater (`1.0 < 1.0.0`).
    Hackage,
}

impl Flavor {
    fn scheme(self) -> Scheme {
        match self {
            Flavor::Standard => Scheme::SemVer,
            Flavor::Go => Scheme::Go,
            Flavor::Pub => Scheme::Pub,
            Flavor::NuGet => Scheme::NuGet,
            Flavor::Hackage => Scheme::Hackage,
        }
    }

    fn max_components(self) -> usize {
        match self {
            Flavor::NuGet => 4,
            Flavor::Hackage => usize::MAX,
            _ => 3,
        }
    }
}

/// A parsed SemVer-like version.
#[derive(Clone, Debug)]
pub(crate) struct SemVer {
    flavor: Flavor,
    components: Vec<Num>,
    /// Count of numbers as written (Hackage orders by it on ties).
    written_components: usize,
    /// Pre-release and build part as compared (lower-cased for NuGet), e.g. `-beta.1+build`.
    rest: String,
    strict: bool,
}

impl SemVer {
    /// Parses `input` in the given flavor.
    pub(crate) fn parse(input: &str, flavor: Flavor) -> Result<SemVer, VersionError> {
        let scheme = flavor.scheme();
        let s = input.trim();
        if s.is_empty() {
            return Err(VersionError::new(scheme, input, "empty version"));
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(VersionError::new(
                scheme,
                input,
                "whitespace inside the version",
            ));
        }
        let strict = matches!(
            flavor,
            Flavor::Standard | Flavor::Go | Flavor::Pub | Flavor::NuGet
        ) && ::semver::Version::parse(s).is_ok();
        let body = s.strip_prefix(['v', 'V']).unwrap_or(s);
        if !body.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(VersionError::new(
                scheme,
                input,
                "expected a number (optionally after `v`) at the start",
            ));
        }
        let (mut components, mut rest) = split_numbers(body);
        let written_components = components.len();
        if components.len() > flavor.max_components() {
            for extra in components.split_off(flavor.max_components()) {
                rest.push('.');
                rest.push_str(extra.as_str());
            }
        }
        if flavor == Flavor::Hackage && !rest.is_empty() {
            return Err(VersionError::new(
                scheme,
                input,
                "Hackage versions are dot-separated numbers only",
            ));
        }
        if flavor == Flavor::NuGet {
            rest.make_ascii_lowercase();
        }
        Ok(SemVer {
            flavor,
            components,
            written_components,
            rest,
            strict,
        })
    }

    /// Whether the `semver` crate accepts the string (strict SemVer 2.0).
    pub(crate) fn is_strict(&self) -> bool {
        self.strict
    }

    /// Whether the version has a pre-release part.
    pub(crate) fn is_prerelease(&self) -> bool {
        !prerelease(&self.rest).is_empty()
    }
}

/// Splits `1.2.3-beta+b` into numbers `[1, 2, 3]` and the rest `-beta+b`.
fn split_numbers(body: &str) -> (Vec<Num>, String) {
    let mut components = Vec::new();
    let mut current = String::new();
    for (i, c) in body.char_indices() {
        if c.is_ascii_digit() {
            current.push(c);
            continue;
        }
        if let Some(n) = Num::parse(&current) {
            components.push(n);
        }
        current.clear();
        if c != '.' {
            return (components, body.get(i..).unwrap_or("").to_owned());
        }
    }
    if let Some(n) = Num::parse(&current) {
        components.push(n);
    }
    (components, String::new())
}

/// The pre-release part of a rest string: before the first `+`, without one leading `-`.
fn prerelease(rest: &str) -> &str {
    let pre = rest.split('+').next().unwrap_or("");
    pre.strip_prefix('-').unwrap_or(pre)
}

/// SemVer 2.0 pre-release precedence: none > some; identifiers compared in turn, numeric ones by
/// value and below alphanumeric ones; more identifiers is greater.
fn cmp_prerelease(a: &str, b: &str) -> Ordering {
    let (a, b) = (prerelease(a), prerelease(b));
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        (false, false) => {}
    }
    let mut xs = a.split('.');
    let mut ys = b.split('.');
    loop {
        match (xs.next(), ys.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let o = match (is_digits(x), is_digits(y)) {
                    (true, true) => cmp_digits(x, y),
                    (true, false) => Ordering::Less,
                    (false, true) => Ordering::Greater,
                    (false, false) => x.cmp(y),
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
        }
    }
}

/// The build metadata: after the first `+`.
fn build(rest: &str) -> &str {
    rest.split_once('+').map(|(_, b)| b).unwrap_or("")
}

impl Ord for SemVer {
    fn cmp(&self, other: &Self) -> Ordering {
        self.flavor
            .cmp(&other.flavor)
            .then_with(|| cmp_padded(&self.components, &other.components))
            .then_with(|| match self.flavor {
                Flavor::Hackage => self.written_components.cmp(&other.written_components),
                Flavor::Pub => cmp_prerelease(&self.rest, &other.rest)
                    .then_with(|| build(&self.rest).cmp(build(&other.rest))),
                _ => cmp_prerelease(&self.rest, &other.rest),
            })
    }
}

impl PartialOrd for SemVer {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for SemVer {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for SemVer {}

/// The parts of a Go pseudo-version such as `v0.0.0-20191109021931-daa7c04131f5`,
/// `v1.2.4-0.20191109021931-daa7c04131f5` or `v1.2.3-pre.0.20191109021931-daa7c04131f5`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PseudoVersion {
    /// The commit time, `yyyymmddhhmmss` (UTC).
    pub timestamp: String,
    /// The commit hash prefix.
    pub revision: String,
}

/// Recognizes a Go pseudo-version (with or without the `v`, `+incompatible` allowed).
pub(crate) fn pseudo_version(s: &str) -> Option<PseudoVersion> {
    let s = s.trim();
    let s = s.strip_prefix('v').unwrap_or(s);
    let s = s.split('+').next()?;
    let (core, pre) = s.split_once('-')?;
    let (head, revision) = pre.rsplit_once('-')?;
    if revision.is_empty() || !revision.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let ts_start = head.len().checked_sub(14)?;
    let timestamp = head.get(ts_start..)?;
    if !is_digits(timestamp) {
        return None;
    }
    let before = head.get(..ts_start)?;
    let well_formed = if before.is_empty() {
        core.ends_with(".0.0")
    } else {
        before == "0." || before.ends_with(".0.")
    };
    well_formed.then(|| PseudoVersion {
        timestamp: timestamp.to_owned(),
        revision: revision.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(flavor: Flavor, a: &str, b: &str) -> Ordering {
        SemVer::parse(a, flavor)
            .unwrap()
            .cmp(&SemVer::parse(b, flavor).unwrap())
    }

    #[test]
    fn precedence() {
        assert_eq!(
            cmp(Flavor::Standard, "1.0.0-alpha", "1.0.0-alpha.1"),
            Ordering::Less
        );
        assert_eq!(cmp(Flavor::Standard, "v1.2.3", "1.2.3"), Ordering::Equal);
        assert_eq!(cmp(Flavor::Standard, "1.2.3+a", "1.2.3+b"), Ordering::Equal);
        assert_eq!(cmp(Flavor::Pub, "1.2.3+a", "1.2.3+b"), Ordering::Less);
        assert_eq!(
            cmp(Flavor::NuGet, "1.0.0-BETA", "1.0.0-beta"),
            Ordering::Equal
        );
        assert_eq!(cmp(Flavor::Hackage, "0.1.0", "0.1.0.0"), Ordering::Less);
        assert_eq!(
            cmp(Flavor::Go, "v2.0.0+incompatible", "2.0.0"),
            Ordering::Equal
        );
        assert!(SemVer::parse("latest", Flavor::Standard).is_err());
        assert!(SemVer::parse("1.0-beta", Flavor::Hackage).is_err());
    }

    #[test]
    fn go_pseudo_versions() {
        assert!(pseudo_version("v0.0.0-20191109021931-daa7c04131f5").is_some());
        assert!(pseudo_version("v1.2.4-0.20191109021931-daa7c04131f5").is_some());
        assert!(pseudo_version("v1.2.3-pre.0.20191109021931-daa7c04131f5+incompatible").is_some());
        assert!(pseudo_version("v1.2.3-beta").is_none());
        assert_eq!(
            cmp(
                Flavor::Go,
                "v0.0.0-20191109021931-daa7c04131f5",
                "v0.0.0-20200101000000-000000000000"
            ),
            Ordering::Less
        );
    }
}
