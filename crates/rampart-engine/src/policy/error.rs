//! Why a policy could not be loaded or evaluated: always with the policy file and line.

use thiserror::Error;

/// A policy that does not parse or fails while evaluated.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum PolicyError {
    /// A file does not parse (or does not compile with the others).
    #[error("{file}:{line}: {message}")]
    Load {
        /// The policy file.
        file: String,
        /// The line the error is on (0 when the interpreter did not say).
        line: u32,
        /// What is wrong.
        message: String,
    },
    /// A rule failed while evaluated (a type error, a conflict, a builtin error).
    #[error("{file}:{line}: {rule}: {message}")]
    Eval {
        /// The policy file.
        file: String,
        /// The line the error is on (0 when the interpreter did not say).
        line: u32,
        /// The rule (`data.rampart.kev.deny`).
        rule: String,
        /// What is wrong.
        message: String,
    },
}

/// The `file:line` regorus puts at the head of its messages (`policy.rego:3:7: error: ...`),
/// or, when the message does not name a known file, the first `file:line:` of any file given.
pub(crate) fn locate(message: &str, files: &[&str]) -> Option<(String, u32, String)> {
    for f in files {
        let mut from = 0;
        while let Some(at) = message[from..].find(f).map(|i| i + from) {
            let rest = &message[at + f.len()..];
            if let Some(digits) = rest.strip_prefix(':') {
                let n: String = digits.chars().take_while(|c| c.is_ascii_digit()).collect();
                if let Ok(line) = n.parse::<u32>() {
                    return Some((f.to_string(), line, clean(message)));
                }
            }
            from = at + f.len();
        }
    }
    None
}

/// The message without regorus's trailing source excerpt noise: trimmed lines, joined.
fn clean(message: &str) -> String {
    message.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_file_and_line() {
        let (f, l, _) = locate(
            "--> policies/kev.rego:12:5\n error: x",
            &["other.rego", "policies/kev.rego"],
        )
        .unwrap();
        assert_eq!((f.as_str(), l), ("policies/kev.rego", 12));
        assert!(locate("no location here", &["a.rego"]).is_none());
    }
}
