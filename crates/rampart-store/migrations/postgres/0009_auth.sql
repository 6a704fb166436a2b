-- Rampart schema v9 (PostgreSQL): people, teams, API tokens and browser sessions (issue 7).
--
-- Teams own applications through the catalog (`app_profiles.team`, indexed): every server read
-- filters on it in SQL. Nothing secret is stored in clear: passwords are argon2id PHC strings,
-- API tokens and session ids are SHA-256 hashes (hex) of 32 random bytes.

CREATE TABLE teams (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    -- An administrator sees every team and manages users, teams and tokens.
    admin         BOOLEAN NOT NULL DEFAULT FALSE,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMPTZ NOT NULL
);

-- A user's role in a team: ingest, read, triage or admin.
CREATE TABLE team_members (
    team_id BIGINT NOT NULL REFERENCES teams(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    role    TEXT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);

CREATE TABLE api_tokens (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    -- The first characters of the token (`rmp_ab12`), to recognise it in a list.
    prefix       TEXT NOT NULL,
    role         TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    expires_at   TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);

-- The teams a token may see (none: nothing, unless its role is admin).
CREATE TABLE api_token_teams (
    token_id BIGINT NOT NULL REFERENCES api_tokens(id),
    team_id  BIGINT NOT NULL REFERENCES teams(id),
    PRIMARY KEY (token_id, team_id)
);

CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    -- The synchronizer token of the session's forms (not a credential on its own).
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Who queued a job through the API: an ingest-only token reads its own jobs only.
CREATE TABLE job_submitters (
    job_id  BIGINT PRIMARY KEY,
    subject TEXT NOT NULL
);
