-- The events of each type in position order, for ReadAllTypes (store.TypeReader): a type
-- that is rare in a long log is then read from the index instead of by passing over every
-- event after the position. The index holds the type's MD5, not the type: a B-tree entry
-- is limited to about 2.7 kB, and an event type may be longer (the queries compare the
-- type itself too). It costs each append one more index entry per event. On a big
-- existing table the index is built when this migration runs, with appends held back
-- meanwhile.
CREATE INDEX events_type_position ON events (md5(type), position);
