-- The rules of the lifecycle tables: `lifecycles`, `lifecycle_states`,
-- `lifecycle_transitions` and `lifecycle_outcomes`. A lifecycle is defined by inserting
-- its row, then its states, transitions and outcomes, then setting its roles (UPDATE of
-- its row); from then on, a lifecycle that is built in or that a run uses never changes
-- (a change is a new lifecycle under a new name).

-- A lifecycle's name is new.
-- Tags: duplicate_lifecycle.
CREATE TRIGGER lifecycles_before_insert BEFORE INSERT ON lifecycles
BEGIN
    SELECT RAISE(ABORT, 'runledger:duplicate_lifecycle: a lifecycle with this name already exists')
    WHERE EXISTS (SELECT 1 FROM lifecycles WHERE name = NEW.name);
END;

-- Roles are set on a lifecycle not yet in use, and name its own states and outcomes.
-- Tags: lifecycle_in_use, no_such_state, bad_outcome.
CREATE TRIGGER lifecycles_before_update BEFORE UPDATE ON lifecycles
BEGIN
    SELECT CASE
        WHEN OLD.is_builtin = 1 OR NEW.name IS NOT OLD.name
          OR EXISTS (SELECT 1 FROM runs WHERE lifecycle = OLD.name) THEN
            RAISE(ABORT, 'runledger:lifecycle_in_use: a built-in lifecycle or one that a run uses cannot change')
        WHEN EXISTS (
            SELECT 1 FROM (
                SELECT NEW.skip_state AS role UNION ALL SELECT NEW.late_state UNION ALL SELECT NEW.crash_state
                UNION ALL SELECT NEW.retry_state UNION ALL SELECT NEW.blocked_state UNION ALL SELECT NEW.release_state
                UNION ALL SELECT NEW.upstream_failed_state UNION ALL SELECT NEW.timeout_state
            ) WHERE role IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM lifecycle_states WHERE lifecycle = NEW.name AND state = role)
        ) THEN
            RAISE(ABORT, 'runledger:no_such_state: a lifecycle''s role states must be its own states')
        WHEN EXISTS (
            SELECT 1 FROM (
                SELECT NEW.skip_outcome AS role_outcome UNION ALL SELECT NEW.upstream_failed_outcome
                UNION ALL SELECT NEW.timeout_outcome
            )
            WHERE role_outcome IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM lifecycle_outcomes WHERE lifecycle = NEW.name AND outcome = role_outcome)
        ) THEN
            RAISE(ABORT, 'runledger:bad_outcome: a lifecycle''s role outcomes must be its own outcomes')
    END;
END;

-- Tags: lifecycle_in_use.
CREATE TRIGGER lifecycles_before_delete BEFORE DELETE ON lifecycles
BEGIN
    SELECT RAISE(ABORT, 'runledger:lifecycle_in_use: a built-in lifecycle or one that a run uses cannot change')
    WHERE OLD.is_builtin = 1 OR EXISTS (SELECT 1 FROM runs WHERE lifecycle = OLD.name);
END;

-- A state joins an existing lifecycle not yet in use, once, with a canonical type.
-- Tags: no_such_lifecycle, lifecycle_in_use, duplicate_state, bad_value.
CREATE TRIGGER lifecycle_states_before_insert BEFORE INSERT ON lifecycle_states
BEGIN
    SELECT CASE
        WHEN NOT EXISTS (SELECT 1 FROM lifecycles WHERE name = NEW.lifecycle) THEN
            RAISE(ABORT, 'runledger:no_such_lifecycle: the lifecycle does not exist')
        WHEN EXISTS (SELECT 1 FROM lifecycles WHERE name = NEW.lifecycle AND is_builtin = 1)
          OR EXISTS (SELECT 1 FROM runs WHERE lifecycle = NEW.lifecycle) THEN
            RAISE(ABORT, 'runledger:lifecycle_in_use: a built-in lifecycle or one that a run uses cannot change')
        WHEN EXISTS (SELECT 1 FROM lifecycle_states WHERE lifecycle = NEW.lifecycle AND state = NEW.state) THEN
            RAISE(ABORT, 'runledger:duplicate_state: the lifecycle already has this state')
        WHEN NOT EXISTS (SELECT 1 FROM canonical_types WHERE name = NEW.canonical_type) THEN
            RAISE(ABORT, 'runledger:bad_value: canonical_type must be one of canonical_types.name')
    END;
END;

-- Tags: lifecycle_in_use.
CREATE TRIGGER lifecycle_states_before_update BEFORE UPDATE ON lifecycle_states
BEGIN
    SELECT RAISE(ABORT, 'runledger:lifecycle_in_use: a built-in lifecycle or one that a run uses cannot change')
    WHERE EXISTS (
        SELECT 1 FROM lifecycles
        WHERE name IN (OLD.lifecycle, NEW.lifecycle) AND is_builtin = 1
    ) OR EXISTS (SELECT 1 FROM runs WHERE lifecycle IN (OLD.lifecycle, NEW.lifecycle))
      OR NEW.lifecycle IS NOT OLD.lifecycle OR NEW.state IS NOT OLD.state;
END;

-- Tags: lifecycle_in_use.
CREATE TRIGGER lifecycle_states_before_delete BEFORE DELETE ON lifecycle_states
BEGIN
    SELECT RAISE(ABORT, 'runledger:lifecycle_in_use: a built-in lifecycle or one that a run uses cannot change')
    WHERE EXISTS (SELECT 1 FROM lifecycles WHERE name = OLD.lifecycle AND is_builtin = 1)
       OR EXISTS (SELECT 1 FROM runs WHERE lifecycle = OLD.lifecycle);
END;

