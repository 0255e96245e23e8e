package eventsourcing_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/internal/syncbuf"
	"github.com/eventgraph/eventgraph/store"
)

var fastBackoff = eventsourcing.WithSagaBackoff(time.Millisecond, 4*time.Millisecond)

// counterApp is a store with a counter handler, a totals projection and the mirror saga.
type counterApp struct {
	store   store.Store
	handler *counterHandler
	totals  *totals
	runner  *eventsourcing.Runner
	logs    *syncbuf.Buffer
}

func newCounterApp(tb testing.TB, s store.Store, dispatch func(context.Context, counterCmd, eventsourcing.Meta) (eventsourcing.Result, error)) *counterApp {
	tb.Helper()
	log, buf := quietLogger()
	a := &counterApp{store: s, handler: newCounterHandler(s), totals: newTotals("totals"), logs: buf}
	if dispatch == nil {
		dispatch = a.handler.Handle
	}
	a.runner = eventsourcing.NewRunner(s, eventsourcing.WithRunnerLogger(log))
	a.runner.AddProjection(a.totals)
	a.runner.AddSaga(eventsourcing.NewSaga("mirror", mirrorSaga(), counterCodec{}, dispatch, fastBackoff))
	return a
}

func TestSaga(t *testing.T) {
	t.Run("WaitFor covers what the saga wrote for the position", func(t *testing.T) {
		a := newCounterApp(t, newStore(t), nil)
		startRunner(t, a.runner)
		res := mustHandle(t, a.handler, createCounter{ID: "a"}, eventsourcing.Meta{CommandID: "create-a", CorrelationID: "flow-1"})
		waitFor(t, a.runner, res.Position)
		if _, ok := a.totals.get("mirror-a"); !ok {
			t.Fatal("after WaitFor the projection does not show the counter the saga created")
		}
		mirror := readStream(t, a.store, "counter-mirror-a")
		if len(mirror) != 1 {
			t.Fatalf("mirror stream has %d events, want 1", len(mirror))
		}
		m := mirror[0].Metadata
		want := eventsourcing.SagaCommandID("mirror", res.Events[0].ID, 0)
		if m["commandId"] != want || m["causationId"] != res.Events[0].ID || m["correlationId"] != "flow-1" {
			t.Fatalf("saga command metadata %v: want commandId %s, causationId %s, correlationId flow-1", m, want, res.Events[0].ID)
		}
		if st := statusOf(t, a.runner, "mirror"); st.Kind != eventsourcing.KindSaga || st.Position != 2 || st.Failures != 0 {
			t.Fatalf("saga status %+v, want a saga at position 2 without failures", st)
		}
	})

	t.Run("a saga's command carries the event's metadata but for the handler's keys", func(t *testing.T) {
		a := newCounterApp(t, newStore(t), nil)
		startRunner(t, a.runner)
		res := mustHandle(t, a.handler, createCounter{ID: "a"}, eventsourcing.Meta{CommandID: "create-a", Metadata: map[string]string{"tenant": "t-1"}})
		waitFor(t, a.runner, res.Position)
		m := readStream(t, a.store, "counter-mirror-a")[0].Metadata
		if m["tenant"] != "t-1" || m["causationId"] != res.Events[0].ID || m["commandId"] == "create-a" || len(m) != 5 {
			t.Fatalf("saga command metadata %v: want tenant t-1 and the saga command's own four keys", m)
		}
	})

	t.Run("the correlation id defaults to the triggering event's id", func(t *testing.T) {
		s := newStore(t)
		a := newCounterApp(t, s, nil)
		// An event written without metadata, as another tool might.
		if _, err := s.Append(context.Background(), "counter-x", store.NoStream, store.EventData{ID: "ev-x", Type: "CounterCreated", Data: []byte(`{"id":"x"}`)}); err != nil {
			t.Fatal(err)
		}
		startRunner(t, a.runner)
		waitFor(t, a.runner, 1)
		if m := readStream(t, s, "counter-mirror-x")[0].Metadata; m["correlationId"] != "ev-x" || m["causationId"] != "ev-x" {
			t.Fatalf("metadata %v, want correlation and causation ev-x", m)
		}
	})

	t.Run("a rejected command is logged, counted and skipped", func(t *testing.T) {
		a := newCounterApp(t, newStore(t), nil)
		mustHandle(t, a.handler, createCounter{ID: "mirror-a"}, eventsourcing.Meta{})
		startRunner(t, a.runner)
		res := mustHandle(t, a.handler, createCounter{ID: "a"}, eventsourcing.Meta{})
		res2 := mustHandle(t, a.handler, createCounter{ID: "b"}, eventsourcing.Meta{})
		waitFor(t, a.runner, res2.Position)
		st := statusOf(t, a.runner, "mirror")
		if st.Failures != 1 || st.Stopped || !strings.Contains(st.LastError, "already exists") || st.CheckpointHeld {
			t.Fatalf("saga status %+v, want one already-exists failure, still running, its checkpoint not held (a rejection is no fault)", st)
		}
		if _, ok := a.totals.get("mirror-b"); !ok {
			t.Fatal("the saga did not go on after the rejection")
		}
		if logs := a.logs.String(); !strings.Contains(logs, "saga command failed") || !strings.Contains(logs, res.Events[0].ID) {
			t.Fatalf("logs %q do not report the failure with the event id", logs)
		}
	})

	t.Run("a transient failure is retried until it succeeds", func(t *testing.T) {
		s := newStore(t)
		var calls atomic.Int64
		var a *counterApp
		a = newCounterApp(t, s, func(ctx context.Context, c counterCmd, m eventsourcing.Meta) (eventsourcing.Result, error) {
			switch calls.Add(1) {
			case 1:
				return eventsourcing.Result{}, &eventsourcing.StoreError{Op: "append", Stream: "x", Err: errFault}
			case 2:
				return eventsourcing.Result{}, &store.ConflictError{Stream: "x", Expected: 1, Actual: 2}
			}
			return a.handler.Handle(ctx, c, m)
		})
		startRunner(t, a.runner)
		res := mustHandle(t, a.handler, createCounter{ID: "a"}, eventsourcing.Meta{})
		waitFor(t, a.runner, res.Position)
		if _, ok := a.totals.get("mirror-a"); !ok {
			t.Fatal("the retried command was not written")
		}
		if st := statusOf(t, a.runner, "mirror"); st.Retries != 2 || st.Failures != 0 {
			t.Fatalf("saga status %+v, want 2 retries and no failure", st)
		}
	})

	t.Run("a restart without checkpoints re-runs the saga from the start and writes nothing twice", func(t *testing.T) {
		// As after a crash since the last checkpoint, or over a store that keeps none.
		s := struct{ store.Store }{newStore(t)} // hides store.Checkpointer
		a := newCounterApp(t, s, nil)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- a.runner.Run(ctx) }()
		var last store.Position
		for _, id := range []string{"a", "b", "c"} {
			last = mustHandle(t, a.handler, createCounter{ID: id}, eventsourcing.Meta{}).Position
		}
		waitFor(t, a.runner, last)
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		before := len(readAll(t, s))

		b := newCounterApp(t, s, nil) // a new process: new handler, index and runner
		startRunner(t, b.runner)
		waitFor(t, b.runner, last)
		if after := len(readAll(t, s)); after != before || before != 6 {
			t.Fatalf("log has %d events after the restart, %d before; want 6 both times", after, before)
		}
		if st := statusOf(t, b.runner, "mirror"); st.Failures != 0 || st.Position != 6 {
			t.Fatalf("saga status %+v, want position 6 without failures", st)
		}
	})

	// Before SagaCommandID took its "saga/" prefix, a log recorded saga commands under bare
	// UUIDs. A restart that reads such an event again (after a crash since the last
	// checkpoint, or without checkpoints) must find the command under that id.
	t.Run("a command recorded under its former id is not written again", func(t *testing.T) {
		s := struct{ store.Store }{newStore(t)} // hides store.Checkpointer: the saga reads from the start
		a := newCounterApp(t, s, nil)
		res := mustHandle(t, a.handler, createCounter{ID: "a"}, eventsourcing.Meta{})
		former := eventsourcing.FormerSagaCommandID("mirror", res.Events[0].ID, 0)
		mustHandle(t, a.handler, createCounter{ID: "mirror-a"}, eventsourcing.Meta{CommandID: former, CausationID: res.Events[0].ID})
		startRunner(t, a.runner)
		waitFor(t, a.runner, res.Position)
		if n := len(readAll(t, s)); n != 2 {
			t.Fatalf("log has %d events, want 2: the saga wrote its command again", n)
		}
		if st := statusOf(t, a.runner, "mirror"); st.Failures != 0 || st.Position != 2 {
			t.Fatalf("saga status %+v, want position 2 without failures", st)
		}
	})

	t.Run("a different command under a saga command's former id does not stop it", func(t *testing.T) {
		// A client could send any command under a bare UUID, the former form included.
		s := newStore(t)
		a := newCounterApp(t, s, nil)
		res := mustHandle(t, a.handler, createCounter{ID: "a"}, eventsourcing.Meta{})
		former := eventsourcing.FormerSagaCommandID("mirror", res.Events[0].ID, 0)
		mustHandle(t, a.handler, createCounter{ID: "taken"}, eventsourcing.Meta{CommandID: former})
		startRunner(t, a.runner)
		waitFor(t, a.runner, res.Position)
		mirror := readStream(t, s, "counter-mirror-a")
		if len(mirror) != 1 || mirror[0].Metadata["commandId"] != eventsourcing.SagaCommandID("mirror", res.Events[0].ID, 0) {
			t.Fatalf("mirror stream %+v, want one event under the saga's command id", mirror)
		}
		if st := statusOf(t, a.runner, "mirror"); st.Failures != 0 {
			t.Fatalf("saga status %+v, want no failure", st)
		}
	})

	t.Run("a stopped runner ends a retrying saga", func(t *testing.T) {
		s := newStore(t)
		retried := make(chan struct{}, 1)
		var calls atomic.Int64
		a := newCounterApp(t, s, func(context.Context, counterCmd, eventsourcing.Meta) (eventsourcing.Result, error) {
			if calls.Add(1) >= 2 { // the first retry was reported before this call
				select {
				case retried <- struct{}{}:
				default:
				}
			}
			return eventsourcing.Result{}, &eventsourcing.StoreError{Op: "append", Err: errFault}
		})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- a.runner.Run(ctx) }()
		mustHandle(t, a.handler, createCounter{ID: "a"}, eventsourcing.Meta{})
		<-retried
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if st := statusOf(t, a.runner, "mirror"); st.Position != 0 || st.Retries == 0 {
			t.Fatalf("saga status %+v, want position 0 (the event unprocessed) after retries", st)
		}
	})
}

