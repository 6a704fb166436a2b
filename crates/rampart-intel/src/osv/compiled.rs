//! An `affected[]` entry compiled for evaluation: each range's events parsed once under its
//! scheme and sorted, the `versions` list sorted as text and (on first use) parsed and sorted
//! under the ecosystem's scheme. [`super::eval::affected`] is this form's evaluation of an entry
//! compiled on the spot; [`super::AdvisoryIndex`] keeps one compiled form per indexed entry, so
//! matching many components parses each advisory's versions once, and each component's version
//! once per scheme ([`Targets`]).
//!
//! The compiled form keeps positions into the entry, not copies of its strings: evaluate it
//! against the same [`Affected`] it was compiled from.

use std::sync::OnceLock;

use super::eval::{AffectedBy, Affectedness, Bound, Unknown};
use super::{Affected, Event, RangeKind};
use crate::version::{Scheme, Version, VersionError};

/// A component version, parsed on demand under each scheme an advisory asks for (once each).
pub struct Targets<'v> {
    raw: &'v str,
    parsed: [Option<Result<Version, VersionError>>; Scheme::ALL.len()],
}

impl<'v> Targets<'v> {
    /// The version `raw`, not parsed yet.
    pub fn new(raw: &'v str) -> Targets<'v> {
        Targets {
            raw,
            parsed: Default::default(),
        }
    }

    /// The version as given.
    pub fn raw(&self) -> &'v str {
        self.raw
    }

    /// The version parsed under `scheme` (parsed at the first call).
    pub fn get(&mut self, scheme: Scheme) -> &Result<Version, VersionError> {
        let raw = self.raw;
        self.parsed[scheme as usize].get_or_insert_with(|| scheme.parse(raw))
    }
}

/// One event of a range: its position in `range.events` and its parsed version (`None` for
/// `introduced: "0"`).
#[derive(Clone, Debug)]
struct ParsedEvent {
    at: usize,
    version: Option<Version>,
}

/// The events of an evaluable range, sorted (stable: equal versions keep their written order),
/// with the highest `limit`.
#[derive(Clone, Debug)]
struct Events {
    sorted: Vec<ParsedEvent>,
    /// Position (in `sorted`) of the first `limit` event at the highest limit version.
    max_limit: Option<usize>,
}

#[derive(Clone, Debug)]
enum CompiledRange {
    Git,
    Other,
    NoEcosystem,
    Evaluable {
        scheme: Scheme,
        events: Result<Events, VersionError>,
    },
}

/// The `versions` list, sorted as text and (lazily) as versions of the ecosystem's scheme.
#[derive(Debug, Default)]
struct Listed {
    text: Vec<Box<str>>,
    parsed: OnceLock<Vec<Version>>,
}

impl Clone for Listed {
    fn clone(&self) -> Self {
        Listed {
            text: self.text.clone(),
            parsed: self.parsed.clone(),
        }
    }
}

/// An `affected[]` entry ready for evaluation (see the module docs).
#[derive(Clone, Debug)]
pub struct CompiledAffected {
    /// The ecosystem's scheme (`None` without a package ecosystem).
    scheme: Option<Scheme>,
    ranges: Vec<CompiledRange>,
    listed: Listed,
}

fn compile_events(entry: &Affected, range: usize, scheme: Scheme) -> Result<Events, VersionError> {
    let Some(r) = entry.ranges.get(range) else {
        return Ok(Events {
            sorted: Vec::new(),
            max_limit: None,
        });
    };
    let mut sorted = Vec::with_capacity(r.events.len());
    for (at, event) in r.events.iter().enumerate() {
        let Some(raw) = event.version() else { continue };
        let version = match event {
            Event::Introduced(v) if v.trim() == "0" => None,
            _ => Some(scheme.parse(raw)?),
        };
        sorted.push(ParsedEvent { at, version });
    }
    sorted.sort_by(|a, b| match (&a.version, &b.version) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (Some(x), Some(y)) => x.cmp(y),
    });
    let is_limit = |p: &ParsedEvent| matches!(r.events.get(p.at), Some(Event::Limit(_)));
    let max_version = sorted
        .iter()
        .filter(|p| is_limit(p))
        .filter_map(|p| p.version.as_ref())
        .max();
    let max_limit = max_version.and_then(|m| {
        sorted
            .iter()
            .position(|p| is_limit(p) && p.version.as_ref() == Some(m))
    });
    Ok(Events { sorted, max_limit })
}

