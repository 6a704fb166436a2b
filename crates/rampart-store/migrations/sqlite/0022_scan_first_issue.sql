-- Rampart schema v22 (SQLite): where the ids of the issues a scan created begin.
--
-- SQLite has one writer, and an ingest numbers the issues it creates from MAX(id) + 1 inside its
-- `BEGIN IMMEDIATE` transaction (sqlite/ingest.rs): the issues a scan created are exactly those
-- of its observations with an id at or above this one. The risk scope's "issues of the scan's
-- statements that it did not create" (sqlite/risk_scope.rs) then reads the scan's observations
-- alone, where it looked up each one's issue row: 0.36 s after a first ingest of 1,000,000
-- findings (docs/benchmarks.md). NULL for scans written before v22, which keep the lookup.
ALTER TABLE scans ADD COLUMN first_issue_id INTEGER;
