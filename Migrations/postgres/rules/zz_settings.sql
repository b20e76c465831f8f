-- Installed last (its name sorts after every other rules file): every function of the
-- ledger's schema runs with a fixed search_path, the schema the rules were installed in
-- (current_schema() while they are: a ledger may live in any schema), then pg_catalog, then
-- pg_temp. The trigger functions that write tables other than their row's own are SECURITY
-- DEFINER (they run with their owner's rights, so that a client needs no right on the
-- tables they write); such a function must not resolve names through a search_path the
-- caller chooses, and pg_temp comes last so that a temporary table named like a ledger
-- table cannot stand in for it.
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure FROM pg_proc AS p
        WHERE p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = %I, pg_catalog, pg_temp', f, current_schema());
    END LOOP;
END $$;
