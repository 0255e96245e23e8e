-- The events of each type in position order, for ReadAllTypes (store.TypeReader): a type
-- that is rare in a long log is then read from the index instead of by passing over every
-- event after the position. It costs each append one more index entry per event. On a big
-- existing table the index is built when this migration runs, with appends held back
-- meanwhile.
CREATE INDEX events_type_position ON events (type, position);
