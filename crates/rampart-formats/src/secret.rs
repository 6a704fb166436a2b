//! Secret values: keyed hash and redacted preview. The value itself never leaves this module.

use hmac::{Hmac, Mac};
use rampart_model::{Observation, SecretEvidence};
use sha2::Sha256;

/// Builds the evidence Rampart keeps of a secret value: HMAC-SHA-256 under the installation
/// key (so the same secret seen by two tools correlates, while the hash cannot be looked up
/// in a rainbow table) and a preview that shows at most the first 4 characters.
///
/// Returns hmac `None` when the value is empty or was redacted by the tool (`REDACTED`,
/// all `*`), since hashing a placeholder would merge unrelated secrets.
pub fn evidence(key: &[u8], value: &str) -> SecretEvidence {
    let v = value.trim();
    if is_redacted(v) {
        return SecretEvidence {
            hmac: None,
            preview: None,
        };
    }
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(v.as_bytes());
    let hmac = hex::encode(mac.finalize().into_bytes());
    SecretEvidence {
        hmac: Some(hmac),
        preview: Some(preview(v)),
    }
}

/// `AKIA…(20 chars)`: the first 4 characters of values of 12 or more characters, nothing
/// of shorter ones.
pub fn preview(value: &str) -> String {
    let n = value.chars().count();
    if n >= 12 {
        let head: String = value.chars().take(4).collect();
        format!("{head}…({n} chars)")
    } else {
        format!("…({n} chars)")
    }
}

/// Whether a tool already redacted the value.
pub fn is_redacted(value: &str) -> bool {
    let v = value.trim();
    v.is_empty()
        || v.eq_ignore_ascii_case("redacted")
        || v.chars()
            .all(|c| c == '*' || c == '•' || c == 'x' || c == 'X')
}

/// Replaces every occurrence of `secret` in `text` with `***`, for messages and snippets that
/// quote the secret.
pub fn scrub(text: &str, secret: &str) -> String {
    let s = secret.trim();
    if s.len() < 4 {
        return text.to_string();
    }
    text.replace(s, "***")
}

/// Phrases after which SAST tools quote a hard-coded credential's value, lower-case: Bandit's
/// B105-B107 (`Possible hardcoded password: 'hunter2'`, native JSON and SARIF alike) and the
/// rules written in its style.
const QUOTING_PHRASES: [&str; 3] = [
    "hardcoded password: ",
    "hard-coded password: ",
    "hardcoded secret: ",
];

/// The value a message quotes after one of [`QUOTING_PHRASES`]: the byte range of the text
/// between the quotes (`'...'` or `"..."`, as Python's `repr` writes it).
fn quoted_credential(message: &str) -> Option<std::ops::Range<usize>> {
    // Every observation of every format passes here: search in place, allocating nothing.
    let bytes = message.as_bytes();
    let after = QUOTING_PHRASES.iter().find_map(|p| {
        bytes
            .windows(p.len())
            .position(|w| w.eq_ignore_ascii_case(p.as_bytes()))
            .map(|at| at + p.len())
    })?;
    let quote = *message.as_bytes().get(after)?;
    if quote != b'\'' && quote != b'"' {
        return None;
    }
    let start = after + 1;
    let len = message[start..].find(quote as char)?;
    (len > 0).then_some(start..start + len)
}

/// Removes a hard-coded credential that a code finding quotes in its message (Bandit's
/// `Possible hardcoded password: 'hunter2'`) from the title, the message and the snippet, so
/// that the value is never stored. Returns whether something was removed. Messages without
/// such a quote cost one case-insensitive search per phrase, without allocating.
pub fn scrub_quoted_credential(obs: &mut Observation) -> bool {
    let Some(message) = obs.message.as_deref() else {
        return false;
    };
    let Some(range) = quoted_credential(message) else {
        return false;
    };
    let value = message[range.clone()].to_string();
    let mut scrubbed = message.to_string();
    scrubbed.replace_range(range, "***");
    obs.message = Some(scrubbed);
    // The title is the message's first line (cut to a length), or the rule's name.
    if let Some(range) = quoted_credential(&obs.title) {
        obs.title.replace_range(range, "***");
    }
    obs.title = obs.title.replace(&value, "***");
    if let Some(snippet) = obs.snippet.as_mut() {
        // Only quoted occurrences: a short value (`'abc'`) may also be part of other words.
        for q in ['\'', '"'] {
            *snippet = snippet.replace(&format!("{q}{value}{q}"), &format!("{q}***{q}"));
        }
        if value.len() >= 4 {
            *snippet = snippet.replace(&value, "***");
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_and_redacts() {
        let e = evidence(b"k1", "AKIAIOSFODNN7EXAMPLE");
        assert_eq!(e.preview.as_deref(), Some("AKIA…(20 chars)"));
        assert_eq!(e.hmac.as_ref().unwrap().len(), 64);
        assert!(!e.hmac.as_ref().unwrap().contains("AKIA"));
        assert_eq!(e, evidence(b"k1", " AKIAIOSFODNN7EXAMPLE "));
        assert_ne!(e.hmac, evidence(b"k2", "AKIAIOSFODNN7EXAMPLE").hmac);
        assert_eq!(evidence(b"k", "REDACTED").hmac, None);
        assert_eq!(preview("short"), "…(5 chars)");
        assert_eq!(scrub("key=hunter22!", "hunter22!"), "key=***");
    }

    #[test]
    fn quoted_credentials_leave_code_findings() {
        use rampart_model::{CodeLocation, FindingKind, Location};
        let loc = Location::Code(CodeLocation {
            path: "app.py".into(),
            start_line: Some(3),
            end_line: Some(3),
            start_column: None,
            end_column: None,
        });
        let mut obs = Observation::new(
            "bandit",
            FindingKind::Code,
            "B105",
            "Possible hardcoded password: 'MYSUPERSECRETKEY'",
            loc,
        );
        obs.message = Some("Possible hardcoded password: 'MYSUPERSECRETKEY'".into());
        obs.snippet = Some("app.secret_key = 'MYSUPERSECRETKEY'".into());
        assert!(scrub_quoted_credential(&mut obs));
        assert_eq!(obs.title, "Possible hardcoded password: '***'");
        assert_eq!(
            obs.message.as_deref(),
            Some("Possible hardcoded password: '***'")
        );
        assert_eq!(obs.snippet.as_deref(), Some("app.secret_key = '***'"));

        // A short value goes from the snippet only where it is quoted.
        obs.message = Some("Possible hardcoded password: \"abc\"".into());
        obs.snippet = Some("cabc = \"abc\"".into());
        assert!(scrub_quoted_credential(&mut obs));
        assert_eq!(obs.snippet.as_deref(), Some("cabc = \"***\""));

        // Other messages are left alone.
        obs.message = Some("Use of assert detected.".into());
        assert!(!scrub_quoted_credential(&mut obs));
        obs.message = Some("Possible hardcoded password: ''".into());
        assert!(!scrub_quoted_credential(&mut obs));
    }
}
