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

-- The key of one of the ledger's advisory locks: `kind` ('history', 'job', ...) and a name,
-- with the ledger's schema, since advisory locks are database-wide and a database may hold
-- several ledgers. A collision of two keys only makes one wait for the other.
CREATE OR REPLACE FUNCTION runledger_lock_key(kind text, name text) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT hashtextextended(current_schema() || ':' || kind || ':' || coalesce(name, ''), 0)
$$;
