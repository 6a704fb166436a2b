//! Whether a package version is affected by an OSV `affected[]` entry, with OSV's semantics:
//!
//! * ranges are OR-ed; each SEMVER range orders versions by SemVer 2.0, each ECOSYSTEM range by the
//!   package ecosystem's scheme ([`crate::ecosystem::Base::scheme`]);
//! * a range's events are sorted by version (`introduced: "0"` first, ties kept in written order)
//!   and read as intervals: `introduced` opens one (inclusive), `fixed` closes it (exclusive),
//!   `last_affected` closes it (inclusive), an interval never closed runs to infinity;
//! * `limit`: a version at or above every `limit` of a range is not affected by that range;
//! * `versions` is an exact list (string equality, or equality under the scheme);
//! * GIT ranges order commits, not versions: they are reported as not evaluable, never guessed.
//!   When the entry also enumerates `versions` (which the schema defines as covering the GIT
//!   ranges), the list decides.

use super::Affected;
use super::compiled::{CompiledAffected, Targets};
use crate::version::VersionError;

/// The closing bound of the interval that matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bound {
    /// Exclusive: this version is fixed.
    Fixed(String),
    /// Inclusive: this is the last affected version.
    LastAffected(String),
    /// Open-ended interval capped by the range's `limit`.
    Limit(String),
}

/// What made a version affected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AffectedBy {
    /// An interval of `ranges[range]`: from `introduced` (`0` = the beginning) until `until`
    /// (`None`: no fix).
    Range {
        /// Position of the range in `affected.ranges`.
        range: usize,
        /// The opening event's version.
        introduced: String,
        /// The closing bound, if any.
        until: Option<Bound>,
    },
    /// The version is in the entry's `versions` list.
    Listed,
}

/// Why affectedness could not be decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unknown {
    /// Only GIT ranges (commit ranges) and no `versions` list: not evaluable against a version.
    GitRangesNotEvaluable,
    /// The version being checked does not parse under the range's scheme.
    UnparsableVersion(VersionError),
    /// An event version of `ranges[range]` does not parse under the scheme.
    UnparsableEvent {
        /// Position of the range.
        range: usize,
        /// The parse error.
        error: VersionError,
    },
    /// An ECOSYSTEM range on an entry without a package ecosystem.
    NoEcosystem,
    /// A range type this crate does not know.
    UnsupportedRangeType(String),
    /// The entry has neither ranges nor versions.
    NoVersionInfo,
}

/// The verdict for one version against one `affected[]` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Affectedness {
    /// Affected, and why.
    Affected(AffectedBy),
    /// Not affected.
    NotAffected,
    /// Cannot be decided, and why.
    Unknown(Unknown),
}

impl Affectedness {
    /// Whether the verdict is [`Affectedness::Affected`].
    pub fn is_affected(&self) -> bool {
        matches!(self, Affectedness::Affected(_))
    }
}

/// Evaluates `version` against the entry: ranges, then the `versions` list (see the module docs).
/// Compiles the entry on the spot; to evaluate many versions, keep a
/// [`super::compiled::CompiledAffected`] (as [`super::AdvisoryIndex`] does).
pub fn affected(entry: &Affected, version: &str) -> Affectedness {
    CompiledAffected::new(entry).evaluate(entry, &mut Targets::new(version))
}

/// Evaluates `version` against the entry's ranges only (the `versions` list is ignored).
pub fn evaluate_ranges(entry: &Affected, version: &str) -> Affectedness {
    CompiledAffected::new(entry).evaluate_ranges(entry, &mut Targets::new(version))
}

#[cfg(test)]
mod tests {
    use super::super::{Affected, Event, Package, Range, RangeKind};
    use super::*;

    fn entry(eco: &str, kind: RangeKind, events: Vec<Event>, versions: &[&str]) -> Affected {
        Affected {
            package: Some(Package {
                ecosystem: eco.into(),
                name: "p".into(),
                purl: None,
            }),
            ranges: vec![Range {
                kind,
                events,
                ..Range::default()
            }],
            versions: versions.iter().map(|s| s.to_string()).collect(),
            ..Affected::default()
        }
    }

    fn intro(v: &str) -> Event {
        Event::Introduced(v.into())
    }
    fn fixed(v: &str) -> Event {
        Event::Fixed(v.into())
    }

    #[test]
    fn osv_range_semantics() {
        let e = entry(
            "PyPI",
            RangeKind::Ecosystem,
            vec![
                intro("0"),
                fixed("1.5"),
                intro("2.0"),
                Event::LastAffected("2.3".into()),
            ],
            &[],
        );
        assert!(affected(&e, "0.1").is_affected());
        assert_eq!(affected(&e, "1.5"), Affectedness::NotAffected);
        assert!(affected(&e, "2.3").is_affected());
        assert_eq!(affected(&e, "2.3.1"), Affectedness::NotAffected);
        // Events out of order are sorted.
        let e = entry(
            "npm",
            RangeKind::Semver,
            vec![fixed("2.0.0"), intro("1.0.0")],
            &[],
        );
        assert!(affected(&e, "1.9.9").is_affected());
        assert_eq!(affected(&e, "0.9.0"), Affectedness::NotAffected);
        // Limit caps an open range.
        let e = entry(
            "npm",
            RangeKind::Semver,
            vec![intro("1.0.0"), Event::Limit("3.0.0".into())],
            &[],
        );
        assert!(affected(&e, "2.0.0").is_affected());
        assert_eq!(affected(&e, "3.0.0"), Affectedness::NotAffected);
    }

    #[test]
    fn git_ranges_are_not_guessed() {
        let e = entry(
            "OSS-Fuzz",
            RangeKind::Git,
            vec![intro("abc"), fixed("def")],
            &[],
        );
        assert_eq!(
            affected(&e, "1.0"),
            Affectedness::Unknown(Unknown::GitRangesNotEvaluable)
        );
        let e = entry(
            "OSS-Fuzz",
            RangeKind::Git,
            vec![intro("abc"), fixed("def")],
            &["1.0"],
        );
        assert_eq!(
            affected(&e, "1.0"),
            Affectedness::Affected(AffectedBy::Listed)
        );
        assert_eq!(affected(&e, "1.1"), Affectedness::NotAffected);
    }

    #[test]
    fn bad_versions_are_reported() {
        let e = entry(
            "npm",
            RangeKind::Semver,
            vec![intro("0"), fixed("1.0.0")],
            &[],
        );
        assert!(matches!(
            affected(&e, "latest"),
            Affectedness::Unknown(Unknown::UnparsableVersion(_))
        ));
        let e = entry(
            "npm",
            RangeKind::Semver,
            vec![intro("0"), fixed("next")],
            &[],
        );
        assert!(matches!(
            affected(&e, "1.0.0"),
            Affectedness::Unknown(Unknown::UnparsableEvent { .. })
        ));
    }
}
