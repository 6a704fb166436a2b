//! People, teams, API tokens and browser sessions in the store (issue 7, migration 0009).
//! [`AuthStore`] is a supertrait of [`Store`](crate::Store); both backends expand the one
//! implementation in this file (`sqlite/auth.rs`, `postgres/auth.rs`).
//!
//! The store never sees a secret: callers hand it argon2id PHC strings for passwords and
//! SHA-256 digests (hex) of API tokens and session ids. Whether a credential is valid (revoked,
//! expired, disabled user) is decided here, in one place, so every front end agrees.

use crate::Result;
use async_trait::async_trait;
use rampart_model::Role;
use serde::Serialize;
use time::OffsetDateTime;

/// A team and its size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamRow {
    /// Name (the catalog's `team` of the applications it owns).
    pub name: String,
    /// Members.
    pub members: u64,
}

/// A user as listed (never with the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserRow {
    /// Store id.
    pub id: i64,
    /// Login name.
    pub name: String,
    /// Administrator (every team, user and token management).
    pub admin: bool,
    /// Disabled users cannot log in and their sessions stop working.
    pub disabled: bool,
    /// Teams and the user's role in each, by team name.
    pub teams: Vec<(String, Role)>,
    /// Created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// What a login checks a password against.
#[derive(Debug, Clone)]
pub struct UserCredentials {
    /// Store id.
    pub id: i64,
    /// Login name.
    pub name: String,
    /// The argon2id PHC string.
    pub password_hash: String,
    /// Disabled.
    pub disabled: bool,
}

/// A token to create: the caller generated the secret and hands only its digest.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// A label (`ci-payments`).
    pub name: String,
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// The token's first characters, shown in lists.
    pub prefix: String,
    /// What it may do.
    pub role: Role,
    /// The teams it may see (ignored for `admin`, which sees all).
    pub teams: Vec<String>,
    /// Who created it.
    pub created_by: String,
    /// When it stops working.
    pub expires_at: Option<OffsetDateTime>,
}

/// A token as listed (never with its digest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenRow {
    /// Store id.
    pub id: i64,
    /// Label.
    pub name: String,
    /// First characters of the token.
    pub prefix: String,
    /// Role.
    pub role: Role,
    /// Teams.
    pub teams: Vec<String>,
    /// Who created it.
    pub created_by: String,
    /// Created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Last used (updated at most once a minute).
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    /// Expiry.
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// Revoked.
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

/// Who a valid credential speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// `user:<name>` or `token:<id>`.
    pub subject: String,
    /// Administrator: every team.
    pub admin: bool,
    /// What it may do: a token's role; for a user, `admin` for administrators, else the
    /// highest role of their memberships (`read` with none).
    pub role: Role,
    /// Teams and the role in each.
    pub memberships: Vec<(String, Role)>,
    /// When the credential stops working (a token's expiry, a session's end), if ever: a
    /// caller that caches the principal must not keep it past this.
    pub expires_at: Option<OffsetDateTime>,
}

/// A valid browser session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// The user.
    pub principal: Principal,
    /// The session's synchronizer (CSRF) token.
    pub csrf_token: String,
    /// When it expires.
    pub expires_at: OffsetDateTime,
}

/// How long a token's `last_used_at` may lag: it is written at most this often, so that
/// authenticating a request does not write the database each time.
pub const LAST_USED_PRECISION: time::Duration = time::Duration::minutes(1);

/// Users, teams, tokens and sessions.
#[async_trait]
pub trait AuthStore: Send + Sync {
    /// Creates team `name`; `false` when it exists.
    async fn add_team(&self, name: &str, at: OffsetDateTime) -> Result<bool>;

    /// Every team, by name.
    async fn list_teams(&self) -> Result<Vec<TeamRow>>;

    /// Creates a user; fails with [`crate::StoreError::Conflict`] when the name is taken.
    async fn add_user(
        &self,
        name: &str,
        password_hash: &str,
        admin: bool,
        at: OffsetDateTime,
    ) -> Result<i64>;

    /// Every user, by name, with their teams.
    async fn list_users(&self) -> Result<Vec<UserRow>>;

