-- The rules of the definitions on PostgreSQL: `canonical_types` and the lifecycle tables
-- (`lifecycles`, `lifecycle_states`, `lifecycle_transitions`, `lifecycle_outcomes`), the
-- same as the SQLite rules of the same names (Migrations/sqlite/rules/lifecycles.sql,
-- canonical_types.sql), with the same tags.
--
-- Every refusal goes through runledger_refuse (common.sql).
-- One trigger per table and event (PostgreSQL fires several in name order; nothing here
-- needs an order). TRUNCATE, which skips DELETE triggers, has its own statement trigger.

-- Canonical types are fixed.
-- Tags: immutable_definition.
CREATE OR REPLACE FUNCTION canonical_types_are_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM runledger_refuse('immutable_definition', 'canonical types are fixed', TG_OP || ' on canonical_types');
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS canonical_types_before_change ON canonical_types;
CREATE TRIGGER canonical_types_before_change BEFORE INSERT OR UPDATE OR DELETE ON canonical_types
FOR EACH ROW EXECUTE FUNCTION canonical_types_are_fixed();
DROP TRIGGER IF EXISTS canonical_types_before_truncate ON canonical_types;
CREATE TRIGGER canonical_types_before_truncate BEFORE TRUNCATE ON canonical_types
FOR EACH STATEMENT EXECUTE FUNCTION canonical_types_are_fixed();

-- Whether a lifecycle may still change: it exists, is not built in, and no run uses it. Its
-- row is locked FOR UPDATE until the end of the transaction, before runs are looked for: a
-- new run locks it FOR SHARE (runs_before_insert), so either the run waits for this change
-- to commit, or this change waits for the run and then, under READ COMMITTED, sees it.
-- Tags: no_such_lifecycle, lifecycle_in_use.
CREATE OR REPLACE FUNCTION lifecycle_must_be_editable(lifecycle_name text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    builtin smallint;
BEGIN
    SELECT is_builtin INTO builtin FROM lifecycles WHERE name = lifecycle_name FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM runledger_refuse('no_such_lifecycle', 'the lifecycle does not exist', 'lifecycle ' || lifecycle_name);
    ELSIF builtin = 1 THEN
        PERFORM runledger_refuse('lifecycle_in_use', 'a built-in lifecycle or one that a run uses cannot change',
            'lifecycle ' || lifecycle_name || ' is built in');
    ELSIF EXISTS (SELECT 1 FROM runs WHERE lifecycle = lifecycle_name) THEN
        PERFORM runledger_refuse('lifecycle_in_use', 'a built-in lifecycle or one that a run uses cannot change',
            'lifecycle ' || lifecycle_name || ' is used by a run');
    END IF;
END $$;

-- lifecycles: a new name; roles set on a lifecycle not yet in use, naming its own states and
-- outcomes; no rename; no delete of one built in or in use.
-- Tags: duplicate_lifecycle, lifecycle_in_use, no_such_state, bad_outcome.
CREATE OR REPLACE FUNCTION lifecycles_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    role text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF EXISTS (SELECT 1 FROM lifecycles WHERE name = NEW.name) THEN
            PERFORM runledger_refuse('duplicate_lifecycle', 'a lifecycle with this name already exists',
                'lifecycle ' || NEW.name);
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.name IS DISTINCT FROM OLD.name THEN
        PERFORM runledger_refuse('lifecycle_in_use', 'a built-in lifecycle or one that a run uses cannot change',
            'a lifecycle keeps its name: ' || OLD.name);
    END IF;
    PERFORM lifecycle_must_be_editable(OLD.name);
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    FOREACH role IN ARRAY ARRAY[NEW.skip_state, NEW.late_state, NEW.crash_state, NEW.retry_state,
                                NEW.blocked_state, NEW.release_state, NEW.upstream_failed_state,
                                NEW.timeout_state] LOOP
        IF role IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM lifecycle_states WHERE lifecycle = NEW.name AND state = role) THEN
            PERFORM runledger_refuse('no_such_state', 'a lifecycle''s role states must be its own states',
                'lifecycle ' || NEW.name || ' has no state ' || role);
        END IF;
    END LOOP;
    FOREACH role IN ARRAY ARRAY[NEW.skip_outcome, NEW.upstream_failed_outcome, NEW.timeout_outcome] LOOP
        IF role IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM lifecycle_outcomes WHERE lifecycle = NEW.name AND outcome = role) THEN
            PERFORM runledger_refuse('bad_outcome', 'a lifecycle''s role outcomes must be its own outcomes',
                'lifecycle ' || NEW.name || ' has no outcome ' || role);
        END IF;
    END LOOP;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS lifecycles_before_change ON lifecycles;
CREATE TRIGGER lifecycles_before_change BEFORE INSERT OR UPDATE OR DELETE ON lifecycles
FOR EACH ROW EXECUTE FUNCTION lifecycles_check();

