-- Rampart schema v1 (SQLite). Times are RFC 3339 UTC text; severities are 0 (info) .. 4 (critical).

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE applications (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE targets (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications(id),
    name           TEXT NOT NULL,
    UNIQUE (application_id, name)
);

CREATE TABLE scans (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications(id),
    target_id      INTEGER NOT NULL REFERENCES targets(id),
    branch         TEXT NOT NULL,
    commit_sha     TEXT,
    environment    TEXT,
    tools          TEXT NOT NULL DEFAULT '',
    format         TEXT NOT NULL,
    file_name      TEXT NOT NULL,
    report_sha256  TEXT NOT NULL,
    ingested_at    TEXT NOT NULL,
    observations   INTEGER NOT NULL DEFAULT 0,
    new_issues     INTEGER NOT NULL DEFAULT 0,
    unchanged      INTEGER NOT NULL DEFAULT 0,
    fixed          INTEGER NOT NULL DEFAULT 0,
    reopened       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX scans_app ON scans (application_id, id);

-- A stream is the sequence of scans of one target, branch and tool: a rescan is compared
-- with the previous scan of its stream.
CREATE TABLE streams (
    id           INTEGER PRIMARY KEY,
    target_id    INTEGER NOT NULL REFERENCES targets(id),
    branch       TEXT NOT NULL,
    tool         TEXT NOT NULL,
    last_scan_id INTEGER REFERENCES scans(id),
    UNIQUE (target_id, branch, tool)
);

CREATE TABLE issues (
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
    UNIQUE (application_id, key)
);
CREATE INDEX issues_status_severity ON issues (status, severity DESC, id);
CREATE INDEX issues_app_status ON issues (application_id, status, severity DESC);

-- An observation row is one distinct statement of one tool in one stream. A rescan that says
-- exactly the same thing again writes nothing; `last_scan_id` is NULL while the statement is
-- still made by the stream's latest scan, and is set to the last scan that made it when a
-- later scan no longer does.
CREATE TABLE observations (
    id            INTEGER PRIMARY KEY,
    issue_id      INTEGER NOT NULL REFERENCES issues(id),
    stream_id     INTEGER NOT NULL REFERENCES streams(id),
    hash          INTEGER NOT NULL,
    first_scan_id INTEGER NOT NULL REFERENCES scans(id),
    last_scan_id  INTEGER REFERENCES scans(id),
    tool          TEXT NOT NULL,
    rule_id       TEXT NOT NULL,
    severity      INTEGER NOT NULL,
    location      TEXT NOT NULL,
    -- The normalized observation as JSON, LZ4-compressed against a fixed dictionary of
    -- observation field names (size-prefixed block, `codec::pack_json`): observations are
    -- most of a database's bytes, and their size bounds large ingests.
    data          BLOB NOT NULL
);
CREATE INDEX observations_stream_active ON observations (stream_id) WHERE last_scan_id IS NULL;
CREATE INDEX observations_issue ON observations (issue_id);

CREATE TABLE issue_events (
    id       INTEGER PRIMARY KEY,
    issue_id INTEGER NOT NULL REFERENCES issues(id),
    scan_id  INTEGER REFERENCES scans(id),
    at       TEXT NOT NULL,
    event    TEXT NOT NULL,
    detail   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX issue_events_issue ON issue_events (issue_id, id);