    /// The user `name` with its password hash, for a login.
    async fn user_credentials(&self, name: &str) -> Result<Option<UserCredentials>>;

    /// Replaces a user's password hash and ends their sessions; `false` when no such user.
    async fn set_password(&self, name: &str, password_hash: &str) -> Result<bool>;

    /// Disables (or enables) a user; disabling ends their sessions. `false` when no such user.
    async fn set_user_disabled(&self, name: &str, disabled: bool) -> Result<bool>;

    /// Gives `user` `role` in `team` (replacing the one it had), or removes it when `None`.
    /// Fails with [`crate::StoreError::NotFound`] when the team or the user does not exist.
    async fn set_membership(&self, team: &str, user: &str, role: Option<Role>) -> Result<()>;

    /// The members of `team` and their roles, by user name.
    async fn team_members(&self, team: &str) -> Result<Vec<(String, Role)>>;

    /// Stores a token; fails with [`crate::StoreError::NotFound`] when a team does not exist.
    async fn create_token(&self, token: &NewToken, at: OffsetDateTime) -> Result<i64>;

    /// Every token, newest first.
    async fn list_tokens(&self) -> Result<Vec<TokenRow>>;

    /// Revokes token `id`; `false` when it does not exist or was revoked already.
    async fn revoke_token(&self, id: i64, at: OffsetDateTime) -> Result<bool>;

