//! Secret values: keyed hash and redacted preview. The value itself never leaves this module.

use hmac::{Hmac, Mac};
use rampart_model::SecretEvidence;
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
}