-- lifecycle_states, lifecycle_transitions, lifecycle_outcomes: rows join (or leave) a
-- lifecycle that exists and may still change, never move to another; a state once, with a
-- canonical type; a transition once, between two states of its lifecycle; an outcome once,
-- with a terminal canonical type.
-- Tags: no_such_lifecycle, lifecycle_in_use, duplicate_state, duplicate_transition,
-- duplicate_outcome, no_such_state, bad_value.
CREATE OR REPLACE FUNCTION lifecycle_parts_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM lifecycle_must_be_editable(OLD.lifecycle);
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    PERFORM lifecycle_must_be_editable(NEW.lifecycle);
    IF TG_OP = 'UPDATE' AND NEW.lifecycle IS DISTINCT FROM OLD.lifecycle THEN
        PERFORM runledger_refuse('lifecycle_in_use', 'a built-in lifecycle or one that a run uses cannot change',
            'a row of lifecycle ' || OLD.lifecycle || ' cannot move to another');
    END IF;
    IF TG_TABLE_NAME = 'lifecycle_states' THEN
        IF TG_OP = 'UPDATE' AND NEW.state IS DISTINCT FROM OLD.state THEN
            PERFORM runledger_refuse('lifecycle_in_use', 'a built-in lifecycle or one that a run uses cannot change',
                'a state keeps its name: ' || OLD.state);
        END IF;
        IF TG_OP = 'INSERT' AND EXISTS (
            SELECT 1 FROM lifecycle_states WHERE lifecycle = NEW.lifecycle AND state = NEW.state
        ) THEN
            PERFORM runledger_refuse('duplicate_state', 'the lifecycle already has this state',
                'lifecycle ' || NEW.lifecycle || ', state ' || NEW.state);
        END IF;
        IF NOT EXISTS (SELECT 1 FROM canonical_types WHERE name = NEW.canonical_type) THEN
            PERFORM runledger_refuse('bad_value', 'canonical_type must be one of canonical_types.name',
                'canonical_type ' || coalesce(NEW.canonical_type, 'NULL'));
        END IF;
    ELSIF TG_TABLE_NAME = 'lifecycle_transitions' THEN
        IF TG_OP = 'UPDATE' AND (NEW.from_state, NEW.to_state) IS DISTINCT FROM (OLD.from_state, OLD.to_state) THEN
            PERFORM runledger_refuse('lifecycle_in_use', 'a built-in lifecycle or one that a run uses cannot change',
                'a transition keeps its states');
        END IF;
        IF NOT EXISTS (SELECT 1 FROM lifecycle_states WHERE lifecycle = NEW.lifecycle AND state = NEW.from_state)
           OR NOT EXISTS (SELECT 1 FROM lifecycle_states WHERE lifecycle = NEW.lifecycle AND state = NEW.to_state) THEN
            PERFORM runledger_refuse('no_such_state', 'a transition must join two states of its lifecycle',
                'lifecycle ' || NEW.lifecycle || ': ' || NEW.from_state || ' -> ' || NEW.to_state);
        END IF;
        IF TG_OP = 'INSERT' AND EXISTS (
            SELECT 1 FROM lifecycle_transitions
            WHERE lifecycle = NEW.lifecycle AND from_state = NEW.from_state AND to_state = NEW.to_state
              AND action IS NOT DISTINCT FROM NEW.action
        ) THEN
            PERFORM runledger_refuse('duplicate_transition', 'the lifecycle already has this transition',
                'lifecycle ' || NEW.lifecycle || ': ' || NEW.from_state || ' -> ' || NEW.to_state);
        END IF;
    ELSE
        IF TG_OP = 'UPDATE' AND NEW.outcome IS DISTINCT FROM OLD.outcome THEN
            PERFORM runledger_refuse('lifecycle_in_use', 'a built-in lifecycle or one that a run uses cannot change',
                'an outcome keeps its name: ' || OLD.outcome);
        END IF;
        IF TG_OP = 'INSERT' AND EXISTS (
            SELECT 1 FROM lifecycle_outcomes WHERE lifecycle = NEW.lifecycle AND outcome = NEW.outcome
        ) THEN
            PERFORM runledger_refuse('duplicate_outcome', 'the lifecycle already has this outcome',
                'lifecycle ' || NEW.lifecycle || ', outcome ' || NEW.outcome);
        END IF;
        IF NOT EXISTS (SELECT 1 FROM canonical_types WHERE name = NEW.canonical_type AND is_terminal = 1) THEN
            PERFORM runledger_refuse('bad_value', 'an outcome''s canonical_type must be a terminal canonical type',
                'canonical_type ' || coalesce(NEW.canonical_type, 'NULL'));
        END IF;
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS lifecycle_states_before_change ON lifecycle_states;
CREATE TRIGGER lifecycle_states_before_change BEFORE INSERT OR UPDATE OR DELETE ON lifecycle_states
FOR EACH ROW EXECUTE FUNCTION lifecycle_parts_check();
DROP TRIGGER IF EXISTS lifecycle_transitions_before_change ON lifecycle_transitions;
CREATE TRIGGER lifecycle_transitions_before_change BEFORE INSERT OR UPDATE OR DELETE ON lifecycle_transitions
FOR EACH ROW EXECUTE FUNCTION lifecycle_parts_check();
DROP TRIGGER IF EXISTS lifecycle_outcomes_before_change ON lifecycle_outcomes;
CREATE TRIGGER lifecycle_outcomes_before_change BEFORE INSERT OR UPDATE OR DELETE ON lifecycle_outcomes
FOR EACH ROW EXECUTE FUNCTION lifecycle_parts_check();

