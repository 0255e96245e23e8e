-- The read models' in-memory states, for store.StateKeeper: one set, in one row (id 1),
-- saved whole by one statement: the position the states reflect and the id of the event
-- there, the log's head when they were saved and the id of the event there, and each
-- projection's name, revision and state, in the arrays' order. Every column holds the
-- caller's bytes exactly. Several servers on one schema share the set, as their read models
-- fold the same log: a save keeps the set further on (see SaveProjectionStates).
CREATE TABLE projection_states (
    id            smallint PRIMARY KEY CHECK (id = 1),
    position      bigint   NOT NULL,
    event_id      bytea    NOT NULL,
    head          bigint   NOT NULL,
    head_event_id bytea    NOT NULL,
    names         bytea[]  NOT NULL,
    revisions     bytea[]  NOT NULL,
    states        bytea[]  NOT NULL
);
