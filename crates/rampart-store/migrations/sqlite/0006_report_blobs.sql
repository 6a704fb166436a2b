-- Rampart schema v6 (SQLite): report bytes for queued ingests, and job progress.
-- See migrations/postgres/0006_report_blobs.sql: the same tables, times in Unix milliseconds.

CREATE TABLE report_blobs (
    sha256     TEXT PRIMARY KEY,
    size       INTEGER NOT NULL,
    chunks     INTEGER NOT NULL,
    codec      TEXT NOT NULL DEFAULT 'lz4',
    sealed     INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

CREATE TABLE report_blob_chunks (
    sha256 TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    data   BLOB NOT NULL,
    PRIMARY KEY (sha256, seq)
) WITHOUT ROWID;

ALTER TABLE jobs ADD COLUMN progress TEXT;
