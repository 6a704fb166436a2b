//! A synthetic large store for benchmarks (`rampart bench store`): millions of issues written
//! with `generate_series` in a few statements, not through the ingest path, with the indexes
//! built after the load (as `CREATE INDEX` does fastest). Meant for an empty schema of its own.

use super::PgStore;
use crate::{Result, StoreError};
use std::time::{Duration, Instant};

/// The shape of a synthetic store.
#[derive(Debug, Clone, Copy)]
pub struct SyntheticSpec {
    /// Issues (one observation each).
    pub issues: u64,
    /// Applications (two targets each, one scan per target).
    pub applications: u64,
}

/// How long each step of the fill took.
#[derive(Debug, Clone, Default)]
pub struct SyntheticTimings {
    /// (step, wall time).
    pub steps: Vec<(String, Duration)>,
}

/// Indexes dropped before the load and rebuilt after it: (name, definition). Kept equal to
/// the migrations' (a test compares them).
const BULK_INDEXES: [(&str, &str); 9] = [
    (
        "issues_active_risk",
        "CREATE INDEX issues_active_risk ON issues (risk DESC, id DESC) WHERE status IN ('open', 'reopened')",
    ),
    (
        "issues_app_active_risk",
        "CREATE INDEX issues_app_active_risk ON issues (application_id, risk DESC, id DESC) WHERE status IN ('open', 'reopened')",
    ),
    (
        "issues_active_severity",
        "CREATE INDEX issues_active_severity ON issues (severity DESC, id DESC) WHERE status IN ('open', 'reopened')",
    ),
    (
        "issues_app_active_severity",
        "CREATE INDEX issues_app_active_severity ON issues (application_id, severity DESC, id DESC) WHERE status IN ('open', 'reopened')",
    ),
    (
        "issues_inactive_risk",
        "CREATE INDEX issues_inactive_risk ON issues (status, risk DESC, id DESC) WHERE status NOT IN ('open', 'reopened')",
    ),
    (
        "issues_inactive_severity",
        "CREATE INDEX issues_inactive_severity ON issues (status, severity DESC, id DESC) WHERE status NOT IN ('open', 'reopened')",
    ),
    (
        "issues_active_newest",
        "CREATE INDEX issues_active_newest ON issues (first_seen DESC, id DESC) WHERE status IN ('open', 'reopened')",
    ),
    (
        "observations_stream_active",
        "CREATE INDEX observations_stream_active ON observations (stream_id) INCLUDE (id, hash, issue_id) WHERE last_scan_id IS NULL",
    ),
    (
        "observations_issue",
        "CREATE INDEX observations_issue ON observations (issue_id, tool)",
    ),
];

