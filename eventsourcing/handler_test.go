package eventsourcing_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/internal/syncbuf"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

func TestHandler_Handle(t *testing.T) {
	t.Run("appends the decided events with metadata and returns them as stored", func(t *testing.T) {
		s := newStore(t)
		h := newCounterHandler(s)
		mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{})
		res := mustHandle(t, h, addToCounter{ID: "a", N: 2}, eventsourcing.Meta{
			CommandID: "cmd-1", CorrelationID: "corr-1", CausationID: "cause-1",
		})
		stored := readStream(t, s, "counter-a")
		if len(stored) != 3 {
			t.Fatalf("stream has %d events, want 3", len(stored))
		}
		want := eventsourcing.Result{StreamID: "counter-a", Version: 3, Position: 3, Events: stored[1:]}
		if !reflect.DeepEqual(res, want) {
			t.Fatalf("got %+v\nwant %+v", res, want)
		}
		hash, err := eventsourcing.Fingerprint(addToCounter{ID: "a", N: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range res.Events {
			wantMeta := map[string]string{"commandId": "cmd-1", "correlationId": "corr-1", "causationId": "cause-1", "commandHash": hash}
			if !reflect.DeepEqual(e.Metadata, wantMeta) {
				t.Errorf("metadata %v, want %v", e.Metadata, wantMeta)
			}
		}
	})

	t.Run("without ids it generates a command id and uses it as correlation and causation", func(t *testing.T) {
		s := newStore(t)
		h := newCounterHandler(s)
		r1 := mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{})
		r2 := mustHandle(t, h, createCounter{ID: "b"}, eventsourcing.Meta{})
		m1, m2 := r1.Events[0].Metadata, r2.Events[0].Metadata
		if m1["commandId"] == "" || m1["commandId"] == m2["commandId"] {
			t.Fatalf("command ids %q and %q: want distinct generated ids", m1["commandId"], m2["commandId"])
		}
		if m1["correlationId"] != m1["commandId"] || m1["causationId"] != m1["commandId"] {
			t.Fatalf("metadata %v: want correlation and causation equal to the command id", m1)
		}
	})

	t.Run("Meta.Metadata is written on every event beside the handler's own keys", func(t *testing.T) {
		s := newStore(t)
		h := newCounterHandler(s)
		mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{})
		extra := map[string]string{"tenant": "t-1", "userId": "ada"}
		res := mustHandle(t, h, addToCounter{ID: "a", N: 2}, eventsourcing.Meta{CommandID: "cmd-1", Metadata: extra})
		if len(res.Events) != 2 {
			t.Fatalf("%d events, want 2", len(res.Events))
		}
		for _, e := range readStream(t, s, "counter-a")[1:] {
			if e.Metadata["tenant"] != "t-1" || e.Metadata["userId"] != "ada" || e.Metadata["commandId"] != "cmd-1" || e.Metadata["commandHash"] == "" || len(e.Metadata) != 6 {
				t.Errorf("metadata %v, want tenant, userId and the handler's four keys", e.Metadata)
			}
		}
		if len(extra) != 2 {
			t.Errorf("the caller's map was changed: %v", extra)
		}
		// Not part of the command's identity: a repeat with other metadata is a duplicate.
		dup, err := h.Handle(t.Context(), addToCounter{ID: "a", N: 2}, eventsourcing.Meta{CommandID: "cmd-1", Metadata: map[string]string{"tenant": "t-2"}})
		if err != nil || !dup.Duplicate || dup.Events[0].Metadata["tenant"] != "t-1" {
			t.Errorf("repeat with other metadata = %+v, %v; want the first result, a duplicate", dup, err)
		}
	})

	t.Run("Meta.Metadata may not hold the handler's own keys", func(t *testing.T) {
		s := newStore(t)
		h := newCounterHandler(s)
		for _, key := range []string{"commandId", "correlationId", "causationId", "commandHash"} {
			_, err := h.Handle(t.Context(), createCounter{ID: "a"}, eventsourcing.Meta{Metadata: map[string]string{key: "x"}})
			if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), key) {
				t.Errorf("Metadata holding %s: %v; want ErrInvalid naming it", key, err)
			}
		}
		if n := len(readAll(t, s)); n != 0 {
			t.Fatalf("log has %d events, want none", n)
		}
	})

	t.Run("a decision without events writes nothing and reports the current version", func(t *testing.T) {
		s := newStore(t)
		h := newCounterHandler(s)
		mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{})
		res := mustHandle(t, h, addToCounter{ID: "a", N: 0}, eventsourcing.Meta{})
		want := eventsourcing.Result{StreamID: "counter-a", Version: 1, Position: 1, Events: []store.Event{}}
		if !reflect.DeepEqual(res, want) {
			t.Fatalf("got %+v, want %+v", res, want)
		}
		if n := len(readAll(t, s)); n != 1 {
			t.Fatalf("log has %d events, want 1", n)
		}
	})
}

