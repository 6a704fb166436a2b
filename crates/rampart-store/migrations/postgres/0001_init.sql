-- Rampart schema v1 (PostgreSQL). Severities are 0 (info) .. 4 (critical). Every table is
-- created in the first schema of the connection's search_path.
--
-- Identifiers that are compared and indexed but never shown sorted to a person (identity keys,
-- statuses, kinds, tool names) use the "C" collation: byte comparison, several times cheaper
-- than a locale's in every index insert and lookup.
--
-- The two bulk tables, issues and observations, carry no foreign keys: a foreign key is checked
-- by a trigger per inserted row, which halved the ingest rate. The store is their only writer
-- and only inserts ids it has just read or created in the same transaction; the store test
-- suite checks that no row points nowhere after concurrent ingests.

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE applications (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE targets (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    name           TEXT NOT NULL,
    UNIQUE (application_id, name)
);

CREATE TABLE scans (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    target_id      BIGINT NOT NULL REFERENCES targets(id),
    branch         TEXT NOT NULL,
    commit_sha     TEXT,
    environment    TEXT,
    tools          TEXT[] NOT NULL DEFAULT '{}',
    format         TEXT NOT NULL,
    file_name      TEXT NOT NULL,
    report_sha256  TEXT NOT NULL,
    ingested_at    TIMESTAMPTZ NOT NULL,
    observations   BIGINT NOT NULL DEFAULT 0,
    new_issues     BIGINT NOT NULL DEFAULT 0,
    unchanged      BIGINT NOT NULL DEFAULT 0,
    fixed          BIGINT NOT NULL DEFAULT 0,
    reopened       BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX scans_app ON scans (application_id, id);

-- A stream is the sequence of scans of one target, branch and tool: a rescan is compared
-- with the previous scan of its stream.
CREATE TABLE streams (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target_id    BIGINT NOT NULL REFERENCES targets(id),
    branch       TEXT NOT NULL,
    tool         TEXT NOT NULL,
    last_scan_id BIGINT REFERENCES scans(id),
    UNIQUE (target_id, branch, tool)
);

CREATE TABLE issues (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id BIGINT NOT NULL,                 -- applications(id)
    key            TEXT COLLATE "C" NOT NULL,
    kind           TEXT COLLATE "C" NOT NULL,
    title          TEXT NOT NULL,
    severity       SMALLINT NOT NULL CHECK (severity BETWEEN 0 AND 4),
    status         TEXT COLLATE "C" NOT NULL,
    rule_id        TEXT NOT NULL,
    location       TEXT NOT NULL,
    vuln_ids       TEXT[] NOT NULL DEFAULT '{}',
    cwes           INTEGER[] NOT NULL DEFAULT '{}',
    first_scan_id  BIGINT NOT NULL,                 -- scans(id)
    first_seen     TIMESTAMPTZ NOT NULL,
    last_seen      TIMESTAMPTZ NOT NULL,
    fixed_at       TIMESTAMPTZ,
    UNIQUE (application_id, key)
);
-- The default issue list (open and reopened, worst first) and the same per application: the
-- queries spell the predicate with literals so these partial indexes match.
CREATE INDEX issues_active_severity ON issues (severity DESC, id DESC)
    WHERE status IN ('open', 'reopened');
CREATE INDEX issues_app_active_severity ON issues (application_id, severity DESC, id DESC)
    WHERE status IN ('open', 'reopened');
-- Lists of other statuses (fixed, false_positive ...).
CREATE INDEX issues_status_severity ON issues (status, severity DESC, id DESC);
-- The active list sorted by first sighting (`--sort newest`).
CREATE INDEX issues_active_newest ON issues (first_seen DESC, id DESC)
    WHERE status IN ('open', 'reopened');

-- An observation row is one distinct statement of one tool in one stream. A rescan that says
-- exactly the same thing again writes nothing; `last_scan_id` is NULL while the statement is
-- still made by the stream's latest scan, and is set to the last scan that made it when a
-- later scan no longer does.
CREATE TABLE observations (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    issue_id      BIGINT NOT NULL,                  -- issues(id)
    stream_id     BIGINT NOT NULL,                  -- streams(id)
    hash          BIGINT NOT NULL,
    first_scan_id BIGINT NOT NULL,                  -- scans(id)
    last_scan_id  BIGINT,                           -- scans(id)
    tool          TEXT COLLATE "C" NOT NULL,
    rule_id       TEXT NOT NULL,
    severity      SMALLINT NOT NULL,
    location      TEXT NOT NULL,
    data          JSONB NOT NULL
);
-- A rescan loads its stream's active statements from this index alone (index-only scan).
CREATE INDEX observations_stream_active ON observations (stream_id) INCLUDE (id, hash, issue_id)
    WHERE last_scan_id IS NULL;
-- An issue's observations, its tools, and the tool filter of the issue list.
CREATE INDEX observations_issue ON observations (issue_id, tool);

CREATE TABLE issue_events (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    issue_id BIGINT NOT NULL REFERENCES issues(id),
    scan_id  BIGINT REFERENCES scans(id),
    at       TIMESTAMPTZ NOT NULL,
    event    TEXT NOT NULL,
    detail   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX issue_events_issue ON issue_events (issue_id, id);