    /// Who the token with this digest speaks for, if it exists, is not revoked and has not
    /// expired at `now`. Records the use (at most once per [`LAST_USED_PRECISION`]).
    async fn token_principal(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Principal>>;

    /// Stores a session of `user_id`.
    async fn create_session(
        &self,
        id_hash: &str,
        user_id: i64,
        csrf_token: &str,
        at: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<()>;

    /// The session with this digest, if it exists, has not expired at `now` and its user is
    /// not disabled.
    async fn session(&self, id_hash: &str, now: OffsetDateTime) -> Result<Option<SessionInfo>>;

    /// Ends a session (a logout). An expired session is removed when it is next presented.
    async fn delete_session(&self, id_hash: &str) -> Result<()>;

    /// Records who queued job `job` through the API.
    async fn record_job_submitter(&self, job: i64, subject: &str) -> Result<()>;

    /// Who queued job `job` through the API, if recorded.
    async fn job_submitter(&self, job: i64) -> Result<Option<String>>;
}

/// A stored role name that does not read back.
pub(crate) fn role_from_db(s: &str) -> Result<Role> {
    Role::parse(s).ok_or_else(|| crate::StoreError::Corrupt(format!("unknown role `{s}`")))
}

/// The one implementation of [`AuthStore`] for both backends: `auth_store_impl!(Store, Database,
/// "BEGIN ...")`, expanded in `sqlite/auth.rs` and `postgres/auth.rs`.
macro_rules! auth_store_impl {
    ($store:ty, $db:ty, $begin:literal) => {
        use $crate::auth::{
            role_from_db, AuthStore, NewToken, Principal, SessionInfo, TeamRow, TokenRow,
            UserCredentials, UserRow, LAST_USED_PRECISION,
        };
        use rampart_model::Role;
        use sqlx::Row;
        use time::OffsetDateTime;

        async fn team_id<'e, E>(ex: E, team: &str) -> $crate::Result<i64>
        where
            E: sqlx::Executor<'e, Database = $db>,
        {
            sqlx::query_scalar("SELECT id FROM teams WHERE name = $1")
                .bind(team)
                .fetch_optional(ex)
                .await?
                .ok_or_else(|| $crate::StoreError::NotFound(format!("team `{team}`")))
        }

        #[async_trait::async_trait]
        impl AuthStore for $store {
            async fn add_team(&self, name: &str, at: OffsetDateTime) -> $crate::Result<bool> {
                Ok(sqlx::query(
                    "INSERT INTO teams (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                )
                .bind(name)
                .bind(at)
                .execute(&self.pool)
                .await?
                .rows_affected()
                    == 1)
            }

            async fn list_teams(&self) -> $crate::Result<Vec<TeamRow>> {
                sqlx::query(
                    "SELECT t.name, (SELECT COUNT(*) FROM team_members m WHERE m.team_id = t.id)
                     FROM teams t ORDER BY t.name",
                )
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| {
                    Ok(TeamRow {
                        name: r.try_get(0)?,
                        members: r.try_get::<i64, _>(1)? as u64,
                    })
                })
                .collect()
            }

            async fn add_user(
                &self,
                name: &str,
                password_hash: &str,
                admin: bool,
                at: OffsetDateTime,
            ) -> $crate::Result<i64> {
                let id: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO users (name, password_hash, admin, disabled, created_at)
                     VALUES ($1, $2, $3, FALSE, $4) ON CONFLICT (name) DO NOTHING RETURNING id",
                )
                .bind(name)
                .bind(password_hash)
                .bind(admin)
                .bind(at)
                .fetch_optional(&self.pool)
                .await?;
                id.ok_or_else(|| $crate::StoreError::Conflict(format!("user `{name}` exists")))
            }

            async fn list_users(&self) -> $crate::Result<Vec<UserRow>> {
                let mut users: Vec<UserRow> = sqlx::query(
                    "SELECT id, name, admin, disabled, created_at FROM users ORDER BY name",
                )
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| {
                    Ok(UserRow {
                        id: r.try_get(0)?,
                        name: r.try_get(1)?,
                        admin: r.try_get(2)?,
                        disabled: r.try_get(3)?,
                        created_at: r.try_get(4)?,
                        teams: Vec::new(),
                    })
                })
                .collect::<$crate::Result<_>>()?;
                let rows = sqlx::query(
                    "SELECT m.user_id, t.name, m.role FROM team_members m JOIN teams t ON t.id = m.team_id
                     ORDER BY t.name",
                )
                .fetch_all(&self.pool)
                .await?;
                let mut by_user = std::collections::HashMap::<i64, Vec<(String, Role)>>::new();
                for r in rows {
                    by_user
                        .entry(r.try_get(0)?)
                        .or_default()
                        .push((r.try_get(1)?, role_from_db(&r.try_get::<String, _>(2)?)?));
                }
                for u in &mut users {
                    u.teams = by_user.remove(&u.id).unwrap_or_default();
                }
                Ok(users)
            }

            async fn user_credentials(&self, name: &str) -> $crate::Result<Option<UserCredentials>> {
                sqlx::query("SELECT id, name, password_hash, disabled FROM users WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?
                    .map(|r| {
                        Ok(UserCredentials {
                            id: r.try_get(0)?,
                            name: r.try_get(1)?,
                            password_hash: r.try_get(2)?,
                            disabled: r.try_get(3)?,
                        })
                    })
                    .transpose()
            }

            async fn set_password(&self, name: &str, password_hash: &str) -> $crate::Result<bool> {
                let mut tx = self.pool.begin_with($begin).await?;
                let id: Option<i64> =
                    sqlx::query_scalar("UPDATE users SET password_hash = $1 WHERE name = $2 RETURNING id")
                        .bind(password_hash)
                        .bind(name)
                        .fetch_optional(&mut *tx)
                        .await?;
                if let Some(id) = id {
                    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(id.is_some())
            }

            async fn set_user_disabled(&self, name: &str, disabled: bool) -> $crate::Result<bool> {
                let mut tx = self.pool.begin_with($begin).await?;
                let id: Option<i64> =
                    sqlx::query_scalar("UPDATE users SET disabled = $1 WHERE name = $2 RETURNING id")
                        .bind(disabled)
                        .bind(name)
                        .fetch_optional(&mut *tx)
                        .await?;
                if let (Some(id), true) = (id, disabled) {
                    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(id.is_some())
            }

            async fn set_membership(
                &self,
                team: &str,
                user: &str,
                role: Option<Role>,
            ) -> $crate::Result<()> {
                let mut tx = self.pool.begin_with($begin).await?;
                let team_id = team_id(&mut *tx, team).await?;
                let user_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE name = $1")
                    .bind(user)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| $crate::StoreError::NotFound(format!("user `{user}`")))?;
                match role {
                    Some(role) => {
                        sqlx::query(
                            "INSERT INTO team_members (team_id, user_id, role) VALUES ($1, $2, $3)
                             ON CONFLICT (team_id, user_id) DO UPDATE SET role = excluded.role",
                        )
                        .bind(team_id)
                        .bind(user_id)
                        .bind(role.as_str())
                        .execute(&mut *tx)
                        .await?;
                    }
                    None => {
                        sqlx::query("DELETE FROM team_members WHERE team_id = $1 AND user_id = $2")
                            .bind(team_id)
                            .bind(user_id)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                tx.commit().await?;
                Ok(())
            }

            async fn team_members(&self, team: &str) -> $crate::Result<Vec<(String, Role)>> {
                let team_id = team_id(&self.pool, team).await?;
                sqlx::query(
                    "SELECT u.name, m.role FROM team_members m JOIN users u ON u.id = m.user_id
                     WHERE m.team_id = $1 ORDER BY u.name",
                )
                .bind(team_id)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| Ok((r.try_get(0)?, role_from_db(&r.try_get::<String, _>(1)?)?)))
                .collect()
            }

            async fn create_token(&self, t: &NewToken, at: OffsetDateTime) -> $crate::Result<i64> {
                let mut tx = self.pool.begin_with($begin).await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO api_tokens (name, token_hash, prefix, role, created_by, created_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(&t.name)
                .bind(&t.token_hash)
                .bind(&t.prefix)
                .bind(t.role.as_str())
                .bind(&t.created_by)
                .bind(at)
                .bind(t.expires_at)
                .fetch_one(&mut *tx)
                .await?;
                for team in &t.teams {
                    let team_id = team_id(&mut *tx, team).await?;
                    sqlx::query(
                        "INSERT INTO api_token_teams (token_id, team_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    )
                    .bind(id)
                    .bind(team_id)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(id)
            }

            async fn list_tokens(&self) -> $crate::Result<Vec<TokenRow>> {
                let mut tokens: Vec<TokenRow> = sqlx::query(
                    "SELECT id, name, prefix, role, created_by, created_at, last_used_at, expires_at, revoked_at
                     FROM api_tokens ORDER BY id DESC",
                )
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| {
                    Ok(TokenRow {
                        id: r.try_get(0)?,
                        name: r.try_get(1)?,
                        prefix: r.try_get(2)?,
                        role: role_from_db(&r.try_get::<String, _>(3)?)?,
                        created_by: r.try_get(4)?,
                        created_at: r.try_get(5)?,
                        last_used_at: r.try_get(6)?,
                        expires_at: r.try_get(7)?,
                        revoked_at: r.try_get(8)?,
                        teams: Vec::new(),
                    })
                })
                .collect::<$crate::Result<_>>()?;
                let rows = sqlx::query(
                    "SELECT tt.token_id, t.name FROM api_token_teams tt JOIN teams t ON t.id = tt.team_id ORDER BY t.name",
                )
                .fetch_all(&self.pool)
                .await?;
                let mut by_token = std::collections::HashMap::<i64, Vec<String>>::new();
                for r in rows {
                    by_token.entry(r.try_get(0)?).or_default().push(r.try_get(1)?);
                }
                for t in &mut tokens {
                    t.teams = by_token.remove(&t.id).unwrap_or_default();
                }
                Ok(tokens)
            }

            async fn revoke_token(&self, id: i64, at: OffsetDateTime) -> $crate::Result<bool> {
                Ok(sqlx::query(
                    "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                )
                .bind(at)
                .bind(id)
                .execute(&self.pool)
                .await?
                .rows_affected()
                    == 1)
            }

            async fn token_principal(
                &self,
                token_hash: &str,
                now: OffsetDateTime,
            ) -> $crate::Result<Option<Principal>> {
                // One statement: the token and its teams (one row per team, or one row with
                // no team).
                let rows = sqlx::query(
                    "SELECT k.id, k.role, k.last_used_at, k.expires_at, t.name FROM api_tokens k
                     LEFT JOIN api_token_teams tt ON tt.token_id = k.id
                     LEFT JOIN teams t ON t.id = tt.team_id
                     WHERE k.token_hash = $1 AND k.revoked_at IS NULL ORDER BY t.name",
                )
                .bind(token_hash)
                .fetch_all(&self.pool)
                .await?;
                let Some(row) = rows.first() else { return Ok(None) };
                let id: i64 = row.try_get(0)?;
                let role = role_from_db(&row.try_get::<String, _>(1)?)?;
                let last_used: Option<OffsetDateTime> = row.try_get(2)?;
                let expires: Option<OffsetDateTime> = row.try_get(3)?;
                if expires.is_some_and(|e| e <= now) {
                    return Ok(None);
                }
                // Written at most once a minute: a request that authenticates does not write.
                if last_used.is_none_or(|l| now - l >= LAST_USED_PRECISION) {
                    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                        .bind(now)
                        .bind(id)
                        .execute(&self.pool)
                        .await?;
                }
                let mut memberships = Vec::with_capacity(rows.len());
                for r in &rows {
                    if let Some(team) = r.try_get::<Option<String>, _>(4)? {
                        memberships.push((team, role));
                    }
                }
                Ok(Some(Principal {
                    subject: format!("token:{id}"),
                    admin: role == Role::Admin,
                    role,
                    memberships,
                    expires_at: expires,
                }))
            }

            async fn create_session(
                &self,
                id_hash: &str,
                user_id: i64,
                csrf_token: &str,
                at: OffsetDateTime,
                expires_at: OffsetDateTime,
            ) -> $crate::Result<()> {
                sqlx::query(
                    "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id_hash)
                .bind(user_id)
                .bind(csrf_token)
                .bind(at)
                .bind(expires_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn session(
                &self,
                id_hash: &str,
                now: OffsetDateTime,
            ) -> $crate::Result<Option<SessionInfo>> {
                // One statement: the session, its user and the user's teams (one row per team).
                let rows = sqlx::query(
                    "SELECT s.user_id, u.name, u.admin, s.csrf_token, s.expires_at, t.name, m.role
                     FROM sessions s JOIN users u ON u.id = s.user_id
                     LEFT JOIN team_members m ON m.user_id = u.id
                     LEFT JOIN teams t ON t.id = m.team_id
                     WHERE s.id_hash = $1 AND u.disabled = FALSE ORDER BY t.name",
                )
                .bind(id_hash)
                .fetch_all(&self.pool)
                .await?;
                let Some(row) = rows.first() else { return Ok(None) };
                let expires_at: OffsetDateTime = row.try_get(4)?;
                if expires_at <= now {
                    self.delete_session(id_hash).await?;
                    return Ok(None);
                }
                let name: String = row.try_get(1)?;
                let admin: bool = row.try_get(2)?;
                let mut memberships = Vec::with_capacity(rows.len());
                for r in &rows {
                    if let (Some(team), Some(role)) =
                        (r.try_get::<Option<String>, _>(5)?, r.try_get::<Option<String>, _>(6)?)
                    {
                        memberships.push((team, role_from_db(&role)?));
                    }
                }
                let role = if admin {
                    Role::Admin
                } else {
                    memberships.iter().map(|m| m.1).max().unwrap_or(Role::Read)
                };
                Ok(Some(SessionInfo {
                    principal: Principal {
                        subject: format!("user:{name}"),
                        admin,
                        role,
                        memberships,
                        expires_at: Some(expires_at),
                    },
                    csrf_token: row.try_get(3)?,
                    expires_at,
                }))
            }

            async fn delete_session(&self, id_hash: &str) -> $crate::Result<()> {
                sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
                    .bind(id_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn record_job_submitter(&self, job: i64, subject: &str) -> $crate::Result<()> {
                sqlx::query(
                    "INSERT INTO job_submitters (job_id, subject) VALUES ($1, $2) ON CONFLICT (job_id) DO NOTHING",
                )
                .bind(job)
                .bind(subject)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn job_submitter(&self, job: i64) -> $crate::Result<Option<String>> {
                Ok(sqlx::query_scalar("SELECT subject FROM job_submitters WHERE job_id = $1")
                    .bind(job)
                    .fetch_optional(&self.pool)
                    .await?)
            }
        }
    };
}
pub(crate) use auth_store_impl;
