-- Rampart schema v13: daily posture snapshots for the dashboard's trend (issue 7).
-- One row per day (UTC, `YYYY-MM-DD`) and application: its open (or reopened) issues by
-- severity that day. Written by `DashboardStore::record_posture` (the server does so at
-- start and every hour) and, for days before the first snapshot, estimated once from issue
-- first-seen / fixed times by `backfill_posture`.
CREATE TABLE posture_daily (
    day            TEXT NOT NULL,
    application_id BIGINT NOT NULL,
    critical       BIGINT NOT NULL,
    high           BIGINT NOT NULL,
    medium         BIGINT NOT NULL,
    low            BIGINT NOT NULL,
    info           BIGINT NOT NULL,
    PRIMARY KEY (day, application_id)
);
