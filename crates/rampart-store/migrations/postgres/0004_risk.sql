-- Rampart schema v4 (PostgreSQL): business context, risk, triage and VEX (issue 5).

-- The risk score 0..100 of each issue (engine::risk), kept current by the service on ingest,
-- catalog apply and triage. The active queue by risk, portfolio-wide and per application, is
-- an index scan: the queries spell the predicate with literals so these partial indexes match.
ALTER TABLE issues ADD COLUMN risk SMALLINT NOT NULL DEFAULT 0;
CREATE INDEX issues_active_risk ON issues (risk DESC, id DESC) WHERE status IN ('open', 'reopened');
CREATE INDEX issues_app_active_risk ON issues (application_id, risk DESC, id DESC)
    WHERE status IN ('open', 'reopened');

CREATE TABLE app_profiles (
    application_id BIGINT PRIMARY KEY REFERENCES applications(id),
    version        BIGINT NOT NULL,
    team           TEXT,
    owners         TEXT NOT NULL DEFAULT ',',
    profile        JSONB NOT NULL,
    source         TEXT NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX app_profiles_team ON app_profiles (team);

CREATE TABLE catalog_versions (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    version        BIGINT NOT NULL,
    at             TIMESTAMPTZ NOT NULL,
    source         TEXT NOT NULL,
    profile        JSONB NOT NULL,
    UNIQUE (application_id, version)
);

CREATE TABLE triage_decisions (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    issue_id      BIGINT NOT NULL REFERENCES issues(id),
    status        TEXT NOT NULL,
    prior_status  TEXT NOT NULL,
    actor         TEXT NOT NULL,
    at            TIMESTAMPTZ NOT NULL,
    reason        TEXT NOT NULL,
    approver      TEXT,
    expires_at    TIMESTAMPTZ,
    justification TEXT,
    vex_status    TEXT,
    ended_at      TIMESTAMPTZ,
    ended_how     TEXT
);
CREATE INDEX triage_issue ON triage_decisions (issue_id, id);
CREATE INDEX triage_expiring ON triage_decisions (expires_at) WHERE ended_at IS NULL AND expires_at IS NOT NULL;

CREATE TABLE vex_statements (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application   TEXT,
    document      TEXT NOT NULL,
    source_ref    TEXT NOT NULL,
    statement     JSONB NOT NULL,
    imported_at   TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX vex_statements_unique ON vex_statements (document, source_ref, md5(statement::text));
