-- Vulnerability intelligence (PostgreSQL): advisories, alias groups, KEV, EPSS, CWE, and the
-- current inventory of each target × branch for continuous matching.

-- One OSV record per id, the newest `modified` seen; `data` is the record as jsonb.
CREATE TABLE advisories (
    id        TEXT COLLATE "C" PRIMARY KEY,
    modified  TEXT,
    withdrawn TEXT,
    aliases   TEXT[] NOT NULL DEFAULT '{}',
    source    TEXT NOT NULL DEFAULT '',
    data      JSONB NOT NULL
);

-- Which advisories name which package: (OSV ecosystem family, normalized package name).
-- Withdrawn advisories have no rows here, so they never match.
CREATE TABLE advisory_packages (
    ecosystem   TEXT COLLATE "C" NOT NULL,
    name        TEXT COLLATE "C" NOT NULL,
    advisory_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (ecosystem, name, advisory_id)
);
CREATE INDEX advisory_packages_advisory ON advisory_packages (advisory_id);

-- Alias groups: every known vulnerability id with its group's canonical id.
CREATE TABLE vuln_aliases (
    vuln_id  TEXT COLLATE "C" PRIMARY KEY,
    group_id TEXT COLLATE "C" NOT NULL
);
CREATE INDEX vuln_aliases_group ON vuln_aliases (group_id);

CREATE TABLE kev (
    cve_id           TEXT COLLATE "C" PRIMARY KEY,
    vendor_project   TEXT NOT NULL,
    product          TEXT NOT NULL,
    name             TEXT NOT NULL,
    date_added       TEXT NOT NULL,
    due_date         TEXT,
    known_ransomware BOOLEAN NOT NULL,
    required_action  TEXT NOT NULL
);

CREATE TABLE epss (
    cve_id        TEXT COLLATE "C" PRIMARY KEY,
    probability   DOUBLE PRECISION NOT NULL,
    percentile    DOUBLE PRECISION NOT NULL,
    score_date    TEXT NOT NULL,
    model_version TEXT
);

CREATE TABLE cwe (
    id          BIGINT PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    abstraction TEXT,
    status      TEXT,
    parent      BIGINT
);

-- The current inventory of a target × branch, and the digest of its last match.
CREATE TABLE inventories (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target_id    BIGINT NOT NULL REFERENCES targets(id),
    branch       TEXT NOT NULL,
    scan_id      BIGINT,
    updated_at   TIMESTAMPTZ NOT NULL,
    root         TEXT,
    match_digest TEXT NOT NULL DEFAULT '',
    UNIQUE (target_id, branch)
);

CREATE TABLE inventory_components (
    inventory_id   BIGINT NOT NULL,
    position       INTEGER NOT NULL,
    bom_ref        TEXT NOT NULL,
    name           TEXT NOT NULL,
    version        TEXT,
    purl           TEXT,
    component_type TEXT,
    licenses       TEXT NOT NULL DEFAULT '',
    ecosystem      TEXT COLLATE "C",
    package        TEXT COLLATE "C",
    direct         BOOLEAN,
    PRIMARY KEY (inventory_id, position)
);
CREATE INDEX inventory_components_package ON inventory_components (ecosystem, package);

CREATE TABLE inventory_edges (
    inventory_id BIGINT NOT NULL,
    from_ref     TEXT NOT NULL,
    to_ref       TEXT NOT NULL
);
CREATE INDEX inventory_edges_inventory ON inventory_edges (inventory_id);
