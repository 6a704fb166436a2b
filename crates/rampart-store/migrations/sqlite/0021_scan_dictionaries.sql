-- Rampart schema v21 (SQLite): observation documents packed against their scan's dictionary.
--
-- The first report of a branch with at least 1,000 findings trains a zstd dictionary on its
-- first documents (codec::ScanPacker) and packs every document of the scan against it: 93
-- bytes a document instead of 449 with the built-in LZ4 dictionary on a generated 1M-result
-- SARIF report. A stored document says which form it is in by its first bytes
-- (codec::is_scan_packed); a zstd one is read with the dictionary of its observation's
-- `first_scan_id`, the scan that wrote it.
CREATE TABLE scan_dictionaries (
    scan_id    INTEGER PRIMARY KEY REFERENCES scans(id),
    dictionary BLOB NOT NULL
);
