-- Rampart schema v19 (SQLite): one index entry fewer per new issue, as v18 on PostgreSQL.
-- `issues_first_scan` served two questions: the rename pass's "the observations of the issues
-- this scan created" and the risk scope's "the issues this scan created". Both now start from
-- the observations the scan made (`observations_first_scan`) and check the issue row, so a new
-- issue no longer pays for this index on the ingest's one writer thread.
DROP INDEX IF EXISTS issues_first_scan;
