//! Version schemes: how each packaging ecosystem spells and orders its versions.
//!
//! One trait, [`VersionScheme`], implemented by [`Scheme`] (one variant per ordering rule set). Parsing
//! gives a [`Version`], which keeps the string it was parsed from (its `Display` is that string, so
//! parse → format → parse is the identity) and orders by the scheme's rules.
//!
//! A string a scheme cannot parse is an [`VersionError`] value; nothing here panics on input.
//! [`vers`] reads `vers:` range strings and evaluates them with these schemes.
//!
//! | scheme | ecosystems | implementation |
//! |---|---|---|
//! | [`Scheme::SemVer`] | npm, crates.io, Hex, Bitnami, SwiftURL | `semver` crate for strict strings, a lenient SemVer-2 precedence for the rest (v prefix, partial and huge numbers) |
//! | [`Scheme::Go`] | Go | SemVer precedence; `v` prefix, `+incompatible` ignored, pseudo-versions sort as pre-releases |
//! | [`Scheme::Pub`] | Pub | SemVer precedence, then build metadata compared as text |
//! | [`Scheme::Pep440`] | PyPI | `pep440_rs`; legacy (pre-PEP 440) strings sort before all PEP 440 versions |
//! | [`Scheme::Maven`] | Maven | Maven's `ComparableVersion` |
//! | [`Scheme::Debian`] | Debian, Ubuntu | `debversion` (dpkg ordering) |
//! | [`Scheme::Rpm`] | Red Hat, AlmaLinux, Rocky Linux, openSUSE, SUSE | `rpm-version` (rpmvercmp) |
//! | [`Scheme::Alpine`] | Alpine, Wolfi, Chainguard | apk ordering |
//! | [`Scheme::RubyGems`] | RubyGems | `Gem::Version` |
//! | [`Scheme::NuGet`] | NuGet | SemVer 2 with a fourth number, case-insensitive |
//! | [`Scheme::Packagist`] | Packagist | PHP `version_compare` (what Composer uses) |
//! | [`Scheme::Hackage`] | Hackage, GHC | dotted numbers, longer is greater |
//! | [`Scheme::Cran`] | CRAN, Bioconductor | R `numeric_version` |
//! | [`Scheme::Generic`] | anything else | numbers numerically, text lexically |

mod alpine;
mod cran;
mod debian;
mod generic;
mod maven;
mod num;
mod packagist;
mod pep440;
mod rpm;
mod rubygems;
mod semver;
pub mod vers;

use std::cmp::Ordering;
use std::fmt;

pub use self::semver::PseudoVersion;

/// A version string could not be parsed under a scheme.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{scheme} version {input:?} cannot be parsed: {reason}")]
pub struct VersionError {
    /// The scheme's name (see [`Scheme::name`]).
    pub scheme: &'static str,
    /// The string as given.
    pub input: String,
    /// What was expected.
    pub reason: String,
}

impl VersionError {
    pub(crate) fn new(scheme: Scheme, input: &str, reason: impl Into<String>) -> Self {
        VersionError {
            scheme: scheme.name(),
            input: input.to_owned(),
            reason: reason.into(),
        }
    }
}

/// Parses and orders the versions of one ecosystem family.
pub trait VersionScheme {
    /// The scheme's short name (`semver`, `pep440`, `maven` ...).
    fn name(&self) -> &'static str;

    /// Parses `s` as a version of this scheme.
    fn parse(&self, s: &str) -> Result<Version, VersionError>;

    /// Orders two version strings; an error names the one that did not parse.
    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        Ok(self.parse(a)?.cmp(&self.parse(b)?))
    }
}

/// The ordering rule sets Rampart knows. See the module documentation for the ecosystems of each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scheme {
    /// SemVer 2.0 precedence (npm, crates.io, Hex ...), lenient.
    SemVer,
    /// Go module versions.
    Go,
    /// Dart's Pub: SemVer with ordered build metadata.
    Pub,
    /// PEP 440 (PyPI).
    Pep440,
    /// Maven `ComparableVersion`.
    Maven,
    /// Debian / dpkg.
    Debian,
    /// RPM (`rpmvercmp` over epoch:version-release).
    Rpm,
    /// Alpine apk.
    Alpine,
    /// RubyGems `Gem::Version`.
    RubyGems,
    /// NuGet (SemVer 2 with four numbers).
    NuGet,
    /// Packagist / Composer (PHP `version_compare`).
    Packagist,
    /// Hackage (Haskell PVP).
    Hackage,
    /// CRAN (R `numeric_version`).
    Cran,
    /// Fallback: digit runs numerically, other runs lexically.
    Generic,
}

