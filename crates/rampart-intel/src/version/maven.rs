//! Maven versions, ordered as `org.apache.maven.artifact.versioning.ComparableVersion` (maven-artifact
//! 3.8) orders them: the string is cut at `.`, `-` and digit/letter transitions into numbers and
//! qualifiers; `-` and transitions open a sub-list; trailing "null" items (`0`, `ga`, `final`,
//! `release`, empty) are dropped; known qualifiers order `alpha < beta < milestone < rc = cr <
//! snapshot < "" = ga = final = release < sp`, unknown ones after them, alphabetically.

use std::cmp::Ordering;

use super::num::Num;
use super::{Scheme, VersionError};

/// Well-known qualifiers in order; the empty string is the release.
const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
/// Position of the release ("") in [`QUALIFIERS`].
const RELEASE_INDEX: usize = 5;

#[derive(Clone, Debug)]
enum Item {
    Int(Num),
    Str(Qualifier),
    List(Vec<Item>),
}

/// A qualifier's comparable form: known qualifiers by index, unknown ones after them by text
/// (Maven compares `"7-" + text` with the indices as strings; this is the same order).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Qualifier {
    Known(usize),
    Unknown(String),
}

impl Qualifier {
    fn new(raw: &str, followed_by_digit: bool) -> Qualifier {
        let mut value = raw;
        if followed_by_digit {
            value = match raw {
                "a" => "alpha",
                "b" => "beta",
                "m" => "milestone",
                other => other,
            };
        }
        value = match value {
            "ga" | "final" | "release" => "",
            "cr" => "rc",
            other => other,
        };
        match QUALIFIERS.iter().position(|q| *q == value) {
            Some(i) => Qualifier::Known(i),
            None => Qualifier::Unknown(value.to_owned()),
        }
    }

    fn is_release(&self) -> bool {
        *self == Qualifier::Known(RELEASE_INDEX)
    }
}

impl Item {
    fn is_null(&self) -> bool {
        match self {
            Item::Int(n) => n.is_zero(),
            Item::Str(q) => q.is_release(),
            Item::List(items) => items.is_empty(),
        }
    }

    /// `self.compareTo(other)`; `None` stands for a missing item (the shorter list's padding).
    fn compare(&self, other: Option<&Item>) -> Ordering {
        match (self, other) {
            (Item::Int(n), None) => {
                if n.is_zero() {
                    Ordering::Equal
                } else {
                    Ordering::Greater
                }
            }
            (Item::Int(a), Some(Item::Int(b))) => a.cmp(b),
            (Item::Int(_), Some(_)) => Ordering::Greater,
            (Item::Str(q), None) => q.cmp(&Qualifier::Known(RELEASE_INDEX)),
            (Item::Str(_), Some(Item::Int(_) | Item::List(_))) => Ordering::Less,
            (Item::Str(a), Some(Item::Str(b))) => a.cmp(b),
            (Item::List(items), None) => match items.first() {
                None => Ordering::Equal,
                Some(first) => first.compare(None),
            },
            (Item::List(_), Some(Item::Int(_))) => Ordering::Less,
            (Item::List(_), Some(Item::Str(_))) => Ordering::Greater,
            (Item::List(a), Some(Item::List(b))) => compare_lists(a, b),
        }
    }
}

