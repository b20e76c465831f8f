-- runledger ledger schema, version 13: sealed history.
--
-- A seal is a SHA-256 chain value over the history rows up to a seq, with the previous
-- seal folded in (Ledger.seal, `runledger seal`; README, "Sealed history", defines the
-- encoding). The library computes it after the fact, from the rows as stored, so writers in
-- plain SQL need not know about it. A line printed for each seal and kept off the box lets
-- `verify --seals FILE` prove the history was not rewritten, even by a client that dropped
-- the triggers and rewrote everything derived from a row.
CREATE TABLE seals (
    id        INTEGER PRIMARY KEY,  -- 1, 2, 3... in the order sealed
    kind      TEXT NOT NULL CHECK (kind IN ('seal', 'prune')),
        -- seal: the rows after the previous seal's seq, up to seq;
        -- prune: every row still present up to seq, written by a prune after it removed runs
        --        (the rows of the seal before it are then no longer all there)
    from_seq  INTEGER NOT NULL CHECK (from_seq >= 0),  -- the rows covered have from_seq < seq <= seq
    seq       INTEGER NOT NULL CHECK (seq >= from_seq),
    rows      INTEGER NOT NULL CHECK (rows >= 0),      -- how many rows it covers
    previous  TEXT NOT NULL CHECK (length(previous) = 64),  -- the previous seal's sha256; 64 zeros for the first
    sha256    TEXT NOT NULL CHECK (length(sha256) = 64),    -- the chain value, lowercase hex
    digests   TEXT NOT NULL,        -- each row covered as seq=<first 8 hex digits of its digest>, comma-separated
                                    -- (to name the first row that changed; '' for a prune's seal)
    at        INTEGER NOT NULL,     -- when it was made (microseconds since the epoch, UTC)
    actor     TEXT
) STRICT;
