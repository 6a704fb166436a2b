-- Rampart schema v20 (SQLite): no unique index on (application_id, key).
--
-- An issue's key is a hash, so each new issue inserted its index entry at a random place in a
-- 40 MB index. A first ingest of 1,000,000 findings rewrote those pages from the page cache to
-- the log over and over: 13.1 s with the index, 10.9 s without (docs/benchmarks.md). No query
-- looks an issue up by its key. Keys stay unique because SQLite has one writer and the ingest
-- that creates issues (sqlite/ingest.rs) loads every key of the application inside its
-- `BEGIN IMMEDIATE` transaction before it adds one; the store suite checks it with eight
-- concurrent writers. PostgreSQL, with many writers, keeps its unique index.
--
-- SQLite cannot drop a table constraint, so the table is rebuilt (foreign keys are not
-- enforced by this store's connections, so the other tables' references survive the swap).
CREATE TABLE issues_v20 (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications(id),
    key            TEXT NOT NULL,
    kind           TEXT NOT NULL,
    title          TEXT NOT NULL,
    severity       INTEGER NOT NULL,
    status         TEXT NOT NULL,
    rule_id        TEXT NOT NULL,
    location       TEXT NOT NULL,
    vuln_ids       TEXT NOT NULL DEFAULT '',
    cwes           TEXT NOT NULL DEFAULT '',
    first_scan_id  INTEGER NOT NULL REFERENCES scans(id),
    first_seen     TEXT NOT NULL,
    last_seen      TEXT NOT NULL,
    fixed_at       TEXT,
    risk           INTEGER NOT NULL DEFAULT 0,
    sla_due        INTEGER
);
INSERT INTO issues_v20 (id, application_id, key, kind, title, severity, status, rule_id, location,
                        vuln_ids, cwes, first_scan_id, first_seen, last_seen, fixed_at, risk, sla_due)
SELECT id, application_id, key, kind, title, severity, status, rule_id, location,
       vuln_ids, cwes, first_scan_id, first_seen, last_seen, fixed_at, risk, sla_due
FROM issues ORDER BY id;
DROP TABLE issues;
ALTER TABLE issues_v20 RENAME TO issues;
CREATE INDEX issues_status_severity ON issues (status, severity DESC, id);
CREATE INDEX issues_app_status ON issues (application_id, status, severity DESC);
CREATE INDEX issues_active_risk ON issues (risk DESC, id DESC) WHERE status IN ('open', 'reopened');
CREATE INDEX issues_app_active_risk ON issues (application_id, risk DESC, id DESC)
    WHERE status IN ('open', 'reopened');
CREATE INDEX issues_active_sla_due ON issues (sla_due, id)
    WHERE status IN ('open', 'reopened') AND sla_due IS NOT NULL;
