//! `rampart bench api`: the server's issue list at scale. It fills an empty store (a new
//! SQLite file, or an empty PostgreSQL schema) with the synthetic store of `bench store`
//! (1,000,000 issues by default), gives the applications to `--teams` teams through the
//! catalog, creates a read token for the first team, an admin token and an analyst's browser
//! session (triage in the first two teams), then times the API in-process (router + auth +
//! store, no socket): the top 50 issues by risk for the team, its next page, and the top 50
//! for an administrator. The credentials are written to `--token-file` for a load tool against
//! `rampart serve` (see docs/benchmarks.md).

use anyhow::{Context, Result};
use axum::body::Body;
use axum::http::Request;
use clap::Args;
use rampart_model::{AppProfile, Role};
use rampart_server::auth::secret::{
    digest, hash_password, new_api_token, random_secret, token_display_prefix,
};
use rampart_server::{AppState, ServerConfig};
use rampart_store::postgres::{PgStore, SyntheticSpec};
use rampart_store::{NewToken, SqliteStore, Store};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use tower::ServiceExt;

#[derive(Debug, Args)]
pub struct ApiBenchArgs {
    /// Issues to generate (skipped when the store already has issues).
    #[arg(long, default_value_t = 1_000_000)]
    issues: u64,
    /// Applications they belong to.
    #[arg(long, default_value_t = 1_000)]
    applications: u64,
    /// Teams owning the applications (round robin).
    #[arg(long, default_value_t = 20)]
    teams: u64,
    /// Requests per timed query.
    #[arg(long, default_value_t = 1_000)]
    requests: usize,
    /// Where to write the tokens (`team=...` and `admin=...` lines).
    #[arg(long, default_value = "bench-api-tokens.txt")]
    token_file: PathBuf,
}

