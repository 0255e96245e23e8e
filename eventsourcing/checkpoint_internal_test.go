package eventsourcing

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

// countedSaves is a memory store that counts the checkpoints it saves.
type countedSaves struct {
	*memory.Store
	saves atomic.Int64
}

func (c *countedSaves) SaveCheckpoint(ctx context.Context, name string, cp store.Checkpoint) error {
	c.saves.Add(1)
	return c.Store.SaveCheckpoint(ctx, name, cp)
}

// TestRunner_saveCheckpointsSavesOnlyProgress: a saga's checkpoint is saved when the saga has
// moved on since the last save, and not again at every interval while it stands still (each
// save of the JSONL store writes and syncs a file).
func TestRunner_saveCheckpointsSavesOnlyProgress(t *testing.T) {
	ctx := context.Background()
	s := &countedSaves{Store: memory.New()}
	t.Cleanup(func() { _ = s.Close() })
	appendOne := func() store.Event {
		a, err := s.Append(ctx, "s", store.Any, store.EventData{Type: "T", Data: []byte(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		for e, err := range s.ReadAll(ctx, a.Position-1) {
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		t.Fatal("the event appended is not in the log")
		return store.Event{}
	}
	r := NewRunner(s)
	q := &processor{name: "saga", kind: KindSaga}
	r.procs = []*processor{q}
	for i, step := range []struct {
		advance   bool // the saga handles a new event first
		wantSaves int64
	}{{true, 1}, {false, 1}, {false, 1}, {true, 2}} {
		if step.advance {
			e := appendOne()
			r.advance(q, e.Position, e.ID, nil)
		}
		r.saveCheckpoints(ctx, s, []*processor{q}, false)
		if n := s.saves.Load(); n != step.wantSaves {
			t.Fatalf("step %d: %d saves, want %d", i, n, step.wantSaves)
		}
	}
	if c, err := s.Checkpoint(ctx, checkpointName(q)); err != nil || c.Position != 2 {
		t.Fatalf("checkpoint %+v, %v; want position 2", c, err)
	}
}
