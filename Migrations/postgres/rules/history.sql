-- The append-only rules of the history and its companions on PostgreSQL (`state_changes`,
-- `run_dependencies`, `run_annotations`, `prunes`) and of a run's deletion, the same as the
-- SQLite rules of these tables, with the same tags: rows are never changed, and leave only
-- with their whole run, a terminal one that ended before the latest prune cutoff and that
-- no run names as parent or upstream. TRUNCATE, which skips row triggers, is refused.
-- (The rules of what a new history row may be, and of the run it moves, come next.)

-- Tags: append_only.
CREATE OR REPLACE FUNCTION history_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    what text := CASE TG_TABLE_NAME
        WHEN 'state_changes' THEN 'state_history rows'
        WHEN 'run_dependencies' THEN 'dependencies'
        WHEN 'run_annotations' THEN 'annotations'
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
DROP TRIGGER IF EXISTS prunes_before_change ON prunes;
CREATE TRIGGER prunes_before_change BEFORE UPDATE OR DELETE ON prunes
FOR EACH ROW EXECUTE FUNCTION history_is_append_only();
DROP TRIGGER IF EXISTS prunes_before_truncate ON prunes;
CREATE TRIGGER prunes_before_truncate BEFORE TRUNCATE ON prunes
FOR EACH STATEMENT EXECUTE FUNCTION history_is_append_only();

-- Only a whole terminal run that ended before the latest prune cutoff, and that no other
-- run names as parent or upstream, can be deleted; TRUNCATE of runs never.
-- Tags: append_only.
CREATE OR REPLACE FUNCTION runs_delete_only_whole_pruned_runs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM runledger_refuse('append_only',
            'only a terminal run that ended before a recorded prune cutoff can be deleted', 'TRUNCATE runs');
    ELSIF OLD.ended_at IS NULL
       OR NOT OLD.ended_at < coalesce((SELECT before_at FROM prunes ORDER BY id DESC LIMIT 1), 0) THEN
        PERFORM runledger_refuse('append_only',
            'only a terminal run that ended before a recorded prune cutoff can be deleted', 'run ' || OLD.id);
    ELSIF EXISTS (SELECT 1 FROM runs WHERE parent_id = OLD.id)
       OR EXISTS (SELECT 1 FROM run_dependencies WHERE upstream_id = OLD.id) THEN
        PERFORM runledger_refuse('append_only',
            'a run that another run names as parent or upstream cannot be deleted', 'run ' || OLD.id);
    END IF;
    RETURN OLD;
END $$;
DROP TRIGGER IF EXISTS runs_before_delete ON runs;
CREATE TRIGGER runs_before_delete BEFORE DELETE ON runs
FOR EACH ROW EXECUTE FUNCTION runs_delete_only_whole_pruned_runs();
DROP TRIGGER IF EXISTS runs_before_truncate ON runs;
CREATE TRIGGER runs_before_truncate BEFORE TRUNCATE ON runs
FOR EACH STATEMENT EXECUTE FUNCTION runs_delete_only_whole_pruned_runs();

-- A deleted run takes its annotations with it (its history and dependencies go by their
-- foreign keys, ON DELETE CASCADE); their own delete rules let them go once the run is gone.
CREATE OR REPLACE FUNCTION runs_take_their_annotations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM run_annotations WHERE run_id = OLD.id;
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS runs_after_delete ON runs;
CREATE TRIGGER runs_after_delete AFTER DELETE ON runs
FOR EACH ROW EXECUTE FUNCTION runs_take_their_annotations();
