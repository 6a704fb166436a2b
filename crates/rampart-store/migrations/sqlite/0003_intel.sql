-- Vulnerability intelligence (SQLite): advisories, alias groups, KEV, EPSS, CWE, and the current
-- inventory of each target × branch for continuous matching.

-- One OSV record per id, the newest `modified` seen. `data` is the record's JSON, LZ4-compressed
-- (codec::pack_json). `aliases` is the record's own alias list, `,`-joined, for rebuilding groups.
CREATE TABLE advisories (
    id        TEXT PRIMARY KEY,
    modified  TEXT,
    withdrawn TEXT,
    aliases   TEXT NOT NULL DEFAULT '',
    source    TEXT NOT NULL DEFAULT '',
    data      BLOB NOT NULL
);

-- Which advisories name which package: (OSV ecosystem family, normalized package name).
-- Withdrawn advisories have no rows here, so they never match.
CREATE TABLE advisory_packages (
    ecosystem   TEXT NOT NULL,
    name        TEXT NOT NULL,
    advisory_id TEXT NOT NULL,
    PRIMARY KEY (ecosystem, name, advisory_id)
) WITHOUT ROWID;
CREATE INDEX advisory_packages_advisory ON advisory_packages (advisory_id);

-- Alias groups: every known vulnerability id with its group's canonical id (a CVE when the
-- group has one). Rebuilt after each advisory import.
CREATE TABLE vuln_aliases (
    vuln_id  TEXT PRIMARY KEY,
    group_id TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX vuln_aliases_group ON vuln_aliases (group_id);

CREATE TABLE kev (
    cve_id           TEXT PRIMARY KEY,
    vendor_project   TEXT NOT NULL,
    product          TEXT NOT NULL,
    name             TEXT NOT NULL,
    date_added       TEXT NOT NULL,
    due_date         TEXT,
    known_ransomware INTEGER NOT NULL,
    required_action  TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE epss (
    cve_id        TEXT PRIMARY KEY,
    probability   REAL NOT NULL,
    percentile    REAL NOT NULL,
    score_date    TEXT NOT NULL,
    model_version TEXT
) WITHOUT ROWID;

CREATE TABLE cwe (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    abstraction TEXT,
    status      TEXT,
    parent      INTEGER
);

-- The current inventory of a target × branch (replaced by each SBOM ingest), and the digest of
-- its last match, so a re-match writes a scan only where the verdicts changed.
CREATE TABLE inventories (
    id           INTEGER PRIMARY KEY,
    target_id    INTEGER NOT NULL REFERENCES targets(id),
    branch       TEXT NOT NULL,
    scan_id      INTEGER REFERENCES scans(id),
    updated_at   TEXT NOT NULL,
    root         TEXT,
    match_digest TEXT NOT NULL DEFAULT '',
    UNIQUE (target_id, branch)
);

-- `ecosystem` / `package`: the advisory lookup key (NULL when the component has no usable purl);
-- `direct`: 1 direct, 0 transitive, NULL unknown.
CREATE TABLE inventory_components (
    inventory_id   INTEGER NOT NULL,
    position       INTEGER NOT NULL,
    bom_ref        TEXT NOT NULL,
    name           TEXT NOT NULL,
    version        TEXT,
    purl           TEXT,
    component_type TEXT,
    licenses       TEXT NOT NULL DEFAULT '',
    ecosystem      TEXT,
    package        TEXT,
    direct         INTEGER,
    PRIMARY KEY (inventory_id, position)
) WITHOUT ROWID;
CREATE INDEX inventory_components_package ON inventory_components (ecosystem, package);

CREATE TABLE inventory_edges (
    inventory_id INTEGER NOT NULL,
    from_ref     TEXT NOT NULL,
    to_ref       TEXT NOT NULL
);
CREATE INDEX inventory_edges_inventory ON inventory_edges (inventory_id);
