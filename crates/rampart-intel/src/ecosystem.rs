//! Ecosystems: the OSV ecosystem names, their version schemes, the purl types that map to them,
//! how package names are normalized for matching, and the distro releases of OS ecosystems.
//!
//! * `pkg:pypi/Django_Rest` → PyPI `django-rest` (PEP 503); `pkg:maven/org.apache.logging.log4j/log4j-core`
//!   → Maven `org.apache.logging.log4j:log4j-core`; `pkg:golang/github.com/Foo/bar` → Go
//!   `github.com/foo/bar` (module paths are case-sensitive, but purl canonicalization lower-cases the
//!   namespace, so names are compared lower-cased); `pkg:npm/%40babel/core` → npm `@babel/core`.
//! * OS packages carry the distro release: `pkg:deb/debian/openssl?distro=debian-12` (or `bookworm`) →
//!   `Debian:12`; `pkg:apk/alpine/musl?distro=3.20.1` → `Alpine:v3.20`; RPM distros by namespace.
//! * Debian, Ubuntu and Alpine advisories name *source* packages: a binary package whose purl has an
//!   `upstream=` (or `source=`) qualifier is matched by that source name.

use std::fmt;
use std::str::FromStr;

use crate::version::Scheme;

/// The ecosystem families Rampart knows, by their OSV names.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Base {
    /// `npm`
    Npm,
    /// `PyPI`
    PyPI,
    /// `Maven`
    Maven,
    /// `Go`
    Go,
    /// `crates.io`
    CratesIo,
    /// `RubyGems`
    RubyGems,
    /// `NuGet`
    NuGet,
    /// `Packagist`
    Packagist,
    /// `Hex`
    Hex,
    /// `Pub`
    Pub,
    /// `Hackage`
    Hackage,
    /// `GHC` (the Haskell compiler itself)
    Ghc,
    /// `CRAN`
    Cran,
    /// `Bioconductor`
    Bioconductor,
    /// `ConanCenter`
    ConanCenter,
    /// `GitHub Actions`
    GitHubActions,
    /// `SwiftURL`
    SwiftUrl,
    /// `Bitnami`
    Bitnami,
    /// `OSS-Fuzz`
    OssFuzz,
    /// `Debian`
    Debian,
    /// `Ubuntu`
    Ubuntu,
    /// `Alpine`
    Alpine,
    /// `Wolfi`
    Wolfi,
    /// `Chainguard`
    Chainguard,
    /// `Red Hat`
    RedHat,
    /// `AlmaLinux`
    AlmaLinux,
    /// `Rocky Linux`
    RockyLinux,
    /// `openSUSE`
    OpenSuse,
    /// `SUSE`
    Suse,
    /// `Linux` (kernel)
    Linux,
    /// `Android`
    Android,
    /// Any other name, kept as written.
    Other(String),
}

/// Every named base with its OSV spelling.
const NAMED: [(Base, &str); 31] = [
    (Base::Npm, "npm"),
    (Base::PyPI, "PyPI"),
    (Base::Maven, "Maven"),
    (Base::Go, "Go"),
    (Base::CratesIo, "crates.io"),
    (Base::RubyGems, "RubyGems"),
    (Base::NuGet, "NuGet"),
    (Base::Packagist, "Packagist"),
    (Base::Hex, "Hex"),
    (Base::Pub, "Pub"),
    (Base::Hackage, "Hackage"),
    (Base::Ghc, "GHC"),
    (Base::Cran, "CRAN"),
    (Base::Bioconductor, "Bioconductor"),
    (Base::ConanCenter, "ConanCenter"),
    (Base::GitHubActions, "GitHub Actions"),
    (Base::SwiftUrl, "SwiftURL"),
    (Base::Bitnami, "Bitnami"),
    (Base::OssFuzz, "OSS-Fuzz"),
    (Base::Debian, "Debian"),
    (Base::Ubuntu, "Ubuntu"),
    (Base::Alpine, "Alpine"),
    (Base::Wolfi, "Wolfi"),
    (Base::Chainguard, "Chainguard"),
    (Base::RedHat, "Red Hat"),
    (Base::AlmaLinux, "AlmaLinux"),
    (Base::RockyLinux, "Rocky Linux"),
    (Base::OpenSuse, "openSUSE"),
    (Base::Suse, "SUSE"),
    (Base::Linux, "Linux"),
    (Base::Android, "Android"),
];

