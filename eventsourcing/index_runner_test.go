package eventsourcing_test

import (
	"context"
	"fmt"
	"iter"
	"sync/atomic"
	"testing"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

// logReads counts the events ReadAll yields.
type logReads struct {
	store.Store
	n atomic.Int64
}

func (c *logReads) ReadAll(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		for e, err := range c.Store.ReadAll(ctx, after) {
			c.n.Add(1)
			if !yield(e, err) {
				return
			}
		}
	}
}

// TestCommandIndex_followsTheLogAsAProjection: an index that a Runner feeds with the read
// models has the log indexed once they caught up, so that its first lookup after a restart
// reads no event of the log (it read the whole log, every other lookup waiting).
func TestCommandIndex_followsTheLogAsAProjection(t *testing.T) {
	ctx := t.Context()
	mem := memory.New()
	t.Cleanup(func() { _ = mem.Close() })
	const commands = 300
	for i := range commands {
		meta := map[string]string{eventsourcing.MetadataCommandID: fmt.Sprint("c-", i)}
		batch := []store.EventData{{Type: "T", Data: []byte(`{}`), Metadata: meta}}
		if i%3 == 0 { // some commands write two events
			batch = append(batch, store.EventData{Type: "T", Data: []byte(`{}`), Metadata: meta})
		}
		if _, err := mem.Append(ctx, fmt.Sprint("s-", i%7), store.Any, batch...); err != nil {
			t.Fatal(err)
		}
	}

	// A restart: a new index over the log, fed by a Runner.
	st := &logReads{Store: mem}
	x := eventsourcing.NewCommandIndex(st)
	r := eventsourcing.NewRunner(st)
	r.AddProjection(x)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- r.Run(runCtx) }()
	t.Cleanup(func() { cancel(); <-done })
	if err := r.CaughtUp(ctx); err != nil {
		t.Fatal(err)
	}
	before := st.n.Load()
	for i := range commands {
		rec, ok, err := x.Lookup(ctx, fmt.Sprint("c-", i))
		if err != nil || !ok || rec.StreamID != fmt.Sprint("s-", i%7) {
			t.Fatalf("Lookup(c-%d) = %+v, %v, %v; want a command on s-%d", i, rec, ok, err, i%7)
		}
		events := store.Version(1)
		if i%3 == 0 {
			events = 2
		}
		if got := rec.LastVersion - rec.FirstVersion + 1; got != events {
			t.Errorf("Lookup(c-%d): %d events, want %d", i, got, events)
		}
	}
	if n := st.n.Load() - before; n != 0 {
		t.Errorf("the lookups read %d events of the log, want none: the Runner indexed them", n)
	}
	if _, ok, err := x.Lookup(ctx, "c-none"); ok || err != nil {
		t.Errorf("Lookup(c-none) = %v, %v; want not found", ok, err)
	}
}

// TestCommandIndex_ApplyIndexesOnlyTheNextEvent: Apply ignores the events it is given while a
// lookup's catch-up runs, so an event it is given later may not be the one after those
// indexed. Indexed, it would mark the events between indexed too, and their commands would
// never be found: a repeat of one would be written again.
func TestCommandIndex_ApplyIndexesOnlyTheNextEvent(t *testing.T) {
	ctx := t.Context()
	s := newStore(t)
	for _, id := range []string{"c-1", "c-2"} {
		meta := map[string]string{eventsourcing.MetadataCommandID: id}
		if _, err := s.Append(ctx, "s-"+id, store.NoStream, store.EventData{Type: "T", Data: []byte(`{}`), Metadata: meta}); err != nil {
			t.Fatal(err)
		}
	}
	events := readAll(t, s)
	x := eventsourcing.NewCommandIndex(s)
	if err := x.Apply(events[1]); err != nil { // event 1 was not given: ignored while a catch-up ran
		t.Fatal(err)
	}
	for _, id := range []string{"c-1", "c-2"} {
		if rec, ok, err := x.Lookup(ctx, id); err != nil || !ok || rec.StreamID != "s-"+id {
			t.Errorf("Lookup(%s) = %+v, %v, %v; want its command on s-%s", id, rec, ok, err, id)
		}
	}
}
