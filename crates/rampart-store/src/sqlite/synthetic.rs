//! A synthetic large store on SQLite for benchmarks (`rampart bench api`): the shape of the
//! PostgreSQL one (`postgres/synthetic.rs`: the same statuses, severities, risk spread and one
//! observation per issue), written by recursive CTEs in one transaction with the bulk indexes
//! dropped during the load and rebuilt after it. Meant for a new, empty database file.

use super::SqliteStore;
use crate::postgres::{SyntheticSpec, SyntheticTimings};
use crate::{Result, StoreError};
use std::time::Instant;

impl SqliteStore {
    /// Fills an empty store with `spec.issues` issues over `spec.applications` applications
    /// (as [`crate::PgStore::fill_synthetic`] does). Refuses a store that has issues.
    pub async fn fill_synthetic(&self, spec: SyntheticSpec) -> Result<SyntheticTimings> {
        let existing: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM issues LIMIT 1)")
                .fetch_one(&self.pool)
                .await?;
        if existing > 0 {
            return Err(StoreError::Unsupported(
                "the synthetic store needs an empty database: this one has issues".into(),
            ));
        }
        let apps = spec.applications.max(1) as i64;
        let n = spec.issues as i64;
        // Indexes on issues and observations (not the constraints'), rebuilt after the load.
        let indexes: Vec<(String, String)> = sqlx::query_as(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('issues', 'observations')
             AND sql IS NOT NULL",
        )
        .fetch_all(&self.pool)
        .await?;
        let data = crate::codec::pack_json(r#"{"synthetic": true}"#);
        let mut timings = SyntheticTimings::default();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut step = |name: &str, t: Instant| timings.steps.push((name.into(), t.elapsed()));
        let t = Instant::now();
        for (name, _) in &indexes {
            sqlx::query(&format!("DROP INDEX {name}"))
                .execute(&mut *tx)
                .await?;
        }
        step("drop indexes", t);
        let t = Instant::now();
        for sql in [
            "INSERT INTO applications (name, created_at)
               WITH RECURSIVE g(a) AS (SELECT 1 UNION ALL SELECT a + 1 FROM g WHERE a < $1)
               SELECT printf('app-%05d', a), strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-400 days') FROM g",
            "INSERT INTO targets (application_id, name)
               SELECT a.id, a.name || t.suffix FROM applications a, (SELECT '-repo' AS suffix UNION ALL SELECT '-image') t",
            "INSERT INTO scans (application_id, target_id, branch, tools, format, file_name, report_sha256, ingested_at, observations)
               SELECT t.application_id, t.id, 'main', 'codeql', 'sarif', 'synthetic.sarif', 'synthetic',
                      strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 day'), 0 FROM targets t",
            "INSERT INTO streams (target_id, branch, tool, last_scan_id)
               SELECT s.target_id, 'main', 'codeql', s.id FROM scans s",
        ] {
            sqlx::query(sql).bind(apps).execute(&mut *tx).await?;
        }
        step("applications, targets, scans, streams", t);
        let t = Instant::now();
        // `h`: a hash of g spreading statuses, kinds, severities and scores as PostgreSQL's
        // `hashint8` does there; the first scan of application `a` is its smallest scan id.
        sqlx::query(
            "INSERT INTO issues (application_id, key, kind, title, severity, risk, status, rule_id, location,
                                 vuln_ids, cwes, first_scan_id, first_seen, last_seen, fixed_at)
             WITH RECURSIVE g(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM g WHERE g < $1),
             x AS (SELECT g, 1 + (g % $2) AS a, (g * 2654435761) % 4294967291 AS h FROM g),
             s AS (SELECT application_id, MIN(id) AS id FROM scans GROUP BY application_id),
             y AS (SELECT x.*, CASE (h / 7) % 5 WHEN 1 THEN 'dependency' WHEN 2 THEN 'secret' WHEN 3 THEN 'iac'
                                    ELSE 'code' END AS kind FROM x)
             SELECT s.application_id, printf('%032x', y.g), y.kind, y.kind || ' finding ' || y.g, y.h % 5, (y.h / 11) % 101,
                    CASE WHEN y.h % 100 < 65 THEN 'open' WHEN y.h % 100 < 70 THEN 'reopened'
                         WHEN y.h % 100 < 90 THEN 'fixed' WHEN y.h % 100 < 95 THEN 'false_positive' ELSE 'risk_accepted' END,
                    'rule-' || (y.g % 400), 'src/module_' || (y.g % 5000) || '.py:' || (y.g % 900),
                    CASE WHEN y.kind = 'dependency' THEN 'CVE-2024-' || (y.g % 90000) ELSE '' END,
                    CAST(y.g % 900 AS TEXT), s.id,
                    strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-' || (y.g % 500000) || ' minutes'),
                    strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-' || (y.g % 1000) || ' minutes'),
                    CASE WHEN y.h % 100 BETWEEN 70 AND 89 THEN strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 hour') END
             FROM y JOIN s ON s.application_id = y.a",
        )
        .bind(n)
        .bind(apps)
        .execute(&mut *tx)
        .await?;
        step("issues", t);
        let t = Instant::now();
        sqlx::query(
            "INSERT INTO observations (issue_id, stream_id, hash, first_scan_id, last_scan_id, tool, rule_id, severity, location, data)
             SELECT i.id, st.id, i.id * 40503 % 2147483647, i.first_scan_id,
                    CASE WHEN i.status = 'fixed' THEN i.first_scan_id END,
                    'codeql', i.rule_id, i.severity, i.location, $1
             FROM issues i JOIN scans s ON s.id = i.first_scan_id JOIN streams st ON st.target_id = s.target_id",
        )
        .bind(data)
        .execute(&mut *tx)
        .await?;
        step("observations", t);
        let t = Instant::now();
        for (_, sql) in &indexes {
            sqlx::query(sql).execute(&mut *tx).await?;
        }
        step("build indexes", t);
        let t = Instant::now();
        // The load bypassed the store's write paths: count the summary tables once.
        for statement in super::summary::rebuild_statements() {
            sqlx::query(&statement).execute(&mut *tx).await?;
        }
        step("summaries", t);
        tx.commit().await?;
        let t = Instant::now();
        sqlx::query("ANALYZE").execute(&self.pool).await?;
        timings.steps.push(("analyze".into(), t.elapsed()));
        Ok(timings)
    }

    /// Refreshes the planner's statistics (`ANALYZE`), as after a catalog change of many
    /// applications.
    pub async fn analyze(&self) -> Result<()> {
        sqlx::query("ANALYZE").execute(&self.pool).await?;
        Ok(())
    }
}
