package eventsourcing_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/internal/syncbuf"
	"github.com/eventgraph/eventgraph/store"
)

// startRunner runs r until the test ends, and checks that Run returned nil.
func startRunner(tb testing.TB, r *eventsourcing.Runner) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("Run: %v", err)
		}
	})
}

// waitFor waits (bounded) until r has processed p.
func waitFor(tb testing.TB, r *eventsourcing.Runner, p store.Position) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.WaitFor(ctx, p); err != nil {
		tb.Fatalf("WaitFor(%d): %v", p, err)
	}
}

// quietLogger returns a logger writing into a buffer the test can read.
func quietLogger() (*slog.Logger, *syncbuf.Buffer) {
	var b syncbuf.Buffer
	return slog.New(slog.NewTextHandler(&b, nil)), &b
}

func statusOf(tb testing.TB, r *eventsourcing.Runner, name string) eventsourcing.ProcessorStatus {
	tb.Helper()
	for _, st := range r.Status() {
		if st.Name == name {
			return st
		}
	}
	tb.Fatalf("no status for %q in %+v", name, r.Status())
	return eventsourcing.ProcessorStatus{}
}

func TestRunner_projections(t *testing.T) {
	s := newStore(t)
	h := newCounterHandler(s)
	// History before Run, including an event no projection handles.
	mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{})
	if _, err := s.Append(context.Background(), "other", store.NoStream, store.EventData{Type: "Other", Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	t1, t2 := newTotals("t1"), newTotals("t2")
	r := eventsourcing.NewRunner(s)
	r.AddProjection(t1)
	r.AddProjection(t2)
	startRunner(t, r)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.CaughtUp(ctx); err != nil {
		t.Fatalf("CaughtUp: %v", err)
	}
	if v, ok := t1.get("a"); !ok || v != 0 {
		t.Fatalf("after CaughtUp t1 has a=%d (%v), want 0", v, ok)
	}

	res := mustHandle(t, h, addToCounter{ID: "a", N: 7}, eventsourcing.Meta{})
	waitFor(t, r, res.Position)
	for _, p := range []*totals{t1, t2} {
		if v, _ := p.get("a"); v != 7 {
			t.Fatalf("%s: a=%d after WaitFor, want 7", p.name, v)
		}
	}
	want := []eventsourcing.ProcessorStatus{
		{Name: "t1", Kind: eventsourcing.KindProjection, Position: 3},
		{Name: "t2", Kind: eventsourcing.KindProjection, Position: 3},
	}
	if got := r.Status(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("Status() = %+v, want %+v", got, want)
	}
	t1.mu.Lock()
	defer t1.mu.Unlock()
	if len(t1.seen) != 3 || t1.seen[1] != 2 {
		t.Fatalf("t1 saw positions %v, want [1 2 3] (the ignored event too)", t1.seen)
	}
}

// applyLog records, in one list, the events its projections apply.
type applyLog struct {
	mu      sync.Mutex
	applied []string
}

// projection returns a projection named name that records into l.
func (l *applyLog) projection(name string) eventsourcing.Projection {
	return logProjection{name: name, log: l}
}

func (l *applyLog) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.applied)
}

type logProjection struct {
	name string
	log  *applyLog
}

func (p logProjection) Name() string { return p.name }
func (p logProjection) Apply(e store.Event) error {
	p.log.mu.Lock()
	defer p.log.mu.Unlock()
	p.log.applied = append(p.log.applied, fmt.Sprintf("%s@%d", p.name, e.Position))
	return nil
}

// TestRunner_projectionsShareASubscription checks that the projections read the log once,
// together: each event is applied to every projection, in the order they were added, before
// the next event.
func TestRunner_projectionsShareASubscription(t *testing.T) {
	f := &faultyStore{Store: newStore(t)}
	h := newCounterHandler(f)
	mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{}) // before Run: caught up
	var l applyLog
	r := eventsourcing.NewRunner(f)
	for _, name := range []string{"c", "a", "b"} {
		r.AddProjection(l.projection(name))
	}
	startRunner(t, r)
	mustHandle(t, h, addToCounter{ID: "a", N: 1}, eventsourcing.Meta{})
	res := mustHandle(t, h, addToCounter{ID: "a", N: 2}, eventsourcing.Meta{})
	waitFor(t, r, res.Position)

	var want []string
	for p := store.Position(1); p <= res.Position; p++ {
		want = append(want, fmt.Sprintf("c@%d", p), fmt.Sprintf("a@%d", p), fmt.Sprintf("b@%d", p))
	}
	if got := l.list(); !slices.Equal(got, want) {
		t.Fatalf("applied %v, want %v", got, want)
	}
	if n := f.subscribes.Load(); n != 1 {
		t.Fatalf("%d subscriptions for three projections, want 1", n)
	}
}