func TestHandler_Handle_errorOrder(t *testing.T) {
	// Stream counter-a exists at version 1; counter-none does not exist.
	tests := []struct {
		name     string
		cmd      counterCmd
		expected *store.Version
		wantIs   error
	}{
		{"invalid input beats a version conflict", addToCounter{ID: "a", N: -1}, version(7), decider.ErrInvalid},
		{"not found beats a version conflict", addToCounter{ID: "none", N: 1}, version(7), decider.ErrNotFound},
		{"a version conflict beats already exists", createCounter{ID: "a"}, version(7), store.ErrConflict},
		{"a version conflict beats other rules", addToCounter{ID: "a", N: 5000}, version(0), store.ErrConflict},
		{"a version conflict on an accepted command", addToCounter{ID: "a", N: 1}, version(2), store.ErrConflict},
		{"already exists with the right version", createCounter{ID: "a"}, version(1), decider.ErrAlreadyExists},
		{"other rules with the right version", addToCounter{ID: "a", N: 5000}, version(1), errTooBig},
		{"already exists without a version", createCounter{ID: "a"}, nil, decider.ErrAlreadyExists},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			h := newCounterHandler(s)
			mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{})
			_, err := h.Handle(context.Background(), tt.cmd, eventsourcing.Meta{ExpectedVersion: tt.expected})
			if !errors.Is(err, tt.wantIs) {
				t.Fatalf("got error %v, want one wrapping %v", err, tt.wantIs)
			}
			if errors.Is(tt.wantIs, store.ErrConflict) {
				var ce *store.ConflictError
				if !errors.As(err, &ce) || ce.Expected != *tt.expected || ce.Actual != 1 {
					t.Fatalf("got %#v, want a *store.ConflictError expected %d actual 1", err, *tt.expected)
				}
			}
			if n := len(readAll(t, s)); n != 1 {
				t.Fatalf("log has %d events, want 1 (nothing written)", n)
			}
		})
	}
}

