//! Secrets: API tokens and session ids (32 random bytes, base62), their SHA-256 digests (what
//! the store keeps), argon2id password hashes, and constant-time comparison.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// What every API token starts with, so that secret scanners and people recognise one.
pub const TOKEN_PREFIX: &str = "rmp_";

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// 32 random bytes in base62 (43 characters).
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base62(&bytes)
}

/// A new API token: `rmp_` and a random secret. Shown once; only [`digest`] is stored.
pub fn new_api_token() -> String {
    format!("{TOKEN_PREFIX}{}", random_secret())
}

/// The first characters of a token, safe to list (`rmp_AbCd`).
pub fn token_display_prefix(token: &str) -> String {
    token.chars().take(TOKEN_PREFIX.len() + 4).collect()
}

/// SHA-256 of a high-entropy secret (token, session id), hex: what the store keeps. Such
/// secrets need no slow hash: 256 random bits cannot be guessed from their digest.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn base62(bytes: &[u8]) -> String {
    // Repeated division of the big-endian number by 62.
    let mut digits: Vec<u8> = bytes.to_vec();
    let mut out = Vec::with_capacity(44);
    while digits.iter().any(|d| *d != 0) {
        let mut rem = 0u32;
        for d in digits.iter_mut() {
            let acc = (rem << 8) | u32::from(*d);
            *d = (acc / 62) as u8;
            rem = acc % 62;
        }
        out.push(BASE62[rem as usize]);
    }
    // Fixed width, so every token has the same length.
    while out.len() < 43 {
        out.push(b'0');
    }
    out.reverse();
    String::from_utf8(out).expect("base62 is ASCII")
}

/// An argon2id PHC string of `password` (default parameters: 19 MiB, 2 passes).
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Whether `password` matches the PHC string `hash` (false when `hash` does not parse).
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A well-formed hash of nothing anyone knows: a login for a user that does not exist
/// verifies against it, so that the answer takes as long as for one that does.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password(&random_secret()).expect("argon2 hashes a random secret"))
}

/// `a == b` in time that depends on the lengths only.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_fixed_width_base62() {
        let a = new_api_token();
        let b = new_api_token();
        assert_ne!(a, b);
        assert!(a.starts_with("rmp_"));
        assert_eq!(a.len(), 4 + 43);
        assert!(a[4..].bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(token_display_prefix(&a), a[..8]);
        assert_eq!(base62(&[0; 32]), "0".repeat(43));
        assert_eq!(
            base62(&[0xff; 32]).len(),
            43,
            "2^256 - 1 fits 43 base62 digits"
        );
        assert_eq!(&base62(&[1])[40..], "001");
        assert_eq!(&base62(&[62])[40..], "010");
    }

    #[test]
    fn digests_are_sha256_hex() {
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn passwords_verify_only_with_the_right_password() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("correct horse ", &h));
        assert!(!verify_password("correct horse", "not a hash"));
        assert!(!verify_password("x", decoy_hash()));
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
    }
}
