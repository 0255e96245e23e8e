package eventsourcing_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/internal/clocktest"
	"github.com/eventgraph/eventgraph/store"
)

// observations records what a CommandObserver is told.
type observations struct {
	mu  sync.Mutex
	all []eventsourcing.CommandObservation
}

func (o *observations) observe(_ context.Context, c eventsourcing.CommandObservation) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.all = append(o.all, c)
}

func (o *observations) last(tb testing.TB) eventsourcing.CommandObservation {
	tb.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.all) == 0 {
		tb.Fatal("no command observed")
	}
	return o.all[len(o.all)-1]
}

func TestWithCommandObserver(t *testing.T) {
	obs := &observations{}
	h := newCounterHandler(newStore(t), eventsourcing.WithCommandObserver(obs.observe))
	ctx := context.Background()

	tests := []struct {
		name      string
		cmd       counterCmd
		meta      eventsourcing.Meta
		wantType  string
		wantErr   error
		duplicate bool
	}{
		{name: "an accepted command", cmd: createCounter{ID: "a"}, meta: eventsourcing.Meta{CommandID: "c1"}, wantType: "createCounter"},
		{name: "a repeated command id", cmd: createCounter{ID: "a"}, meta: eventsourcing.Meta{CommandID: "c1"}, wantType: "createCounter", duplicate: true},
		{name: "a rejected command", cmd: createCounter{ID: "a"}, wantType: "createCounter", wantErr: decider.ErrAlreadyExists},
		{name: "a command on a missing entity", cmd: addToCounter{ID: "b", N: 1}, wantType: "addToCounter", wantErr: decider.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.Handle(ctx, tt.cmd, tt.meta)
			got := obs.last(t)
			if got.Type != tt.wantType || got.Stream != tt.cmd.stream() || got.Duplicate != tt.duplicate {
				t.Errorf("observed %+v, want type %s, stream %s, duplicate %v", got, tt.wantType, tt.cmd.stream(), tt.duplicate)
			}
			if !errors.Is(got.Err, tt.wantErr) || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (got.Err == nil) {
				t.Errorf("observed error %v (Handle returned %v), want %v", got.Err, err, tt.wantErr)
			}
			if !clocktest.Measured(got.Duration) {
				t.Errorf("duration %v, want one measured", got.Duration)
			}
		})
	}
	if n := len(obs.all); n != len(tests) {
		t.Errorf("%d observations, want one per command (%d)", n, len(tests))
	}
}

// TestWithCommandObserver_ids: the observer is told the ids the command ran under, as its
// events carry them: the caller's, or those the handler filled in, so that it can tell a
// saga's commands from a client's (IsSagaCommandID) and trace a flow.
func TestWithCommandObserver_ids(t *testing.T) {
	obs := &observations{}
	h := newCounterHandler(newStore(t), eventsourcing.WithCommandObserver(obs.observe))
	ctx := context.Background()

	saga := eventsourcing.SagaCommandID("mirror", "e1", 0)
	res, err := h.Handle(ctx, createCounter{ID: "a"}, eventsourcing.Meta{CommandID: saga, CorrelationID: "flow", CausationID: "e1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := obs.last(t); got.CommandID != saga || got.CorrelationID != "flow" || got.CausationID != "e1" || !eventsourcing.IsSagaCommandID(got.CommandID) {
		t.Errorf("observed ids %q %q %q, want the caller's %q flow e1", got.CommandID, got.CorrelationID, got.CausationID, saga)
	}

	res, err = h.Handle(ctx, addToCounter{ID: "a", N: 1}, eventsourcing.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	got := obs.last(t)
	written := res.Events[0].Metadata
	if got.CommandID == "" || got.CommandID != written[eventsourcing.MetadataCommandID] ||
		got.CorrelationID != got.CommandID || got.CausationID != got.CommandID {
		t.Errorf("observed ids %q %q %q for a command without ids, want the one written (%q) for all three",
			got.CommandID, got.CorrelationID, got.CausationID, written[eventsourcing.MetadataCommandID])
	}

	// Refused before an id was made: none to tell.
	bad := store.Version(-5)
	if _, err := h.Handle(ctx, addToCounter{ID: "a", N: 1}, eventsourcing.Meta{ExpectedVersion: &bad}); err == nil {
		t.Fatal("an invalid expected version was accepted")
	}
	if got := obs.last(t); got.CommandID != "" || got.Err == nil {
		t.Errorf("observed %+v for a command refused before its id was made, want no id and the error", got)
	}
}

// TestWithCommandObserver_idsOfADuplicate: a repeated command id is observed with the ids
// its result's events carry, the first use's, not those the repeat was sent with.
func TestWithCommandObserver_idsOfADuplicate(t *testing.T) {
	obs := &observations{}
	h := newCounterHandler(newStore(t), eventsourcing.WithCommandObserver(obs.observe))
	ctx := context.Background()
	if _, err := h.Handle(ctx, createCounter{ID: "a"}, eventsourcing.Meta{CommandID: "c1", CorrelationID: "flow", CausationID: "e1"}); err != nil {
		t.Fatal(err)
	}
	res, err := h.Handle(ctx, createCounter{ID: "a"}, eventsourcing.Meta{CommandID: "c1"})
	if err != nil || !res.Duplicate {
		t.Fatalf("repeat: %+v, %v; want a duplicate", res, err)
	}
	if got := obs.last(t); got.CommandID != "c1" || got.CorrelationID != "flow" || got.CausationID != "e1" {
		t.Errorf("observed ids %q %q %q for the duplicate, want those of its events: c1 flow e1", got.CommandID, got.CorrelationID, got.CausationID)
	}
}

func TestCommandType(t *testing.T) {
	tests := []struct {
		cmd  any
		want string
	}{
		{createCounter{ID: "a"}, "createCounter"},
		{&createCounter{ID: "a"}, "createCounter"},
		{nil, "nil"},
		{struct{ X int }{}, "struct { X int }"},
	}
	for _, tt := range tests {
		if got := eventsourcing.CommandType(tt.cmd); got != tt.want {
			t.Errorf("CommandType(%#v) = %q, want %q", tt.cmd, got, tt.want)
		}
	}
}
