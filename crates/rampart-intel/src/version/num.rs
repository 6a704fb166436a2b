//! Arbitrarily large non-negative integers as they appear in versions (`999999999999999999999999999991`
//! is a real component in test vectors): kept as decimal digits, compared numerically.

use std::cmp::Ordering;

/// A non-negative integer of any size, stored as its decimal digits without leading zeros (`"0"`
/// for zero). The derived equality is numeric equality because the digits are normalized.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Num(Box<str>);

impl Num {
    /// The number written by `digits` (ASCII digits only; `None` otherwise or when empty).
    pub(crate) fn parse(digits: &str) -> Option<Num> {
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let trimmed = digits.trim_start_matches('0');
        Some(Num(if trimmed.is_empty() { "0" } else { trimmed }.into()))
    }

    /// Zero.
    pub(crate) fn zero() -> Num {
        Num("0".into())
    }

    /// Whether this is zero.
    pub(crate) fn is_zero(&self) -> bool {
        &*self.0 == "0"
    }

    /// The normalized digits.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl Ord for Num {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.as_bytes().cmp(other.0.as_bytes()))
    }
}

impl PartialOrd for Num {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Compares two ASCII digit strings numerically, whatever their length and leading zeros.
pub(crate) fn cmp_digits(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len()
        .cmp(&b.len())
        .then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

/// Whether `s` is a non-empty run of ASCII digits.
pub(crate) fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Compares two lists of numbers, the shorter padded with zeros (`1.0` = `1.0.0`).
pub(crate) fn cmp_padded(a: &[Num], b: &[Num]) -> Ordering {
    let zero = Num::zero();
    let n = a.len().max(b.len());
    for i in 0..n {
        let x = a.get(i).unwrap_or(&zero);
        let y = b.get(i).unwrap_or(&zero);
        match x.cmp(y) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_compare_by_value() {
        assert_eq!(cmp_digits("010", "9"), Ordering::Greater);
        assert_eq!(cmp_digits("000", ""), Ordering::Equal);
        assert_eq!(Num::parse("007"), Num::parse("7"));
        assert!(Num::parse("12a").is_none());
        assert!(
            Num::parse("999999999999999999999999999991")
                < Num::parse("999999999999999999999999999999")
        );
    }
}