func TestHandler_Handle_badInput(t *testing.T) {
	s := newStore(t)
	t.Run("a command without a stream", func(t *testing.T) {
		agg := counterAggregate()
		agg.Stream = func(counterCmd) string { return "" }
		_, err := eventsourcing.NewHandler(s, agg).Handle(context.Background(), createCounter{ID: "a"}, eventsourcing.Meta{})
		if !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("got %v, want store.ErrInvalid", err)
		}
	})
	t.Run("a command that cannot be fingerprinted", func(t *testing.T) {
		h := eventsourcing.NewHandler(s, eventsourcing.Aggregate[any, counterState, counterEvent]{
			Decider: decider.Decider[any, counterState, counterEvent]{
				Decide: func(any, counterState) ([]counterEvent, error) { return nil, nil },
				Evolve: func(s counterState, _ counterEvent) counterState { return s },
			},
			Codec:  counterCodec{},
			Stream: func(any) string { return "x" },
		})
		if _, err := h.Handle(context.Background(), make(chan int), eventsourcing.Meta{}); err == nil {
			t.Fatal("got nil error for a command JSON cannot encode")
		}
	})
	t.Run("an event the codec cannot encode", func(t *testing.T) {
		agg := counterAggregate()
		agg.Codec = failingEncodeCodec{}
		_, err := eventsourcing.NewHandler(s, agg).Handle(context.Background(), createCounter{ID: "a"}, eventsourcing.Meta{})
		if !errors.Is(err, errFault) {
			t.Fatalf("got %v, want the codec's error", err)
		}
	})
	t.Run("an event over the store's size limit", func(t *testing.T) {
		// The store's refusal is the command's fault: no *StoreError, which a caller may
		// report as the store failing, and not transient.
		small := memory.New(memory.WithMaxEventSize(16))
		t.Cleanup(func() { _ = small.Close() })
		_, err := newCounterHandler(small).Handle(context.Background(), createCounter{ID: "a"}, eventsourcing.Meta{})
		if _, isStore := errors.AsType[*eventsourcing.StoreError](err); !errors.Is(err, store.ErrInvalid) || isStore || eventsourcing.IsTransient(err) {
			t.Fatalf("got %v (a *StoreError: %v), want store.ErrInvalid, no *StoreError, not transient", err, isStore)
		}
		if n := len(readAll(t, small)); n != 0 {
			t.Fatalf("log has %d events, want none", n)
		}
	})
	for _, v := range []store.Version{store.StreamExists - 1, -100} {
		t.Run(fmt.Sprintf("expected version %d", v), func(t *testing.T) {
			// Invalid input, not a conflict: no stream ever has such a version.
			_, err := eventsourcing.NewHandler(s, counterAggregate()).Handle(context.Background(), createCounter{ID: "a"}, eventsourcing.Meta{ExpectedVersion: &v})
			if !errors.Is(err, store.ErrInvalid) || errors.Is(err, store.ErrConflict) {
				t.Fatalf("got %v, want store.ErrInvalid and no conflict", err)
			}
		})
	}
	if n := len(readAll(t, s)); n != 0 {
		t.Fatalf("log has %d events, want none", n)
	}
}

func TestNewHandler_panicsOnAMissingPart(t *testing.T) {
	tests := []struct {
		name  string
		store store.Store
		agg   func(*eventsourcing.Aggregate[counterCmd, counterState, counterEvent])
		want  string
	}{
		{"no store", nil, func(*eventsourcing.Aggregate[counterCmd, counterState, counterEvent]) {}, "no store"},
		{"no Decide", newStore(t), func(a *eventsourcing.Aggregate[counterCmd, counterState, counterEvent]) { a.Decider.Decide = nil }, "no Decider.Decide"},
		{"no Evolve", newStore(t), func(a *eventsourcing.Aggregate[counterCmd, counterState, counterEvent]) { a.Decider.Evolve = nil }, "no Decider.Evolve"},
		{"no Codec", newStore(t), func(a *eventsourcing.Aggregate[counterCmd, counterState, counterEvent]) { a.Codec = nil }, "no Codec"},
		{"no Stream", newStore(t), func(a *eventsourcing.Aggregate[counterCmd, counterState, counterEvent]) { a.Stream = nil }, "no Stream"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			agg := counterAggregate()
			tt.agg(&agg)
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, tt.want) {
					t.Fatalf("panic %q, want one saying %q", msg, tt.want)
				}
			}()
			eventsourcing.NewHandler(tt.store, agg)
		})
	}
	t.Run("a zero CommandIndex", func(t *testing.T) {
		defer func() {
			msg, _ := recover().(string)
			if want := "not made by NewCommandIndex"; !strings.Contains(msg, want) {
				t.Fatalf("panic %q, want one saying %q", msg, want)
			}
		}()
		eventsourcing.NewHandler(newStore(t), counterAggregate(), eventsourcing.WithCommandIndex(&eventsourcing.CommandIndex{}))
	})
	t.Run("snapshots of a state that JSON loses part of", func(t *testing.T) {
		// After a restart the snapshot would decode without the limit, and the handler would
		// decide over a state its events never made.
		type state struct {
			Total int
			limit int
		}
		agg := eventsourcing.Aggregate[counterCmd, state, counterEvent]{
			Decider: decider.Decider[counterCmd, state, counterEvent]{
				Decide: func(counterCmd, state) ([]counterEvent, error) { return nil, nil },
				Evolve: func(s state, _ counterEvent) state { return s },
			},
			Codec:  counterCodec{},
			Stream: func(counterCmd) string { return "x" },
		}
		eventsourcing.NewHandler(newStore(t), agg) // without snapshots it does not matter
		defer func() {
			msg, _ := recover().(string)
			if want := "state.limit is unexported"; !strings.Contains(msg, want) {
				t.Fatalf("panic %q, want one saying %q", msg, want)
			}
		}()
		eventsourcing.NewHandler(newStore(t), agg, eventsourcing.WithSnapshots(10, "v1"))
	})
}

