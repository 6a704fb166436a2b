-- Rampart schema v4 (SQLite): business context, risk, triage and VEX (issue 5).

-- The risk score 0..100 of each issue (engine::risk), kept current by the service on ingest,
-- catalog apply and triage. The active queue by risk, portfolio-wide and per application, is
-- an index scan: the queries spell the predicate with literals so these partial indexes match.
ALTER TABLE issues ADD COLUMN risk INTEGER NOT NULL DEFAULT 0;
CREATE INDEX issues_active_risk ON issues (risk DESC, id DESC) WHERE status IN ('open', 'reopened');
CREATE INDEX issues_app_active_risk ON issues (application_id, risk DESC, id DESC)
    WHERE status IN ('open', 'reopened');

-- What the catalog says about an application now (`profile`: the AppProfile as JSON), with the
-- owner team and owners (`,a,b,`) broken out for the `--team` / `--owner` filters.
CREATE TABLE app_profiles (
    application_id INTEGER PRIMARY KEY REFERENCES applications(id),
    version        INTEGER NOT NULL,
    team           TEXT,
    owners         TEXT NOT NULL DEFAULT ',',
    profile        TEXT NOT NULL,
    source         TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX app_profiles_team ON app_profiles (team);

-- Every version of every application's catalog entry.
CREATE TABLE catalog_versions (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications(id),
    version        INTEGER NOT NULL,
    at             TEXT NOT NULL,
    source         TEXT NOT NULL,
    profile        TEXT NOT NULL,
    UNIQUE (application_id, version)
);

-- Triage decisions, never deleted: undoing, expiring or superseding one sets `ended_at`.
CREATE TABLE triage_decisions (
    id            INTEGER PRIMARY KEY,
    issue_id      INTEGER NOT NULL REFERENCES issues(id),
    status        TEXT NOT NULL,
    prior_status  TEXT NOT NULL,
    actor         TEXT NOT NULL,
    at            TEXT NOT NULL,
    reason        TEXT NOT NULL,
    approver      TEXT,
    expires_at    TEXT,
    justification TEXT,
    vex_status    TEXT,
    ended_at      TEXT,
    ended_how     TEXT
);
CREATE INDEX triage_issue ON triage_decisions (issue_id, id);
CREATE INDEX triage_expiring ON triage_decisions (issue_id) WHERE ended_at IS NULL AND expires_at IS NOT NULL;

-- VEX statements as imported (one row per statement); matched against issues on import and
-- after every ingest, the newest statement per issue winning.
CREATE TABLE vex_statements (
    id            INTEGER PRIMARY KEY,
    application   TEXT,
    document      TEXT NOT NULL,
    source_ref    TEXT NOT NULL,
    statement     TEXT NOT NULL,
    imported_at   TEXT NOT NULL,
    UNIQUE (document, source_ref, statement)
);
