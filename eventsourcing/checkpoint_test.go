package eventsourcing_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
)

// errDeclined is a rejection a saga's command may meet: not transient, so not retried.
var errDeclined = errors.New("declined")

// runUntilStopped runs r until the events up to last are processed, then stops it and
// waits until Run has returned (and so saved its sagas' checkpoints).
func runUntilStopped(tb testing.TB, r *eventsourcing.Runner, last store.Position) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	waitFor(tb, r, last)
	cancel()
	if err := <-done; err != nil {
		tb.Fatalf("Run: %v", err)
	}
}

// countingDispatch counts the saga's commands and answers each with answer.
func countingDispatch(calls *atomic.Int64, answer func(context.Context, counterCmd, eventsourcing.Meta) (eventsourcing.Result, error)) func(context.Context, counterCmd, eventsourcing.Meta) (eventsourcing.Result, error) {
	return func(ctx context.Context, c counterCmd, m eventsourcing.Meta) (eventsourcing.Result, error) {
		calls.Add(1)
		return answer(ctx, c, m)
	}
}

// createTwo creates counters a and b and returns the position of the last event.
func createTwo(tb testing.TB, h *counterHandler) store.Position {
	tb.Helper()
	mustHandle(tb, h, createCounter{ID: "a"}, eventsourcing.Meta{})
	return mustHandle(tb, h, createCounter{ID: "b"}, eventsourcing.Meta{}).Position
}

