-- The rules of `retention_policies`: a job's stored retention, which `prune --policy`
-- applies. Its ages are a JSON object whose keys are terminal canonical types or '*' (the
-- other types) and whose values are whole seconds, 0 or more.

-- Tags: bad_value.
CREATE TRIGGER retention_policies_before_insert BEFORE INSERT ON retention_policies
WHEN json_type(NEW.max_age_seconds) IS NOT 'object' OR EXISTS (
    SELECT 1 FROM json_each(NEW.max_age_seconds)
    WHERE (key <> '*' AND key NOT IN (SELECT name FROM canonical_types WHERE is_terminal = 1))
       OR type <> 'integer' OR value < 0
)
BEGIN
    SELECT RAISE(ABORT, 'runledger:bad_value: max_age_seconds maps terminal canonical types or * to whole seconds');
END;

-- Tags: bad_value.
CREATE TRIGGER retention_policies_before_update BEFORE UPDATE ON retention_policies
WHEN json_type(NEW.max_age_seconds) IS NOT 'object' OR EXISTS (
    SELECT 1 FROM json_each(NEW.max_age_seconds)
    WHERE (key <> '*' AND key NOT IN (SELECT name FROM canonical_types WHERE is_terminal = 1))
       OR type <> 'integer' OR value < 0
)
BEGIN
    SELECT RAISE(ABORT, 'runledger:bad_value: max_age_seconds maps terminal canonical types or * to whole seconds');
END;
