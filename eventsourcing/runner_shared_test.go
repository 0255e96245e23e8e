package eventsourcing_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// statesSavedMeanwhile is a JSONL store whose states move on between a Runner's read of the
// head and its read of the states, as when another server sharing them (on one PostgreSQL
// schema) appends and saves in that moment: its first read of the states appends an event
// and saves the states of the "a" idsProjection at it first.
type statesSavedMeanwhile struct {
	*jsonl.Store
	once sync.Once
	err  error
}

func (s *statesSavedMeanwhile) ProjectionStates(ctx context.Context) (store.ProjectionStates, bool, error) {
	s.once.Do(func() { s.err = s.saveAhead(ctx) })
	if s.err != nil {
		return store.ProjectionStates{}, false, s.err
	}
	return s.Store.ProjectionStates(ctx)
}

func (s *statesSavedMeanwhile) saveAhead(ctx context.Context) error {
	if _, err := s.Append(ctx, "c", store.Any, store.EventData{Type: "T", Data: []byte(`{}`)}); err != nil {
		return err
	}
	var ids []string
	var last store.Event
	for e, err := range s.ReadAll(ctx, 0) {
		if err != nil {
			return err
		}
		ids, last = append(ids, e.ID), e
	}
	b, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	return s.SaveProjectionStates(ctx, store.ProjectionStates{
		Position: last.Position, EventID: last.ID, Head: last.Position, HeadEventID: last.ID,
		States: []store.ProjectionState{{Name: "a", Revision: "1", Data: append(b, '\n')}},
	})
}

// States another server saved after the Runner read the log's head are loaded, not
// refused as beyond the head and replayed over.
func TestRunner_statesSavedAfterTheHeadWasRead(t *testing.T) {
	s := openJSONL(t, t.TempDir())
	appendN(t, s, "a", 10)
	p := &idsProjection{name: "a", rev: "1"}
	shared := &statesSavedMeanwhile{Store: s}
	logs := runUntilHead(t, shared, nil, p)
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	if _, applied := p.state(); applied != 0 || !strings.Contains(logs, "projections resume from their saved states") {
		t.Errorf("states one event past the head read at start: %d events applied, want none (the states hold them all)\n%s", applied, logs)
	}
}

// checkpointSavedMeanwhile is a store whose saga checkpoint moves on between a Runner's read
// of the head and its read of the checkpoint, as when another server sharing the checkpoints
// (one PostgreSQL schema) appends and saves in that moment: its first read of a checkpoint
// appends an event the saga ignores and saves the checkpoint at it first.
type checkpointSavedMeanwhile struct {
	store.Store
	once sync.Once
	err  error
}

func (s *checkpointSavedMeanwhile) Checkpoint(ctx context.Context, name string) (store.Checkpoint, error) {
	cp := s.Store.(store.Checkpointer)
	s.once.Do(func() {
		a, err := s.Append(ctx, "elsewhere", store.Any, store.EventData{Type: "Unrelated", Data: []byte(`{}`)})
		if err != nil {
			s.err = err
			return
		}
		var last store.Event
		for e, err := range s.ReadAll(ctx, a.Position-1) {
			if err != nil {
				s.err = err
				return
			}
			last = e
		}
		s.err = cp.SaveCheckpoint(ctx, name, store.Checkpoint{Position: last.Position, EventID: last.ID, Head: last.Position, HeadEventID: last.ID})
	})
	if s.err != nil {
		return store.Checkpoint{}, s.err
	}
	return cp.Checkpoint(ctx, name)
}

func (s *checkpointSavedMeanwhile) SaveCheckpoint(ctx context.Context, name string, c store.Checkpoint) error {
	return s.Store.(store.Checkpointer).SaveCheckpoint(ctx, name, c)
}

// A saga checkpoint another server saved after the Runner read the log's head is resumed
// from, not refused as beyond the head and the log read again from its start.
func TestRunner_checkpointSavedAfterTheHeadWasRead(t *testing.T) {
	base := newStore(t)
	h := newCounterHandler(base)
	last := createTwo(t, h)
	first := eventsourcing.NewRunner(base)
	first.AddSaga(eventsourcing.NewSaga("mirror", mirrorSaga(), counterCodec{}, h.Handle, fastBackoff))
	runUntilStopped(t, first, last+2) // the mirrors of a and b

	s := &checkpointSavedMeanwhile{Store: base}
	log, logs := quietLogger()
	var dispatched atomic.Int64
	next := eventsourcing.NewRunner(s, eventsourcing.WithRunnerLogger(log))
	next.AddSaga(eventsourcing.NewSaga("mirror", mirrorSaga(), counterCodec{}, countingDispatch(&dispatched, newCounterHandler(s).Handle), fastBackoff))
	runUntilStopped(t, next, last+3)
	if s.err != nil {
		t.Fatal(s.err)
	}
	if !strings.Contains(logs.String(), "saga resumes after its checkpoint") || dispatched.Load() != 0 {
		t.Errorf("a checkpoint one event past the head read at start: %d commands dispatched again, want none, and the saga resumed from it:\n%s", dispatched.Load(), logs)
	}
}