impl Base {
    /// Reads an OSV base name (the part before any `:`), case-insensitively.
    pub fn from_osv(name: &str) -> Base {
        let name = name.trim();
        NAMED
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(name))
            .map(|(b, _)| b.clone())
            .unwrap_or_else(|| Base::Other(name.to_owned()))
    }

    /// The OSV spelling.
    pub fn osv_name(&self) -> &str {
        match self {
            Base::Other(s) => s,
            b => NAMED
                .iter()
                .find(|(n, _)| n == b)
                .map(|(_, s)| *s)
                .unwrap_or(""),
        }
    }

    /// The version scheme of this ecosystem.
    pub fn scheme(&self) -> Scheme {
        match self {
            Base::Npm
            | Base::CratesIo
            | Base::Hex
            | Base::Bitnami
            | Base::SwiftUrl
            | Base::ConanCenter
            | Base::GitHubActions => Scheme::SemVer,
            Base::Go => Scheme::Go,
            Base::Pub => Scheme::Pub,
            Base::PyPI => Scheme::Pep440,
            Base::Maven => Scheme::Maven,
            Base::Debian | Base::Ubuntu => Scheme::Debian,
            Base::RedHat | Base::AlmaLinux | Base::RockyLinux | Base::OpenSuse | Base::Suse => {
                Scheme::Rpm
            }
            Base::Alpine | Base::Wolfi | Base::Chainguard => Scheme::Alpine,
            Base::RubyGems => Scheme::RubyGems,
            Base::NuGet => Scheme::NuGet,
            Base::Packagist => Scheme::Packagist,
            Base::Hackage | Base::Ghc => Scheme::Hackage,
            Base::Cran | Base::Bioconductor => Scheme::Cran,
            Base::OssFuzz | Base::Linux | Base::Android | Base::Other(_) => Scheme::Generic,
        }
    }

    /// The purl type of this ecosystem's packages, where there is one.
    pub fn purl_type(&self) -> Option<&'static str> {
        Some(match self {
            Base::Npm => "npm",
            Base::PyPI => "pypi",
            Base::Maven => "maven",
            Base::Go => "golang",
            Base::CratesIo => "cargo",
            Base::RubyGems => "gem",
            Base::NuGet => "nuget",
            Base::Packagist => "composer",
            Base::Hex => "hex",
            Base::Pub => "pub",
            Base::Hackage => "hackage",
            Base::Cran => "cran",
            Base::ConanCenter => "conan",
            Base::GitHubActions => "github",
            Base::SwiftUrl => "swift",
            Base::Bitnami => "bitnami",
            Base::Debian | Base::Ubuntu => "deb",
            Base::Alpine | Base::Wolfi | Base::Chainguard => "apk",
            Base::RedHat | Base::AlmaLinux | Base::RockyLinux | Base::OpenSuse | Base::Suse => {
                "rpm"
            }
            _ => return None,
        })
    }

    /// Whether advisories of this ecosystem name source packages (matched through a binary package's
    /// `upstream=` qualifier).
    pub fn uses_source_packages(&self) -> bool {
        matches!(self, Base::Debian | Base::Ubuntu | Base::Alpine)
    }
}

/// An OSV ecosystem: a base and, for OS ecosystems, the release (`Debian:12` → base Debian,
/// release `12`; `Ubuntu:22.04:LTS` → release `22.04:LTS`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ecosystem {
    /// The family.
    pub base: Base,
    /// The release suffix, as OSV writes it after the first `:`.
    pub release: Option<String>,
}

impl Ecosystem {
    /// An ecosystem without a release.
    pub fn new(base: Base) -> Ecosystem {
        Ecosystem {
            base,
            release: None,
        }
    }