func TestSaga_Process(t *testing.T) {
	ok := func(context.Context, counterCmd, eventsourcing.Meta) (eventsourcing.Result, error) {
		return eventsourcing.Result{Position: 9}, nil
	}
	created := store.Event{ID: "e1", Type: "CounterCreated", Data: []byte(`{"id":"a"}`), Position: 1}
	tests := []struct {
		name        string
		saga        decider.Saga[counterEvent, counterCmd]
		dispatch    func(context.Context, counterCmd, eventsourcing.Meta) (eventsourcing.Result, error)
		event       store.Event
		wantWritten store.Position
		wantErr     string
	}{
		{"an event the codec does not handle is skipped", mirrorSaga(), ok, store.Event{Type: "Other", Data: []byte(`{}`)}, 0, ""},
		{"a command is dispatched", mirrorSaga(), ok, created, 9, ""},
		{"an undecodable event fails", mirrorSaga(), ok, store.Event{Type: "CounterCreated", Data: []byte(`[]`)}, 0, "decode"},
		{"a panicking React fails", decider.Saga[counterEvent, counterCmd]{React: func(counterEvent) []counterCmd { panic("oops") }}, ok, created, 0, "oops"},
		{"a rejection is not retried", mirrorSaga(), func(context.Context, counterCmd, eventsourcing.Meta) (eventsourcing.Result, error) {
			return eventsourcing.Result{}, decider.ErrNotFound
		}, created, 0, "not found"},
		{"ErrCommandIDReused is not retried", mirrorSaga(), func(context.Context, counterCmd, eventsourcing.Meta) (eventsourcing.Result, error) {
			return eventsourcing.Result{}, eventsourcing.ErrCommandIDReused
		}, created, 0, "reused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := eventsourcing.NewSaga("s", tt.saga, counterCodec{}, tt.dispatch, fastBackoff)
			if p.Name() != "s" {
				t.Fatalf("Name() = %q", p.Name())
			}
			written, err := p.Process(context.Background(), tt.event, nil)
			if written != tt.wantWritten {
				t.Errorf("written %d, want %d", written, tt.wantWritten)
			}
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
	t.Run("a context ending during a retry", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		p := eventsourcing.NewSaga("s", mirrorSaga(), counterCodec{}, func(context.Context, counterCmd, eventsourcing.Meta) (eventsourcing.Result, error) {
			return eventsourcing.Result{}, store.ErrConflict
		}, eventsourcing.WithSagaBackoff(time.Hour, 0))
		_, err := p.Process(ctx, created, func(error) { cancel() })
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	})
	t.Run("a context ending during a retry dispatches none of the commands after it", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		two := decider.Saga[counterEvent, counterCmd]{React: func(counterEvent) []counterCmd {
			return []counterCmd{createCounter{ID: "x"}, createCounter{ID: "y"}}
		}}
		var calls atomic.Int64
		p := eventsourcing.NewSaga("s", two, counterCodec{}, countingDispatch(&calls, func(context.Context, counterCmd, eventsourcing.Meta) (eventsourcing.Result, error) {
			return eventsourcing.Result{}, store.ErrConflict
		}), eventsourcing.WithSagaBackoff(time.Hour, 0))
		_, err := p.Process(ctx, created, func(error) { cancel() })
		if !errors.Is(err, context.Canceled) || calls.Load() != 1 {
			t.Fatalf("got %v after %d dispatches, want context.Canceled after 1", err, calls.Load())
		}
	})
}

