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