    /// Reads an OSV ecosystem string (`PyPI`, `Debian:12`, `Alpine:v3.20`, `Red Hat:enterprise_linux:9`).
    pub fn parse(osv: &str) -> Ecosystem {
        let osv = osv.trim();
        match osv.split_once(':') {
            Some((base, release)) if !release.trim().is_empty() => Ecosystem {
                base: Base::from_osv(base),
                release: Some(release.trim().to_owned()),
            },
            Some((base, _)) => Ecosystem::new(Base::from_osv(base)),
            None => Ecosystem::new(Base::from_osv(osv)),
        }
    }

    /// The version scheme of this ecosystem.
    pub fn scheme(&self) -> Scheme {
        self.base.scheme()
    }

    /// Whether an advisory for `self` applies to a package of `component`: same family, and the same
    /// release when both name one. An advisory without a release covers every release; a component
    /// whose release is unknown is covered by the advisories of every release (the match says so).
    pub fn covers(&self, component: &Ecosystem) -> bool {
        if self.base != component.base {
            return false;
        }
        match (&self.release, &component.release) {
            (Some(a), Some(c)) => release_key(&self.base, a) == release_key(&self.base, c),
            _ => true,
        }
    }
}

/// Compares releases the way they are written in the wild (`v3.20` = `3.20`, `22.04:LTS` = `22.04`).
fn release_key(base: &Base, release: &str) -> String {
    let r = release.trim().to_ascii_lowercase();
    match base {
        Base::Alpine => r.trim_start_matches('v').to_owned(),
        Base::Ubuntu => r.trim_end_matches(":lts").to_owned(),
        _ => r,
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.base.osv_name())?;
        if let Some(r) = &self.release {
            write!(f, ":{r}")?;
        }
        Ok(())
    }
}

impl FromStr for Ecosystem {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Ecosystem::parse(s))
    }
}

/// The name of a package as advisories of `base` spell it, normalized for matching: PEP 503 for
/// PyPI (lower case, runs of `-_.` as one `-`); lower case where the registry is case-insensitive
/// or purls lower-case the name (npm, NuGet, Packagist, Hex, Pub, crates.io, Go module paths);
/// as written elsewhere (Maven `group:artifact`, RubyGems, distro packages are case-sensitive).
pub fn normalize_name(base: &Base, name: &str) -> String {
    let name = name.trim();
    match base {
        Base::PyPI => pep503(name),
        Base::Npm | Base::NuGet | Base::Packagist | Base::Hex | Base::Pub | Base::CratesIo => {
            name.to_lowercase()
        }
        Base::Go => name.trim_end_matches('/').to_lowercase(),
        _ => name.to_owned(),
    }
}

/// PEP 503 normalization: lower case, every run of `-`, `_`, `.` replaced by one `-`.
pub fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_sep {
                out.push('-');
            }
            in_sep = true;
        } else {
            out.extend(c.to_lowercase());
            in_sep = false;
        }
    }
    out
}

/// A package named by a purl, in OSV terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackageRef {
    /// The ecosystem (with the distro release when the purl tells it).
    pub ecosystem: Ecosystem,
    /// The package name as OSV spells it, normalized with [`normalize_name`].
    pub name: String,
    /// The source package (Debian/Ubuntu/Alpine `upstream=`/`source=`, RPM source RPM), if given.
    pub source_name: Option<String>,
    /// The version (an RPM `epoch=` qualifier is prefixed as `epoch:`).
    pub version: Option<String>,
}

impl PackageRef {
    /// The name advisories of this ecosystem use for the package: the source package where the
    /// ecosystem's advisories name source packages and one is known, else the package name.
    pub fn advisory_name(&self) -> &str {
        match &self.source_name {
            Some(s) if self.ecosystem.base.uses_source_packages() => s,
            _ => &self.name,
        }
    }
}

/// Why a purl could not be mapped to an OSV package.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PurlError {
    /// Not a valid purl.
    #[error("invalid purl {purl:?}: {reason}")]
    Invalid {
        /// The purl as given.
        purl: String,
        /// The parser's complaint.
        reason: String,
    },
    /// A valid purl of a type with no OSV ecosystem.
    #[error("purl type {ty:?} has no OSV ecosystem ({purl})")]
    UnsupportedType {
        /// The purl as given.
        purl: String,
        /// Its type.
        ty: String,
    },
}