func TestRunner_sagaCheckpoints(t *testing.T) {
	decline := func(context.Context, counterCmd, eventsourcing.Meta) (eventsourcing.Result, error) {
		return eventsourcing.Result{}, errDeclined
	}

	t.Run("a restart resumes after the checkpoint: a command rejected before is not decided again", func(t *testing.T) {
		s := newStore(t)
		var first atomic.Int64
		a := newCounterApp(t, s, countingDispatch(&first, decline))
		last := createTwo(t, a.handler)
		runUntilStopped(t, a.runner, last)
		if first.Load() != 2 || statusOf(t, a.runner, "mirror").Failures != 2 {
			t.Fatalf("first run: %d commands, status %+v; want 2 commands, both rejected", first.Load(), statusOf(t, a.runner, "mirror"))
		}
		c, err := s.(store.Checkpointer).Checkpoint(context.Background(), "saga:mirror")
		if id := readAll(t, s)[last-1].ID; err != nil || c != (store.Checkpoint{Position: last, EventID: id, Head: last, HeadEventID: id}) {
			t.Fatalf("checkpoint after the run: %+v, %v; want position and head %d with its event's id", c, err, last)
		}

		var second atomic.Int64
		b := newCounterApp(t, s, nil)
		b.runner = eventsourcing.NewRunner(s)
		b.runner.AddProjection(b.totals)
		b.runner.AddSaga(eventsourcing.NewSaga("mirror", mirrorSaga(), counterCodec{}, countingDispatch(&second, b.handler.Handle), fastBackoff))
		startRunner(t, b.runner)
		waitFor(t, b.runner, last)
		if second.Load() != 0 || len(readAll(t, s)) != 2 {
			t.Fatalf("after the restart the saga dispatched %d commands and the log holds %d events; want none dispatched, 2 events", second.Load(), len(readAll(t, s)))
		}
		if st := statusOf(t, b.runner, "mirror"); st.Position != last || st.Failures != 0 {
			t.Fatalf("saga status after the restart %+v, want position %d without failures", st, last)
		}
		res := mustHandle(t, b.handler, createCounter{ID: "c"}, eventsourcing.Meta{})
		waitFor(t, b.runner, res.Position)
		if _, ok := b.totals.get("mirror-c"); !ok || second.Load() != 1 {
			t.Fatalf("a new event after the restart: %d commands, mirror-c found %v; want 1 and true", second.Load(), ok)
		}
	})

	for _, tt := range []struct {
		name string
		c    func(evs []store.Event) store.Checkpoint
	}{
		{"a checkpoint of another log is ignored", func(evs []store.Event) store.Checkpoint {
			return store.Checkpoint{Position: 2, EventID: "not-" + evs[1].ID, Head: 2, HeadEventID: evs[1].ID}
		}},
		{"a checkpoint saved at a later head is ignored", func(evs []store.Event) store.Checkpoint {
			return store.Checkpoint{Position: 2, EventID: evs[1].ID, Head: 3, HeadEventID: "e3"}
		}},
		{"a checkpoint beyond the head is ignored, whatever its ids", func([]store.Event) store.Checkpoint {
			return store.Checkpoint{Position: 5, Head: 5}
		}},
		// No save writes these (the head is read after the position, and a saga that handled
		// nothing saves nothing): they are of another program, or damaged.
		{"a checkpoint past the head it was saved at is ignored", func(evs []store.Event) store.Checkpoint {
			return store.Checkpoint{Position: 2, EventID: evs[1].ID, Head: 1, HeadEventID: evs[0].ID}
		}},
		{"a checkpoint at position 0 is ignored", func(evs []store.Event) store.Checkpoint {
			return store.Checkpoint{Head: 2, HeadEventID: evs[1].ID}
		}},
		// As in a backup restored over a log: the events the checkpoint names are there, but
		// what the saga wrote for them, after, may not be.
		{"a checkpoint whose head is not this log's is ignored", func(evs []store.Event) store.Checkpoint {
			return store.Checkpoint{Position: 1, EventID: evs[0].ID, Head: 2, HeadEventID: "not-" + evs[1].ID}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			var calls atomic.Int64
			a := newCounterApp(t, s, countingDispatch(&calls, decline))
			last := createTwo(t, a.handler)
			if err := s.(store.Checkpointer).SaveCheckpoint(context.Background(), "saga:mirror", tt.c(readAll(t, s))); err != nil {
				t.Fatal(err)
			}
			startRunner(t, a.runner)
			waitFor(t, a.runner, last)
			if calls.Load() != 2 {
				t.Fatalf("the saga dispatched %d commands, want 2: the log read from its start", calls.Load())
			}
			if !strings.Contains(a.logs.String(), "reading the log from the start") {
				t.Errorf("no warning logged: %s", a.logs.String())
			}
		})
	}

	t.Run("a checkpoint saved behind the head resumes after its position: the events up to the head are handled too", func(t *testing.T) {
		// As a periodic save under load leaves it, the process then killed: the clients'
		// events up to the head it read were not all handled yet. The head only says that
		// the log is this one; a resume after it would leave those events without commands.
		s := newStore(t)
		var calls atomic.Int64
		a := newCounterApp(t, s, countingDispatch(&calls, decline))
		for _, id := range []string{"a", "b", "c"} { // the saga not yet running
			mustHandle(t, a.handler, createCounter{ID: id}, eventsourcing.Meta{})
		}
		evs := readAll(t, s)
		last := evs[len(evs)-1].Position
		c := store.Checkpoint{Position: 1, EventID: evs[0].ID, Head: last, HeadEventID: evs[last-1].ID}
		if err := s.(store.Checkpointer).SaveCheckpoint(context.Background(), "saga:mirror", c); err != nil {
			t.Fatal(err)
		}
		startRunner(t, a.runner)
		waitFor(t, a.runner, last)
		if calls.Load() != 2 {
			t.Fatalf("the saga dispatched %d commands, want 2: for the events after position 1 (up to the head 3)", calls.Load())
		}
		if logs := a.logs.String(); !strings.Contains(logs, "resumes after its checkpoint") {
			t.Errorf("the saga did not resume after its checkpoint: %s", logs)
		}
	})

	t.Run("a panic while a command is dispatched is the saga's fault: counted, logged, the checkpoint held before it", func(t *testing.T) {
		s := newStore(t)
		// As a Decide, Evolve or Encode that panics on one command would. It killed the
		// process, and every restart again, since the checkpoint stays before the event.
		a := newCounterApp(t, s, func(context.Context, counterCmd, eventsourcing.Meta) (eventsourcing.Result, error) {
			panic("dispatch blew up")
		})
		last := createTwo(t, a.handler)
		runUntilStopped(t, a.runner, last)
		if st := statusOf(t, a.runner, "mirror"); st.Failures != 2 || !strings.Contains(st.LastError, "dispatch blew up") || !st.CheckpointHeld {
			t.Fatalf("saga status %+v, want two failures naming the panic, and the checkpoint held", st)
		}
		c, err := s.(store.Checkpointer).Checkpoint(context.Background(), "saga:mirror")
		if err != nil || c.Position != 0 {
			t.Fatalf("checkpoint %+v, %v; want none: held before the first event", c, err)
		}
		if logs := a.logs.String(); !strings.Contains(logs, "panicked") || !strings.Contains(logs, "checkpoint held") {
			t.Fatalf("logs %q: want the panic and the held checkpoint reported", logs)
		}
	})

	t.Run("a command that meets a closed store holds the checkpoint before its event", func(t *testing.T) {
		// The commands' store closed under the saga (it is not transient, so not retried):
		// the event was not handled, and the next start must handle it again.
		s := newStore(t)
		a := newCounterApp(t, s, func(context.Context, counterCmd, eventsourcing.Meta) (eventsourcing.Result, error) {
			return eventsourcing.Result{}, fmt.Errorf("dispatch: %w", store.ErrClosed)
		})
		last := createTwo(t, a.handler)
		runUntilStopped(t, a.runner, last)
		if st := statusOf(t, a.runner, "mirror"); st.Failures != 2 || !st.CheckpointHeld {
			t.Fatalf("saga status %+v, want two failures and the checkpoint held", st)
		}
		c, err := s.(store.Checkpointer).Checkpoint(context.Background(), "saga:mirror")
		if err != nil || c.Position != 0 {
			t.Fatalf("checkpoint %+v, %v; want none: held before the first event", c, err)
		}
	})

	t.Run("checkpoints are saved while the runner runs", func(t *testing.T) {
		s := &savesSeen{Store: newStore(t), changed: make(chan struct{})}
		h := newCounterHandler(s)
		r := eventsourcing.NewRunner(s, eventsourcing.WithCheckpointInterval(time.Millisecond))
		r.AddSaga(eventsourcing.NewSaga("mirror", mirrorSaga(), counterCodec{}, h.Handle, fastBackoff))
		startRunner(t, r)
		res := mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{})
		waitFor(t, r, res.Position)
		s.waitSaved(t, res.Position) // a save follows the saga's progress within an interval
		c, err := s.Checkpoint(context.Background(), "saga:mirror")
		if err != nil || c.Position < res.Position {
			t.Fatalf("checkpoint %+v, %v while running, want position %d", c, err, res.Position)
		}
	})

	t.Run("an interval of 0 keeps the default", func(t *testing.T) {
		// WithCheckpointInterval(d <= 0) keeps DefaultCheckpointInterval: a ticker of 0
		// panics, and on the goroutine keeping the checkpoints it would kill the process.
		s := newStore(t)
		h := newCounterHandler(s)
		r := eventsourcing.NewRunner(s, eventsourcing.WithCheckpointInterval(0))
		r.AddSaga(eventsourcing.NewSaga("mirror", mirrorSaga(), counterCodec{}, h.Handle, fastBackoff))
		res := mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{})
		runUntilStopped(t, r, res.Position)
		if c, err := s.(store.Checkpointer).Checkpoint(context.Background(), "saga:mirror"); err != nil || c.Position < res.Position {
			t.Fatalf("checkpoint %+v, %v after the run, want position %d", c, err, res.Position)
		}
	})

	t.Run("after a restart, an event before the checkpoint is reached only with what the saga wrote for it", func(t *testing.T) {
		// What the saga wrote for the events it skips is not known, only that it is in the
		// log: Reached(1) must wait for the projections to process the whole log as it was at
		// the start, mirror-a (2) included, or a client reading its write from before the
		// restart would not see the saga's effect.
		s := newStore(t)
		h := newCounterHandler(s)
		first := eventsourcing.NewRunner(s)
		first.AddSaga(eventsourcing.NewSaga("mirror", mirrorSaga(), counterCodec{}, h.Handle, fastBackoff))
		created := mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{})
		runUntilStopped(t, first, created.Position+1) // 2: mirror-a, which the saga wrote

		p := &stallAt{at: created.Position + 1, reached: make(chan struct{}), release: make(chan struct{})}
		second := eventsourcing.NewRunner(s)
		second.AddProjection(p)
		second.AddSaga(eventsourcing.NewSaga("mirror", mirrorSaga(), counterCodec{}, h.Handle, fastBackoff))
		startRunner(t, second)
		t.Cleanup(func() { close(p.release) }) // before the runner stops: cleanups run last first
		// Once it applies mirror-a, the projection has processed 1, and not 2.
		await(t, p.reached, "the projection applying mirror-a")
		if st := statusOf(t, second, "mirror"); st.Position != created.Position+1 {
			t.Fatalf("saga status %+v, want it resumed at its checkpoint %d", st, created.Position+1)
		}
		if second.Reached(created.Position) {
			t.Fatalf("Reached(%d) with the projection short of mirror-a (%d), which the saga wrote for it before the restart", created.Position, created.Position+1)
		}
	})

	t.Run("CaughtUp started with Run returns after a resume", func(t *testing.T) {
		// A runner of sagas only, resuming at the head: nothing moves its position after the
		// resume, so a CaughtUp that looked before it must be woken by it (it hung in some starts).
		s := newStore(t)
		h := newCounterHandler(s)
		last := createTwo(t, h)
		first := eventsourcing.NewRunner(s)
		first.AddSaga(eventsourcing.NewSaga("mirror", mirrorSaga(), counterCodec{}, decline, fastBackoff))
		runUntilStopped(t, first, last)
		for range 100 {
			r := eventsourcing.NewRunner(s)
			r.AddSaga(eventsourcing.NewSaga("mirror", mirrorSaga(), counterCodec{}, decline, fastBackoff))
			ctx, cancel := context.WithCancel(context.Background())
			ran := make(chan error, 1)
			caught := make(chan error, 1)
			go func() { caught <- r.CaughtUp(ctx) }()
			go func() { ran <- r.Run(ctx) }()
			select {
			case err := <-caught:
				if err != nil {
					t.Fatalf("CaughtUp: %v", err)
				}
			case <-time.After(10 * time.Second): // a bound for a failure, however loaded the machine
				t.Fatalf("CaughtUp still waiting 10 s after Run started; saga %+v, head %d", statusOf(t, r, "mirror"), last)
			}
			cancel()
			if err := <-ran; err != nil {
				t.Fatal(err)
			}
		}
	})

	t.Run("an event the saga could not decode keeps the checkpoint before it", func(t *testing.T) {
		s := newStore(t)
		h := newCounterHandler(s)
		last := createTwo(t, h) // b, at last, is the event the broken codec cannot decode
		var seen sync.Map       // the counters the saga mirrored
		mirror := func(_ context.Context, c counterCmd, _ eventsourcing.Meta) (eventsourcing.Result, error) {
			seen.Store(c.(createCounter).ID, true)
			return eventsourcing.Result{}, errDeclined
		}
		broken := eventsourcing.NewRunner(s, eventsourcing.WithCheckpointInterval(time.Hour))
		broken.AddSaga(eventsourcing.NewSaga("mirror", mirrorSaga(), brokenCodec{bad: `"b"`}, mirror, fastBackoff))
		runUntilStopped(t, broken, last)
		if c, _ := s.(store.Checkpointer).Checkpoint(context.Background(), "saga:mirror"); c.Position >= last {
			t.Fatalf("checkpoint %+v past the event the saga could not decode (position %d)", c, last)
		}
		seen.Delete("mirror-a")

		fixed := eventsourcing.NewRunner(s)
		fixed.AddSaga(eventsourcing.NewSaga("mirror", mirrorSaga(), counterCodec{}, mirror, fastBackoff))
		runUntilStopped(t, fixed, last)
		if _, ok := seen.Load("mirror-b"); !ok {
			t.Fatal("after the fix the saga did not handle the event it could not decode before")
		}
	})

	t.Run("a save that keeps failing is reported once, and the last one again", func(t *testing.T) {
		s := &failingSaves{Store: newStore(t), failed: make(chan struct{})}
		h := newCounterHandler(s)
		log, logs := quietLogger()
		r := eventsourcing.NewRunner(s, eventsourcing.WithRunnerLogger(log), eventsourcing.WithCheckpointInterval(time.Millisecond))
		r.AddSaga(eventsourcing.NewSaga("mirror", mirrorSaga(), counterCodec{}, h.Handle, fastBackoff))
		ctx, cancel := context.WithCancel(context.Background())
		ran := make(chan error, 1)
		go func() { ran <- r.Run(ctx) }()
		defer func() {
			cancel()
			<-ran
		}()
		mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{})
		await(t, s.failed, "three failed saves")
		if n := strings.Count(logs.String(), "checkpoint not saved"); n != 1 {
			t.Fatalf("%d reports of the failing saves, want 1:\n%s", n, logs.String())
		}
		if !strings.Contains(logs.String(), "saga has no checkpoint") {
			t.Errorf("no report of the missing checkpoint:\n%s", logs.String())
		}
		// Run's save on its way out fails too: said, whatever was said before, at warn.
		cancel()
		if err := <-ran; err != nil {
			t.Fatal(err)
		}
		ran <- nil // for the deferred wait
		if !strings.Contains(logs.String(), "level=WARN msg=\"eventsourcing: saga checkpoint not saved as Run returned") {
			t.Errorf("no warning of the last save's failure:\n%s", logs.String())
		}
	})

	t.Run("a Run ended while it reads the checkpoints resumes nothing and says nothing", func(t *testing.T) {
		base := newStore(t)
		h := newCounterHandler(base)
		first := eventsourcing.NewRunner(base)
		first.AddSaga(eventsourcing.NewSaga("mirror", mirrorSaga(), counterCodec{}, h.Handle, fastBackoff))
		var last store.Position
		for _, id := range []string{"a", "b", "c"} {
			last = mustHandle(t, h, createCounter{ID: id}, eventsourcing.Meta{}).Position
		}
		runUntilStopped(t, first, last+3) // the three mirrors too
		saved, err := base.(store.Checkpointer).Checkpoint(context.Background(), "saga:mirror")
		if err != nil || saved.Position < last {
			t.Fatalf("the first Run's checkpoint: %+v, %v", saved, err)
		}

		// The program is stopped (a signal) while the next Run reads the checkpoint.
		ctx, cancel := context.WithCancel(context.Background())
		s := cancelsOnCheckpoint{base, cancel}
		log, logs := quietLogger()
		next := eventsourcing.NewRunner(s, eventsourcing.WithRunnerLogger(log))
		next.AddSaga(eventsourcing.NewSaga("mirror", mirrorSaga(), counterCodec{}, newCounterHandler(s).Handle, fastBackoff))
		if err := next.Run(ctx); err != nil {
			t.Fatalf("Run: %v", err)
		}
		if strings.Contains(logs.String(), "level=WARN") {
			t.Errorf("a Run stopped at start-up warned:\n%s", logs.String())
		}
		if got, err := base.(store.Checkpointer).Checkpoint(context.Background(), "saga:mirror"); err != nil || got != saved {
			t.Errorf("the checkpoint after the stopped Run: %+v, %v; want %+v as it was", got, err, saved)
		}
	})

	t.Run("a store closed before Run's final save is reported, saying what to do", func(t *testing.T) {
		s := closesOnSave{newStore(t)}
		h := newCounterHandler(s)
		log, logs := quietLogger()
		r := eventsourcing.NewRunner(s, eventsourcing.WithRunnerLogger(log), eventsourcing.WithCheckpointInterval(time.Hour))
		r.AddSaga(eventsourcing.NewSaga("mirror", mirrorSaga(), counterCodec{}, h.Handle, fastBackoff))
		ctx, cancel := context.WithCancel(context.Background())
		ran := make(chan error, 1)
		go func() { ran <- r.Run(ctx) }()
		res := mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{})
		if err := r.WaitFor(ctx, res.Position); err != nil {
			t.Fatal(err)
		}
		cancel()
		if err := <-ran; err != nil {
			t.Fatal(err)
		}
		// A short-lived program that closed its store first saved no checkpoint and was
		// told so only at debug level: its sagas handled the whole log at every start.
		if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "the store was closed before Run returned") {
			t.Errorf("no warning of the store closed before Run's final save:\n%s", logs.String())
		}
	})

	t.Run("a store without checkpoints runs sagas from the start", func(t *testing.T) {
		s := struct{ store.Store }{newStore(t)} // hides store.Checkpointer
		var calls atomic.Int64
		a := newCounterApp(t, s, countingDispatch(&calls, decline))
		res := mustHandle(t, a.handler, createCounter{ID: "a"}, eventsourcing.Meta{})
		runUntilStopped(t, a.runner, res.Position)
		b := newCounterApp(t, s, countingDispatch(&calls, decline))
		runUntilStopped(t, b.runner, res.Position)
		if calls.Load() != 2 {
			t.Fatalf("%d commands over two runs, want 2: the second run decided the rejected one again", calls.Load())
		}
	})
}

