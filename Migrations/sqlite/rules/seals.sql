-- The rules of `seals`: the chain of seals over the history (Ledger.seal). Append-only, and
-- each new seal continues the chain: it comes after every other, folds in the latest seal's
-- sha256 (64 zeros for the first), and covers the rows after the latest seal's seq (a plain
-- seal) or every row from the first (a prune's seal), up to a seq no lower than the latest
-- seal's and no higher than the newest history row's. The rules cannot check the sha256
-- itself (SQLite has no SHA-256 function): `verify --seals` recomputes it.

-- An explicit id must come after every other (SQLite 3.40 passes -1 for an id left out;
-- see the quote in runs.sql).
-- Tags: history_order.
CREATE TRIGGER seals_before_insert BEFORE INSERT ON seals
BEGIN
    SELECT CASE
        WHEN NEW.id IS NOT NULL AND NEW.id <> -1 AND NEW.id <= (SELECT ifnull(max(id), 0) FROM seals) THEN
            RAISE(ABORT, 'runledger:history_order: a new seal must come after every other')
        WHEN NEW.previous IS NOT (SELECT ifnull((SELECT sha256 FROM seals ORDER BY id DESC LIMIT 1),
                                                '0000000000000000000000000000000000000000000000000000000000000000')) THEN
            RAISE(ABORT, 'runledger:history_order: a new seal must fold in the latest seal')
        WHEN NEW.from_seq IS NOT (CASE NEW.kind WHEN 'prune' THEN 0
                                  ELSE (SELECT ifnull((SELECT seq FROM seals ORDER BY id DESC LIMIT 1), 0)) END) THEN
            RAISE(ABORT, 'runledger:history_order: a seal covers the rows after the latest seal, a prune''s seal every row')
        WHEN NEW.seq < (SELECT ifnull(max(seq), 0) FROM seals)
             OR NEW.seq > (SELECT ifnull(max(seq), 0) FROM state_changes) THEN
            RAISE(ABORT, 'runledger:history_order: a new seal must end between the latest seal and the newest history row')
    END;
END;

-- Tags: append_only.
CREATE TRIGGER seals_before_update BEFORE UPDATE ON seals
BEGIN
    SELECT RAISE(ABORT, 'runledger:append_only: seals cannot be changed');
END;

-- Tags: append_only.
CREATE TRIGGER seals_before_delete BEFORE DELETE ON seals
BEGIN
    SELECT RAISE(ABORT, 'runledger:append_only: seals cannot be deleted');
END;
