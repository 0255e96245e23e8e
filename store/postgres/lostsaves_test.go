package postgres_test

import (
	"errors"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/postgres"
)

// A store that failed because the log lost events saves no checkpoint and no snapshot: a
// saga's checkpoint or a handler's state is what it derived from the log as it was, lost
// events included. Saved, a checkpoint at a lost position sent every server that started
// after the failover back to the log's start (the drill's "saga checkpoint beyond the log's
// head"), and once the log grows past it again, it is a position other events hold.
func TestStore_failedSavesNoCheckpointNorSnapshot(t *testing.T) {
	s, url := open(t)
	appendN(t, s, 5)
	events := readAllEvents(t, s)
	last := events[len(events)-1]
	loseEvents(t, url, s, 2)
	appendN(t, s, 1) // finds the loss: the store fails
	if err := s.Failed(); !errors.Is(err, postgres.ErrFailed) {
		t.Fatalf("Failed() = %v after the log lost events, want ErrFailed", err)
	}

	cp := store.Checkpoint{Position: last.Position, EventID: last.ID, Head: last.Position, HeadEventID: last.ID}
	if err := s.SaveCheckpoint(t.Context(), "saga", cp); !errors.Is(err, postgres.ErrFailed) {
		t.Errorf("SaveCheckpoint on a failed store: %v, want ErrFailed", err)
	}
	if got, err := s.Checkpoint(t.Context(), "saga"); err != nil || got != (store.Checkpoint{}) {
		t.Errorf("Checkpoint = %+v, %v; want none saved", got, err)
	}

	snap := store.Snapshot{Version: last.Version, EventID: last.ID, Revision: "r1", State: []byte(`{}`)}
	if err := s.SaveSnapshot(t.Context(), last.StreamID, snap); !errors.Is(err, postgres.ErrFailed) {
		t.Errorf("SaveSnapshot on a failed store: %v, want ErrFailed", err)
	}
	if got, ok, err := s.Snapshot(t.Context(), last.StreamID); err != nil || ok {
		t.Errorf("Snapshot = %+v, %v, %v; want none saved", got, ok, err)
	}
}
