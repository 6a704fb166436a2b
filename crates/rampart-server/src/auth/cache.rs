//! A short-lived, in-process cache of authenticated callers, keyed by the SHA-256 of the
//! credential (never the credential), so that a busy client does not cost a store round trip
//! per request.
//!
//! Freshness: an entry lives at most `ttl` (`auth.principal_cache_secs`, 5 s by default, 0
//! turns the cache off) and never past the credential's own expiry. A logout in this process
//! forgets its session at once ([`PrincipalCache::forget`]); a change made elsewhere (a token
//! revoked or a user disabled with `rampart tokens` / `rampart users`, or by another server
//! sharing the database) takes effect within `ttl`.

use super::Caller;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// Entries kept at most; past this, expired entries are dropped, then everything.
const CAPACITY: usize = 10_000;

/// What kind of credential a digest is of (a token and a session never share an entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Credential {
    /// An API token.
    Token = 0,
    /// A browser session id.
    Session = 1,
}

/// Authenticated callers by credential digest, for a few seconds.
#[derive(Debug)]
pub struct PrincipalCache {
    ttl: Duration,
    /// Per [`Credential`] kind (its index), digest → (fresh until, caller).
    entries: Mutex<[HashMap<String, (Instant, Caller)>; 2]>,
}

impl PrincipalCache {
    /// A cache keeping entries for `ttl` (zero: keeps nothing).
    pub fn new(ttl: Duration) -> PrincipalCache {
        PrincipalCache {
            ttl,
            entries: Mutex::new([HashMap::new(), HashMap::new()]),
        }
    }

    /// The caller cached for this credential digest, if still fresh.
    pub fn get(&self, kind: Credential, digest: &str) -> Option<Caller> {
        if self.ttl.is_zero() {
            return None;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let map = &mut entries[kind as usize];
        match map.get(digest) {
            Some((until, caller)) if *until > Instant::now() => Some(caller.clone()),
            Some(_) => {
                map.remove(digest);
                None
            }
            None => None,
        }
    }

    /// Keeps `caller` for this digest for the TTL, or until `expires_at` when sooner.
    pub fn put(
        &self,
        kind: Credential,
        digest: &str,
        caller: &Caller,
        expires_at: Option<OffsetDateTime>,
    ) {
        let mut keep = self.ttl;
        if let Some(e) = expires_at {
            let left = e - OffsetDateTime::now_utc();
            if !left.is_positive() {
                return;
            }
            keep = keep.min(left.unsigned_abs());
        }
        if keep.is_zero() {
            return;
        }
        let now = Instant::now();
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let map = &mut entries[kind as usize];
        if map.len() >= CAPACITY {
            map.retain(|_, (until, _)| *until > now);
            if map.len() >= CAPACITY {
                map.clear();
            }
        }
        map.insert(digest.to_string(), (now + keep, caller.clone()));
    }

    /// Forgets one credential (a logout).
    pub fn forget(&self, kind: Credential, digest: &str) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())[kind as usize].remove(digest);
    }

    /// Forgets everything (a revocation whose digest is not at hand).
    pub fn clear(&self) {
        for map in self
            .entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter_mut()
        {
            map.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_model::Role;
    use rampart_store::Principal;

    fn caller() -> Caller {
        Caller::from_principal(
            Principal {
                subject: "token:1".into(),
                admin: false,
                role: Role::Read,
                memberships: vec![("web".into(), Role::Read)],
                expires_at: None,
            },
            None,
        )
    }

    #[test]
    fn entries_expire_are_forgotten_and_never_outlive_the_credential() {
        let c = PrincipalCache::new(Duration::from_millis(50));
        c.put(Credential::Token, "d1", &caller(), None);
        assert_eq!(c.get(Credential::Token, "d1").unwrap().subject, "token:1");
        assert!(
            c.get(Credential::Session, "d1").is_none(),
            "kinds are apart"
        );
        std::thread::sleep(Duration::from_millis(60));
        assert!(
            c.get(Credential::Token, "d1").is_none(),
            "expired by the TTL"
        );

        c.put(Credential::Token, "d2", &caller(), None);
        c.forget(Credential::Token, "d2");
        assert!(c.get(Credential::Token, "d2").is_none());
        c.put(Credential::Token, "d3", &caller(), None);
        c.clear();
        assert!(c.get(Credential::Token, "d3").is_none());

        // A credential that expired already is not cached; one about to expire only until then.
        let past = OffsetDateTime::now_utc() - time::Duration::seconds(1);
        c.put(Credential::Token, "d4", &caller(), Some(past));
        assert!(c.get(Credential::Token, "d4").is_none());
        let long = PrincipalCache::new(Duration::from_secs(60));
        let soon = OffsetDateTime::now_utc() + time::Duration::milliseconds(40);
        long.put(Credential::Token, "d5", &caller(), Some(soon));
        assert!(long.get(Credential::Token, "d5").is_some());
        std::thread::sleep(Duration::from_millis(60));
        assert!(long.get(Credential::Token, "d5").is_none());

        let off = PrincipalCache::new(Duration::ZERO);
        off.put(Credential::Token, "d6", &caller(), None);
        assert!(off.get(Credential::Token, "d6").is_none());
    }
}
