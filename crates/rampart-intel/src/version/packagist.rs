//! Packagist (Composer) versions, ordered as PHP's `version_compare` (which Composer's comparator
//! calls), with a leading `v`/`V` dropped as Composer does and numbers of any size.
//!
//! `version_compare` canonicalizes (`-`, `_`, `+` and other symbols become `.`, a `.` goes between
//! digits and letters), then compares dot-separated elements: numbers numerically; names by their
//! special form `dev < alpha = a < beta = b < RC = rc < # (a number) < pl = p`, unknown names first;
//! a number against a name as `#` against the name. When one side runs out, a remaining number makes
//! it greater and a remaining name is compared with `#`.

use std::cmp::Ordering;

use super::num::cmp_digits;
use super::{Scheme, VersionError};

/// A parsed Packagist version (its canonical `version_compare` form).
#[derive(Clone, Debug)]
pub(crate) struct PackagistVersion {
    canonical: Vec<u8>,
}

impl PackagistVersion {
    /// Parses a Packagist version; anything non-blank is accepted, as `version_compare` accepts it.
    pub(crate) fn parse(input: &str) -> Result<PackagistVersion, VersionError> {
        let s = input.trim();
        let s = s.strip_prefix(['v', 'V']).unwrap_or(s);
        if s.is_empty() {
            return Err(VersionError::new(Scheme::Packagist, input, "empty version"));
        }
        Ok(PackagistVersion {
            canonical: canonicalize(s.as_bytes()),
        })
    }
}

fn is_dig(b: u8) -> bool {
    b.is_ascii_digit()
}

fn is_ndig(b: u8) -> bool {
    !b.is_ascii_digit() && b != b'.'
}

/// PHP's `php_canonicalize_version`.
fn canonicalize(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() * 2);
    let Some((&first, rest)) = s.split_first() else {
        return out;
    };
    out.push(first);
    let mut lp = first;
    for &p in rest {
        let last_is_dot = out.last() == Some(&b'.');
        if matches!(p, b'-' | b'_' | b'+') {
            if !last_is_dot {
                out.push(b'.');
            }
        } else if (is_ndig(lp) && is_dig(p)) || (is_dig(lp) && is_ndig(p)) {
            if !last_is_dot {
                out.push(b'.');
            }
            out.push(p);
        } else if !p.is_ascii_alphanumeric() {
            if !last_is_dot {
                out.push(b'.');
            }
        } else {
            out.push(p);
        }
        lp = p;
    }
    out
}

/// PHP's `compare_special_version_forms`: the order of the first special form each name starts with.
fn special_form(name: &[u8]) -> i32 {
    const FORMS: [(&[u8], i32); 10] = [
        (b"dev", 0),
        (b"alpha", 1),
        (b"a", 1),
        (b"beta", 2),
        (b"b", 2),
        (b"RC", 3),
        (b"rc", 3),
        (b"#", 4),
        (b"pl", 5),
        (b"p", 5),
    ];
    FORMS
        .iter()
        .find(|(form, _)| name.starts_with(form))
        .map(|(_, order)| *order)
        .unwrap_or(-1)
}

fn cmp_special(a: &[u8], b: &[u8]) -> Ordering {
    special_form(a).cmp(&special_form(b))
}

const NUMBER_FORM: &[u8] = b"#N#";

fn starts_with_digit(s: &[u8]) -> bool {
    s.first().is_some_and(|b| b.is_ascii_digit())
}

/// The leading digit run of an element (what `strtol` reads).
fn leading_digits(s: &[u8]) -> &str {
    let end = s
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(s.len());
    std::str::from_utf8(s.get(..end).unwrap_or(b"")).unwrap_or("")
}

/// Splits at the first `.`: the element and, if there was a dot, what follows it.
fn next_element(s: &[u8]) -> (&[u8], Option<&[u8]>) {
    match s.iter().position(|&b| b == b'.') {
        Some(i) => (s.get(..i).unwrap_or(b""), s.get(i + 1..)),
        None => (s, None),
    }
}

/// PHP's `php_version_compare` on raw strings (canonicalized here unless they start with `#`).
fn php_compare(a: &[u8], b: &[u8]) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        (false, false) => {}
    }
    let ca;
    let a = if a.first() == Some(&b'#') {
        a
    } else {
        ca = canonicalize(a);
        &ca
    };
    let cb;
    let b = if b.first() == Some(&b'#') {
        b
    } else {
        cb = canonicalize(b);
        &cb
    };
    compare_canonical(a, b)
}

fn compare_canonical(a: &[u8], b: &[u8]) -> Ordering {
    let (mut p1, mut p2) = (a, b);
    // `None` once a side's last element has been consumed (PHP's n1/n2 == NULL).
    let (mut more1, mut more2) = (true, true);
    let mut compare = Ordering::Equal;
    while !p1.is_empty() && !p2.is_empty() && more1 && more2 {
        let (e1, rest1) = next_element(p1);
        let (e2, rest2) = next_element(p2);
        compare = match (starts_with_digit(e1), starts_with_digit(e2)) {
            (true, true) => cmp_digits(leading_digits(e1), leading_digits(e2)),
            (false, false) => cmp_special(e1, e2),
            (true, false) => cmp_special(NUMBER_FORM, e2),
            (false, true) => cmp_special(e1, NUMBER_FORM),
        };
        if compare != Ordering::Equal {
            break;
        }
        more1 = rest1.is_some();
        more2 = rest2.is_some();
        if let Some(r) = rest1 {
            p1 = r;
        }
        if let Some(r) = rest2 {
            p2 = r;
        }
    }
    if compare == Ordering::Equal {
        if more1 {
            compare = if starts_with_digit(p1) {
                Ordering::Greater
            } else {
                php_compare(p1, NUMBER_FORM)
            };
        } else if more2 {
            compare = if starts_with_digit(p2) {
                Ordering::Less
            } else {
                php_compare(NUMBER_FORM, p2)
            };
        }
    }
    compare
}

impl Ord for PackagistVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        // `version_compare` is not reflexive for strings ending in a separator (`1.0.` < `1.0.`);
        // an order must be.
        if self.canonical == other.canonical {
            return Ordering::Equal;
        }
        compare_canonical(&self.canonical, &other.canonical)
    }
}

impl PartialOrd for PackagistVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for PackagistVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for PackagistVersion {}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        PackagistVersion::parse(a)
            .unwrap()
            .cmp(&PackagistVersion::parse(b).unwrap())
    }

    #[test]
    fn version_compare_semantics() {
        assert_eq!(canonicalize(b"1.0.0rc2"), b"1.0.0.rc.2".to_vec());
        assert_eq!(cmp("1.0-dev", "1.0a1"), Ordering::Less);
        assert_eq!(cmp("1.0.0", "1.0"), Ordering::Greater);
        assert_eq!(cmp("1.0rc1", "1.0RC1"), Ordering::Equal);
        assert_eq!(cmp("1.0", "1.0pl1"), Ordering::Less);
        assert_eq!(cmp("dev-foo", "1.26.0"), Ordering::Less);
    }
}