/// Maps a purl to the OSV ecosystem, name, source name and version advisories use.
pub fn from_purl(purl: &str) -> Result<PackageRef, PurlError> {
    let parsed = packageurl::PackageUrl::from_str(purl.trim()).map_err(|e| PurlError::Invalid {
        purl: purl.to_owned(),
        reason: e.to_string(),
    })?;
    let ty = parsed.ty().to_ascii_lowercase();
    let ns = parsed.namespace().filter(|n| !n.is_empty());
    let name = parsed.name();
    let qualifier = |k: &str| {
        parsed
            .qualifiers()
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.to_string())
            .filter(|v| !v.is_empty())
    };
    let joined = |sep: &str| match ns {
        Some(n) => format!("{n}{sep}{name}"),
        None => name.to_owned(),
    };
    let unsupported = || PurlError::UnsupportedType {
        purl: purl.to_owned(),
        ty: ty.clone(),
    };
    let (ecosystem, raw_name) = match ty.as_str() {
        "npm" => (Ecosystem::new(Base::Npm), joined("/")),
        "pypi" => (Ecosystem::new(Base::PyPI), name.to_owned()),
        "maven" => (Ecosystem::new(Base::Maven), joined(":")),
        "golang" => (Ecosystem::new(Base::Go), joined("/")),
        "cargo" => (Ecosystem::new(Base::CratesIo), name.to_owned()),
        "gem" => (Ecosystem::new(Base::RubyGems), name.to_owned()),
        "nuget" => (Ecosystem::new(Base::NuGet), name.to_owned()),
        "composer" => (Ecosystem::new(Base::Packagist), joined("/")),
        "hex" => (Ecosystem::new(Base::Hex), name.to_owned()),
        "pub" => (Ecosystem::new(Base::Pub), name.to_owned()),
        "hackage" => (Ecosystem::new(Base::Hackage), name.to_owned()),
        "cran" => (Ecosystem::new(Base::Cran), name.to_owned()),
        "conan" => (Ecosystem::new(Base::ConanCenter), name.to_owned()),
        "bitnami" => (Ecosystem::new(Base::Bitnami), name.to_owned()),
        "github" => (Ecosystem::new(Base::GitHubActions), joined("/")),
        "deb" => (
            deb_ecosystem(ns, qualifier("distro")).ok_or_else(unsupported)?,
            name.to_owned(),
        ),
        // Old syft versions wrote `pkg:alpine/...`.
        "apk" | "alpine" => (
            apk_ecosystem(ns, qualifier("distro")).ok_or_else(unsupported)?,
            name.to_owned(),
        ),
        "rpm" => (
            rpm_ecosystem(ns, qualifier("distro")).ok_or_else(unsupported)?,
            name.to_owned(),
        ),
        _ => return Err(unsupported()),
    };
    let source_name = qualifier("upstream")
        .or_else(|| qualifier("source"))
        .and_then(|s| source_package_name(&ty, &s));
    let version = parsed.version().map(|v| match qualifier("epoch") {
        Some(e) if ty == "rpm" && !v.contains(':') => format!("{e}:{v}"),
        _ => v.to_owned(),
    });
    let name = normalize_name(&ecosystem.base, &raw_name);
    Ok(PackageRef {
        ecosystem,
        name,
        source_name,
        version,
    })
}

/// The source package name in an `upstream=`/`source=` qualifier: `openssl`, `openssl@3.0.11-1`,
/// `openssl 3.0.11-1`, or for RPM a source RPM file name `openssl-3.0.7-1.el9.src.rpm`.
fn source_package_name(ty: &str, raw: &str) -> Option<String> {
    let raw = raw.trim();
    if ty == "rpm" {
        let stem = raw
            .strip_suffix(".src.rpm")
            .or_else(|| raw.strip_suffix(".rpm"))
            .unwrap_or(raw);
        if stem.len() != raw.len() {
            // name-version-release
            let (nv, _release) = stem.rsplit_once('-')?;
            let (n, _version) = nv.rsplit_once('-')?;
            return (!n.is_empty()).then(|| n.to_owned());
        }
    }
    let name = raw.split(['@', ' ']).next().unwrap_or("").trim();
    (!name.is_empty()).then(|| name.to_owned())
}