// runningTotals returns a store, a running Runner with one projection, and the result of a
// first command that the projection has processed.
func runningTotals(tb testing.TB) (store.Store, *eventsourcing.Runner, eventsourcing.Result) {
	tb.Helper()
	s := newStore(tb)
	r := eventsourcing.NewRunner(s)
	r.AddProjection(newTotals("t"))
	startRunner(tb, r)
	res := mustHandle(tb, newCounterHandler(s), createCounter{ID: "a"}, eventsourcing.Meta{})
	waitFor(tb, r, res.Position)
	return s, r, res
}

func TestRunner_WaitFor(t *testing.T) {
	s, r, res := runningTotals(t)

	t.Run("a position beyond the head times out", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		err := r.WaitFor(ctx, res.Position+1)
		if !errors.Is(err, eventsourcing.ErrConsistencyTimeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want ErrConsistencyTimeout and DeadlineExceeded", err)
		}
	})
	t.Run("a cancelled wait is not a timeout", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := r.WaitFor(ctx, res.Position+1)
		if !errors.Is(err, context.Canceled) || errors.Is(err, eventsourcing.ErrConsistencyTimeout) {
			t.Fatalf("got %v, want context.Canceled only", err)
		}
	})
	t.Run("a processed position returns at once even with an ended context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := r.WaitFor(ctx, res.Position); err != nil {
			t.Fatalf("got %v, want nil", err)
		}
	})
	t.Run("many waiters are all woken by a later event", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				errs <- r.WaitFor(ctx, res.Position+1)
			})
		}
		mustHandle(t, newCounterHandler(s), createCounter{ID: "b"}, eventsourcing.Meta{})
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestRunner_Drain(t *testing.T) {
	s, r, res := runningTotals(t)
	// The contexts bound the test only: without Drain these waits would last until they end.
	bounded := func() context.Context {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		t.Cleanup(cancel)
		return ctx
	}

	beyond := make(chan error, 4)
	for range cap(beyond) {
		go func() { beyond <- r.WaitFor(bounded(), res.Position+5) }()
	}
	within := make(chan error, 1)
	go func() { within <- r.WaitFor(bounded(), res.Position+1) }()

	r.Drain(res.Position + 1) // as if a command in flight were still to write position +1
	for range cap(beyond) {
		if err := <-beyond; !errors.Is(err, eventsourcing.ErrDraining) || errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("a wait beyond the head, after Drain: %v; want ErrDraining at once", err)
		}
	}
	if err := r.WaitFor(bounded(), res.Position+2); !errors.Is(err, eventsourcing.ErrDraining) {
		t.Fatalf("a wait beyond the head begun after Drain: %v; want ErrDraining", err)
	}
	if err := r.WaitFor(bounded(), res.Position); err != nil {
		t.Fatalf("a wait for a processed position after Drain: %v", err)
	}
	mustHandle(t, newCounterHandler(s), createCounter{ID: "b"}, eventsourcing.Meta{})
	if err := <-within; err != nil {
		t.Fatalf("a wait up to the head, after Drain: %v; want it to end when the position is processed", err)
	}
}

// failing is a projection whose Apply fails (or panics) at one position.
type failing struct {
	name  string
	at    store.Position
	panic bool
}

func (f failing) Name() string { return f.name }
func (f failing) Apply(e store.Event) error {
	if e.Position != f.at {
		return nil
	}
	if f.panic {
		panic("boom")
	}
	return errFault
}

