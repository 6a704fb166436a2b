-- Rampart schema v18 (PostgreSQL): one index entry fewer per new issue.
-- `issues_first_scan` served one question, asked once per ingest by the rename pass: the
-- observations of the issues a scan created. Those are observations the scan made
-- (`observations_first_scan`), so the pass now starts there, and a new issue no longer pays
-- for this index (about 3 µs of server time each, one backend per ingest).
DROP INDEX IF EXISTS issues_first_scan;
