//! The caller of a request: an API token (`Authorization: Bearer rmp_...`) or a browser session
//! (the `rampart_session` cookie), resolved by the store into a [`Caller`].
//!
//! [`Caller`] as an extractor also enforces CSRF: a request authenticated by the session cookie
//! with an unsafe method (POST, PUT, PATCH, DELETE) must carry the session's synchronizer
//! token in the `X-CSRF-Token` header (htmx sends it with `hx-headers`). A plain HTML form
//! cannot set a header: its handler takes [`FormCaller`] instead, which yields the caller only
//! once the form's token is checked ([`FormCaller::verify_csrf`]). Token requests need no CSRF
//! token (a browser never sends them on its own).

use super::AuthError;
use super::cache::Credential;
use super::secret::{constant_time_eq, digest};
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, header};
use rampart_model::{Role, TeamScope};
use rampart_store::Principal;
use time::OffsetDateTime;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "rampart_session";
/// The header carrying the CSRF token on unsafe requests of a browser session.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Whether a credential of role `held` may do what role `needed` allows. Roles are scopes,
/// not ranks: `ingest` (CI) uploads scans and nothing else; `read` reads; `triage` reads and
/// triages; `admin` does everything. So a reader cannot upload and an ingest token cannot read.
pub fn grants(held: Role, needed: Role) -> bool {
    match needed {
        Role::Ingest => matches!(held, Role::Ingest | Role::Admin),
        Role::Read => matches!(held, Role::Read | Role::Triage | Role::Admin),
        Role::Triage => matches!(held, Role::Triage | Role::Admin),
        Role::Admin => held == Role::Admin,
    }
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// `user:<name>`, or `token:<id>` for an API token.
    pub subject: String,
    /// What the caller may do at most.
    pub role: Role,
    /// What the caller may read; pass it to every store read.
    pub scope: TeamScope,
    /// Administrator (every team).
    pub admin: bool,
    /// Teams and the caller's role in each.
    pub memberships: Vec<(String, Role)>,
    /// The session's CSRF token when the caller came with a session cookie.
    csrf: Option<String>,
}

impl Caller {
    /// The caller a store principal speaks for (`csrf`: the session's token, for sessions).
    pub fn from_principal(p: Principal, csrf: Option<String>) -> Caller {
        let mut c = Caller {
            subject: p.subject,
            role: p.role,
            scope: TeamScope::All,
            admin: p.admin,
            memberships: p.memberships,
            csrf,
        };
        c.scope = c.scope_for(Role::Read);
        c
    }

    /// The applications the caller may act on with `needed`: every one for administrators,
    /// else those of the teams where the caller's role [grants](grants) it.
    pub fn scope_for(&self, needed: Role) -> TeamScope {
        if self.admin {
            return TeamScope::All;
        }
        TeamScope::Teams(
            self.memberships
                .iter()
                .filter(|(_, r)| grants(*r, needed))
                .map(|(t, _)| t.clone())
                .collect(),
        )
    }

    /// Whether the caller holds `needed` somewhere: administrators always, else when its role,
    /// or its role in one of its teams, [grants](grants) it.
    pub fn may(&self, needed: Role) -> bool {
        self.admin
            || grants(self.role, needed)
            || self.memberships.iter().any(|(_, r)| grants(*r, needed))
    }

    /// `Ok` when the caller [may](Caller::may) do what `needed` allows, else 403.
    pub fn require(&self, needed: Role) -> Result<(), AuthError> {
        if self.may(needed) {
            Ok(())
        } else {
            Err(AuthError::Forbidden(format!(
                "this needs the {needed} scope; the caller has {}",
                self.role
            )))
        }
    }

    /// The user name for a session caller (`None` for a token).
    pub fn user_name(&self) -> Option<&str> {
        self.subject.strip_prefix("user:")
    }

    /// The session's CSRF token, to put in forms and in htmx's `hx-headers` (`None` for a
    /// token caller).
    pub fn csrf_token(&self) -> Option<&str> {
        self.csrf.as_deref()
    }

    /// Checks a CSRF token a request carried: `Ok` for token callers (no cookie, no CSRF) and
    /// when it matches the session's token, else [`AuthError::Csrf`].
    pub fn verify_csrf(&self, presented: Option<&str>) -> Result<(), AuthError> {
        match (&self.csrf, presented) {
            (None, _) => Ok(()),
            (Some(expected), Some(p)) if constant_time_eq(expected, p) => Ok(()),
            _ => Err(AuthError::Csrf),
        }
    }
}

/// A caller whose CSRF token is not checked yet: for HTML form posts, whose token is a form
/// field. Get the [`Caller`] with [`FormCaller::verify_csrf`].
#[derive(Debug, Clone)]
pub struct FormCaller(Caller);

impl FormCaller {
    /// The caller, once `presented` (the form's `csrf_token` field) matches the session.
    pub fn verify_csrf(self, presented: Option<&str>) -> Result<Caller, AuthError> {
        self.0.verify_csrf(presented)?;
        Ok(self.0)
    }
}

/// The session id the request's cookie carries, if any.
pub fn session_cookie(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_string())
}