-- A truncate of a definitions table skips the row triggers: refused while any lifecycle is
-- built in (always, in a ledger).
-- Tags: lifecycle_in_use.
CREATE OR REPLACE FUNCTION lifecycles_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM runledger_refuse('lifecycle_in_use', 'a built-in lifecycle or one that a run uses cannot change',
        'TRUNCATE ' || TG_TABLE_NAME);
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS lifecycles_before_truncate ON lifecycles;
CREATE TRIGGER lifecycles_before_truncate BEFORE TRUNCATE ON lifecycles
FOR EACH STATEMENT EXECUTE FUNCTION lifecycles_refuse_truncate();
DROP TRIGGER IF EXISTS lifecycle_states_before_truncate ON lifecycle_states;
CREATE TRIGGER lifecycle_states_before_truncate BEFORE TRUNCATE ON lifecycle_states
FOR EACH STATEMENT EXECUTE FUNCTION lifecycles_refuse_truncate();
DROP TRIGGER IF EXISTS lifecycle_transitions_before_truncate ON lifecycle_transitions;
CREATE TRIGGER lifecycle_transitions_before_truncate BEFORE TRUNCATE ON lifecycle_transitions
FOR EACH STATEMENT EXECUTE FUNCTION lifecycles_refuse_truncate();
DROP TRIGGER IF EXISTS lifecycle_outcomes_before_truncate ON lifecycle_outcomes;
CREATE TRIGGER lifecycle_outcomes_before_truncate BEFORE TRUNCATE ON lifecycle_outcomes
FOR EACH STATEMENT EXECUTE FUNCTION lifecycles_refuse_truncate();

-- Loads a lifecycle from its engine-neutral JSON (Migrations/lifecycles/*.json, the JSON of
-- the library's Lifecycle) through the rules above: its row, states (position in order),
-- transitions, outcomes, then its roles; sealed as built in when `builtin`, with
-- created_at 0 as the SQLite migrations give the built-ins.
CREATE OR REPLACE FUNCTION load_lifecycle(doc jsonb, builtin boolean) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    lifecycle_name text := doc ->> 'name';
BEGIN
    INSERT INTO lifecycles (name, description, created_at)
    VALUES (lifecycle_name, coalesce(doc ->> 'description', ''), CASE WHEN builtin THEN 0 ELSE now_us() END);
    INSERT INTO lifecycle_states (lifecycle, state, canonical_type, is_terminal, is_initial, position, description)
    SELECT lifecycle_name, s ->> 'name', s ->> 'canonicalType', (s ->> 'isTerminal')::boolean::int,
           (s ->> 'isInitial')::boolean::int, n, coalesce(s ->> 'description', '')
    FROM jsonb_array_elements(doc -> 'states') WITH ORDINALITY AS e (s, n);
    INSERT INTO lifecycle_transitions (lifecycle, from_state, to_state, action, description)
    SELECT lifecycle_name, t ->> 'from', t ->> 'to', t ->> 'action', coalesce(t ->> 'description', '')
    FROM jsonb_array_elements(doc -> 'transitions') WITH ORDINALITY AS e (t, n) ORDER BY n;
    INSERT INTO lifecycle_outcomes (lifecycle, outcome, canonical_type, description)
    SELECT lifecycle_name, o ->> 'name', o ->> 'canonicalType', coalesce(o ->> 'description', '')
    FROM jsonb_array_elements(coalesce(doc -> 'outcomes', '[]')) WITH ORDINALITY AS e (o, n) ORDER BY n;
    UPDATE lifecycles SET
        skip_state = doc -> 'roles' ->> 'skipState', skip_outcome = doc -> 'roles' ->> 'skipOutcome',
        late_state = doc -> 'roles' ->> 'lateState', crash_state = doc -> 'roles' ->> 'crashState',
        retry_state = doc -> 'roles' ->> 'retryState', blocked_state = doc -> 'roles' ->> 'blockedState',
        release_state = doc -> 'roles' ->> 'releaseState',
        upstream_failed_state = doc -> 'roles' ->> 'upstreamFailedState',
        upstream_failed_outcome = doc -> 'roles' ->> 'upstreamFailedOutcome',
        timeout_state = doc -> 'roles' ->> 'timeoutState', timeout_outcome = doc -> 'roles' ->> 'timeoutOutcome',
        default_max_active = (doc -> 'roles' ->> 'defaultMaxActive')::integer,
        is_builtin = CASE WHEN builtin THEN 1 ELSE 0 END
    WHERE name = lifecycle_name;
END $$;