impl CompiledAffected {
    /// Compiles `entry`: parses every event version of its SEMVER and ECOSYSTEM ranges.
    pub fn new(entry: &Affected) -> CompiledAffected {
        let scheme = entry.ecosystem().map(|e| e.scheme());
        let ranges = entry
            .ranges
            .iter()
            .enumerate()
            .map(|(i, range)| {
                let s = match &range.kind {
                    RangeKind::Git => return CompiledRange::Git,
                    RangeKind::Other(_) => return CompiledRange::Other,
                    RangeKind::Semver => Scheme::SemVer,
                    RangeKind::Ecosystem => match scheme {
                        Some(s) => s,
                        None => return CompiledRange::NoEcosystem,
                    },
                };
                CompiledRange::Evaluable {
                    scheme: s,
                    events: compile_events(entry, i, s),
                }
            })
            .collect();
        let mut text: Vec<Box<str>> = entry.versions.iter().map(|v| v.trim().into()).collect();
        text.sort_unstable();
        text.dedup();
        CompiledAffected {
            scheme,
            ranges,
            listed: Listed {
                text,
                parsed: OnceLock::new(),
            },
        }
    }

    /// The verdict for `version` (see [`super::eval`] for the semantics). `entry` must be the
    /// entry this was compiled from.
    pub fn evaluate(&self, entry: &Affected, version: &mut Targets<'_>) -> Affectedness {
        let by_ranges = self.evaluate_ranges(entry, version);
        if by_ranges.is_affected() {
            return by_ranges;
        }
        if self.is_listed(version) {
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

    /// Whether the version is in the entry's `versions` list: same string, or equal under the
    /// ecosystem's scheme (`1.0` = `1.0.0` for Maven).
    fn is_listed(&self, version: &mut Targets<'_>) -> bool {
        if self.listed.text.is_empty() {
            return false;
        }
        let trimmed = version.raw().trim();
        if self
            .listed
            .text
            .binary_search_by(|v| (**v).cmp(trimmed))
            .is_ok()
        {
            return true;
        }
        let Some(scheme) = self.scheme else {
            return false;
        };
        let parsed = self.listed.parsed.get_or_init(|| {
            let mut v: Vec<Version> = self
                .listed
                .text
                .iter()
                .filter_map(|s| scheme.parse(s).ok())
                .collect();
            v.sort();
            v
        });
        if parsed.is_empty() {
            return false;
        }
        let target = if trimmed.len() == version.raw().len() {
            match version.get(scheme) {
                Ok(t) => t.clone(),
                Err(_) => return false,
            }
        } else {
            match scheme.parse(trimmed) {
                Ok(t) => t,
                Err(_) => return false,
            }
        };
        parsed.binary_search(&target).is_ok()
    }

    /// The verdict of the ranges alone (the `versions` list is ignored).
    pub fn evaluate_ranges(&self, entry: &Affected, version: &mut Targets<'_>) -> Affectedness {
        if self.ranges.is_empty() {
            return Affectedness::Unknown(Unknown::NoVersionInfo);
        }
        let mut problem: Option<Unknown> = None;
        let mut saw_git = false;
        let mut unsupported: Option<String> = None;
        for (i, range) in self.ranges.iter().enumerate() {
            let (scheme, events) = match range {
                CompiledRange::Git => {
                    saw_git = true;
                    continue;
                }
                CompiledRange::Other => {
                    if unsupported.is_none()
                        && let Some(RangeKind::Other(kind)) = entry.ranges.get(i).map(|r| &r.kind)
                    {
                        unsupported = Some(kind.clone());
                    }
                    continue;
                }
                CompiledRange::NoEcosystem => {
                    problem.get_or_insert(Unknown::NoEcosystem);
                    continue;
                }
                CompiledRange::Evaluable { scheme, events } => (*scheme, events),
            };
            let target = match version.get(scheme) {
                Ok(t) => t,
                Err(e) => {
                    if problem.is_none() {
                        problem = Some(Unknown::UnparsableVersion(e.clone()));
                    }
                    continue;
                }
            };
            let events = match events {
                Ok(ev) => ev,
                Err(error) => {
                    if problem.is_none() {
                        problem = Some(Unknown::UnparsableEvent {
                            range: i,
                            error: error.clone(),
                        });
                    }
                    continue;
                }
            };
            let Some(range_def) = entry.ranges.get(i) else {
                continue;
            };
            if let Some((introduced, until)) = contains(events, &range_def.events, target) {
                return Affectedness::Affected(AffectedBy::Range {
                    range: i,
                    introduced,
                    until,
                });
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
}

/// Whether `target` is inside the range whose written events are `written` and sorted, parsed
/// events `events`: the matching interval's introduced version and closing bound, or `None`.
fn contains(
    events: &Events,
    written: &[Event],
    target: &Version,
) -> Option<(String, Option<Bound>)> {
    let max_limit = events
        .max_limit
        .and_then(|i| events.sorted.get(i))
        .and_then(|p| p.version.as_ref());
    if let Some(limit) = max_limit
        && target >= limit
    {
        return None;
    }
    let at_or_after = |start: &Option<Version>| start.as_ref().is_none_or(|s| target >= s);
    let mut open: Option<(&Option<Version>, &str)> = None;
    for p in &events.sorted {
        let Some(event) = written.get(p.at) else {
            continue;
        };
        match event {
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
                let below_end = match event {
                    Event::Fixed(_) => target < end,
                    _ => target <= end,
                };
                if at_or_after(start) && below_end {
                    let bound = match event {
                        Event::Fixed(_) => Bound::Fixed(raw.clone()),
                        _ => Bound::LastAffected(raw.clone()),
                    };
                    return Some((introduced.to_owned(), Some(bound)));
                }
            }
            Event::Limit(_) | Event::Unknown => {}
        }
    }
    if let Some((start, introduced)) = open
        && at_or_after(start)
    {
        let until = events
            .max_limit
            .and_then(|i| events.sorted.get(i))
            .and_then(|p| written.get(p.at))
            .and_then(Event::version)
            .map(|l| Bound::Limit(l.to_owned()));
        return Some((introduced.to_owned(), until));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::{Affected, Package, Range};
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

    #[test]
    fn one_compiled_entry_answers_every_version() {
        let e = entry(
            "Maven",
            RangeKind::Ecosystem,
            vec![
                Event::Introduced("2.0".into()),
                Event::Fixed("2.3.1".into()),
                Event::Limit("3.0".into()),
                Event::Introduced("2.4".into()),
            ],
            &["1.0", " 1.5.0 "],
        );
        let c = CompiledAffected::new(&e);
        let verdict = |v: &str| c.evaluate(&e, &mut Targets::new(v));
        assert_eq!(
            verdict("2.1"),
            Affectedness::Affected(AffectedBy::Range {
                range: 0,
                introduced: "2.0".into(),
                until: Some(Bound::Fixed("2.3.1".into())),
            })
        );
        assert_eq!(
            verdict("2.9"),
            Affectedness::Affected(AffectedBy::Range {
                range: 0,
                introduced: "2.4".into(),
                until: Some(Bound::Limit("3.0".into())),
            })
        );
        assert_eq!(verdict("3.0"), Affectedness::NotAffected);
        assert_eq!(verdict("2.3.1"), Affectedness::NotAffected);
        // Listed: same text once trimmed, or equal under Maven's ordering.
        assert_eq!(verdict("1.5.0"), Affectedness::Affected(AffectedBy::Listed));
        assert_eq!(verdict("1.0.0"), Affectedness::Affected(AffectedBy::Listed));
        assert_eq!(verdict("1.1"), Affectedness::NotAffected);
        // The compiled form gives what the one-shot evaluation gives.
        for v in [
            "0.1", "1.0", "2.0", "2.3", "2.3.1", "2.4", "2.99", "3.0", "3.1",
        ] {
            assert_eq!(verdict(v), super::super::affected(&e, v), "{v}");
        }
    }

    #[test]
    fn a_version_is_parsed_once_per_scheme() {
        let mut t = Targets::new("1.2.3");
        assert!(t.get(Scheme::SemVer).is_ok());
        assert!(t.get(Scheme::Maven).is_ok());
        assert!(t.parsed[Scheme::SemVer as usize].is_some());
        assert!(t.parsed[Scheme::Pep440 as usize].is_none());
        let mut bad = Targets::new("not..a..version");
        assert!(bad.get(Scheme::SemVer).is_err());
        // An unparsable version is reported by every range that needs it, not guessed.
        let e = entry(
            "npm",
            RangeKind::Semver,
            vec![Event::Introduced("0".into()), Event::Fixed("1.0.0".into())],
            &[],
        );
        assert!(matches!(
            CompiledAffected::new(&e).evaluate(&e, &mut bad),
            Affectedness::Unknown(Unknown::UnparsableVersion(_))
        ));
    }
}