func TestNewSaga_panicsOnAMissingPart(t *testing.T) {
	h := newCounterHandler(newStore(t))
	tests := []struct {
		name     string
		saga     string // the saga's name
		react    decider.Saga[counterEvent, counterCmd]
		codec    eventsourcing.Codec[counterEvent]
		dispatch func(context.Context, counterCmd, eventsourcing.Meta) (eventsourcing.Result, error)
		want     string
	}{
		{"no React", "mirror", decider.Saga[counterEvent, counterCmd]{}, counterCodec{}, h.Handle, "no React"},
		{"no codec", "mirror", mirrorSaga(), nil, h.Handle, "no codec"},
		{"no dispatch", "mirror", mirrorSaga(), counterCodec{}, nil, "no dispatch"},
		// No store could keep its checkpoint (store.CheckCheckpoint): every save would fail.
		{"a name of invalid UTF-8", "mirror\xff", mirrorSaga(), counterCodec{}, h.Handle, "not valid UTF-8"},
		{"a name holding NUL", "mir\x00ror", mirrorSaga(), counterCodec{}, h.Handle, "NUL"},
		{"a name too long for its checkpoint's", strings.Repeat("m", store.MaxCheckpointNameBytes-4), mirrorSaga(), counterCodec{}, h.Handle, "over the limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, tt.want) {
					t.Fatalf("panic %q, want one saying %q", msg, tt.want)
				}
			}()
			eventsourcing.NewSaga(tt.saga, tt.react, tt.codec, tt.dispatch)
		})
	}
}

