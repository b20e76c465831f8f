-- Version 6: named cursors over the whole ledger's history (as
-- Migrations/sqlite/0015_consumers.sql). A consumer handles the changes after its cursor,
-- then moves it on; after a crash it resumes where it stopped (at-least-once).
CREATE TABLE consumers (
    name       text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 200),
    seq        bigint NOT NULL CHECK (seq >= 0),
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
);
