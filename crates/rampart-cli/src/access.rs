//! `rampart users`, `rampart teams`, `rampart tokens`: who may use the server, and what they
//! see. Passwords are read from the terminal's standard input (or `RAMPART_PASSWORD`), never
//! from an argument; a token is printed once and only its SHA-256 is stored.

use crate::open_store;
use crate::output::{print_json, short_time, table};
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use rampart_model::Role;
use rampart_server::auth::secret::{digest, hash_password, new_api_token, token_display_prefix};
use rampart_store::NewToken;
use std::io::BufRead;
use std::process::ExitCode;
use time::OffsetDateTime;

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Add a user (password from standard input or RAMPART_PASSWORD).
    Add {
        /// Login name.
        name: String,
        /// Administrator: every team, and user/team/token management.
        #[arg(long)]
        admin: bool,
        /// Add to this team with `--role` (repeatable).
        #[arg(long = "team")]
        teams: Vec<String>,
        /// Role in the `--team`s: ingest, read, triage or admin.
        #[arg(long, default_value = "read", value_parser = parse_role)]
        role: Role,
    },
    /// List users with their teams.
    List {
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Set a user's password (from standard input or RAMPART_PASSWORD); ends their sessions.
    Passwd {
        /// Login name.
        name: String,
    },
    /// Disable a user (their sessions end), or enable them again with `--enable`.
    Disable {
        /// Login name.
        name: String,
        /// Enable instead.
        #[arg(long)]
        enable: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TeamsCommand {
    /// Add a team (the catalog's `team` of the applications it owns).
    Add {
        /// Team name.
        name: String,
    },
    /// List teams.
    List {
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show a team's members; `--add USER --role R` or `--remove USER` change them.
    Members(MembersArgs),
}

#[derive(Debug, Args)]
pub struct MembersArgs {
    /// Team name.
    team: String,
    /// Give this user `--role` in the team.
    #[arg(long, conflicts_with = "remove")]
    add: Option<String>,
    /// The role `--add` gives: ingest, read, triage or admin.
    #[arg(long, default_value = "read", value_parser = parse_role)]
    role: Role,
    /// Remove this user from the team.
    #[arg(long)]
    remove: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Create an API token and print it once.
    Create(CreateTokenArgs),
    /// List tokens (never the token itself).
    List {
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token: it stops working at once.
    Revoke {
        /// Token id (from `tokens list`).
        id: i64,
    },
}

#[derive(Debug, Args)]
pub struct CreateTokenArgs {
    /// A label (`ci-payments`).
    #[arg(long)]
    name: String,
    /// ingest (CI uploads only), read, triage or admin (every team).
    #[arg(long, value_parser = parse_role)]
    role: Role,
    /// A team the token may see (repeatable; not needed for admin).
    #[arg(long = "team")]
    teams: Vec<String>,
    /// Days until it expires (default: never).
    #[arg(long)]
    expires_days: Option<u32>,
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s)
        .ok_or_else(|| format!("unknown role `{s}`: expected ingest, read, triage or admin"))
}

/// The password: `RAMPART_PASSWORD`, else the first line of standard input.
fn read_password() -> Result<String> {
    if let Ok(p) = std::env::var("RAMPART_PASSWORD")
        && !p.is_empty()
    {
        return Ok(p);
    }
    eprint!("password: ");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let p = line.trim_end_matches(['\r', '\n']).to_string();
    if p.chars().count() < 8 {
        bail!("the password must have at least 8 characters");
    }
    Ok(p)
}

pub async fn run_users(db: &str, cmd: UsersCommand) -> Result<ExitCode> {
    let store = open_store(db).await?;
    let now = OffsetDateTime::now_utc();
    match cmd {
        UsersCommand::Add {
            name,
            admin,
            teams,
            role,
        } => {
            let hash = hash_password(&read_password()?).map_err(|e| anyhow::anyhow!("{e}"))?;
            store.add_user(&name, &hash, admin, now).await?;
            for t in &teams {
                store.set_membership(t, &name, Some(role)).await?;
            }
            eprintln!("user {name} added");
        }
        UsersCommand::List { json } => {
            let users = store.list_users().await?;
            if json {
                print_json(&users)?;
            } else {
                let mut t = table(&["name", "admin", "disabled", "teams", "created"]);
                for u in users {
                    let teams: Vec<String> =
                        u.teams.iter().map(|(t, r)| format!("{t} ({r})")).collect();
                    t.add_row(vec![
                        u.name,
                        yes(u.admin),
                        yes(u.disabled),
                        teams.join(", "),
                        short_time(u.created_at),
                    ]);
                }
                println!("{t}");
            }
        }
        UsersCommand::Passwd { name } => {
            let hash = hash_password(&read_password()?).map_err(|e| anyhow::anyhow!("{e}"))?;
            if !store.set_password(&name, &hash).await? {
                bail!("no user named `{name}`");
            }
            eprintln!("password of {name} changed; their sessions ended");
        }
        UsersCommand::Disable { name, enable } => {
            if !store.set_user_disabled(&name, !enable).await? {
                bail!("no user named `{name}`");
            }
            eprintln!("{name} {}", if enable { "enabled" } else { "disabled" });
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn run_teams(db: &str, cmd: TeamsCommand) -> Result<ExitCode> {
    let store = open_store(db).await?;
    match cmd {
        TeamsCommand::Add { name } => {
            if !store.add_team(&name, OffsetDateTime::now_utc()).await? {
                bail!("team `{name}` exists");
            }
            eprintln!("team {name} added");
        }
        TeamsCommand::List { json } => {
            let teams = store.list_teams().await?;
            if json {
                print_json(&teams)?;
            } else {
                let mut t = table(&["team", "members"]);
                for team in teams {
                    t.add_row(vec![team.name, team.members.to_string()]);
                }
                println!("{t}");
            }
        }
        TeamsCommand::Members(a) => {
            if let Some(user) = &a.add {
                store.set_membership(&a.team, user, Some(a.role)).await?;
            }
            if let Some(user) = &a.remove {
                store.set_membership(&a.team, user, None).await?;
            }
            let mut t = table(&["user", "role"]);
            for (user, role) in store.team_members(&a.team).await? {
                t.add_row(vec![user, role.to_string()]);
            }
            println!("{t}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn run_tokens(db: &str, cmd: TokensCommand) -> Result<ExitCode> {
    let store = open_store(db).await?;
    let now = OffsetDateTime::now_utc();
    match cmd {
        TokensCommand::Create(a) => {
            if a.role != Role::Admin && a.teams.is_empty() {
                bail!(
                    "a {} token needs at least one --team (it would see nothing)",
                    a.role
                );
            }
            let token = new_api_token();
            let id = store
                .create_token(
                    &NewToken {
                        name: a.name.clone(),
                        token_hash: digest(&token),
                        prefix: token_display_prefix(&token),
                        role: a.role,
                        teams: a.teams.clone(),
                        created_by: "cli".into(),
                        expires_at: a
                            .expires_days
                            .map(|d| now + time::Duration::days(i64::from(d))),
                    },
                    now,
                )
                .await?;
            eprintln!(
                "token {id} ({}, {}) created; it is shown only now:",
                a.name, a.role
            );
            println!("{token}");
        }
        TokensCommand::List { json } => {
            let tokens = store.list_tokens().await?;
            if json {
                print_json(&tokens)?;
            } else {
                let mut t = table(&[
                    "id",
                    "name",
                    "prefix",
                    "role",
                    "teams",
                    "created",
                    "last used",
                    "expires",
                    "revoked",
                ]);
                let when = |t: Option<OffsetDateTime>| t.map(short_time).unwrap_or_default();
                for k in tokens {
                    t.add_row(vec![
                        k.id.to_string(),
                        k.name,
                        format!("{}…", k.prefix),
                        k.role.to_string(),
                        k.teams.join(", "),
                        short_time(k.created_at),
                        when(k.last_used_at),
                        when(k.expires_at),
                        when(k.revoked_at),
                    ]);
                }
                println!("{t}");
            }
        }
        TokensCommand::Revoke { id } => {
            if !store.revoke_token(id, now).await? {
                bail!("no active token with id {id}");
            }
            eprintln!("token {id} revoked");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn yes(b: bool) -> String {
    if b { "yes".into() } else { String::new() }
}