func TestCommandIndex_Lookup_zeroIndexFails(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var x eventsourcing.CommandIndex
	_, _, err := x.Lookup(ctx, "c1")
	if err == nil || ctx.Err() != nil {
		t.Fatalf("Lookup = %v (context: %v), want an error at once", err, ctx.Err())
	}
}

type failingEncodeCodec struct{ counterCodec }

func (failingEncodeCodec) Encode(counterEvent) (string, json.RawMessage, error) {
	return "", nil, errFault
}

func TestHandler_Handle_storeFailures(t *testing.T) {
	t.Run("a failing read is a transient *StoreError", func(t *testing.T) {
		f := &faultyStore{Store: newStore(t), readErrs: 1}
		_, err := newCounterHandler(f).Handle(context.Background(), createCounter{ID: "a"}, eventsourcing.Meta{})
		var se *eventsourcing.StoreError
		if !errors.As(err, &se) || !errors.Is(err, errFault) || !eventsourcing.IsTransient(err) {
			t.Fatalf("got %v, want a transient *StoreError wrapping the fault", err)
		}
	})
	t.Run("a failing append is a transient *StoreError", func(t *testing.T) {
		f := &faultyStore{Store: newStore(t), beforeAppend: func(string) error { return errFault }}
		_, err := newCounterHandler(f).Handle(context.Background(), createCounter{ID: "a"}, eventsourcing.Meta{})
		var se *eventsourcing.StoreError
		if !errors.As(err, &se) || se.Op != "append" || !eventsourcing.IsTransient(err) {
			t.Fatalf("got %v, want a transient *StoreError of the append", err)
		}
	})
	t.Run("a closed store is not transient", func(t *testing.T) {
		s := newStore(t)
		_ = s.Close()
		_, err := newCounterHandler(s).Handle(context.Background(), createCounter{ID: "a"}, eventsourcing.Meta{})
		if !errors.Is(err, store.ErrClosed) || eventsourcing.IsTransient(err) {
			t.Fatalf("got %v, want a non-transient store.ErrClosed", err)
		}
	})
	t.Run("an undecodable stored event", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Append(context.Background(), "counter-a", store.NoStream, store.EventData{Type: "CounterCreated", Data: []byte(`[1]`)}); err != nil {
			t.Fatal(err)
		}
		_, err := newCounterHandler(s).Handle(context.Background(), addToCounter{ID: "a", N: 1}, eventsourcing.Meta{})
		if err == nil || eventsourcing.IsTransient(err) {
			t.Fatalf("got %v, want a non-transient decode error", err)
		}
	})
	t.Run("a cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := newCounterHandler(newStore(t)).Handle(ctx, createCounter{ID: "a"}, eventsourcing.Meta{CommandID: "c"})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	})
	t.Run("a failing read-back after the append still returns the events", func(t *testing.T) {
		f := &faultyStore{Store: newStore(t), failRead: 2} // 1: load, 2: read back
		res := mustHandle(t, newCounterHandler(f), createCounter{ID: "a"}, eventsourcing.Meta{})
		stored := readStream(t, f, "counter-a")
		if len(res.Events) != 1 || res.Events[0].ID != stored[0].ID || res.Events[0].Position != 1 || res.Events[0].Version != 1 || string(res.Events[0].Data) != string(stored[0].Data) {
			t.Fatalf("got events %+v, want %+v", res.Events, stored)
		}
	})
	t.Run("unknown event types in the stream are skipped", func(t *testing.T) {
		s := newStore(t)
		h := newCounterHandler(s)
		mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{})
		if _, err := s.Append(context.Background(), "counter-a", 1, store.EventData{Type: "Annotated", Data: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
		res := mustHandle(t, h, addToCounter{ID: "a", N: 1}, eventsourcing.Meta{})
		if res.Version != 3 {
			t.Fatalf("version %d, want 3", res.Version)
		}
	})
}

// racer makes another writer append to the stream before each of the first n appends.
func racer(tb testing.TB, inner store.Store, n int) *faultyStore {
	tb.Helper()
	f := &faultyStore{Store: inner}
	left := n
	f.beforeAppend = func(stream string) error {
		if left == 0 {
			return nil
		}
		left--
		_, err := inner.Append(context.Background(), stream, store.Any, store.EventData{Type: "CounterAdded", Data: []byte(`{"id":"x","n":10}`)})
		return err
	}
	return f
}

func TestHandler_Handle_lostRace(t *testing.T) {
	t.Run("without an expected version the handler reloads and decides again", func(t *testing.T) {
		s := newStore(t)
		mustHandle(t, newCounterHandler(s), createCounter{ID: "a"}, eventsourcing.Meta{})
		f := racer(t, s, 3)
		var logs syncbuf.Buffer
		log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		res := mustHandle(t, newCounterHandler(f, eventsourcing.WithLogger(log)), addToCounter{ID: "a", N: 1}, eventsourcing.Meta{})
		if res.Version != 5 || f.appends.Load() != 4 {
			t.Fatalf("version %d after %d appends, want version 5 after 4", res.Version, f.appends.Load())
		}
		if n := strings.Count(logs.String(), "retrying"); n != 3 {
			t.Fatalf("logged %d retries, want 3:\n%s", n, logs.String())
		}
	})
	t.Run("with an expected version the conflict is returned", func(t *testing.T) {
		s := newStore(t)
		mustHandle(t, newCounterHandler(s), createCounter{ID: "a"}, eventsourcing.Meta{})
		f := racer(t, s, 1)
		var logs syncbuf.Buffer
		log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		_, err := newCounterHandler(f, eventsourcing.WithLogger(log)).Handle(context.Background(), addToCounter{ID: "a", N: 1}, eventsourcing.Meta{ExpectedVersion: version(1)})
		var ce *store.ConflictError
		if !errors.As(err, &ce) || ce.Expected != 1 || ce.Actual != 2 {
			t.Fatalf("got %v, want a conflict expected 1 actual 2", err)
		}
		// Not retried: the stream moved past the pinned version, and every retry would meet
		// the same conflict, after the backoff.
		if n := strings.Count(logs.String(), "retrying"); n != 0 {
			t.Fatalf("logged %d retries of a command with a pinned version, want none:\n%s", n, logs.String())
		}
	})
	t.Run("the retries are bounded", func(t *testing.T) {
		s := newStore(t)
		mustHandle(t, newCounterHandler(s), createCounter{ID: "a"}, eventsourcing.Meta{})
		f := racer(t, s, 100)
		_, err := newCounterHandler(f, eventsourcing.WithMaxRetries(2)).Handle(context.Background(), addToCounter{ID: "a", N: 1}, eventsourcing.Meta{})
		if !errors.Is(err, store.ErrConflict) || f.appends.Load() != 3 {
			t.Fatalf("got %v after %d appends, want a conflict after 3", err, f.appends.Load())
		}
	})
	t.Run("a cancelled context ends the retries", func(t *testing.T) {
		s := newStore(t)
		mustHandle(t, newCounterHandler(s), createCounter{ID: "a"}, eventsourcing.Meta{})
		ctx, cancel := context.WithCancel(context.Background())
		f := racer(t, s, 100)
		inner := f.beforeAppend
		f.beforeAppend = func(stream string) error { cancel(); return inner(stream) }
		_, err := newCounterHandler(f).Handle(ctx, addToCounter{ID: "a", N: 1}, eventsourcing.Meta{})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	})
}

func TestHandler_Handle_concurrentCommandsOnOneStream(t *testing.T) {
	const n = 64
	s := newStore(t)
	h := newCounterHandler(s)
	mustHandle(t, h, createCounter{ID: "hot"}, eventsourcing.Meta{})
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			_, err := h.Handle(context.Background(), addToCounter{ID: "hot", N: 1}, eventsourcing.Meta{})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Handle: %v", err)
		}
	}
	events := readStream(t, s, "counter-hot")
	if len(events) != n+1 {
		t.Fatalf("stream has %d events, want %d", len(events), n+1)
	}
	for i, e := range events {
		if e.Version != store.Version(i+1) {
			t.Fatalf("event %d has version %d", i, e.Version)
		}
	}
}

