-- From this version on, triggers and views are not migrations. They are the rules set,
-- Migrations/sqlite/rules/*.sql, current code that the library installs whole (dropping
-- every trigger and view first) whenever the file's recorded rules differ from its own,
-- in the same transaction as any pending migration. Versioned migrations from here on
-- change tables, indexes and data only, and run with no trigger in place.
CREATE TABLE schema_rules (
    id           INTEGER PRIMARY KEY CHECK (id = 1),  -- one row
    version      INTEGER NOT NULL,  -- a library refuses a ledger whose rules are newer than its own
    checksum     TEXT NOT NULL,     -- SHA-256 of the rules set installed
    views        TEXT NOT NULL,     -- JSON array of the views it created, dropped before the next install
    installed_at INTEGER NOT NULL
) STRICT;