// stallAt is a projection whose Apply of the event at position at says so (closing reached)
// and waits until release is closed.
type stallAt struct {
	at               store.Position
	reached, release chan struct{}
}

func (*stallAt) Name() string { return "stall" }

func (p *stallAt) Apply(e store.Event) error {
	if e.Position == p.at {
		close(p.reached)
		<-p.release
	}
	return nil
}

// savesSeen is a store that signals each checkpoint it saves.
type savesSeen struct {
	store.Store
	mu      sync.Mutex
	saved   store.Position // the furthest checkpoint saved
	changed chan struct{}  // closed and replaced at every save
}

func (s *savesSeen) Checkpoint(ctx context.Context, name string) (store.Checkpoint, error) {
	return s.Store.(store.Checkpointer).Checkpoint(ctx, name)
}

func (s *savesSeen) SaveCheckpoint(ctx context.Context, name string, c store.Checkpoint) error {
	err := s.Store.(store.Checkpointer).SaveCheckpoint(ctx, name, c)
	if err == nil {
		s.mu.Lock()
		s.saved = max(s.saved, c.Position)
		close(s.changed)
		s.changed = make(chan struct{})
		s.mu.Unlock()
	}
	return err
}

// waitSaved waits (bounded) until a checkpoint at p or beyond is saved.
func (s *savesSeen) waitSaved(t *testing.T, p store.Position) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		s.mu.Lock()
		saved, changed := s.saved, s.changed
		s.mu.Unlock()
		if saved >= p {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("checkpoint at %d saved while running, want position %d", saved, p)
		}
	}
}