impl Scheme {
    /// Every scheme, for tests and listings.
    pub const ALL: [Scheme; 14] = [
        Scheme::SemVer,
        Scheme::Go,
        Scheme::Pub,
        Scheme::Pep440,
        Scheme::Maven,
        Scheme::Debian,
        Scheme::Rpm,
        Scheme::Alpine,
        Scheme::RubyGems,
        Scheme::NuGet,
        Scheme::Packagist,
        Scheme::Hackage,
        Scheme::Cran,
        Scheme::Generic,
    ];

    /// The scheme's short name.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::SemVer => "semver",
            Scheme::Go => "go",
            Scheme::Pub => "pub",
            Scheme::Pep440 => "pep440",
            Scheme::Maven => "maven",
            Scheme::Debian => "debian",
            Scheme::Rpm => "rpm",
            Scheme::Alpine => "alpine",
            Scheme::RubyGems => "rubygems",
            Scheme::NuGet => "nuget",
            Scheme::Packagist => "packagist",
            Scheme::Hackage => "hackage",
            Scheme::Cran => "cran",
            Scheme::Generic => "generic",
        }
    }

    /// Parses `s` as a version of this scheme (same as [`VersionScheme::parse`]).
    pub fn parse(self, s: &str) -> Result<Version, VersionError> {
        let repr = match self {
            Scheme::SemVer => Repr::SemVer(semver::SemVer::parse(s, semver::Flavor::Standard)?),
            Scheme::Go => Repr::Go(semver::SemVer::parse(s, semver::Flavor::Go)?),
            Scheme::Pub => Repr::Pub(semver::SemVer::parse(s, semver::Flavor::Pub)?),
            Scheme::NuGet => Repr::NuGet(semver::SemVer::parse(s, semver::Flavor::NuGet)?),
            Scheme::Hackage => Repr::Hackage(semver::SemVer::parse(s, semver::Flavor::Hackage)?),
            Scheme::Pep440 => Repr::Pep440(pep440::Pep440Version::parse(s)?),
            Scheme::Maven => Repr::Maven(maven::MavenVersion::parse(s)?),
            Scheme::Debian => Repr::Debian(debian::DebianVersion::parse(s)?),
            Scheme::Rpm => Repr::Rpm(rpm::RpmVersion::parse(s)?),
            Scheme::Alpine => Repr::Alpine(alpine::AlpineVersion::parse(s)?),
            Scheme::RubyGems => Repr::RubyGems(rubygems::GemVersion::parse(s)?),
            Scheme::Packagist => Repr::Packagist(packagist::PackagistVersion::parse(s)?),
            Scheme::Cran => Repr::Cran(cran::CranVersion::parse(s)?),
            Scheme::Generic => Repr::Generic(generic::GenericVersion::parse(s)?),
        };
        Ok(Version {
            original: s.into(),
            repr,
        })
    }

    /// Orders two version strings under this scheme (same as [`VersionScheme::compare`]).
    pub fn compare(self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        Ok(self.parse(a)?.cmp(&self.parse(b)?))
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl VersionScheme for Scheme {
    fn name(&self) -> &'static str {
        Scheme::name(*self)
    }

    fn parse(&self, s: &str) -> Result<Version, VersionError> {
        Scheme::parse(*self, s)
    }
}

/// A parsed version. Ordered by its scheme's rules; two versions of different schemes are ordered
/// by scheme first (a total order, but not a meaningful one: compare versions of one scheme).
///
/// Equality is the scheme's equality (`1.0` equals `1.0.0` under Maven), not string equality.
#[derive(Clone, Debug)]
pub struct Version {
    original: Box<str>,
    repr: Repr,
}