/// Debian releases by code name.
const DEBIAN_CODENAMES: [(&str, &str); 9] = [
    ("wheezy", "7"),
    ("jessie", "8"),
    ("stretch", "9"),
    ("buster", "10"),
    ("bullseye", "11"),
    ("bookworm", "12"),
    ("trixie", "13"),
    ("forky", "14"),
    ("duke", "15"),
];

/// Ubuntu releases by code name.
const UBUNTU_CODENAMES: [(&str, &str); 10] = [
    ("trusty", "14.04"),
    ("xenial", "16.04"),
    ("bionic", "18.04"),
    ("focal", "20.04"),
    ("jammy", "22.04"),
    ("kinetic", "22.10"),
    ("lunar", "23.04"),
    ("mantic", "23.10"),
    ("noble", "24.04"),
    ("oracular", "24.10"),
];

/// `distro=debian-12` / `debian-12.5` / `bookworm` / `12` → `12`; `ubuntu-22.04` / `jammy` →
/// `22.04:LTS` (OSV names LTS releases so).
fn deb_ecosystem(ns: Option<&str>, distro: Option<String>) -> Option<Ecosystem> {
    let ns = ns.map(str::to_ascii_lowercase);
    let distro = distro.map(|d| d.to_ascii_lowercase());
    let is_ubuntu = ns.as_deref() == Some("ubuntu")
        || distro.as_deref().is_some_and(|d| {
            d.starts_with("ubuntu") || UBUNTU_CODENAMES.iter().any(|(c, _)| d == *c)
        });
    if is_ubuntu {
        let release = distro.as_deref().and_then(|d| {
            let d = d
                .trim_start_matches("ubuntu")
                .trim_start_matches(['-', ':']);
            let num = UBUNTU_CODENAMES
                .iter()
                .find(|(c, _)| *c == d)
                .map(|(_, n)| (*n).to_owned())
                .or_else(|| {
                    let mut parts = d.split('.');
                    let major = parts.next().filter(|p| !p.is_empty())?;
                    let minor = parts.next()?;
                    Some(format!("{major}.{minor}"))
                })?;
            let lts = num.ends_with(".04")
                && num
                    .split('.')
                    .next()
                    .and_then(|m| m.parse::<u32>().ok())
                    .is_some_and(|m| m % 2 == 0);
            Some(if lts { format!("{num}:LTS") } else { num })
        });
        return Some(Ecosystem {
            base: Base::Ubuntu,
            release,
        });
    }
    if ns.as_deref().is_some_and(|n| n != "debian") {
        return None;
    }
    let release = distro.as_deref().and_then(|d| {
        let d = d
            .trim_start_matches("debian")
            .trim_start_matches(['-', ':']);
        DEBIAN_CODENAMES
            .iter()
            .find(|(c, _)| *c == d)
            .map(|(_, n)| (*n).to_owned())
            .or_else(|| {
                let major = d
                    .split('.')
                    .next()
                    .filter(|m| m.bytes().all(|b| b.is_ascii_digit()))?;
                (!major.is_empty()).then(|| major.to_owned())
            })
    });
    Some(Ecosystem {
        base: Base::Debian,
        release,
    })
}

/// `distro=3.20.1` / `alpine-3.20.1` / `v3.20` → `v3.20`.
fn apk_ecosystem(ns: Option<&str>, distro: Option<String>) -> Option<Ecosystem> {
    let ns = ns.map(str::to_ascii_lowercase);
    let base = match ns.as_deref() {
        None | Some("alpine") => Base::Alpine,
        Some("wolfi") => return Some(Ecosystem::new(Base::Wolfi)),
        Some("chainguard") => return Some(Ecosystem::new(Base::Chainguard)),
        Some(_) => return None,
    };
    let release = distro.as_deref().and_then(|d| {
        let d = d.to_ascii_lowercase();
        let d = d
            .trim_start_matches("alpine")
            .trim_start_matches(['-', ':']);
        let d = d.trim_start_matches('v');
        let mut parts = d.split('.');
        let major = parts
            .next()
            .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))?;
        let minor = parts
            .next()
            .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))?;
        Some(format!("v{major}.{minor}"))
    });
    Some(Ecosystem { base, release })
}