fn compare_lists(a: &[Item], b: &[Item]) -> Ordering {
    for i in 0..a.len().max(b.len()) {
        let o = match (a.get(i), b.get(i)) {
            (None, None) => Ordering::Equal,
            (None, Some(r)) => r.compare(None).reverse(),
            (Some(l), r) => l.compare(r),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// Drops null items from the end, looking past (non-null) sub-lists as Maven does.
fn normalize(items: &mut Vec<Item>) {
    let mut i = items.len();
    while i > 0 {
        i -= 1;
        let Some(item) = items.get(i) else { break };
        if item.is_null() {
            items.remove(i);
        } else if !matches!(item, Item::List(_)) {
            break;
        }
    }
}

/// A parsed Maven version.
#[derive(Clone, Debug)]
pub(crate) struct MavenVersion {
    items: Vec<Item>,
}

/// Builds the nested item lists while parsing: each `-` or transition opens a list inside the
/// current one, and parsing never returns to an outer list.
struct Builder {
    stack: Vec<Vec<Item>>,
}

impl Builder {
    fn push(&mut self, item: Item) {
        if let Some(top) = self.stack.last_mut() {
            top.push(item);
        }
    }

    fn open_list(&mut self) {
        self.stack.push(Vec::new());
    }

    fn finish(mut self) -> Vec<Item> {
        let mut inner: Option<Vec<Item>> = None;
        while let Some(mut list) = self.stack.pop() {
            if let Some(mut child) = inner.take() {
                normalize(&mut child);
                list.push(Item::List(child));
            }
            inner = Some(list);
        }
        let mut root = inner.unwrap_or_default();
        normalize(&mut root);
        root
    }
}

fn parse_item(is_digit: bool, buf: &str) -> Item {
    if is_digit && let Some(n) = Num::parse(buf) {
        return Item::Int(n);
    }
    Item::Str(Qualifier::new(buf, false))
}

impl MavenVersion {
    /// Parses a Maven version (any non-blank string is a Maven version).
    pub(crate) fn parse(input: &str) -> Result<MavenVersion, VersionError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(VersionError::new(Scheme::Maven, input, "empty version"));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(VersionError::new(
                Scheme::Maven,
                input,
                "control character in version",
            ));
        }
        let version = trimmed.to_lowercase();
        let mut b = Builder {
            stack: vec![Vec::new()],
        };
        let mut is_digit = false;
        let mut start = 0;
        for (i, c) in version.char_indices() {
            let piece = version.get(start..i).unwrap_or("");
            if c == '.' || c == '-' {
                if piece.is_empty() {
                    b.push(Item::Int(Num::zero()));
                } else {
                    b.push(parse_item(is_digit, piece));
                }
                start = i + c.len_utf8();
                if c == '-' {
                    b.open_list();
                }
            } else if c.is_ascii_digit() {
                if !is_digit && !piece.is_empty() {
                    b.push(Item::Str(Qualifier::new(piece, true)));
                    start = i;
                    b.open_list();
                }
                is_digit = true;
            } else {
                if is_digit && !piece.is_empty() {
                    b.push(parse_item(true, piece));
                    start = i;
                    b.open_list();
                }
                is_digit = false;
            }
        }
        let tail = version.get(start..).unwrap_or("");
        if !tail.is_empty() {
            b.push(parse_item(is_digit, tail));
        }
        Ok(MavenVersion { items: b.finish() })
    }

    /// Whether a pre-release qualifier (alpha, beta, milestone, rc, snapshot) appears.
    pub(crate) fn is_prerelease(&self) -> bool {
        fn any_pre(items: &[Item]) -> bool {
            items.iter().any(|i| match i {
                Item::Str(Qualifier::Known(k)) => *k < RELEASE_INDEX,
                Item::List(sub) => any_pre(sub),
                _ => false,
            })
        }
        any_pre(&self.items)
    }
}

impl Ord for MavenVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        compare_lists(&self.items, &other.items)
    }
}

impl PartialOrd for MavenVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for MavenVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for MavenVersion {}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        MavenVersion::parse(a)
            .unwrap()
            .cmp(&MavenVersion::parse(b).unwrap())
    }

    #[test]
    fn comparable_version_basics() {
        assert_eq!(cmp("1", "1.0.0"), Ordering::Equal);
        assert_eq!(cmp("1.0-alpha-1", "1.0"), Ordering::Less);
        assert_eq!(cmp("1.0-SNAPSHOT", "1.0"), Ordering::Less);
        assert_eq!(cmp("1.0", "1.0-1"), Ordering::Less);
        assert_eq!(cmp("2.0.1", "2.0.1-xyz"), Ordering::Less);
        assert_eq!(cmp("4.1.0", "4.1.0.RELEASE"), Ordering::Equal);
        assert_eq!(cmp("1.0-sp", "1.0"), Ordering::Greater);
        assert!(MavenVersion::parse("  ").is_err());
    }
}
