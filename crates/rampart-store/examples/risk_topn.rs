//! Times the risk-ordered queue on a large synthetic portfolio: `N` issues (70% active) over
//! 1,000 applications and 100 owner teams, with risk scores spread over 0..100; then the top 50
//! by risk, portfolio-wide, for one application and for one team, through `Store::list_issues`
//! (median of 7 runs after one warm-up).
//!
//! ```text
//! cargo run --release -p rampart-store --example risk_topn -- [DB_URL] [N]
//! ```
//! `DB_URL`: a SQLite path (default: a temporary file) or a `postgres://` URL whose schema is
//! empty (`?options=-c%20search_path%3Drisk` after `CREATE SCHEMA risk`). `N` defaults to
//! 10,000,000.

use rampart_model::AppProfile;
use rampart_store::{IssueQuery, IssueSort, Store};
use std::time::{Duration, Instant};

const FILL_SQLITE: &str = "
INSERT INTO scans (id, application_id, target_id, branch, format, file_name, report_sha256, ingested_at)
VALUES (1, 1, 1, 'main', 'synthetic', 'synthetic', '', '2026-11-27T00:00:00Z');
INSERT INTO issues (id, application_id, key, kind, title, severity, status, rule_id, location, first_scan_id, first_seen, last_seen, risk)
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < $1)
SELECT n, (n - 1) * 1000 / $1 + 1, printf('%032x', n), 'dependency', 'Finding ' || n, n % 5,
       CASE WHEN (n * 7919) % 10 < 7 THEN 'open' ELSE 'fixed' END, 'rule', 'pkg:npm/x@1', 1,
       '2026-11-27T00:00:00Z', '2026-11-27T00:00:00Z', (n * 2654435761) % 101
FROM g;";

const FILL_POSTGRES: &str = "
INSERT INTO targets (application_id, name) SELECT 1, 'synthetic' WHERE $1 > 0;
INSERT INTO scans (application_id, target_id, branch, format, file_name, report_sha256, ingested_at)
SELECT 1, (SELECT id FROM targets WHERE name = 'synthetic'), 'main', 'synthetic', 'synthetic', '', now() WHERE $1 > 0;
INSERT INTO issues (application_id, key, kind, title, severity, status, rule_id, location, first_scan_id, first_seen, last_seen, risk)
SELECT (n - 1) * 1000 / $1 + 1, md5(n::text), 'dependency', 'Finding ' || n, n % 5,
       CASE WHEN (n * 7919) % 10 < 7 THEN 'open' ELSE 'fixed' END, 'rule', 'pkg:npm/x@1', 1, now(), now(),
       (n::bigint * 2654435761) % 101
FROM generate_series(1, $1) n;";

async fn median(store: &dyn Store, q: &IssueQuery) -> (Duration, usize) {
    let n = store.list_issues(q).await.expect("list").len();
    let mut times: Vec<Duration> = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        store.list_issues(q).await.expect("list");
        times.push(t.elapsed());
    }
    times.sort();
    (times[3], n)
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let tmp = tempfile::tempdir().expect("tempdir");
    let url = args
        .next()
        .unwrap_or_else(|| tmp.path().join("risk.db").display().to_string());
    let n: i64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000_000);
    let store = rampart_store::open(&url).await.expect("open store");
    let profiles: Vec<AppProfile> = (1..=1000)
        .map(|a| AppProfile {
            name: format!("app-{a}"),
            team: Some(format!("team-{}", a % 100)),
            ..Default::default()
        })
        .collect();
    let now = time::OffsetDateTime::now_utc();
    store
        .apply_catalog(&profiles, "synthetic", now)
        .await
        .expect("catalog");
    let t = Instant::now();
    let postgres = rampart_store::is_postgres_url(&url);
    if postgres {
        let pg = rampart_store::PgStore::open(&url).await.expect("pg");
        // Bulk load: drop the issue indexes (not the constraints'), insert, build them again.
        let indexes: Vec<(String, String)> = sqlx::query_as(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'issues'
             AND indexname NOT IN (SELECT conname FROM pg_constraint)",
        )
        .fetch_all(pg.pool())
        .await
        .expect("indexes");
        for (name, _) in &indexes {
            sqlx::query(&format!("DROP INDEX {name}"))
                .execute(pg.pool())
                .await
                .expect("drop index");
        }
        for stmt in FILL_POSTGRES.split(';').filter(|s| !s.trim().is_empty()) {
            sqlx::query(stmt)
                .bind(n)
                .execute(pg.pool())
                .await
                .expect("fill");
        }
        for (_, sql) in &indexes {
            sqlx::query(sql)
                .execute(pg.pool())
                .await
                .expect("create index");
        }
        sqlx::query("ANALYZE issues")
            .execute(pg.pool())
            .await
            .expect("analyze");
    } else {
        let lite = rampart_store::SqliteStore::open(&url)
            .await
            .expect("sqlite");
        // Bulk load: drop the issue indexes, insert in key order, build the indexes by sorting.
        let indexes: Vec<(String, String)> = sqlx::query_as(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'issues' AND sql IS NOT NULL",
        )
        .fetch_all(lite.pool())
        .await
        .expect("indexes");
        for (name, _) in &indexes {
            sqlx::query(&format!("DROP INDEX {name}"))
                .execute(lite.pool())
                .await
                .expect("drop index");
        }
        for stmt in FILL_SQLITE.split(';').filter(|s| !s.trim().is_empty()) {
            sqlx::query(stmt)
                .bind(n)
                .execute(lite.pool())
                .await
                .expect("fill");
        }
        for (_, sql) in &indexes {
            sqlx::query(sql)
                .execute(lite.pool())
                .await
                .expect("create index");
        }
        sqlx::query("ANALYZE")
            .execute(lite.pool())
            .await
            .expect("analyze");
    }
    println!(
        "{} issues written in {:.1} s ({})",
        n,
        t.elapsed().as_secs_f64(),
        if postgres { "PostgreSQL" } else { "SQLite" }
    );
    let top = |f: fn(&mut IssueQuery)| {
        let mut q = IssueQuery {
            sort: IssueSort::Risk,
            limit: Some(50),
            ..Default::default()
        };
        f(&mut q);
        q
    };
    for (label, q) in [
        ("top 50 by risk, all applications", top(|_| {})),
        (
            "top 50 by risk, one application",
            top(|q| q.application = Some("app-7".into())),
        ),
        (
            "top 50 by risk, one team (10 applications)",
            top(|q| q.team = Some("team-7".into())),
        ),
    ] {
        let (d, rows) = median(store.as_ref(), &q).await;
        println!(
            "{label:<45} {rows:>3} rows  {:>8.2} ms",
            d.as_secs_f64() * 1000.0
        );
    }
    if postgres {
        let q = top(|_| {});
        println!(
            "\nPostgreSQL plan of the first query:\n{}",
            rampart_store::postgres::issue_list_sql(&q)
        );
    }
}
