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

use std::cmp::Ordering;

use super::{Affected, Event, Range, RangeKind};
use crate::version::{Scheme, Version, VersionError};

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
pub fn affected(entry: &Affected, version: &str) -> Affectedness {
    let by_ranges = evaluate_ranges(entry, version);
    if by_ranges.is_affected() {
        return by_ranges;
    }
    if is_listed(entry, version) {
        return Affectedness::Affected(AffectedBy::Listed);
    }
    match by_ranges {
        Affectedness::Unknown(Unknown::GitRangesNotEvaluable) if !entry.versions.is_empty() => {
            Affectedness::NotAffected
        }
        Affectedness::Unknown(Unknown::NoVersionInfo) if !entry.versions.is_empty() => {
            Affectedness::NotAffected
        }
        other => other,
    }
}

/// Whether `version` is in the entry's `versions` list: same string, or equal under the
/// ecosystem's scheme (`1.0` = `1.0.0` for Maven).
fn is_listed(entry: &Affected, version: &str) -> bool {
    let version = version.trim();
    if entry.versions.iter().any(|v| v.trim() == version) {
        return true;
    }
    let Some(scheme) = entry.ecosystem().map(|e| e.scheme()) else {
        return false;
    };
    let Ok(target) = scheme.parse(version) else {
        return false;
    };
    entry
        .versions
        .iter()
        .any(|v| scheme.parse(v).is_ok_and(|listed| listed == target))
}

/// Evaluates `version` against the entry's ranges only (the `versions` list is ignored).
pub fn evaluate_ranges(entry: &Affected, version: &str) -> Affectedness {
    if entry.ranges.is_empty() {
        return Affectedness::Unknown(Unknown::NoVersionInfo);
    }
    let ecosystem_scheme = entry.ecosystem().map(|e| e.scheme());
    let mut problem: Option<Unknown> = None;
    let mut saw_git = false;
    let mut unsupported: Option<String> = None;
    for (i, range) in entry.ranges.iter().enumerate() {
        let scheme = match &range.kind {
            RangeKind::Git => {
                saw_git = true;
                continue;
            }
            RangeKind::Other(kind) => {
                unsupported.get_or_insert_with(|| kind.clone());
                continue;
            }
            RangeKind::Semver => Scheme::SemVer,
            RangeKind::Ecosystem => match ecosystem_scheme {
                Some(s) => s,
                None => {
                    problem.get_or_insert(Unknown::NoEcosystem);
                    continue;
                }
            },
        };
        let target = match scheme.parse(version) {
            Ok(t) => t,
            Err(e) => {
                problem.get_or_insert(Unknown::UnparsableVersion(e));
                continue;
            }
        };
        match range_contains(range, scheme, &target) {
            Ok(Some((introduced, until))) => {
                return Affectedness::Affected(AffectedBy::Range {
                    range: i,
                    introduced,
                    until,
                });
            }
            Ok(None) => {}
            Err(error) => {
                problem.get_or_insert(Unknown::UnparsableEvent { range: i, error });
            }
        }
    }
    if let Some(p) = problem {
        Affectedness::Unknown(p)
    } else if saw_git {
        Affectedness::Unknown(Unknown::GitRangesNotEvaluable)
    } else if let Some(kind) = unsupported {
        Affectedness::Unknown(Unknown::UnsupportedRangeType(kind))
    } else {
        Affectedness::NotAffected
    }
}

/// An event with its parsed version (`None` for `introduced: "0"`).
struct Parsed<'a> {
    event: &'a Event,
    version: Option<Version>,
}

fn parse_events<'a>(range: &'a Range, scheme: Scheme) -> Result<Vec<Parsed<'a>>, VersionError> {
    let mut out = Vec::with_capacity(range.events.len());
    for event in &range.events {
        let Some(raw) = event.version() else { continue };
        let version = match event {
            Event::Introduced(v) if v.trim() == "0" => None,
            _ => Some(scheme.parse(raw)?),
        };
        out.push(Parsed { event, version });
    }
    // Stable: events at equal versions keep their written order.
    out.sort_by(|a, b| match (&a.version, &b.version) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => x.cmp(y),
    });
    Ok(out)
}

/// Whether `target` is inside `range` (a SEMVER or ECOSYSTEM range read with `scheme`): the
/// matching interval's introduced version and closing bound, or `None`.
pub fn range_contains(
    range: &Range,
    scheme: Scheme,
    target: &Version,
) -> Result<Option<(String, Option<Bound>)>, VersionError> {
    let events = parse_events(range, scheme)?;
    let limits: Vec<&Parsed> = events
        .iter()
        .filter(|p| matches!(p.event, Event::Limit(_)))
        .collect();
    let max_limit = limits.iter().filter_map(|p| p.version.as_ref()).max();
    if let Some(limit) = max_limit
        && target >= limit
    {
        return Ok(None);
    }
    let at_or_after = |start: &Option<Version>| start.as_ref().is_none_or(|s| target >= s);
    let mut open: Option<(&Option<Version>, &str)> = None;
    for p in &events {
        match p.event {
            Event::Introduced(raw) => {
                if open.is_none() {
                    open = Some((&p.version, raw));
                }
            }
            Event::Fixed(raw) | Event::LastAffected(raw) => {
                let Some((start, introduced)) = open.take() else {
                    continue;
                };
                let Some(end) = &p.version else { continue };
                let below_end = match p.event {
                    Event::Fixed(_) => target < end,
                    _ => target <= end,
                };
                if at_or_after(start) && below_end {
                    let bound = match p.event {
                        Event::Fixed(_) => Bound::Fixed(raw.clone()),
                        _ => Bound::LastAffected(raw.clone()),
                    };
                    return Ok(Some((introduced.to_owned(), Some(bound))));
                }
            }
            Event::Limit(_) | Event::Unknown => {}
        }
    }
    if let Some((start, introduced)) = open
        && at_or_after(start)
    {
        let until = limits
            .iter()
            .filter(|p| p.version.as_ref() == max_limit)
            .find_map(|p| p.event.version())
            .map(|l| Bound::Limit(l.to_owned()));
        return Ok(Some((introduced.to_owned(), until)));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::super::{Affected, Package};
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
