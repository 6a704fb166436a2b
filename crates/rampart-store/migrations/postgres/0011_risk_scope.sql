-- Rampart schema v11: what an ingest changed, for the incremental risk rescore
-- (store::risk_scope). Each index serves one question asked once per ingest:
-- the issues a scan created; the statements it made (and the issues they name);
-- the statements of a stream that ended, by the scan they ended at; the events it recorded.
CREATE INDEX issues_first_scan ON issues (first_scan_id);
CREATE INDEX observations_first_scan ON observations (first_scan_id, issue_id);
CREATE INDEX observations_stream_ended ON observations (stream_id, last_scan_id) WHERE last_scan_id IS NOT NULL;
CREATE INDEX issue_events_scan ON issue_events (scan_id);