/// Resolves the request's credentials: `Bearer` token first, else the session cookie.
/// The result is kept in the request's extensions, so a second extractor does not ask the
/// store again.
pub async fn authenticate(parts: &mut Parts, state: &AppState) -> Result<Caller, AuthError> {
    if let Some(c) = parts.extensions.get::<Caller>() {
        return Ok(c.clone());
    }
    let now = OffsetDateTime::now_utc();
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    let cache = &state.auth.principals;
    let caller = if let Some(token) = bearer {
        let d = digest(token);
        match cache.get(Credential::Token, &d) {
            Some(c) => c,
            None => {
                let p = state.store.token_principal(&d, now).await?.ok_or(
                    AuthError::Unauthenticated("the API token is unknown, revoked or expired"),
                )?;
                let expires = p.expires_at;
                let c = Caller::from_principal(p, None);
                cache.put(Credential::Token, &d, &c, expires);
                c
            }
        }
    } else if let Some(id) = session_cookie(&parts.headers) {
        let d = digest(&id);
        match cache.get(Credential::Session, &d) {
            Some(c) => c,
            None => {
                let s = state
                    .store
                    .session(&d, now)
                    .await?
                    .ok_or(AuthError::Unauthenticated(
                        "the session has ended; log in again",
                    ))?;
                let c = Caller::from_principal(s.principal, Some(s.csrf_token));
                cache.put(Credential::Session, &d, &c, Some(s.expires_at));
                c
            }
        }
    } else {
        return Err(AuthError::Unauthenticated(
            "log in, or send an API token as `Authorization: Bearer <token>`",
        ));
    };
    parts.extensions.insert(caller.clone());
    Ok(caller)
}

fn is_safe(m: &Method) -> bool {
    matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AuthError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = authenticate(parts, state).await?;
        if !is_safe(&parts.method) {
            let header = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            caller.verify_csrf(header)?;
        }
        Ok(caller)
    }
}

impl FromRequestParts<AppState> for FormCaller {
    type Rejection = AuthError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(FormCaller(authenticate(parts, state).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(admin: bool, csrf: Option<&str>) -> Caller {
        Caller::from_principal(
            Principal {
                subject: "user:alice".into(),
                admin,
                role: if admin { Role::Admin } else { Role::Triage },
                memberships: vec![
                    ("payments".into(), Role::Triage),
                    ("identity".into(), Role::Read),
                ],
                expires_at: None,
            },
            csrf.map(String::from),
        )
    }

    #[test]
    fn scopes_follow_the_role_in_each_team() {
        let c = caller(false, None);
        assert_eq!(
            c.scope,
            TeamScope::Teams(vec!["payments".into(), "identity".into()])
        );
        assert_eq!(
            c.scope_for(Role::Triage),
            TeamScope::Teams(vec!["payments".into()])
        );
        assert_eq!(c.scope_for(Role::Admin), TeamScope::Teams(vec![]));
        assert!(c.require(Role::Triage).is_ok());
        assert!(matches!(
            c.require(Role::Admin),
            Err(AuthError::Forbidden(_))
        ));
        assert_eq!(caller(true, None).scope_for(Role::Admin), TeamScope::All);
        assert_eq!(c.user_name(), Some("alice"));
        // Triage and read memberships grant no upload.
        assert!(!c.may(Role::Ingest));
        assert_eq!(c.scope_for(Role::Ingest), TeamScope::Teams(vec![]));
        assert!(caller(true, None).may(Role::Ingest));
    }

    #[test]
    fn roles_are_scopes_not_ranks() {
        use Role::*;
        let table = [
            (Ingest, [true, false, false, false]),
            (Read, [false, true, false, false]),
            (Triage, [false, true, true, false]),
            (Admin, [true, true, true, true]),
        ];
        for (held, expected) in table {
            for (needed, want) in [Ingest, Read, Triage, Admin].into_iter().zip(expected) {
                assert_eq!(grants(held, needed), want, "{held} for {needed}");
            }
        }
        let ci = Caller::from_principal(
            Principal {
                subject: "token:1".into(),
                admin: false,
                role: Ingest,
                memberships: vec![("payments".into(), Ingest)],
                expires_at: None,
            },
            None,
        );
        assert!(ci.require(Ingest).is_ok());
        assert!(ci.require(Read).is_err());
        assert_eq!(ci.scope, TeamScope::Teams(vec![]), "reads nothing");
        assert_eq!(
            ci.scope_for(Ingest),
            TeamScope::Teams(vec!["payments".into()])
        );
    }

    #[test]
    fn csrf_is_checked_for_sessions_only() {
        assert!(caller(false, None).verify_csrf(None).is_ok());
        let s = caller(false, Some("tok"));
        assert!(s.verify_csrf(Some("tok")).is_ok());
        assert!(matches!(s.verify_csrf(Some("tak")), Err(AuthError::Csrf)));
        assert!(matches!(s.verify_csrf(None), Err(AuthError::Csrf)));
        assert!(FormCaller(s).verify_csrf(Some("tok")).is_ok());
    }
}
