-- The rules of `seals` (as Migrations/sqlite/rules/seals.sql, with the same tags and
-- sentences): append-only, TRUNCATE refused; each new seal continues the chain: it comes
-- after every other, folds in the latest seal's sha256 (64 zeros for the first), and covers
-- the rows after the latest seal's seq (a plain seal) or every row from the first (a prune's
-- seal), up to a seq no lower than the latest seal's and no higher than the newest history
-- row's. Two sessions sealing at once take the ledger's 'seals' advisory lock in turn (the
-- library takes it before it reads the latest seal), so the second sees the first's seal.
-- The library seals only up to history_high_water() (state_changes.sql): every row up to
-- it has committed, so no row that commits later falls inside a sealed range.
-- Tags: history_order.
CREATE OR REPLACE FUNCTION seals_before_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    latest seals%ROWTYPE;
BEGIN
    PERFORM pg_advisory_xact_lock(runledger_lock_key('seals', NULL));
    SELECT * INTO latest FROM seals ORDER BY id DESC LIMIT 1;
    IF NEW.id IS NULL THEN
        NEW.id := coalesce(latest.id, 0) + 1;
    ELSIF NEW.id <= coalesce(latest.id, 0) THEN
        PERFORM runledger_refuse('history_order', 'a new seal must come after every other',
            'id ' || NEW.id || ', the highest is ' || latest.id);
    END IF;
    IF NEW.previous IS DISTINCT FROM coalesce(latest.sha256, repeat('0', 64)) THEN
        PERFORM runledger_refuse('history_order', 'a new seal must fold in the latest seal',
            'seal ' || NEW.id || ' folds in ' || coalesce(NEW.previous, 'NULL'));
    ELSIF NEW.from_seq IS DISTINCT FROM (CASE NEW.kind WHEN 'prune' THEN 0 ELSE coalesce(latest.seq, 0) END) THEN
        PERFORM runledger_refuse('history_order',
            'a seal covers the rows after the latest seal, a prune''s seal every row',
            'seal ' || NEW.id || ' from seq ' || coalesce(NEW.from_seq::text, 'NULL'));
    ELSIF NEW.seq < coalesce(latest.seq, 0) OR NEW.seq > (SELECT coalesce(max(seq), 0) FROM state_changes) THEN
        PERFORM runledger_refuse('history_order',
            'a new seal must end between the latest seal and the newest history row', 'seal ' || NEW.id || ' to seq ' || NEW.seq);
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS seals_before_insert ON seals;
CREATE TRIGGER seals_before_insert BEFORE INSERT ON seals
FOR EACH ROW EXECUTE FUNCTION seals_before_insert();

-- Tags: append_only.
CREATE OR REPLACE FUNCTION seals_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM runledger_refuse('append_only',
        CASE TG_OP WHEN 'UPDATE' THEN 'seals cannot be changed' ELSE 'seals cannot be deleted' END, TG_OP || ' seals');
    RETURN OLD;
END $$;
DROP TRIGGER IF EXISTS seals_before_change ON seals;
CREATE TRIGGER seals_before_change BEFORE UPDATE OR DELETE ON seals
FOR EACH ROW EXECUTE FUNCTION seals_are_append_only();
DROP TRIGGER IF EXISTS seals_before_truncate ON seals;
CREATE TRIGGER seals_before_truncate BEFORE TRUNCATE ON seals
FOR EACH STATEMENT EXECUTE FUNCTION seals_are_append_only();
