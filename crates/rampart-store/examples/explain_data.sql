-- Fills the schema on the search_path (created by Rampart's migrations, otherwise empty) with a
-- large synthetic portfolio for looking at query plans, as docs/postgres.md does:
--   1,000 applications, 2,000 targets, 10,000 streams and scans, 1,200,000 issues in every
--   status, 1,500,000 observations (a quarter of the issues seen by a second tool).
-- psql "postgres://.../db?options=-c%20search_path%3Dexplain" -f explain_data.sql
\set ON_ERROR_STOP on
BEGIN;
INSERT INTO applications (name, created_at)
SELECT 'app-' || g, now() - interval '400 days' FROM generate_series(1, 1000) g;
INSERT INTO targets (application_id, name)
SELECT (g - 1) % 1000 + 1, 'target-' || g FROM generate_series(1, 2000) g;
INSERT INTO scans (application_id, target_id, branch, tools, format, file_name, report_sha256, ingested_at, observations)
SELECT t.application_id, t.id, 'main', ARRAY[tool], 'sarif', 'report.sarif', md5(g::text), now() - (g || ' minutes')::interval, 150
FROM generate_series(1, 10000) g
JOIN targets t ON t.id = (g - 1) % 2000 + 1
CROSS JOIN LATERAL (SELECT (ARRAY['semgrep', 'codeql', 'trivy', 'grype', 'gitleaks'])[(g - 1) / 2000 + 1] AS tool) x;
INSERT INTO streams (target_id, branch, tool, last_scan_id)
SELECT s.target_id, 'main', s.tools[1], s.id FROM scans s;
INSERT INTO issues (application_id, key, kind, title, severity, status, rule_id, location, vuln_ids, cwes, first_scan_id, first_seen, last_seen, fixed_at)
SELECT a, md5('issue' || g), k, 'Finding ' || g, sev, st, 'rule-' || (g % 300), 'src/file' || (g % 5000) || '.js:' || (g % 400),
       CASE WHEN k = 'dependency' THEN ARRAY['CVE-2024-' || (g % 9000)] ELSE '{}' END, ARRAY[79 + g % 20],
       (g - 1) % 10000 + 1, now() - ((g % 400) || ' days')::interval, now() - ((g % 30) || ' days')::interval,
       CASE WHEN st = 'fixed' THEN now() - ((g % 20) || ' days')::interval END
FROM generate_series(1, 1200000) g
CROSS JOIN LATERAL (SELECT abs(hashint4(g)) AS h) r
CROSS JOIN LATERAL (SELECT
    ((g - 1) % 2000) % 1000 + 1 AS a,
    (ARRAY['code', 'dependency', 'dependency', 'secret', 'iac', 'code'])[h % 6 + 1] AS k,
    (ARRAY[0, 1, 1, 2, 2, 2, 3, 3, 4, 2])[(h / 6) % 10 + 1]::smallint AS sev,
    CASE WHEN (h / 60) % 20 < 13 THEN 'open' WHEN (h / 60) % 20 = 13 THEN 'reopened' WHEN (h / 60) % 20 < 18 THEN 'fixed'
         WHEN (h / 60) % 20 = 18 THEN 'false_positive' ELSE 'risk_accepted' END AS st) x;
-- One observation per issue in its first scan's stream; a second tool for a quarter of them.
INSERT INTO observations (issue_id, stream_id, hash, first_scan_id, last_scan_id, tool, rule_id, severity, location, data)
SELECT i.id, st.id, hashtextextended(i.key, 0), i.first_scan_id,
       CASE WHEN i.status = 'fixed' THEN i.first_scan_id END, st.tool, i.rule_id, i.severity, i.location,
       jsonb_build_object('tool', jsonb_build_object('name', st.tool), 'kind', i.kind, 'rule_id', i.rule_id,
                          'title', i.title, 'severity', jsonb_build_object('level', 'high'), 'location',
                          jsonb_build_object('code', jsonb_build_object('path', i.location)), 'source_ref', '/runs/0/results/' || i.id)
FROM issues i JOIN scans sc ON sc.id = i.first_scan_id JOIN streams st ON st.last_scan_id = sc.id;
INSERT INTO observations (issue_id, stream_id, hash, first_scan_id, last_scan_id, tool, rule_id, severity, location, data)
SELECT i.id, st.id, hashtextextended(i.key, 1), sc.id,
       CASE WHEN i.status = 'fixed' THEN sc.id END, st.tool, i.rule_id, i.severity, i.location, '{}'::jsonb
FROM issues i
JOIN scans sc ON sc.id = (i.first_scan_id + 1999) % 10000 + 1
JOIN streams st ON st.last_scan_id = sc.id
WHERE i.id % 4 = 0;
COMMIT;
VACUUM ANALYZE;
