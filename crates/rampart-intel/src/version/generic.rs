//! The fallback for ecosystems without a scheme of their own: the string is cut into digit runs
//! (numbers) and letter runs (text, case-insensitive); every other character separates. Runs compare
//! in turn, a missing one counting as 0; text is older than a number (`1.0-beta < 1.0 < 1.0.1`), so
//! trailing zeros do not matter (`1.0 = 1`).

use std::cmp::Ordering;

use super::num::Num;
use super::{Scheme, VersionError};

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Num(Num),
    Text(String),
}

/// A version read by the generic rules.
#[derive(Clone, Debug)]
pub(crate) struct GenericVersion {
    tokens: Vec<Token>,
}

impl GenericVersion {
    /// Parses any string with at least one letter or digit.
    pub(crate) fn parse(input: &str) -> Result<GenericVersion, VersionError> {
        let mut tokens = Vec::new();
        let mut run = String::new();
        let mut run_is_digit = false;
        let flush = |run: &mut String, is_digit: bool, tokens: &mut Vec<Token>| {
            if run.is_empty() {
                return;
            }
            match Num::parse(run) {
                Some(n) if is_digit => tokens.push(Token::Num(n)),
                _ => tokens.push(Token::Text(run.to_lowercase())),
            }
            run.clear();
        };
        for c in input.chars() {
            let is_digit = c.is_ascii_digit();
            if !is_digit && !c.is_alphabetic() {
                flush(&mut run, run_is_digit, &mut tokens);
                continue;
            }
            if !run.is_empty() && is_digit != run_is_digit {
                flush(&mut run, run_is_digit, &mut tokens);
            }
            run_is_digit = is_digit;
            run.push(c);
        }
        flush(&mut run, run_is_digit, &mut tokens);
        if tokens.is_empty() {
            return Err(VersionError::new(
                Scheme::Generic,
                input,
                "no letters or digits in the version",
            ));
        }
        Ok(GenericVersion { tokens })
    }
}

impl Ord for GenericVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let zero = Token::Num(Num::zero());
        let n = self.tokens.len().max(other.tokens.len());
        for i in 0..n {
            let a = self.tokens.get(i).unwrap_or(&zero);
            let b = other.tokens.get(i).unwrap_or(&zero);
            let o = match (a, b) {
                (Token::Num(x), Token::Num(y)) => x.cmp(y),
                (Token::Text(x), Token::Text(y)) => x.cmp(y),
                (Token::Text(_), Token::Num(_)) => Ordering::Less,
                (Token::Num(_), Token::Text(_)) => Ordering::Greater,
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for GenericVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for GenericVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for GenericVersion {}
