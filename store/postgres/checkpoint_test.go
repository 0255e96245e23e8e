package postgres_test

import (
	"context"
	"testing"

	"github.com/eventgraph/eventgraph/store"
)

// Servers sharing a schema share checkpoints: a save never moves one back past events the
// log holds, and a checkpoint naming events the log does not hold is replaced by any save.
func TestStore_checkpointsAreSharedAndNeverGoBack(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	ids := appendThree(t, s)
	at := func(p, head int) store.Checkpoint {
		return store.Checkpoint{Position: store.Position(p), EventID: ids[p-1], Head: store.Position(head), HeadEventID: ids[head-1]}
	}
	steps := []struct {
		name string
		save store.Checkpoint
		want store.Checkpoint
	}{
		{"a first save", at(2, 3), at(2, 3)},
		{"a slower server's save", at(1, 3), at(2, 3)},
		{"a save further on", at(3, 3), at(3, 3)},
		{"a checkpoint of another log", store.Checkpoint{Position: 3, EventID: "other", Head: 3, HeadEventID: ids[2]}, at(3, 3)},
	}
	for _, st := range steps {
		if err := s.SaveCheckpoint(ctx, "saga:x", st.save); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if c, err := s.Checkpoint(ctx, "saga:x"); err != nil || c != st.want {
			t.Fatalf("after %s: %+v, %v; want %+v", st.name, c, err, st.want)
		}
	}

	// A checkpoint that does not match the log (as a restored backup leaves it) gives way
	// to the next save, even one further back.
	other := store.Checkpoint{Position: 3, EventID: "other", Head: 3, HeadEventID: ids[2]}
	if err := s.SaveCheckpoint(ctx, "saga:y", other); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveCheckpoint(ctx, "saga:y", at(1, 3)); err != nil {
		t.Fatal(err)
	}
	if c, err := s.Checkpoint(ctx, "saga:y"); err != nil || c != at(1, 3) {
		t.Fatalf("after a save over a checkpoint of another log: %+v, %v; want %+v", c, err, at(1, 3))
	}
}
