//! Alpine (apk) versions: `number{.number}...{letter}{_suffix{number}}...{~hash}{-r#}`.
//!
//! Ordered as the OSV tooling orders them (the published Alpine vectors): numbers numerically, except
//! that after the first one a number with a leading zero compares as text (`1.01 < 1.1`); no letter
//! before any letter; suffixes `_alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg <
//! _p`; the `-r` build number; text the grammar does not cover ("remainder") makes a version older
//! than the same version without it. When both versions fall outside the grammar they compare as
//! plain strings. Commit hashes do not take part in the order.

use std::cmp::Ordering;

use super::num::Num;
use super::{Scheme, VersionError};

/// Suffixes in order; the position of the empty string is "no suffix".
const SUFFIXES: [&str; 10] = [
    "alpha", "beta", "pre", "rc", "", "cvs", "svn", "git", "hg", "p",
];
const NO_SUFFIX: usize = 4;

#[derive(Clone, Debug)]
struct Component {
    digits: String,
    value: Num,
}

/// A parsed apk version.
#[derive(Clone, Debug)]
pub(crate) struct AlpineVersion {
    original: String,
    components: Vec<Component>,
    letter: Option<u8>,
    suffixes: Vec<(usize, Num)>,
    build: Num,
    remainder: String,
    invalid: bool,
}

fn take_digits(s: &str) -> (&str, &str) {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    s.split_at(end)
}

impl AlpineVersion {
    /// Parses an apk version. Strings outside the grammar are accepted (apk accepts them too) and
    /// ordered as described in the module documentation; only blank strings are errors.
    pub(crate) fn parse(input: &str) -> Result<AlpineVersion, VersionError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(VersionError::new(Scheme::Alpine, input, "empty version"));
        }
        let mut v = AlpineVersion {
            original: s.to_owned(),
            components: Vec::new(),
            letter: None,
            suffixes: Vec::new(),
            build: Num::zero(),
            remainder: String::new(),
            invalid: false,
        };
        let mut rest = v.parse_numbers(s);
        if let Some(&c) = rest.as_bytes().first()
            && c.is_ascii_lowercase()
        {
            v.letter = Some(c);
            rest = rest.get(1..).unwrap_or("");
        }
        rest = v.parse_suffixes(rest);
        rest = skip_hash(rest);
        rest = v.parse_build(rest);
        v.remainder = rest.to_owned();
        Ok(v)
    }

    /// Leading `digits{.digits}`; a dot not followed by digits ends the numbers (and is consumed).
    fn parse_numbers<'a>(&mut self, s: &'a str) -> &'a str {
        let mut rest = s;
        loop {
            let (digits, after) = take_digits(rest);
            let Some(value) = Num::parse(digits) else {
                return rest;
            };
            self.components.push(Component {
                digits: digits.to_owned(),
                value,
            });
            match after.strip_prefix('.') {
                Some(next) if next.starts_with(|c: char| c.is_ascii_digit()) => rest = next,
                Some(next) => return next,
                None => return after,
            }
        }
    }

    fn parse_suffixes<'a>(&mut self, s: &'a str) -> &'a str {
        let mut rest = s;
        'outer: while let Some(after) = rest.strip_prefix('_') {
            // Longest names first so that `pre` is not read as `p` + "re".
            for (name, weight) in suffixes_longest_first() {
                if let Some(tail) = after.strip_prefix(name) {
                    let (digits, tail) = take_digits(tail);
                    let number = Num::parse(digits).unwrap_or_else(Num::zero);
                    self.suffixes.push((weight, number));
                    rest = tail;
                    continue 'outer;
                }
            }
            break;
        }
        rest
    }

    fn parse_build<'a>(&mut self, s: &'a str) -> &'a str {
        if s.is_empty() {
            return s;
        }
        match s.strip_prefix("-r") {
            Some(tail) => {
                let (digits, tail) = take_digits(tail);
                self.build = Num::parse(digits).unwrap_or_else(Num::zero);
                tail
            }
            None => {
                self.invalid = true;
                s
            }
        }
    }

    /// Whether a pre-release suffix (`_alpha`, `_beta`, `_pre`, `_rc`) is present.
    pub(crate) fn is_prerelease(&self) -> bool {
        self.suffixes.iter().any(|(w, _)| *w < NO_SUFFIX)
    }

    fn cmp_components(&self, other: &Self) -> Ordering {
        let zero = Component {
            digits: "0".to_owned(),
            value: Num::zero(),
        };
        let n = self.components.len().max(other.components.len());
        for i in 0..n {
            let a = self.components.get(i).unwrap_or(&zero);
            let b = other.components.get(i).unwrap_or(&zero);
            let o = if i != 0 && (a.digits.starts_with('0') || b.digits.starts_with('0')) {
                a.digits.cmp(&b.digits)
            } else {
                a.value.cmp(&b.value)
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }

    fn cmp_suffixes(&self, other: &Self) -> Ordering {
        let none = (NO_SUFFIX, Num::zero());
        let n = self.suffixes.len().max(other.suffixes.len());
        for i in 0..n {
            let a = self.suffixes.get(i).unwrap_or(&none);
            let b = other.suffixes.get(i).unwrap_or(&none);
            let o = a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1));
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }
}

fn suffixes_longest_first() -> impl Iterator<Item = (&'static str, usize)> {
    let mut named: Vec<(&'static str, usize)> = SUFFIXES
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.is_empty())
        .map(|(i, s)| (*s, i))
        .collect();
    named.sort_by_key(|(s, _)| std::cmp::Reverse(s.len()));
    named.into_iter()
}

/// Skips a `~hexdigits` commit hash.
fn skip_hash(s: &str) -> &str {
    if let Some(tail) = s.strip_prefix('~') {
        let end = tail
            .find(|c: char| !matches!(c, '0'..='9' | 'a'..='f'))
            .unwrap_or(tail.len());
        if end > 0 {
            return tail.get(end..).unwrap_or("");
        }
    }
    s
}

impl Ord for AlpineVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        if self.invalid && other.invalid {
            return self.original.cmp(&other.original);
        }
        self.cmp_components(other)
            .then_with(|| match (self.letter, other.letter) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
                (Some(a), Some(b)) => a.cmp(&b),
            })
            .then_with(|| self.cmp_suffixes(other))
            .then_with(|| self.build.cmp(&other.build))
            .then_with(
                || match (self.remainder.is_empty(), other.remainder.is_empty()) {
                    (true, false) => Ordering::Greater,
                    (false, true) => Ordering::Less,
                    _ => Ordering::Equal,
                },
            )
    }
}

impl PartialOrd for AlpineVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for AlpineVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for AlpineVersion {}
