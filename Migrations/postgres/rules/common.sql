-- What every PostgreSQL rule shares.
--
-- A refusal raises SQLSTATE RL000 (the class of runledger's rules) with the message
-- "runledger:<tag>: <sentence>" (the tag and sentence of the SQLite rule, so that clients
-- match the same text on both engines) and a DETAIL naming what was refused.
CREATE OR REPLACE FUNCTION runledger_refuse(tag text, sentence text, detail text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'RL000', MESSAGE = 'runledger:' || tag || ': ' || sentence,
        DETAIL = coalesce(detail, '');
END $$;

-- The bucket of a duration in the stats histograms (stats_run_durations,
-- stats_state_durations): the duration itself under a millisecond, else its number of digits
-- and its first three digits. The same formula as SQLite's, so that both engines hold the
-- same rows for the same history.
CREATE OR REPLACE FUNCTION stats_bucket(d bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN d < 1000 THEN d ELSE length(d::text) * 1000 + substr(d::text, 1, 3)::bigint END
$$;

-- The key of one of the ledger's advisory locks: `kind` ('history', 'job', 'run', 'request',
-- ...) and a name, with the ledger's schema, since advisory locks are database-wide and a
-- database may hold several ledgers. A collision of two keys only makes one wait for the other.
-- Run ids and request keys lock one of 256 buckets, not the name itself: a transaction holds
-- each lock until it ends, and a batch of thousands of new runs holding one lock each would
-- run out of PostgreSQL's lock table (max_locks_per_transaction, 64 per connection by
-- default, shared); it holds at most 256 of each kind. Two runs whose ids share a bucket only
-- make one start wait for the other to commit.
CREATE OR REPLACE FUNCTION runledger_lock_key(kind text, name text) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT hashtextextended(current_schema() || ':' || kind || ':' || CASE
        WHEN kind IN ('run', 'request') THEN (hashtext(coalesce(name, '')) & 255)::text
        ELSE coalesce(name, '')
    END, 0)
$$;