impl PgStore {
    /// Fills an empty store with `spec.issues` issues over `spec.applications` applications:
    /// 65 % open, 5 % reopened, 20 % fixed, 10 % triaged; severities spread over the five
    /// levels, risk scores over 0..100; one observation (one of three tools) per issue. Refuses a store that has issues.
    pub async fn fill_synthetic(&self, spec: SyntheticSpec) -> Result<SyntheticTimings> {
        let existing: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM issues LIMIT 1) x")
                .fetch_one(&self.pool)
                .await?;
        if existing > 0 {
            return Err(StoreError::Unsupported(
                "the synthetic store needs an empty schema: this one has issues".into(),
            ));
        }
        let apps = spec.applications.max(1) as i64;
        let n = spec.issues as i64;
        let mut timings = SyntheticTimings::default();
        let mut conn = self.pool.acquire().await?;
        sqlx::query("SET synchronous_commit = off")
            .execute(&mut *conn)
            .await?;
        sqlx::query("SET maintenance_work_mem = '512MB'")
            .execute(&mut *conn)
            .await?;
        let steps: Vec<(String, String)> = vec![
            ("drop indexes".into(), BULK_INDEXES.iter().map(|(name, _)| format!("DROP INDEX IF EXISTS {name};")).collect::<Vec<_>>().join(" ")),
            ("applications, targets, scans, streams".into(), format!(
                "INSERT INTO applications (name, created_at)
                   SELECT 'app-' || lpad(a::text, 5, '0'), now() - interval '400 days' FROM generate_series(1, {apps}) a;
                 INSERT INTO targets (application_id, name)
                   SELECT a.id, a.name || t.suffix FROM applications a, (VALUES ('-repo'), ('-image')) t(suffix);
                 INSERT INTO scans (application_id, target_id, branch, tools, format, file_name, report_sha256, ingested_at, observations)
                   SELECT t.application_id, t.id, 'main', ARRAY['codeql'], 'sarif', 'synthetic.sarif', 'synthetic', now() - interval '1 day', 0 FROM targets t;
                 INSERT INTO streams (target_id, branch, tool, last_scan_id)
                   SELECT s.target_id, 'main', 'codeql', s.id FROM scans s;"
            )),
            ("issues".into(), format!(
                "INSERT INTO issues (application_id, key, kind, title, severity, risk, status, rule_id, location, vuln_ids, cwes, first_scan_id, first_seen, last_seen, fixed_at)
                 SELECT s.application_id, md5(g::text), k.kind, k.kind || ' finding ' || g, h % 5, (h / 11) % 101,
                        CASE WHEN h % 100 < 65 THEN 'open' WHEN h % 100 < 70 THEN 'reopened'
                             WHEN h % 100 < 90 THEN 'fixed' WHEN h % 100 < 95 THEN 'false_positive' ELSE 'risk_accepted' END,
                        'rule-' || (g % 400), 'src/module_' || (g % 5000) || '.py:' || (g % 900),
                        CASE WHEN k.kind = 'dependency' THEN ARRAY['CVE-2024-' || (g % 90000)] ELSE '{{}}'::text[] END,
                        ARRAY[(g % 900)::int], s.id,
                        now() - (g % 500000) * interval '1 minute', now() - (g % 1000) * interval '1 minute',
                        CASE WHEN h % 100 BETWEEN 70 AND 89 THEN now() - interval '1 hour' END
                 FROM (SELECT g, 1 + (g % {apps}) AS a, abs(hashint8(g)) AS h FROM generate_series(1, {n}::bigint) g) x
                 CROSS JOIN LATERAL (SELECT (ARRAY['code', 'dependency', 'secret', 'iac', 'code'])[1 + (x.h / 7) % 5] AS kind) k
                 JOIN (SELECT application_id, MIN(id) AS id, row_number() OVER (ORDER BY application_id) AS rn
                       FROM scans GROUP BY application_id) s ON s.rn = x.a"
            )),
            ("observations".into(),
                "INSERT INTO observations (issue_id, stream_id, hash, first_scan_id, last_scan_id, tool, rule_id, severity, location, data)
                 SELECT i.id, st.id, hashtext(i.key), i.first_scan_id,
                        CASE WHEN i.status = 'fixed' THEN i.first_scan_id END,
                        'codeql', i.rule_id, i.severity, i.location, '{\"synthetic\": true}'::jsonb
                 FROM issues i JOIN scans s ON s.id = i.first_scan_id JOIN streams st ON st.target_id = s.target_id".into()),
            ("build indexes".into(), BULK_INDEXES.iter().map(|(_, sql)| format!("{sql};")).collect::<Vec<_>>().join(" ")),
            ("analyze".into(), "ANALYZE applications, targets, scans, streams, issues, observations".into()),
            // The load bypassed the store's write paths: count the summary tables once.
            ("summaries".into(), super::summary::rebuild_statements().join(";\n")),
        ];
        for (step, sql) in steps {
            let t = Instant::now();
            sqlx::raw_sql(&sql).execute(&mut *conn).await?;
            timings.steps.push((step, t.elapsed()));
        }
        Ok(timings)
    }

    /// `EXPLAIN (ANALYZE, BUFFERS)` of `sql` (benchmark reports).
    pub async fn explain(&self, sql: &str) -> Result<String> {
        let lines: Vec<String> = sqlx::query_scalar(&format!("EXPLAIN (ANALYZE, BUFFERS) {sql}"))
            .fetch_all(&self.pool)
            .await?;
        Ok(lines.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::BULK_INDEXES;

    fn words(s: &str) -> String {
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn rebuilt_indexes_are_the_migrations() {
        let schema = words(concat!(
            include_str!("../../migrations/postgres/0001_init.sql"),
            include_str!("../../migrations/postgres/0004_risk.sql"),
            include_str!("../../migrations/postgres/0015_inactive_lists.sql")
        ));
        for (name, sql) in BULK_INDEXES {
            assert!(
                schema.contains(&words(sql)),
                "{name} differs from the migrations"
            );
        }
    }
}