func TestSagaCommandID(t *testing.T) {
	a := eventsourcing.SagaCommandID("s", "e1", 0)
	if a != eventsourcing.SagaCommandID("s", "e1", 0) {
		t.Fatal("not deterministic")
	}
	for _, other := range []string{
		eventsourcing.SagaCommandID("t", "e1", 0),
		eventsourcing.SagaCommandID("s", "e2", 0),
		eventsourcing.SagaCommandID("s", "e1", 1),
	} {
		if other == a {
			t.Fatalf("%s collides", other)
		}
	}
	// The "saga/" prefix puts the ids outside what a server takes from clients
	// ([A-Za-z0-9_.:-]), so no client can send a command under one.
	if !strings.HasPrefix(a, "saga/") || !eventsourcing.IsSagaCommandID(a) {
		t.Fatalf("SagaCommandID = %q, want the saga/ prefix that IsSagaCommandID recognises", a)
	}
	former := eventsourcing.FormerSagaCommandID("s", "e1", 0)
	if eventsourcing.IsSagaCommandID(former) || eventsourcing.IsSagaCommandID("3f2a9b1c-0d4e-4f5a-8b6c-7d8e9f0a1b2c") {
		t.Fatal("IsSagaCommandID holds for a bare UUID")
	}
	// The former form is what logs written before hold: it must never change.
	if former != "7db19148-ce61-596f-a1d5-94f5ab4c8422" || a != "saga/"+former {
		t.Fatalf("former id %q, id %q: the former form changed", former, a)
	}
}

func TestIsTransient(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{store.ErrConflict, true},
		{context.DeadlineExceeded, true},
		{&eventsourcing.StoreError{Op: "append", Err: errFault}, true},
		{&eventsourcing.StoreError{Op: "append", Err: store.ErrClosed}, false},
		// A store that refuses its arguments refuses them again.
		{&eventsourcing.StoreError{Op: "append", Err: fmt.Errorf("%w: event over the size limit", store.ErrInvalid)}, false},
		{fmt.Errorf("handle: %w", &store.ConflictError{Stream: "s", Expected: 1, Actual: 2}), true},
		{fmt.Errorf("handle: %w", context.Canceled), true},
		{store.ErrInvalid, false},
		{decider.ErrAlreadyExists, false},
		{eventsourcing.ErrCommandIDReused, false},
		{errFault, false},
	}
	for _, tt := range tests {
		if got := eventsourcing.IsTransient(tt.err); got != tt.want {
			t.Errorf("IsTransient(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