// closesOnSave closes the store as a checkpoint is saved: a store closed before the save
// (Run's final one, when the interval is long).
// cancelsOnCheckpoint is a store whose checkpoints are read as the program stops: reading
// one cancels the Run's context, and fails with it.
type cancelsOnCheckpoint struct {
	store.Store
	cancel context.CancelFunc
}

func (c cancelsOnCheckpoint) Checkpoint(ctx context.Context, name string) (store.Checkpoint, error) {
	c.cancel()
	<-ctx.Done()
	return store.Checkpoint{}, ctx.Err()
}

func (c cancelsOnCheckpoint) SaveCheckpoint(ctx context.Context, name string, cp store.Checkpoint) error {
	return c.Store.(store.Checkpointer).SaveCheckpoint(ctx, name, cp)
}

type closesOnSave struct{ store.Store }

func (c closesOnSave) Checkpoint(ctx context.Context, name string) (store.Checkpoint, error) {
	return c.Store.(store.Checkpointer).Checkpoint(ctx, name)
}

func (c closesOnSave) SaveCheckpoint(ctx context.Context, name string, cp store.Checkpoint) error {
	_ = c.Store.Close()
	return c.Store.(store.Checkpointer).SaveCheckpoint(ctx, name, cp)
}

// failingSaves keeps no checkpoint: every save fails; failed is closed at the third.
type failingSaves struct {
	store.Store
	saves  atomic.Int64
	failed chan struct{}
}

func (*failingSaves) Checkpoint(context.Context, string) (store.Checkpoint, error) {
	return store.Checkpoint{}, nil
}

func (f *failingSaves) SaveCheckpoint(context.Context, string, store.Checkpoint) error {
	if f.saves.Add(1) == 3 {
		close(f.failed)
	}
	return errors.New("disk full")
}

// brokenCodec fails to decode the events whose data contains bad.
type brokenCodec struct {
	counterCodec
	bad string
}

func (c brokenCodec) Decode(typ string, data json.RawMessage) (counterEvent, error) {
	if strings.Contains(string(data), c.bad) {
		return nil, errors.New("broken codec")
	}
	return c.counterCodec.Decode(typ, data)
}
