-- The event log: one row per event, in position order.
CREATE TABLE events (
    position  bigint      PRIMARY KEY,
    stream_id bytea       NOT NULL, -- any string, byte for byte (text cannot hold NUL)
    version   bigint      NOT NULL,
    id        bytea       NOT NULL,
    type      bytea       NOT NULL,
    time      timestamptz NOT NULL,
    data      bytea       NOT NULL, -- the JSON value, compacted, byte for byte
    metadata  bytea       NOT NULL, -- a JSON object of strings
    UNIQUE (stream_id, version)
);

-- The current version of every stream.
CREATE TABLE streams (
    stream_id bytea  PRIMARY KEY,
    version   bigint NOT NULL
);

-- One row: the position of the last committed event. Every append locks it for the rest of
-- its transaction, which serialises position assignment in commit order (see doc.go).
CREATE TABLE log_head (
    one      boolean PRIMARY KEY DEFAULT true CHECK (one),
    position bigint  NOT NULL
);
INSERT INTO log_head (one, position) VALUES (true, 0);
