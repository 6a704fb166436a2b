#!/usr/bin/env bash
# Server-side cost of a first ingest's rows on PostgreSQL, without any client: CPU time of the
# backend (from /proc/self/stat, read by the backend itself) and WAL bytes per row, for
# 200,000 issue rows and 200,000 observation rows written with binary COPY (what the ingest
# uses for a new target), under several index and column-type variants.
#
# Usage: scripts/pg-ingest-cost.sh [psql connection options]   (default: -h 127.0.0.1 -U postgres -d test)
# Needs a superuser (pg_read_file, server-side COPY files) and writes its files to a directory
# the server can read (PGCOST_DIR, default /tmp/rampart-pgcost). Schemas h_pgcost_* are dropped
# at the end. Compare CPU times, not wall-clock, on a shared machine.
set -euo pipefail
CONN=("${@:--h 127.0.0.1 -U postgres -d test}")
read -r -a CONN <<<"${CONN[*]}"
DIR=${PGCOST_DIR:-/tmp/rampart-pgcost}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MIG=$ROOT/crates/rampart-store/migrations/postgres
N=200000
mkdir -p "$DIR"; chmod 777 "$DIR"
q() { PGOPTIONS="-c search_path=$1${2:+,$2}" psql "${CONN[@]}" -Atq -v ON_ERROR_STOP=1 2>&1 | grep -v NOTICE || true; }

