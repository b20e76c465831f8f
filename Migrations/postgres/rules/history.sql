-- The append-only rules of the history and its companions on PostgreSQL (`state_changes`,
-- `run_dependencies`, `run_annotations`, `openlineage_events`, `prunes`), the same as the SQLite rules of these
-- tables, with the same tags: rows are never changed, and leave only with their whole run
-- (runs.sql: a run's deletion). TRUNCATE, which skips row triggers, is refused. Then what a
-- new dependency, annotation or prune record may be. (What a new history row may be, and
-- the run it moves: state_changes.sql.)

-- Tags: append_only.
CREATE OR REPLACE FUNCTION history_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    what text := CASE TG_TABLE_NAME
        WHEN 'state_changes' THEN 'state_history rows'
        WHEN 'run_dependencies' THEN 'dependencies'
        WHEN 'run_annotations' THEN 'annotations'
        WHEN 'openlineage_events' THEN 'received events'
        ELSE 'prune records' END;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM runledger_refuse('append_only', what || ' cannot be changed', 'UPDATE ' || TG_TABLE_NAME);
    ELSIF TG_OP = 'TRUNCATE' THEN
        PERFORM runledger_refuse('append_only', what || ' cannot be deleted', 'TRUNCATE ' || TG_TABLE_NAME);
    ELSIF TG_TABLE_NAME = 'prunes' THEN
        PERFORM runledger_refuse('append_only', 'prune records cannot be deleted', 'DELETE FROM prunes');
    ELSIF TG_TABLE_NAME = 'state_changes' THEN
        -- OLD's fields are named per table: each branch reads only its table's.
        IF EXISTS (SELECT 1 FROM runs WHERE num = OLD.run_num) THEN
            PERFORM runledger_refuse('append_only', 'state_history rows leave only with their whole run',
                'seq ' || OLD.seq);
        END IF;
    ELSIF EXISTS (SELECT 1 FROM runs WHERE id = OLD.run_id) THEN
        PERFORM runledger_refuse('append_only', what || ' leave only with their run', 'run ' || OLD.run_id);
    END IF;
    RETURN OLD;
END $$;

DROP TRIGGER IF EXISTS state_changes_before_change ON state_changes;
CREATE TRIGGER state_changes_before_change BEFORE UPDATE OR DELETE ON state_changes
FOR EACH ROW EXECUTE FUNCTION history_is_append_only();
DROP TRIGGER IF EXISTS state_changes_before_truncate ON state_changes;
CREATE TRIGGER state_changes_before_truncate BEFORE TRUNCATE ON state_changes
FOR EACH STATEMENT EXECUTE FUNCTION history_is_append_only();
DROP TRIGGER IF EXISTS run_dependencies_before_change ON run_dependencies;
CREATE TRIGGER run_dependencies_before_change BEFORE UPDATE OR DELETE ON run_dependencies
FOR EACH ROW EXECUTE FUNCTION history_is_append_only();
DROP TRIGGER IF EXISTS run_dependencies_before_truncate ON run_dependencies;
CREATE TRIGGER run_dependencies_before_truncate BEFORE TRUNCATE ON run_dependencies
FOR EACH STATEMENT EXECUTE FUNCTION history_is_append_only();
DROP TRIGGER IF EXISTS run_annotations_before_change ON run_annotations;
CREATE TRIGGER run_annotations_before_change BEFORE UPDATE OR DELETE ON run_annotations
FOR EACH ROW EXECUTE FUNCTION history_is_append_only();
DROP TRIGGER IF EXISTS run_annotations_before_truncate ON run_annotations;
CREATE TRIGGER run_annotations_before_truncate BEFORE TRUNCATE ON run_annotations
FOR EACH STATEMENT EXECUTE FUNCTION history_is_append_only();
DROP TRIGGER IF EXISTS openlineage_events_before_change ON openlineage_events;
CREATE TRIGGER openlineage_events_before_change BEFORE UPDATE OR DELETE ON openlineage_events
FOR EACH ROW EXECUTE FUNCTION history_is_append_only();
DROP TRIGGER IF EXISTS openlineage_events_before_truncate ON openlineage_events;
CREATE TRIGGER openlineage_events_before_truncate BEFORE TRUNCATE ON openlineage_events
FOR EACH STATEMENT EXECUTE FUNCTION history_is_append_only();
DROP TRIGGER IF EXISTS prunes_before_change ON prunes;
CREATE TRIGGER prunes_before_change BEFORE UPDATE OR DELETE ON prunes
FOR EACH ROW EXECUTE FUNCTION history_is_append_only();
DROP TRIGGER IF EXISTS prunes_before_truncate ON prunes;
CREATE TRIGGER prunes_before_truncate BEFORE TRUNCATE ON prunes
FOR EACH STATEMENT EXECUTE FUNCTION history_is_append_only();

-- A dependency joins two recorded runs, the upstream recorded first, once. The upstream's
-- row is locked FOR SHARE until the end of the transaction: a concurrent change of the
-- upstream (its end, which releases or cancels the runs waiting for it, in
-- state_changes_after_insert) waits for this dependency to commit, or this insert waits
-- for that change and then sees it, so that no end is passed on without the new dependant.
-- Tags: no_such_run, bad_value.
CREATE OR REPLACE FUNCTION run_dependencies_before_insert() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    run_n bigint := (SELECT num FROM runs WHERE id = NEW.run_id);
    upstream_n bigint;
BEGIN
    SELECT num INTO upstream_n FROM runs WHERE id = NEW.upstream_id FOR SHARE;
    IF run_n IS NULL OR upstream_n IS NULL THEN
        PERFORM runledger_refuse('no_such_run', 'a dependency joins two recorded runs',
            'run ' || coalesce(NEW.run_id, 'NULL') || ', upstream ' || coalesce(NEW.upstream_id, 'NULL'));
    ELSIF upstream_n >= run_n THEN
        PERFORM runledger_refuse('bad_value', 'an upstream run must be recorded before the run that waits for it',
            'run ' || NEW.run_id || ' (num ' || run_n || '), upstream ' || NEW.upstream_id || ' (num ' || upstream_n || ')');
    ELSIF EXISTS (SELECT 1 FROM run_dependencies WHERE run_id = NEW.run_id AND upstream_id = NEW.upstream_id) THEN
        PERFORM runledger_refuse('bad_value', 'the dependency is already recorded',
            'run ' || NEW.run_id || ', upstream ' || NEW.upstream_id);
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS run_dependencies_before_insert ON run_dependencies;
CREATE TRIGGER run_dependencies_before_insert BEFORE INSERT ON run_dependencies
FOR EACH ROW EXECUTE FUNCTION run_dependencies_before_insert();

-- An annotation's, received event's or prune record's id is the next of its sequence, or one the client gives
-- that comes after every other (a ledger being copied); the sequence then moves past it, so
-- that the ids drawn later stay above it. (SQLite: the next rowid, or the given one.)
-- Tags: history_order.
CREATE OR REPLACE FUNCTION companions_before_insert() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    what text := CASE TG_TABLE_NAME
        WHEN 'run_annotations' THEN 'annotation'
        WHEN 'openlineage_events' THEN 'received event'
        ELSE 'prune record' END;
    sequence_name text := TG_TABLE_NAME || '_id_seq';
    highest bigint;
BEGIN
    IF NEW.id IS NULL THEN
        NEW.id := nextval(sequence_name);
        RETURN NEW;
    END IF;
    PERFORM pg_advisory_xact_lock(runledger_lock_key(TG_TABLE_NAME, NULL));
    EXECUTE format('SELECT coalesce(max(id), 0) FROM %I', TG_TABLE_NAME) INTO highest;
    IF NEW.id <> -1 AND NEW.id <= highest THEN
        PERFORM runledger_refuse('history_order', 'a new ' || what || ' must come after every other',
            'id ' || NEW.id || ', the highest is ' || highest);
    END IF;
    IF NEW.id >= 1 THEN
        EXECUTE format('SELECT setval(%L, greatest($1, last_value)) FROM %I', sequence_name, sequence_name) USING NEW.id;
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS run_annotations_before_insert ON run_annotations;
CREATE TRIGGER run_annotations_before_insert BEFORE INSERT ON run_annotations
FOR EACH ROW EXECUTE FUNCTION companions_before_insert();
DROP TRIGGER IF EXISTS openlineage_events_before_insert ON openlineage_events;
CREATE TRIGGER openlineage_events_before_insert BEFORE INSERT ON openlineage_events
FOR EACH ROW EXECUTE FUNCTION companions_before_insert();
DROP TRIGGER IF EXISTS prunes_before_insert ON prunes;
CREATE TRIGGER prunes_before_insert BEFORE INSERT ON prunes
FOR EACH ROW EXECUTE FUNCTION companions_before_insert();
