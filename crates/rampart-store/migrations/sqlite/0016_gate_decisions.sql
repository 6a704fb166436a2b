-- Rampart schema v16: the CI gate's decisions (issue 6). One row per `rampart gate` run, never
-- updated: the application, what was compared, the verdict, and the outcome of each policy
-- (JSON: {"gate": {"passed": true, "messages": [...]}, "rampart.secrets": {...}}).
-- `rampart compliance report` reads each application's latest row as the evidence of
-- policies passing (`GateStore::latest_gate_decisions`: MAX(id) per application, an index scan).
CREATE TABLE gate_decisions (
    id             INTEGER PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    target         TEXT NOT NULL,
    branch         TEXT NOT NULL,
    baseline       TEXT NOT NULL,
    commit_sha     TEXT,
    at             TEXT NOT NULL,
    passed         BIGINT NOT NULL,
    introduced     BIGINT NOT NULL,
    denied         BIGINT NOT NULL,
    outcomes       TEXT NOT NULL
);
CREATE INDEX gate_decisions_application ON gate_decisions (application_id, id);

-- Compliance coverage (`SlaStore::tool_findings`) groups every observation of a scope by its tool
-- and its issue's kind. With the tool in the issue index (as on PostgreSQL since 0001) that
-- grouping reads the index only, never the observation rows, whose compressed data are most of
-- the table: half the time at 60,000 observations. Lookups by issue use the same leading column.
DROP INDEX observations_issue;
CREATE INDEX observations_issue ON observations (issue_id, tool);