# The migrated schema and the staged rows (shaped like the 1M-result SARIF's findings).
psql "${CONN[@]}" -q -c "DROP SCHEMA IF EXISTS h_pgcost CASCADE; CREATE SCHEMA h_pgcost" 2>&1 | grep -v NOTICE || true
for f in "$MIG"/*.sql; do (echo "SET search_path = h_pgcost;"; cat "$f") | q h_pgcost >/dev/null; done
q h_pgcost <<SQL
CREATE FUNCTION cpu_ms() RETURNS bigint LANGUAGE sql AS \$\$
  SELECT ((string_to_array(substr(s, position(') ' in s) + 2), ' '))[12]::bigint
        + (string_to_array(substr(s, position(') ' in s) + 2), ' '))[13]::bigint) * 10
  FROM pg_read_file('/proc/self/stat') s \$\$;
CREATE TABLE stage AS SELECT g, md5('k-' || g) AS key, (g % 5)::smallint AS severity,
  'src/service_' || (g % 50) || '/module_' || (g % 5000) || '.py:' || (10 + g / 5000) AS location,
  ((g::bigint * 7919) % 100)::smallint AS risk, (1800000000 + g % 5)::bigint AS sla_due,
  hashtext('k-' || g)::bigint * 4294967296 AS hash,
  jsonb_build_object('tool', jsonb_build_object('name','CodeQL','version','2.19.3'), 'kind','code',
    'rule_id','py/sql-injection', 'title','py/sql-injection', 'message','This query depends on a user-provided value.',
    'severity', jsonb_build_object('level','high','score',8.8,'source','security-severity'),
    'location', jsonb_build_object('path', 'src/service_1/module_' || g || '.py', 'line', 10 + g % 2000, 'column', 5,
      'end_column', 60, 'snippet', 'cursor.execute("SELECT * FROM orders WHERE id = " + order_id_' || g || ')'),
    'cwes', jsonb_build_array(89), 'vuln_ids', '[]'::jsonb, 'fingerprints', jsonb_build_object('primaryLocationLineHash', md5('k-' || g) || ':1'),
    'tags', jsonb_build_array('security','external/cwe/cwe-89'),
    'correlation', jsonb_build_object('path','src/service_1/module_' || g || '.py','line',10+g%2000,'rule','py/sql-injection','cwe',89))::text AS data
  FROM generate_series(0, $N - 1) g;
CREATE INDEX ON stage (g);
COPY (SELECT (g + 1000000)::bigint, 1::bigint, key, 'code', 'py/sql-injection: This query depends on a user-provided value.',
  severity, 'open', 'py/sql-injection', location, '{}'::text[], '{89}'::int[], 1::bigint, now(), now(), risk, sla_due
  FROM stage ORDER BY g) TO '$DIR/issues.bin' (FORMAT binary);
COPY (SELECT (g + 1000000)::bigint, (g + 1000000)::bigint, 1::bigint, hash, 1::bigint, 'CodeQL', 'py/sql-injection', 3::smallint,
  location, data FROM stage ORDER BY g) TO '$DIR/obs_text.bin' (FORMAT binary);
COPY (SELECT (g + 1000000)::bigint, (g + 1000000)::bigint, 1::bigint, hash, 1::bigint, 'CodeQL', 'py/sql-injection', 3::smallint,
  location, data::jsonb FROM stage ORDER BY g) TO '$DIR/obs_jsonb.bin' (FORMAT binary);
COPY (SELECT (g + 1000000)::bigint, (g + 1000000)::bigint, 1::bigint, hash, 1::bigint, 'CodeQL', 'py/sql-injection', 3::smallint,
  location, convert_to(left(data, 250), 'UTF8') FROM stage ORDER BY g) TO '$DIR/obs_small.bin' (FORMAT binary);
SQL

IC="(id, application_id, key, kind, title, severity, status, rule_id, location, vuln_ids, cwes, first_scan_id, first_seen, last_seen, risk, sla_due)"
OC="(id, issue_id, stream_id, hash, first_scan_id, tool, rule_id, severity, location, data)"
# variant NAME TABLE FILE SQL...: a fresh copy of the migrated table (all indexes), altered by SQL.
variant() {
  local name=$1 table=$2 file=$3 sql=$4 cols
  [ "$table" = issues ] && cols=$IC || cols=$OC
  q h_pgcost_v <<SQL
DROP SCHEMA IF EXISTS h_pgcost_v CASCADE; CREATE SCHEMA h_pgcost_v; SET search_path = h_pgcost_v, h_pgcost;
CREATE TABLE $table (LIKE h_pgcost.$table INCLUDING ALL);
$sql
CHECKPOINT;
BEGIN;
SELECT h_pgcost.cpu_ms() AS c0, pg_current_wal_insert_lsn() AS w0 \gset
COPY $table $cols FROM '$DIR/$file' (FORMAT binary);
SELECT rpad('$name', 64) || ' CPU ' || lpad(round((h_pgcost.cpu_ms() - :c0) * 1000.0 / $N, 1)::text, 5) || ' µs/row, WAL '
  || lpad(round(pg_wal_lsn_diff(pg_current_wal_insert_lsn(), :'w0') / $N)::text, 5) || ' B/row';
COMMIT;
SQL
}
# The same issue rows by the statement the ingest uses when the target existed: batches of
# 2,000 keys, `INSERT ... ON CONFLICT DO NOTHING RETURNING`, indexes of the migrations.
variant_insert() {
  q h_pgcost_v <<SQL
DROP SCHEMA IF EXISTS h_pgcost_v CASCADE; CREATE SCHEMA h_pgcost_v; SET search_path = h_pgcost_v, h_pgcost;
CREATE TABLE issues (LIKE h_pgcost.issues INCLUDING ALL);
CHECKPOINT;
BEGIN;
SELECT h_pgcost.cpu_ms() AS c0, pg_current_wal_insert_lsn() AS w0 \gset
DO \$\$ DECLARE n bigint; BEGIN FOR b IN 0..$N / 2000 - 1 LOOP
  WITH x AS (INSERT INTO issues (application_id, key, kind, title, severity, status, rule_id, location, vuln_ids, cwes,
                                 first_scan_id, first_seen, last_seen, risk, sla_due)
    SELECT 1, key, 'code', 'py/sql-injection: This query depends on a user-provided value.', severity, 'open',
           'py/sql-injection', location, '{}', '{89}', 1, now(), now(), risk, sla_due
    FROM h_pgcost.stage WHERE g >= b * 2000 AND g < (b + 1) * 2000 ORDER BY key
    ON CONFLICT (application_id, key) DO NOTHING RETURNING id, key) SELECT count(*) INTO n FROM x;
END LOOP; END \$\$;
SELECT rpad('$1', 64) || ' CPU ' || lpad(round((h_pgcost.cpu_ms() - :c0) * 1000.0 / $N, 1)::text, 5) || ' µs/row, WAL '
  || lpad(round(pg_wal_lsn_diff(pg_current_wal_insert_lsn(), :'w0') / $N)::text, 5) || ' B/row';
COMMIT;
SQL
}
drop_all_but() { # index names of h_pgcost_v.issues to keep (LIKE names them by columns)
  echo "DO \$\$ DECLARE r record; BEGIN FOR r IN SELECT indexrelid::regclass::text AS n FROM pg_index WHERE indrelid = 'h_pgcost_v.issues'::regclass AND NOT indisprimary AND NOT (indexrelid::regclass::text ~ '$1') LOOP EXECUTE 'DROP INDEX ' || r.n; END LOOP; END \$\$;"
}
variant "issues: indexes before migration 0018"             issues issues.bin "CREATE INDEX ON issues (first_scan_id);"
variant "issues: indexes of the migrations (0018: no issues_first_scan)" issues issues.bin ""
variant_insert "issues: same, INSERT ON CONFLICT RETURNING instead of COPY"
variant "issues: primary key, unique key, active risk"      issues issues.bin "$(drop_all_but 'application_id_key|^issues_risk')"
variant "issues: primary key and unique key"                issues issues.bin "$(drop_all_but 'application_id_key')"
variant "issues: primary key only"                          issues issues.bin "$(drop_all_but 'application_id_key') ALTER TABLE issues DROP CONSTRAINT issues_application_id_key_key;"
variant "observations: all indexes, jsonb document"         observations obs_jsonb.bin ""
variant "observations: primary key only, jsonb document"    observations obs_jsonb.bin "DROP INDEX observations_stream_id_id_hash_issue_id_idx, observations_issue_id_tool_idx, observations_first_scan_id_issue_id_idx, observations_stream_id_last_scan_id_idx;"
variant "observations: all indexes, json document"          observations obs_text.bin "ALTER TABLE observations ALTER COLUMN data TYPE json;"
variant "observations: all indexes, text document"          observations obs_text.bin "ALTER TABLE observations ALTER COLUMN data TYPE text;"
variant "observations: all indexes, 250-byte bytea (packed)" observations obs_small.bin "ALTER TABLE observations ALTER COLUMN data TYPE bytea USING convert_to(data::text, 'UTF8');"
psql "${CONN[@]}" -q -c "DROP SCHEMA h_pgcost_v CASCADE; DROP SCHEMA h_pgcost CASCADE" >/dev/null 2>&1
rm -f "$DIR"/*.bin
