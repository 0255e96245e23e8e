-- How far each named reader of the log (a saga) has handled it, for store.Checkpointer: the
-- position it handled up to and the id of the event there, and the log's head when it saved
-- and the id of the event there. Several servers on one schema share them: an event one
-- server's saga handled counts as handled, so a save keeps the checkpoint further on (see
-- SaveCheckpoint).
CREATE TABLE checkpoints (
    name          text   PRIMARY KEY,
    position      bigint NOT NULL,
    event_id      bytea  NOT NULL,
    head          bigint NOT NULL,
    head_event_id bytea  NOT NULL
);
