//! Vulnerability intelligence: what Rampart knows about advisories, independent of any scan.
//!
//! This crate owns:
//! - [`version`]: one version scheme per ecosystem family (SemVer, Go, PEP 440, Maven, dpkg, RPM,
//!   apk, RubyGems, NuGet, Packagist, Hackage, CRAN, generic), behind one trait;
//! - [`osv`]: OSV records (JSON and YAML, read leniently) and the evaluation of their affected
//!   ranges against a version, with OSV's semantics;
//! - [`ecosystem`]: purl type ⇄ OSV ecosystem mapping, package-name normalization, distro releases;
//! - [`aliases`]: alias groups (CVE ⇄ GHSA ⇄ PYSEC ...) merged transitively;
//! - [`feeds`]: CISA KEV, EPSS and CWE catalog readers, and feed-kind detection;
//! - [`matching`]: an inventory's components against an advisory index, direct vs transitive;
//! - [`observe`]: a match as an observation of tool `rampart` (aliases, range, fixes, scored
//!   CVSS, EPSS, KEV).
//!
//! It must never do IO (it parses bytes and strings it is given; callers read files and networks),
//! never panic on input, and depends only on `rampart-model` among Rampart crates.

pub mod aliases;
pub mod ecosystem;
pub mod feeds;
pub mod matching;
pub mod observe;
pub mod osv;
pub mod version;