func TestRunner_failingProjection(t *testing.T) {
	tests := []struct {
		name      string
		bad       failing
		wantError string
	}{
		{"an Apply error stops the projection", failing{name: "bad", at: 2}, errFault.Error()},
		{"a panic in Apply stops the projection", failing{name: "bad", at: 2, panic: true}, "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			h := newCounterHandler(s)
			log, buf := quietLogger()
			r := eventsourcing.NewRunner(s, eventsourcing.WithRunnerLogger(log))
			good := newTotals("good")
			r.AddProjection(tt.bad)
			r.AddProjection(good)
			startRunner(t, r)

			mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{})
			res := mustHandle(t, h, addToCounter{ID: "a", N: 2}, eventsourcing.Meta{})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := r.WaitFor(ctx, res.Position); !errors.Is(err, eventsourcing.ErrProcessorStopped) {
				t.Fatalf("WaitFor: got %v, want ErrProcessorStopped", err)
			}
			st := statusOf(t, r, "bad")
			if !st.Stopped || st.Failures != 1 || st.Position != 1 || !strings.Contains(st.LastError, tt.wantError) {
				t.Fatalf("status %+v, want stopped at 1 with one failure naming %q", st, tt.wantError)
			}
			// The healthy projection goes on.
			good.waitSeen(t, res.Position)
			if !strings.Contains(buf.String(), "projection failed") {
				t.Fatalf("log %q does not report the failure", buf.String())
			}
		})
	}
}

// useDefaultLogger makes slog's default logger write to the returned buffer until the test
// ends. The package's tests do not run in parallel, so no other test logs there meanwhile.
func useDefaultLogger(t *testing.T) *syncbuf.Buffer {
	t.Helper()
	log, buf := quietLogger()
	before := slog.Default()
	slog.SetDefault(log)
	t.Cleanup(func() { slog.SetDefault(before) })
	return buf
}

