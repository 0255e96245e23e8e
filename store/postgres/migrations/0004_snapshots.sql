-- The latest snapshot of each stream's folded state, for store.Snapshotter: the version it
-- reflects, the id of the stream's event there, the revision its writer named, and the
-- state. Every column holds the caller's bytes exactly: ids and revisions may hold NUL,
-- which text cannot, and the state keeps its spacing and key order, which jsonb would not.
-- A save keeps the row when it is of the same revision and further on (see SaveSnapshot).
CREATE TABLE snapshots (
    stream   bytea  PRIMARY KEY,
    version  bigint NOT NULL,
    event_id bytea  NOT NULL,
    revision bytea  NOT NULL,
    state    bytea  NOT NULL
);
