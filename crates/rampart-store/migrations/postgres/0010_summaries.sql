-- Rampart schema v10 (PostgreSQL): summary tables for the application list and the portfolio.
--
-- Counting 10,000,000 issues per request took about a minute; these tables hold the counts
-- and the store keeps them current with deltas in the transaction that changes an issue
-- (ingest, triage, risk rescoring), so `apps list` and `portfolio` read a few thousand rows.
-- Rows are only ever updated by `INSERT ... ON CONFLICT DO UPDATE SET n = n + delta`, as the
-- last statement before commit, in key order: concurrent writers wait for each other only
-- for that moment and can never deadlock on them. A count may reach 0; readers skip zeros.

-- Issues of an application by status, severity and kind (every status).
CREATE TABLE summary_issues (
    application_id BIGINT NOT NULL,
    status         TEXT COLLATE "C" NOT NULL,
    severity       SMALLINT NOT NULL,
    kind           TEXT COLLATE "C" NOT NULL,
    n              BIGINT NOT NULL,
    PRIMARY KEY (application_id, status, severity, kind)
);

-- Active (open, reopened) issues of an application by risk band: band b holds risk
-- 10b .. 10b+9 (band 9 also holds 100).
CREATE TABLE summary_risk (
    application_id BIGINT NOT NULL,
    band           SMALLINT NOT NULL,
    n              BIGINT NOT NULL,
    PRIMARY KEY (application_id, band)
);

-- Active issues of an application that a tool still reports (an active statement of it).
CREATE TABLE summary_tools (
    application_id BIGINT NOT NULL,
    tool           TEXT COLLATE "C" NOT NULL,
    n              BIGINT NOT NULL,
    PRIMARY KEY (application_id, tool)
);

-- Per application: issues in any status, active issues by severity, active issues reported by
-- more than one tool, scans, observation rows and the time of the latest scan.
CREATE TABLE summary_apps (
    application_id BIGINT PRIMARY KEY,
    issues_total   BIGINT NOT NULL DEFAULT 0,
    open_critical  BIGINT NOT NULL DEFAULT 0,
    open_high      BIGINT NOT NULL DEFAULT 0,
    open_medium    BIGINT NOT NULL DEFAULT 0,
    open_low       BIGINT NOT NULL DEFAULT 0,
    open_info      BIGINT NOT NULL DEFAULT 0,
    multi_tool     BIGINT NOT NULL DEFAULT 0,
    scans          BIGINT NOT NULL DEFAULT 0,
    observations   BIGINT NOT NULL DEFAULT 0,
    last_scan      TIMESTAMPTZ
);

-- Application 0 (ids start at 1) is the whole portfolio: every delta is applied to it too, so
-- the portfolio reads its own hundred rows instead of adding up every application's.

-- The counts of the data already stored (one recount, at upgrade).
INSERT INTO summary_issues (application_id, status, severity, kind, n)
SELECT application_id, status, severity, kind, COUNT(*) FROM issues GROUP BY 1, 2, 3, 4;
INSERT INTO summary_risk (application_id, band, n)
SELECT application_id, LEAST(risk / 10, 9), COUNT(*) FROM issues
WHERE status IN ('open', 'reopened') GROUP BY 1, 2;
INSERT INTO summary_tools (application_id, tool, n)
SELECT i.application_id, d.tool, COUNT(*)
FROM (SELECT DISTINCT issue_id, tool FROM observations WHERE last_scan_id IS NULL) d
JOIN issues i ON i.id = d.issue_id WHERE i.status IN ('open', 'reopened') GROUP BY 1, 2;
INSERT INTO summary_apps (application_id, issues_total, open_critical, open_high, open_medium, open_low, open_info,
                          multi_tool, scans, observations, last_scan)
SELECT a.id,
       COALESCE((SELECT SUM(n) FROM summary_issues s WHERE s.application_id = a.id), 0),
       COALESCE((SELECT SUM(n) FROM summary_issues s WHERE s.application_id = a.id AND s.status IN ('open', 'reopened') AND s.severity = 4), 0),
       COALESCE((SELECT SUM(n) FROM summary_issues s WHERE s.application_id = a.id AND s.status IN ('open', 'reopened') AND s.severity = 3), 0),
       COALESCE((SELECT SUM(n) FROM summary_issues s WHERE s.application_id = a.id AND s.status IN ('open', 'reopened') AND s.severity = 2), 0),
       COALESCE((SELECT SUM(n) FROM summary_issues s WHERE s.application_id = a.id AND s.status IN ('open', 'reopened') AND s.severity = 1), 0),
       COALESCE((SELECT SUM(n) FROM summary_issues s WHERE s.application_id = a.id AND s.status IN ('open', 'reopened') AND s.severity = 0), 0),
       COALESCE(m.n, 0), COALESCE(sc.n, 0), COALESCE(o.n, 0), sc.last
FROM applications a
LEFT JOIN (SELECT application_id, COUNT(*) AS n, MAX(ingested_at) AS last FROM scans GROUP BY 1) sc ON sc.application_id = a.id
LEFT JOIN (SELECT t.application_id, COUNT(*) AS n FROM observations o JOIN streams st ON st.id = o.stream_id
           JOIN targets t ON t.id = st.target_id GROUP BY 1) o ON o.application_id = a.id
LEFT JOIN (SELECT application_id, COUNT(*) AS n FROM (
             SELECT i.application_id, o.issue_id FROM observations o JOIN issues i ON i.id = o.issue_id
             WHERE i.status IN ('open', 'reopened') AND o.last_scan_id IS NULL
             GROUP BY 1, 2 HAVING COUNT(DISTINCT o.tool) > 1) x GROUP BY 1) m ON m.application_id = a.id;
-- The portfolio's rows.
INSERT INTO summary_issues (application_id, status, severity, kind, n)
SELECT 0, status, severity, kind, SUM(n) FROM summary_issues GROUP BY 2, 3, 4;
INSERT INTO summary_risk (application_id, band, n) SELECT 0, band, SUM(n) FROM summary_risk GROUP BY 2;
INSERT INTO summary_tools (application_id, tool, n) SELECT 0, tool, SUM(n) FROM summary_tools GROUP BY 2;
INSERT INTO summary_apps (application_id, issues_total, open_critical, open_high, open_medium, open_low, open_info,
                          multi_tool, scans, observations, last_scan)
SELECT 0, COALESCE(SUM(issues_total), 0), COALESCE(SUM(open_critical), 0), COALESCE(SUM(open_high), 0),
       COALESCE(SUM(open_medium), 0), COALESCE(SUM(open_low), 0), COALESCE(SUM(open_info), 0),
       COALESCE(SUM(multi_tool), 0), COALESCE(SUM(scans), 0), COALESCE(SUM(observations), 0), MAX(last_scan)
FROM summary_apps;