func TestWithRunnerLogger_nilIsTheDefaultLogger(t *testing.T) {
	buf := useDefaultLogger(t)
	s := newStore(t)
	r := eventsourcing.NewRunner(s, eventsourcing.WithRunnerLogger(nil))
	r.AddProjection(failing{name: "bad", at: 1})
	startRunner(t, r)
	res := mustHandle(t, newCounterHandler(s), createCounter{ID: "a"}, eventsourcing.Meta{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.WaitFor(ctx, res.Position); !errors.Is(err, eventsourcing.ErrProcessorStopped) {
		t.Fatalf("WaitFor: got %v, want ErrProcessorStopped", err)
	}
	if !strings.Contains(buf.String(), "projection failed") {
		t.Fatalf("slog's default logger got %q, want the projection's failure", buf.String())
	}
}

func TestRunner_subscriptionFailures(t *testing.T) {
	t.Run("a failed subscription is retried", func(t *testing.T) {
		f := &faultyStore{Store: newStore(t), subscribeErrs: 2}
		log, _ := quietLogger()
		r := eventsourcing.NewRunner(f, eventsourcing.WithRunnerLogger(log))
		r.AddProjection(newTotals("t"))
		startRunner(t, r)
		res := mustHandle(t, newCounterHandler(f), createCounter{ID: "a"}, eventsourcing.Meta{})
		waitFor(t, r, res.Position)
		if st := statusOf(t, r, "t"); st.Failures != 2 || st.Stopped {
			t.Fatalf("status %+v, want 2 failures and running", st)
		}
	})
	t.Run("each projection sharing the subscription records its failures", func(t *testing.T) {
		f := &faultyStore{Store: newStore(t), subscribeErrs: 2}
		log, buf := quietLogger()
		r := eventsourcing.NewRunner(f, eventsourcing.WithRunnerLogger(log))
		r.AddProjection(newTotals("t1"))
		r.AddProjection(newTotals("t2"))
		startRunner(t, r)
		res := mustHandle(t, newCounterHandler(f), createCounter{ID: "a"}, eventsourcing.Meta{})
		waitFor(t, r, res.Position)
		for _, name := range []string{"t1", "t2"} {
			if st := statusOf(t, r, name); st.Failures != 2 || st.Stopped || !strings.Contains(st.LastError, errFault.Error()) {
				t.Errorf("status %+v, want 2 failures naming %q and running", st, errFault)
			}
		}
		if n := strings.Count(buf.String(), "subscription failed"); n != 4 {
			t.Errorf("%d subscription failures logged, want 2 for each projection", n)
		}
	})
	t.Run("a closed store stops the processors", func(t *testing.T) {
		s := newStore(t)
		log, _ := quietLogger()
		r := eventsourcing.NewRunner(s, eventsourcing.WithRunnerLogger(log))
		r.AddProjection(newTotals("t"))
		startRunner(t, r)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.CaughtUp(ctx); err != nil {
			t.Fatal(err)
		}
		_ = s.Close()
		if err := r.WaitFor(ctx, 1); !errors.Is(err, eventsourcing.ErrProcessorStopped) {
			t.Fatalf("WaitFor: got %v, want ErrProcessorStopped", err)
		}
	})
	t.Run("Run fails when the head cannot be read", func(t *testing.T) {
		s := newStore(t)
		_ = s.Close()
		r := eventsourcing.NewRunner(s)
		if err := r.Run(context.Background()); !errors.Is(err, store.ErrClosed) {
			t.Fatalf("Run: got %v, want store.ErrClosed", err)
		}
		if err := r.CaughtUp(context.Background()); !errors.Is(err, store.ErrClosed) {
			t.Fatalf("CaughtUp: got %v, want store.ErrClosed", err)
		}
	})
}

// TestRunner_runsUntilCtxEnds: Run returns when ctx ends, not when its processors have all
// stopped on errors, so that a caller waiting for Run does not take their failure for a
// shutdown.
func TestRunner_runsUntilCtxEnds(t *testing.T) {
	tests := []struct {
		name string
		proc eventsourcing.Projection
		stop func(t *testing.T, s store.Store, h *counterHandler)
		log  string // a line the runner logged when its processor stopped
	}{
		{"the only projection's Apply failed", failing{name: "bad", at: 2}, func(t *testing.T, _ store.Store, h *counterHandler) {
			mustHandle(t, h, addToCounter{ID: "a", N: 2}, eventsourcing.Meta{})
		}, "projection failed"},
		{"the store closed", newTotals("t"), func(t *testing.T, s store.Store, _ *counterHandler) {
			_ = s.Close()
		}, `subscription failed" kind=projection name=t position=1 `}, // where it stopped, not where its subscription began
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			h := newCounterHandler(s)
			log, buf := quietLogger()
			r := eventsourcing.NewRunner(s, eventsourcing.WithRunnerLogger(log))
			r.AddProjection(tt.proc)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- r.Run(ctx) }()

			res := mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{})
			waitFor(t, r, res.Position)
			tt.stop(t, s, h)
			wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer wcancel()
			if err := r.WaitFor(wctx, res.Position+1); !errors.Is(err, eventsourcing.ErrProcessorStopped) {
				t.Fatalf("WaitFor: got %v, want ErrProcessorStopped", err)
			}
			if !strings.Contains(buf.String(), tt.log) {
				t.Fatalf("log %q, want a line with %q", buf.String(), tt.log)
			}
			// Nothing signals the moment a Run that returned early would return: a grace
			// period, which only a wrong Run can fail within.
			select {
			case err := <-done:
				t.Fatalf("Run returned %v with every processor stopped but ctx live; want it to wait for ctx", err)
			case <-time.After(100 * time.Millisecond):
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("Run: got %v after ctx ended, want nil", err)
			}
		})
	}
}