pub async fn run(db: &str, args: ApiBenchArgs) -> Result<ExitCode> {
    let spec = SyntheticSpec {
        issues: args.issues,
        applications: args.applications,
    };
    let postgres = rampart_store::is_postgres_url(db);
    let (pg, lite) = if postgres {
        (Some(PgStore::open(db).await), None)
    } else {
        (None, Some(SqliteStore::open(db).await))
    };
    let pg = pg
        .transpose()
        .with_context(|| format!("cannot open {db}"))?;
    let lite = lite
        .transpose()
        .with_context(|| format!("cannot open {db}"))?;
    let store: Arc<dyn Store> = match (&pg, &lite) {
        (Some(pg), _) => Arc::new(pg.clone()),
        (None, Some(lite)) => Arc::new(lite.clone()),
        (None, None) => unreachable!("one store is open"),
    };
    let any = rampart_store::IssueQuery {
        all_statuses: true,
        sort: rampart_store::IssueSort::Id,
        limit: Some(1),
        ..Default::default()
    };
    if store.list_issues(&any).await?.is_empty() {
        eprintln!(
            "generating {} issues over {} applications ...",
            args.issues, args.applications
        );
        let t = Instant::now();
        let timings = match (&pg, &lite) {
            (Some(pg), _) => pg.fill_synthetic(spec).await?,
            (None, Some(lite)) => lite.fill_synthetic(spec).await?,
            (None, None) => unreachable!("one store is open"),
        };
        for (step, d) in &timings.steps {
            eprintln!("  {step}: {:.1} s", d.as_secs_f64());
        }
        eprintln!("  total: {:.1} s", t.elapsed().as_secs_f64());
    } else {
        eprintln!("the store has issues: using it as it is");
    }
    let now = OffsetDateTime::now_utc();
    let team = |i: u64| format!("team-{:02}", i % args.teams.max(1));
    let apps = store
        .applications_in(&rampart_model::TeamScope::All, None)
        .await?;
    let profiles: Vec<AppProfile> = apps
        .iter()
        .enumerate()
        .map(|(i, a)| AppProfile {
            name: a.summary.name.clone(),
            team: Some(team(i as u64)),
            ..Default::default()
        })
        .collect();
    store.apply_catalog(&profiles, "bench-api", now).await?;
    match (&pg, &lite) {
        (Some(pg), _) => pg.analyze_catalog().await?,
        (None, Some(lite)) => lite.analyze().await?,
        (None, None) => unreachable!("one store is open"),
    }
    for i in 0..args.teams.max(1) {
        store.add_team(&team(i), now).await?;
    }
    let mut tokens = Vec::new();
    for (name, role, teams) in [
        ("team", Role::Read, vec![team(0)]),
        ("admin", Role::Admin, vec![]),
    ] {
        let token = new_api_token();
        store
            .create_token(
                &NewToken {
                    name: format!("bench-{name}"),
                    token_hash: digest(&token),
                    prefix: token_display_prefix(&token),
                    role,
                    teams,
                    created_by: "bench".into(),
                    expires_at: Some(now + time::Duration::days(1)),
                },
                now,
            )
            .await?;
        tokens.push((name, token));
    }
    // An analyst (triage in the first two teams) with a browser session, for the dashboard.
    let analyst = format!("bench-analyst-{}", now.unix_timestamp());
    let user_id = store
        .add_user(
            &analyst,
            &hash_password(&random_secret()).map_err(|e| anyhow::anyhow!("{e}"))?,
            false,
            now,
        )
        .await?;
    for i in 0..2.min(args.teams.max(1)) {
        store
            .set_membership(&team(i), &analyst, Some(Role::Triage))
            .await?;
    }
    let session = random_secret();
    store
        .create_session(
            &digest(&session),
            user_id,
            &random_secret(),
            now,
            now + time::Duration::days(1),
        )
        .await?;
    tokens.push(("cookie", format!("rampart_session={session}")));
    std::fs::write(
        &args.token_file,
        tokens
            .iter()
            .map(|(n, t)| format!("{n}={t}\n"))
            .collect::<String>(),
    )
    .with_context(|| format!("cannot write {}", args.token_file.display()))?;
    let team_apps = profiles
        .iter()
        .filter(|p| p.team.as_deref() == Some(&team(0)))
        .count();
    eprintln!(
        "{} applications, {team_apps} owned by {}; tokens in {}",
        apps.len(),
        team(0),
        args.token_file.display()
    );

    let app = rampart_server::router(AppState::new(store, ServerConfig::default()));
    let get = |uri: String, token: String| {
        let app = app.clone();
        async move {
            let req = Request::get(uri)
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())?;
            let resp = app.oneshot(req).await?;
            let status = resp.status();
            let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await?;
            anyhow::ensure!(
                status.is_success(),
                "{status}: {}",
                String::from_utf8_lossy(&bytes)
            );
            Ok::<_, anyhow::Error>(serde_json::from_slice::<serde_json::Value>(&bytes)?)
        }
    };
    let team_token = tokens[0].1.clone();
    let admin_token = tokens[1].1.clone();
    let first = get("/api/v1/issues?limit=50".into(), team_token.clone()).await?;
    let cursor = first["next_cursor"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    println!(
        "| request (in-process, {} runs) | p50 ms | p99 ms | max ms | rows |",
        args.requests
    );
    println!("|---|---|---|---|---|");
    for (name, uri, token) in [
        (
            "top 50 by risk, one team (read token)",
            "/api/v1/issues?limit=50".to_string(),
            &team_token,
        ),
        (
            "next page (cursor), one team",
            format!("/api/v1/issues?limit=50&cursor={cursor}"),
            &team_token,
        ),
        (
            "top 50 by risk, admin (all teams)",
            "/api/v1/issues?limit=50".to_string(),
            &admin_token,
        ),
        (
            "top 50 critical, one team",
            "/api/v1/issues?limit=50&severity=critical".to_string(),
            &team_token,
        ),
    ] {
        let mut times = Vec::with_capacity(args.requests);
        let mut rows = 0;
        for _ in 0..args.requests.max(1) {
            let t = Instant::now();
            let v = get(uri.clone(), token.clone()).await?;
            times.push(t.elapsed());
            rows = v["items"].as_array().map_or(0, Vec::len);
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let p = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
        println!(
            "| {name} | {:.2} | {:.2} | {:.2} | {rows} |",
            ms(p(0.50)),
            ms(p(0.99)),
            ms(*times.last().unwrap())
        );
    }
    Ok(ExitCode::SUCCESS)
}
