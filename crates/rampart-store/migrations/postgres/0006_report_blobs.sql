-- Rampart schema v6 (PostgreSQL): report bytes for queued ingests, and job progress.
--
-- An ingest job carries no file path: the report's bytes are stored here first, so that any
-- worker sharing the database, on any host, can run the job. A report is identified by the
-- SHA-256 of its bytes (hex) and stored as LZ4-compressed chunks of at most 4 MiB of original
-- bytes, so neither the upload nor the worker ever holds a whole report in memory. A blob is
-- usable once `sealed` (every chunk written and the digest checked); the worker deletes it when
-- the last unfinished job that names it succeeds.

CREATE TABLE report_blobs (
    sha256     TEXT COLLATE "C" PRIMARY KEY,
    size       BIGINT NOT NULL,
    chunks     INTEGER NOT NULL,
    codec      TEXT NOT NULL DEFAULT 'lz4',
    sealed     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE report_blob_chunks (
    sha256 TEXT COLLATE "C" NOT NULL,
    seq    INTEGER NOT NULL,
    data   BYTEA NOT NULL,
    PRIMARY KEY (sha256, seq)
);
-- Chunks are already compressed: keep PostgreSQL from trying again.
ALTER TABLE report_blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

-- What a running job reports of its progress (the API shows it); set with heartbeats.
ALTER TABLE jobs ADD COLUMN progress JSONB;
