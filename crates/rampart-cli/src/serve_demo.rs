//! What `rampart serve` does for a newcomer, and the posture snapshots of the dashboard's trend.
//!
//! On a store without users it creates the administrator `admin` with a random password and
//! prints it once. On an empty SQLite store (the README's first command) it loads the demo
//! portfolio (`rampart_service::demo`, the same as `rampart demo`) and estimates its posture
//! trend, so the dashboard is populated at once. `--no-demo` (or `RAMPART_DEMO=off`) skips the
//! demo. While serving, today's posture is recorded at start and every hour.

use anyhow::{Context, Result};
use rampart_store::Store;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// Days of posture history estimated after loading the demo.
const DEMO_TREND_DAYS: i64 = 90;

/// What the bootstrap did, printed once the server listens.
#[derive(Debug, Default)]
pub struct Welcome {
    /// A line about the demo data, if it was loaded.
    pub demo: Option<String>,
    /// The administrator created now: (user, password).
    pub login: Option<(String, String)>,
}

impl Welcome {
    /// Prints what a newcomer needs: the demo note and the login (stdout, once).
    pub fn print(&self) {
        if let Some(d) = &self.demo {
            println!("{d}");
        }
        if let Some((user, password)) = &self.login {
            println!("An administrator was created. Log in with:");
            println!("  user: {user}");
            println!("  password: {password}");
            println!(
                "(shown only now; set another with `rampart users passwd {user}`, add people with `rampart users add`)"
            );
        }
    }
}

/// Creates the first administrator and loads the demo when the store is new.
pub async fn bootstrap(store: &dyn Store, db: &str, demo: bool) -> Result<Welcome> {
    let mut welcome = Welcome::default();
    let now = OffsetDateTime::now_utc();
    if store.list_users().await?.is_empty() {
        // 20 base62 characters: about 119 bits.
        let password: String = rampart_server::auth::secret::random_secret()
            .chars()
            .take(20)
            .collect();
        let hash = rampart_server::auth::secret::hash_password(&password)
            .map_err(|e| anyhow::anyhow!("cannot hash the administrator's password: {e}"))?;
        store
            .add_user("admin", &hash, true, now)
            .await
            .context("cannot create the administrator")?;
        welcome.login = Some(("admin".into(), password));
    }
    let demo = demo && std::env::var("RAMPART_DEMO").map_or(true, |v| v != "off");
    if demo && !rampart_store::is_postgres_url(db) && store.portfolio().await?.applications == 0 {
        match rampart_service::demo::demo_dir() {
            None => {
                welcome.demo = Some(
                    "The store is empty; the demo reports were not found (set RAMPART_DEMO_DIR to load them)."
                        .into(),
                );
            }
            Some(dir) => {
                eprintln!("Loading the demo portfolio from {} ...", dir.display());
                let reports = rampart_service::demo::load(store, &dir, now).await?;
                rampart_service::posture::backfill(store, now, DEMO_TREND_DAYS).await?;
                rampart_service::posture::record(store, now).await?;
                let p = store.portfolio().await?;
                welcome.demo = Some(format!(
                    "Loaded the Northwind Outfitters demo portfolio: {} reports, {} applications, {} open issues (`rampart demo` prints its summary).",
                    reports.len(),
                    p.applications,
                    p.open_by_severity.iter().sum::<u64>()
                ));
            }
        }
    }
    Ok(welcome)
}

/// Records today's posture now and every hour, for the dashboard's trend.
pub fn spawn_posture(store: Arc<dyn Store>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            if let Err(e) =
                rampart_service::posture::record(store.as_ref(), OffsetDateTime::now_utc()).await
            {
                tracing::warn!(error = %e, "cannot record today's posture");
            }
        }
    });
}