-- A transition joins two states of an existing lifecycle not yet in use, once.
-- Tags: no_such_lifecycle, lifecycle_in_use, no_such_state, duplicate_transition.
CREATE TRIGGER lifecycle_transitions_before_insert BEFORE INSERT ON lifecycle_transitions
BEGIN
    SELECT CASE
        WHEN NOT EXISTS (SELECT 1 FROM lifecycles WHERE name = NEW.lifecycle) THEN
            RAISE(ABORT, 'runledger:no_such_lifecycle: the lifecycle does not exist')
        WHEN EXISTS (SELECT 1 FROM lifecycles WHERE name = NEW.lifecycle AND is_builtin = 1)
          OR EXISTS (SELECT 1 FROM runs WHERE lifecycle = NEW.lifecycle) THEN
            RAISE(ABORT, 'runledger:lifecycle_in_use: a built-in lifecycle or one that a run uses cannot change')
        WHEN NOT EXISTS (SELECT 1 FROM lifecycle_states WHERE lifecycle = NEW.lifecycle AND state = NEW.from_state)
          OR NOT EXISTS (SELECT 1 FROM lifecycle_states WHERE lifecycle = NEW.lifecycle AND state = NEW.to_state) THEN
            RAISE(ABORT, 'runledger:no_such_state: a transition must join two states of its lifecycle')
        WHEN EXISTS (
            SELECT 1 FROM lifecycle_transitions
            WHERE lifecycle = NEW.lifecycle AND from_state = NEW.from_state
              AND to_state = NEW.to_state AND action IS NEW.action
        ) THEN
            RAISE(ABORT, 'runledger:duplicate_transition: the lifecycle already has this transition')
    END;
END;

-- Tags: lifecycle_in_use.
CREATE TRIGGER lifecycle_transitions_before_update BEFORE UPDATE ON lifecycle_transitions
BEGIN
    SELECT RAISE(ABORT, 'runledger:lifecycle_in_use: a built-in lifecycle or one that a run uses cannot change')
    WHERE EXISTS (
        SELECT 1 FROM lifecycles
        WHERE name IN (OLD.lifecycle, NEW.lifecycle) AND is_builtin = 1
    ) OR EXISTS (SELECT 1 FROM runs WHERE lifecycle IN (OLD.lifecycle, NEW.lifecycle))
      OR NEW.lifecycle IS NOT OLD.lifecycle OR NEW.from_state IS NOT OLD.from_state
      OR NEW.to_state IS NOT OLD.to_state;
END;

-- Tags: lifecycle_in_use.
CREATE TRIGGER lifecycle_transitions_before_delete BEFORE DELETE ON lifecycle_transitions
BEGIN
    SELECT RAISE(ABORT, 'runledger:lifecycle_in_use: a built-in lifecycle or one that a run uses cannot change')
    WHERE EXISTS (SELECT 1 FROM lifecycles WHERE name = OLD.lifecycle AND is_builtin = 1)
       OR EXISTS (SELECT 1 FROM runs WHERE lifecycle = OLD.lifecycle);
END;

-- An outcome joins an existing lifecycle not yet in use, once, with a terminal canonical type.
-- Tags: no_such_lifecycle, lifecycle_in_use, duplicate_outcome, bad_value.
CREATE TRIGGER lifecycle_outcomes_before_insert BEFORE INSERT ON lifecycle_outcomes
BEGIN
    SELECT CASE
        WHEN NOT EXISTS (SELECT 1 FROM lifecycles WHERE name = NEW.lifecycle) THEN
            RAISE(ABORT, 'runledger:no_such_lifecycle: the lifecycle does not exist')
        WHEN EXISTS (SELECT 1 FROM lifecycles WHERE name = NEW.lifecycle AND is_builtin = 1)
          OR EXISTS (SELECT 1 FROM runs WHERE lifecycle = NEW.lifecycle) THEN
            RAISE(ABORT, 'runledger:lifecycle_in_use: a built-in lifecycle or one that a run uses cannot change')
        WHEN EXISTS (SELECT 1 FROM lifecycle_outcomes WHERE lifecycle = NEW.lifecycle AND outcome = NEW.outcome) THEN
            RAISE(ABORT, 'runledger:duplicate_outcome: the lifecycle already has this outcome')
        WHEN NOT EXISTS (SELECT 1 FROM canonical_types WHERE name = NEW.canonical_type AND is_terminal = 1) THEN
            RAISE(ABORT, 'runledger:bad_value: an outcome''s canonical_type must be a terminal canonical type')
    END;
END;

-- Tags: lifecycle_in_use.
CREATE TRIGGER lifecycle_outcomes_before_update BEFORE UPDATE ON lifecycle_outcomes
BEGIN
    SELECT RAISE(ABORT, 'runledger:lifecycle_in_use: a built-in lifecycle or one that a run uses cannot change')
    WHERE EXISTS (SELECT 1 FROM lifecycles WHERE name IN (OLD.lifecycle, NEW.lifecycle) AND is_builtin = 1)
       OR EXISTS (SELECT 1 FROM runs WHERE lifecycle IN (OLD.lifecycle, NEW.lifecycle))
       OR NEW.lifecycle IS NOT OLD.lifecycle OR NEW.outcome IS NOT OLD.outcome;
END;

-- Tags: lifecycle_in_use.
CREATE TRIGGER lifecycle_outcomes_before_delete BEFORE DELETE ON lifecycle_outcomes
BEGIN
    SELECT RAISE(ABORT, 'runledger:lifecycle_in_use: a built-in lifecycle or one that a run uses cannot change')
    WHERE EXISTS (SELECT 1 FROM lifecycles WHERE name = OLD.lifecycle AND is_builtin = 1)
       OR EXISTS (SELECT 1 FROM runs WHERE lifecycle = OLD.lifecycle);
END;
