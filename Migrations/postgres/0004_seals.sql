-- Version 4: sealed history (as Migrations/sqlite/0013_seals.sql, which explains each column).
CREATE TABLE seals (
    id        bigint PRIMARY KEY,
    kind      text NOT NULL CHECK (kind IN ('seal', 'prune')),
    from_seq  bigint NOT NULL CHECK (from_seq >= 0),
    seq       bigint NOT NULL CHECK (seq >= from_seq),
    rows      bigint NOT NULL CHECK (rows >= 0),
    previous  text NOT NULL CHECK (length(previous) = 64),
    sha256    text NOT NULL CHECK (length(sha256) = 64),
    digests   text NOT NULL,
    at        bigint NOT NULL,
    actor     text
);