/// RPM distros by namespace; the release is the major version from `distro=` when it is plain
/// (`almalinux-9.3` → `AlmaLinux:9`). Red Hat, openSUSE and SUSE ecosystems carry product names
/// that a purl does not give, so they get no release.
fn rpm_ecosystem(ns: Option<&str>, distro: Option<String>) -> Option<Ecosystem> {
    let ns = ns.map(str::to_ascii_lowercase)?;
    let major = || {
        distro.as_deref().and_then(|d| {
            let digits: String = d
                .chars()
                .skip_while(|c| !c.is_ascii_digit())
                .take_while(|c| c.is_ascii_digit())
                .collect();
            (!digits.is_empty()).then_some(digits)
        })
    };
    Some(match ns.as_str() {
        "redhat" | "rhel" => Ecosystem::new(Base::RedHat),
        "almalinux" | "alma" => Ecosystem {
            base: Base::AlmaLinux,
            release: major(),
        },
        "rocky" | "rocky-linux" | "rockylinux" => Ecosystem {
            base: Base::RockyLinux,
            release: major(),
        },
        "opensuse" => Ecosystem::new(Base::OpenSuse),
        "suse" | "sles" => Ecosystem::new(Base::Suse),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecosystems_round_trip() {
        for s in [
            "PyPI",
            "crates.io",
            "Debian:12",
            "Alpine:v3.20",
            "Red Hat:enterprise_linux:9",
            "Foo",
        ] {
            assert_eq!(Ecosystem::parse(s).to_string(), s);
        }
        assert_eq!(Ecosystem::parse("pypi").base, Base::PyPI);
    }

    #[test]
    fn purls_map_to_osv() {
        let p = from_purl("pkg:pypi/Django_Rest.Framework@3.0").unwrap();
        assert_eq!(
            (p.ecosystem.to_string().as_str(), p.name.as_str()),
            ("PyPI", "django-rest-framework")
        );
        let p = from_purl("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1").unwrap();
        assert_eq!(p.name, "org.apache.logging.log4j:log4j-core");
        let p = from_purl("pkg:npm/%40babel/core@7.0.0").unwrap();
        assert_eq!(p.name, "@babel/core");
        let p = from_purl(
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl",
        )
        .unwrap();
        assert_eq!(p.ecosystem.to_string(), "Debian:12");
        assert_eq!(p.advisory_name(), "openssl");
        let p = from_purl("pkg:deb/debian/curl@7.88.1?distro=bookworm").unwrap();
        assert_eq!(p.ecosystem.to_string(), "Debian:12");
        let p = from_purl("pkg:apk/alpine/musl@1.2.5-r0?distro=3.20.1").unwrap();
        assert_eq!(p.ecosystem.to_string(), "Alpine:v3.20");
        let p = from_purl("pkg:rpm/almalinux/openssl@3.0.7-1.el9?epoch=1&distro=almalinux-9.3")
            .unwrap();
        assert_eq!(p.ecosystem.to_string(), "AlmaLinux:9");
        assert_eq!(p.version.as_deref(), Some("1:3.0.7-1.el9"));
        assert!(matches!(
            from_purl("pkg:docker/nginx@1"),
            Err(PurlError::UnsupportedType { .. })
        ));
        assert!(matches!(
            from_purl("not a purl"),
            Err(PurlError::Invalid { .. })
        ));
    }

    #[test]
    fn advisory_release_covers_component() {
        let adv = Ecosystem::parse("Alpine:v3.20");
        assert!(adv.covers(&Ecosystem::parse("Alpine:3.20")));
        assert!(!adv.covers(&Ecosystem::parse("Alpine:v3.19")));
        assert!(Ecosystem::parse("Debian").covers(&Ecosystem::parse("Debian:12")));
    }
}
