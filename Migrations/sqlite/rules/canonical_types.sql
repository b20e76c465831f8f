-- The rules of `canonical_types`: the fixed set of types every state maps to, so that
-- stats compare across lifecycles. No client adds, changes or removes one.

-- Tags: immutable_definition.
CREATE TRIGGER canonical_types_before_insert BEFORE INSERT ON canonical_types
BEGIN
    SELECT RAISE(ABORT, 'runledger:immutable_definition: canonical types are fixed');
END;

-- Tags: immutable_definition.
CREATE TRIGGER canonical_types_before_update BEFORE UPDATE ON canonical_types
BEGIN
    SELECT RAISE(ABORT, 'runledger:immutable_definition: canonical types are fixed');
END;

-- Tags: immutable_definition.
CREATE TRIGGER canonical_types_before_delete BEFORE DELETE ON canonical_types
BEGIN
    SELECT RAISE(ABORT, 'runledger:immutable_definition: canonical types are fixed');
END;
