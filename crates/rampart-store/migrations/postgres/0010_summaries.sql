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

-- Per application: active issues reported by more than one tool, scans, observation rows
-- and the time of the latest scan.
CREATE TABLE summary_apps (
    application_id BIGINT PRIMARY KEY,
    multi_tool     BIGINT NOT NULL DEFAULT 0,
    scans          BIGINT NOT NULL DEFAULT 0,
    observations   BIGINT NOT NULL DEFAULT 0,
    last_scan      TIMESTAMPTZ
);

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
INSERT INTO summary_apps (application_id, multi_tool, scans, observations, last_scan)
SELECT a.id,
       (SELECT COUNT(*) FROM (SELECT o.issue_id FROM observations o JOIN issues i ON i.id = o.issue_id
         WHERE i.application_id = a.id AND i.status IN ('open', 'reopened') AND o.last_scan_id IS NULL
         GROUP BY o.issue_id HAVING COUNT(DISTINCT o.tool) > 1) m),
       (SELECT COUNT(*) FROM scans s WHERE s.application_id = a.id),
       (SELECT COUNT(*) FROM observations o JOIN streams st ON st.id = o.stream_id
         JOIN targets t ON t.id = st.target_id WHERE t.application_id = a.id),
       (SELECT MAX(s.ingested_at) FROM scans s WHERE s.application_id = a.id)
FROM applications a;