func TestHandler_Handle_concurrentCommandsAcrossHandlers(t *testing.T) {
	// Two handlers over one store act like two processes: they only meet in the store.
	const n = 32
	s := newStore(t)
	h1, h2 := newCounterHandler(s), newCounterHandler(s, eventsourcing.WithMaxRetries(100))
	mustHandle(t, h1, createCounter{ID: "hot"}, eventsourcing.Meta{})
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range 2 * n {
		h := []*counterHandler{h1, h2}[i%2]
		if h == h1 {
			h = newCounterHandler(s, eventsourcing.WithMaxRetries(100))
		}
		wg.Go(func() {
			_, err := h.Handle(context.Background(), addToCounter{ID: "hot", N: 1}, eventsourcing.Meta{})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Handle: %v", err)
		}
	}
	if got := len(readStream(t, s, "counter-hot")); got != 2*n+1 {
		t.Fatalf("stream has %d events, want %d", got, 2*n+1)
	}
}

// appendCounts is a memory store that counts which of its append methods are called.
type appendCounts struct {
	*memory.Store
	handover, events, plain int
}

func (s *appendCounts) AppendHandover(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, []store.Event, error) {
	s.handover++
	return s.Store.AppendHandover(ctx, stream, expected, events...)
}

func (s *appendCounts) AppendEvents(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, []store.Event, error) {
	s.events++
	return s.Store.AppendEvents(ctx, stream, expected, events...)
}

func (s *appendCounts) Append(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, error) {
	s.plain++
	return s.Store.Append(ctx, stream, expected, events...)
}

// The events a Handler decides are made for the append and never changed after it, so it
// hands them over to a store that takes them (store.HandoverAppender) rather than have them
// copied.
func TestHandler_Handle_handsEventsOver(t *testing.T) {
	s := &appendCounts{Store: memory.New()}
	h := newCounterHandler(s)
	res := mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{})
	if s.handover != 1 || s.events != 0 || s.plain != 0 {
		t.Fatalf("appends: %d handed over, %d AppendEvents, %d Append; want one handed over", s.handover, s.events, s.plain)
	}
	if stored := readStream(t, s, "counter-a"); !reflect.DeepEqual(res.Events, stored) {
		t.Fatalf("result events %+v, stored %+v", res.Events, stored)
	}
}