func TestRunner_misuse(t *testing.T) {
	s := newStore(t)
	r := eventsourcing.NewRunner(s)
	r.AddProjection(newTotals("t"))
	h := newCounterHandler(s)
	r.AddSaga(eventsourcing.NewSaga("mirror", mirrorSaga(), counterCodec{}, h.Handle))
	// A name is a processor's in Status, and a saga's names its checkpoint ("saga:" and the
	// name), which two sagas of one name would overwrite each other's.
	for _, tt := range []struct {
		name string
		add  func()
	}{
		{"a projection's name again panics", func() { r.AddProjection(newTotals("t")) }},
		{"a saga's name again panics", func() { r.AddSaga(eventsourcing.NewSaga("mirror", mirrorSaga(), counterCodec{}, h.Handle)) }},
		{"a saga named as a projection panics", func() { r.AddSaga(eventsourcing.NewSaga("t", mirrorSaga(), counterCodec{}, h.Handle)) }},
		{"a projection named as a saga panics", func() { r.AddProjection(newTotals("mirror")) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			tt.add()
		})
	}
	startRunner(t, r)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.CaughtUp(ctx); err != nil {
		t.Fatal(err)
	}
	t.Run("a second Run fails", func(t *testing.T) {
		if err := r.Run(context.Background()); !errors.Is(err, eventsourcing.ErrRunnerStarted) {
			t.Fatalf("got %v, want ErrRunnerStarted", err)
		}
	})
	t.Run("adding after Run panics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Fatal("no panic")
			}
		}()
		r.AddProjection(newTotals("late"))
	})
	t.Run("adding a saga after Run panics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Fatal("no panic")
			}
		}()
		r.AddSaga(eventsourcing.NewSaga("late", mirrorSaga(), counterCodec{}, h.Handle))
	})
	t.Run("CaughtUp before Run honours its context", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		defer cancel()
		err := eventsourcing.NewRunner(s).CaughtUp(ctx)
		if !errors.Is(err, eventsourcing.ErrConsistencyTimeout) {
			t.Fatalf("got %v, want ErrConsistencyTimeout", err)
		}
	})
}

// Once Run has returned, no processor moves again: a WaitFor for a position not processed,
// waiting then or called after, fails at once with ErrProcessorStopped. It waited for its
// caller's whole deadline.
func TestRunner_waitForAfterRunReturned(t *testing.T) {
	s := newStore(t)
	r := eventsourcing.NewRunner(s)
	r.AddProjection(newTotals("totals"))
	h := newCounterHandler(s)
	first := mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	waitFor(t, r, first.Position)
	if !r.Reached(first.Position) || r.Reached(first.Position+1) {
		t.Fatalf("Reached(%d) = %v, Reached(%d) = %v; want true, false", first.Position, r.Reached(first.Position), first.Position+1, r.Reached(first.Position+1))
	}

	// A wait in progress when Run returns. No deadline: without the fix it never returns,
	// and the test's own timeout reports it.
	waiting := make(chan error, 1)
	go func() { waiting <- r.WaitFor(context.Background(), first.Position+1) }()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := <-waiting; !errors.Is(err, eventsourcing.ErrProcessorStopped) {
		t.Fatalf("a WaitFor waiting as Run returned: %v, want ErrProcessorStopped", err)
	}

	later := mustHandle(t, h, addToCounter{ID: "a", N: 1}, eventsourcing.Meta{})
	if err := r.WaitFor(context.Background(), later.Position); !errors.Is(err, eventsourcing.ErrProcessorStopped) {
		t.Fatalf("a WaitFor after Run returned: %v, want ErrProcessorStopped", err)
	}
	// What was processed still is.
	if err := r.WaitFor(context.Background(), first.Position); err != nil {
		t.Fatalf("a WaitFor for a processed position after Run returned: %v", err)
	}
}

// A Run whose ctx ends before it could read the log's head is a shutdown, not a failure: it
// returns nil, as it does when ctx ends later.
func TestRunner_runWithCtxEndedBeforeTheHead(t *testing.T) {
	r := eventsourcing.NewRunner(newStore(t))
	r.AddProjection(newTotals("totals"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the store's Head fails with ctx's error
	if err := r.Run(ctx); err != nil {
		t.Fatalf("Run with ctx ended: %v, want nil", err)
	}
	if err := r.WaitFor(context.Background(), 1); !errors.Is(err, eventsourcing.ErrProcessorStopped) {
		t.Fatalf("WaitFor after such a Run: %v, want ErrProcessorStopped", err)
	}
}

// A zero Runner processes nothing: neither its WaitFor nor its Reached may answer that a
// position was reached, which a read-your-writes check would take for a visible write.
func TestRunner_zeroValueReachesNothing(t *testing.T) {
	var r eventsourcing.Runner
	if err := r.WaitFor(context.Background(), 1); !errors.Is(err, eventsourcing.ErrProcessorStopped) {
		t.Fatalf("WaitFor on a zero Runner: %v, want ErrProcessorStopped", err)
	}
	// Reached says whether WaitFor would return nil at once, which it would not.
	for _, p := range []store.Position{0, 1} {
		if r.Reached(p) {
			t.Errorf("Reached(%d) on a zero Runner = true, want false: its WaitFor fails", p)
		}
	}
}