#[derive(Clone, Debug)]
enum Repr {
    SemVer(semver::SemVer),
    Go(semver::SemVer),
    Pub(semver::SemVer),
    NuGet(semver::SemVer),
    Hackage(semver::SemVer),
    Pep440(pep440::Pep440Version),
    Maven(maven::MavenVersion),
    Debian(debian::DebianVersion),
    Rpm(rpm::RpmVersion),
    Alpine(alpine::AlpineVersion),
    RubyGems(rubygems::GemVersion),
    Packagist(packagist::PackagistVersion),
    Cran(cran::CranVersion),
    Generic(generic::GenericVersion),
}

impl Repr {
    fn scheme(&self) -> Scheme {
        match self {
            Repr::SemVer(_) => Scheme::SemVer,
            Repr::Go(_) => Scheme::Go,
            Repr::Pub(_) => Scheme::Pub,
            Repr::NuGet(_) => Scheme::NuGet,
            Repr::Hackage(_) => Scheme::Hackage,
            Repr::Pep440(_) => Scheme::Pep440,
            Repr::Maven(_) => Scheme::Maven,
            Repr::Debian(_) => Scheme::Debian,
            Repr::Rpm(_) => Scheme::Rpm,
            Repr::Alpine(_) => Scheme::Alpine,
            Repr::RubyGems(_) => Scheme::RubyGems,
            Repr::Packagist(_) => Scheme::Packagist,
            Repr::Cran(_) => Scheme::Cran,
            Repr::Generic(_) => Scheme::Generic,
        }
    }
}

impl Version {
    /// The scheme this version was parsed with.
    pub fn scheme(&self) -> Scheme {
        self.repr.scheme()
    }

    /// The string this version was parsed from, unchanged.
    pub fn as_str(&self) -> &str {
        &self.original
    }

    /// Whether the string is valid SemVer 2.0 as the `semver` crate reads it (SemVer-family schemes
    /// only; `false` for the others and for strings accepted only by the lenient reading).
    pub fn is_strict_semver(&self) -> bool {
        match &self.repr {
            Repr::SemVer(v) | Repr::Go(v) | Repr::Pub(v) | Repr::NuGet(v) => v.is_strict(),
            _ => false,
        }
    }

    /// The parts of a Go pseudo-version (`v0.0.0-20191109021931-daa7c04131f5`), if this is one.
    pub fn go_pseudo_version(&self) -> Option<PseudoVersion> {
        match &self.repr {
            Repr::Go(_) => semver::pseudo_version(&self.original),
            _ => None,
        }
    }

    /// Whether this is a pre-release (SemVer pre-release, PEP 440 a/b/rc/dev, Maven alpha/beta/
    /// milestone/rc/snapshot, RubyGems letters, apk `_alpha`..`_rc`); `false` where the scheme has no
    /// such notion.
    pub fn is_prerelease(&self) -> bool {
        match &self.repr {
            Repr::SemVer(v) | Repr::Go(v) | Repr::Pub(v) | Repr::NuGet(v) => v.is_prerelease(),
            Repr::Pep440(v) => v.is_prerelease(),
            Repr::Maven(v) => v.is_prerelease(),
            Repr::RubyGems(v) => v.is_prerelease(),
            Repr::Alpine(v) => v.is_prerelease(),
            _ => false,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.original)
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.repr, &other.repr) {
            (Repr::SemVer(a), Repr::SemVer(b))
            | (Repr::Go(a), Repr::Go(b))
            | (Repr::Pub(a), Repr::Pub(b))
            | (Repr::NuGet(a), Repr::NuGet(b))
            | (Repr::Hackage(a), Repr::Hackage(b)) => a.cmp(b),
            (Repr::Pep440(a), Repr::Pep440(b)) => a.cmp(b),
            (Repr::Maven(a), Repr::Maven(b)) => a.cmp(b),
            (Repr::Debian(a), Repr::Debian(b)) => a.cmp(b),
            (Repr::Rpm(a), Repr::Rpm(b)) => a.cmp(b),
            (Repr::Alpine(a), Repr::Alpine(b)) => a.cmp(b),
            (Repr::RubyGems(a), Repr::RubyGems(b)) => a.cmp(b),
            (Repr::Packagist(a), Repr::Packagist(b)) => a.cmp(b),
            (Repr::Cran(a), Repr::Cran(b)) => a.cmp(b),
            (Repr::Generic(a), Repr::Generic(b)) => a.cmp(b),
            (a, b) => a.scheme().cmp(&b.scheme()),
        }
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}
