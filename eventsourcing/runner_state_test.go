package eventsourcing_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
	"github.com/eventgraph/eventgraph/store/memory"
)

// idsProjection is a StatefulProjection that keeps the ids of the events it applied.
type idsProjection struct {
	name, rev string
	failRead  bool // ReadState fails, after it decoded the state

	mu      sync.Mutex
	ids     []string
	applied int // Apply calls in this process
}

func (p *idsProjection) Name() string          { return p.name }
func (p *idsProjection) StateRevision() string { return p.rev }

func (p *idsProjection) Apply(e store.Event) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ids = append(p.ids, e.ID)
	p.applied++
	return nil
}

func (p *idsProjection) WriteState(w io.Writer) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return json.NewEncoder(w).Encode(p.ids)
}

func (p *idsProjection) ReadState(r io.Reader) error {
	var ids []string
	if err := json.NewDecoder(r).Decode(&ids); err != nil {
		return err
	}
	if p.failRead {
		return errors.New("cannot take this state")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ids = ids
	return nil
}

func (p *idsProjection) state() ([]string, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.ids), p.applied
}

// lockedBuffer is a log's output, written by the runner's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// runUntilHead runs a Runner with the projections over s until they processed the log's
// head, then stops it as a server does, and returns its log.
func runUntilHead(t *testing.T, s store.Store, opts []eventsourcing.RunnerOption, ps ...eventsourcing.Projection) string {
	t.Helper()
	var logs lockedBuffer
	opts = append([]eventsourcing.RunnerOption{eventsourcing.WithRunnerLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))}, opts...)
	r := eventsourcing.NewRunner(s, opts...)
	for _, p := range ps {
		r.AddProjection(p)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	head, err := store.Head(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if err := r.WaitFor(wctx, head); err != nil {
		t.Fatalf("WaitFor(%d): %v\n%s", head, err, logs.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	return logs.String()
}

func openJSONL(t *testing.T, dir string) *jsonl.Store {
	t.Helper()
	s, err := jsonl.Open(dir, jsonl.WithNoSync())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func appendN(t *testing.T, s store.Store, stream string, n int) {
	t.Helper()
	for i := range n {
		if _, err := s.Append(context.Background(), stream, store.Any, store.EventData{Type: "T", Data: []byte(fmt.Sprintf(`{"n":%d}`, i))}); err != nil {
			t.Fatal(err)
		}
	}
}

func ids(t *testing.T, s store.Store) []string {
	t.Helper()
	var out []string
	for _, e := range readAll(t, s) {
		out = append(out, e.ID)
	}
	return out
}

func TestRunner_projectionStates(t *testing.T) {
	// given a log of 10 events whose projections saved their states when Run ended, and 5
	// events appended since
	given := func(t *testing.T) (dir string) {
		t.Helper()
		dir = t.TempDir()
		s := openJSONL(t, dir)
		appendN(t, s, "a", 10)
		runUntilHead(t, s, nil, &idsProjection{name: "a", rev: "1"}, &idsProjection{name: "b", rev: "1"})
		appendN(t, s, "b", 5)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		return dir
	}

	t.Run("a restarted runner loads the states and applies only the events after them", func(t *testing.T) {
		dir := given(t)
		s := openJSONL(t, dir)
		a, b := &idsProjection{name: "a", rev: "1"}, &idsProjection{name: "b", rev: "1"}
		logs := runUntilHead(t, s, nil, a, b)
		want := ids(t, s)
		for _, p := range []*idsProjection{a, b} {
			got, applied := p.state()
			if !slices.Equal(got, want) || applied != 5 {
				t.Errorf("projection %s holds %d ids (equal to the log's: %v) after %d Applies; want the log's %d after 5", p.name, len(got), slices.Equal(got, want), applied, len(want))
			}
		}
		if !strings.Contains(logs, "projections resume from their saved states") {
			t.Errorf("the log does not say the projections resumed:\n%s", logs)
		}
	})

	for _, tc := range []struct {
		name  string
		alter func(t *testing.T, dir string, s *jsonl.Store)
		projs func() []*idsProjection
		log   string
		// upgrade marks what a release that changed the read models finds: said at Info.
		upgrade bool
	}{
		{name: "a state of another log is ignored", log: "of another log", alter: func(t *testing.T, _ string, s *jsonl.Store) {
			ps, _, err := s.ProjectionStates(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			ps.EventID = "an event of another log"
			if err := s.SaveProjectionStates(t.Context(), ps); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "a state beyond the head is ignored", log: "beyond the log's head", alter: func(t *testing.T, _ string, s *jsonl.Store) {
			ps, _, err := s.ProjectionStates(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			ps.Position, ps.Head = 99, 99
			if err := s.SaveProjectionStates(t.Context(), ps); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "a state of another revision is ignored", log: "of another revision", upgrade: true, projs: func() []*idsProjection {
			return []*idsProjection{{name: "a", rev: "1"}, {name: "b", rev: "2"}}
		}},
		{name: "states of other projections are ignored", log: "of other projections", upgrade: true, projs: func() []*idsProjection {
			return []*idsProjection{{name: "a", rev: "1"}, {name: "b", rev: "1"}, {name: "c", rev: "1"}}
		}},
		{name: "a damaged state is ignored", log: "unreadable", alter: func(t *testing.T, dir string, _ *jsonl.Store) {
			path := filepath.Join(dir, jsonl.StateDir, jsonl.StateFile)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			b[len(b)-3] ^= 1
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "a state that one projection fails to read leaves none half-loaded", log: "not loaded", projs: func() []*idsProjection {
			return []*idsProjection{{name: "a", rev: "1"}, {name: "b", rev: "1", failRead: true}}
		}},
	} {
		t.Run(tc.name+", and the log replayed", func(t *testing.T) {
			dir := given(t)
			s := openJSONL(t, dir)
			if tc.alter != nil {
				tc.alter(t, dir, s)
			}
			projs := []*idsProjection{{name: "a", rev: "1"}, {name: "b", rev: "1"}}
			if tc.projs != nil {
				projs = tc.projs()
			}
			var ps []eventsourcing.Projection
			for _, p := range projs {
				ps = append(ps, p)
			}
			logs := runUntilHead(t, s, nil, ps...)
			want := ids(t, s)
			for _, p := range projs {
				if got, applied := p.state(); !slices.Equal(got, want) || applied != len(want) {
					t.Errorf("projection %s holds %d ids (equal to the log's: %v) after %d Applies; want the log's %d after as many", p.name, len(got), slices.Equal(got, want), applied, len(want))
				}
			}
			level := "level=WARN"
			if tc.upgrade {
				level = "level=INFO" // expected after an upgrade: no warning
				if strings.Contains(logs, "level=WARN") {
					t.Errorf("the log warns:\n%s", logs)
				}
			}
			if !strings.Contains(logs, level+" msg=\"eventsourcing: projection states "+tc.log) || !strings.Contains(logs, "replaying the log from the start") {
				t.Errorf("the log does not say %q at %s:\n%s", tc.log, level, logs)
			}
		})
	}

	t.Run("states saved with a head the log was cut back below (a torn tail) are ignored, and the log replayed", func(t *testing.T) {
		// given states at 10 saved with the head at 15 (as when the command index read ahead)
		dir := given(t)
		s := openJSONL(t, dir)
		ps, _, err := s.ProjectionStates(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		all := ids(t, s)
		ps.Head, ps.HeadEventID = 15, all[14]
		if err := s.SaveProjectionStates(t.Context(), ps); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		// when the log loses its last 3 events, between the states' position and their head
		path := filepath.Join(dir, jsonl.LogFile)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		lines := bytes.SplitAfter(b, []byte("\n"))
		if err := os.WriteFile(path, bytes.Join(lines[:12], nil), 0o644); err != nil {
			t.Fatal(err)
		}
		s = openJSONL(t, dir)
		a, bp := &idsProjection{name: "a", rev: "1"}, &idsProjection{name: "b", rev: "1"}
		logs := runUntilHead(t, s, nil, a, bp)
		// then the projections replay the 12 events left
		for _, p := range []*idsProjection{a, bp} {
			if got, applied := p.state(); !slices.Equal(got, all[:12]) || applied != 12 {
				t.Errorf("projection %s holds %d ids after %d Applies; want the 12 left after as many", p.name, len(got), applied)
			}
		}
		if !strings.Contains(logs, "beyond the log's head") {
			t.Errorf("the log does not warn of states beyond the head:\n%s", logs)
		}
	})
	t.Run("with states off none is loaded", func(t *testing.T) {
		dir := given(t)
		s := openJSONL(t, dir)
		a := &idsProjection{name: "a", rev: "1"}
		runUntilHead(t, s, []eventsourcing.RunnerOption{eventsourcing.WithStateInterval(-1)}, a, &idsProjection{name: "b", rev: "1"})
		if _, applied := a.state(); applied != 15 {
			t.Errorf("%d Applies, want the whole log's 15", applied)
		}
	})
	t.Run("with no states saved the log is replayed, said at Info", func(t *testing.T) {
		s := openJSONL(t, t.TempDir())
		appendN(t, s, "a", 3)
		logs := runUntilHead(t, s, nil, &idsProjection{name: "a", rev: "1"})
		if !strings.Contains(logs, "level=INFO msg=\"eventsourcing: no projection states saved") || strings.Contains(logs, "level=WARN") {
			t.Errorf("the log:\n%s", logs)
		}
	})
}

// failingStates is a JSONL store whose saves of projection states fail while fail is set,
// and which reports each save's outcome on saved.
type failingStates struct {
	*jsonl.Store
	mu    sync.Mutex
	fail  bool
	saved chan error
}

func (f *failingStates) SaveProjectionStates(ctx context.Context, ps store.ProjectionStates) error {
	f.mu.Lock()
	fail := f.fail
	f.fail = false
	f.mu.Unlock()
	err := errors.New("disk full")
	if !fail {
		err = f.Store.SaveProjectionStates(ctx, ps)
	}
	select {
	case f.saved <- err:
	default:
	}
	return err
}

func TestRunner_projectionStatesSaved(t *testing.T) {
	t.Run("every n events, and a failed save is retried while the projections go on", func(t *testing.T) {
		s := &failingStates{Store: openJSONL(t, t.TempDir()), fail: true, saved: make(chan error, 1)}
		a := &idsProjection{name: "a", rev: "1"}
		var logs lockedBuffer
		r := eventsourcing.NewRunner(s, eventsourcing.WithStateInterval(time.Hour), eventsourcing.WithStateEvery(3),
			eventsourcing.WithRunnerLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		r.AddProjection(a)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- r.Run(ctx) }()
		if err := r.CaughtUp(ctx); err != nil { // the count starts after the head at Run's start
			t.Fatal(err)
		}

		appendN(t, s, "a", 3)
		if err := <-s.saved; err == nil {
			t.Fatal("the first save did not fail")
		}
		appendN(t, s, "a", 3)
		if err := r.WaitFor(ctx, 6); err != nil {
			t.Fatalf("the projection stood still after a failed save: %v", err)
		}
		if err := <-s.saved; err != nil {
			t.Fatalf("the save after the failure: %v", err)
		}
		ps, ok, err := s.ProjectionStates(ctx)
		if err != nil || !ok || ps.Position < 3 {
			t.Fatalf("ProjectionStates = %+v, %v, %v; want a set at 3 or later", ps, ok, err)
		}
		cancel()
		<-done
		// Read once Run returned: the save reports on saved before the runner logs its outcome.
		if !strings.Contains(logs.String(), "projection states not saved") || !strings.Contains(logs.String(), "saved again") {
			t.Errorf("the log does not tell the failure and the recovery:\n%s", logs.String())
		}
		st := r.StatesStatus()
		if !st.Kept || st.Loaded != 0 || st.Position != 6 || st.Failures != 1 || st.Saves < 1 || st.LastError != "" ||
			st.Bytes <= 0 || st.SavedAt.IsZero() || st.Encode < 0 || st.Save < st.Encode { // a coarse clock (Windows) may time a short encode as 0
			t.Errorf("StatesStatus = %+v; want kept, none loaded, saved at 6, one failure, none last", st)
		}
	})
}

// StatesStatus tells whether states are kept, which were loaded, and what a save left.
func TestRunner_statesStatus(t *testing.T) {
	t.Run("a store that keeps no states", func(t *testing.T) {
		s := memory.New()
		appendN(t, s, "a", 2)
		r := eventsourcing.NewRunner(s)
		r.AddProjection(&idsProjection{name: "a", rev: "1"})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- r.Run(ctx) }()
		if err := r.WaitFor(ctx, 2); err != nil {
			t.Fatal(err)
		}
		cancel()
		<-done
		if st := r.StatesStatus(); st != (eventsourcing.StatesStatus{}) {
			t.Errorf("StatesStatus = %+v; want the zero value", st)
		}
	})
	t.Run("a failed save, then the states loaded by the next Run", func(t *testing.T) {
		dir := t.TempDir()
		s := &failingStates{Store: openJSONL(t, dir), fail: true, saved: make(chan error, 1)}
		appendN(t, s, "a", 4)
		runner := func() *eventsourcing.Runner {
			r := eventsourcing.NewRunner(s, eventsourcing.WithStateInterval(time.Hour),
				eventsourcing.WithRunnerLogger(slog.New(slog.DiscardHandler)))
			r.AddProjection(&idsProjection{name: "a", rev: "1"})
			return r
		}
		run := func(r *eventsourcing.Runner) {
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() { done <- r.Run(ctx) }()
			if err := r.WaitFor(ctx, 4); err != nil {
				t.Fatal(err)
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		}
		r := runner()
		run(r) // its final save fails
		if st := r.StatesStatus(); !st.Kept || st.Position != 0 || st.Saves != 0 || st.Failures != 1 || !strings.Contains(st.LastError, "disk full") || !st.SavedAt.IsZero() {
			t.Errorf("after a failed final save: StatesStatus = %+v; want kept, nothing saved, the failure", st)
		}
		r = runner()
		run(r) // its final save succeeds
		if st := r.StatesStatus(); st.Loaded != 0 || st.Position != 4 || st.Saves != 1 || st.Failures != 0 || st.LastError != "" {
			t.Errorf("after a final save: StatesStatus = %+v; want saved at 4", st)
		}
		r = runner()
		run(r) // it loads the states at 4 and saves none: nothing moved
		if st := r.StatesStatus(); !st.Kept || st.Loaded != 4 || st.Position != 4 || st.Saves != 0 || !st.SavedAt.IsZero() || st.Bytes != 0 {
			t.Errorf("after a load: StatesStatus = %+v; want loaded at 4, no save", st)
		}
	})
}

// blockingStates is a JSONL store whose first save of projection states waits for its
// context to end, as a save in flight when Run's context is cancelled does.
type blockingStates struct {
	*jsonl.Store
	once    sync.Once
	entered chan struct{}
}

func (b *blockingStates) SaveProjectionStates(ctx context.Context, ps store.ProjectionStates) error {
	first := false
	b.once.Do(func() { first = true })
	if first {
		close(b.entered)
		<-ctx.Done()
		return ctx.Err()
	}
	return b.Store.SaveProjectionStates(ctx, ps)
}

// A save cut short by the shutdown is no failure: the final save that follows it does not
// say the states are "saved again".
func TestRunner_projectionStatesShutdown(t *testing.T) {
	s := &blockingStates{Store: openJSONL(t, t.TempDir()), entered: make(chan struct{})}
	var logs lockedBuffer
	r := eventsourcing.NewRunner(s, eventsourcing.WithStateInterval(time.Hour), eventsourcing.WithStateEvery(1),
		eventsourcing.WithRunnerLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	r.AddProjection(&idsProjection{name: "a", rev: "1"})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	if err := r.CaughtUp(ctx); err != nil { // the count starts after the head at Run's start
		t.Fatal(err)
	}
	appendN(t, s, "a", 1)
	<-s.entered
	cancel()
	<-done
	if ps, ok, err := s.ProjectionStates(t.Context()); err != nil || !ok || ps.Position != 1 {
		t.Errorf("ProjectionStates = %+v, %v, %v; want the final save's at 1", ps, ok, err)
	}
	if strings.Contains(logs.String(), "saved again") {
		t.Errorf("a save cut short by the shutdown was taken for a failure:\n%s", logs.String())
	}
	if st := r.StatesStatus(); st.Failures != 0 || st.Saves != 1 || st.Position != 1 {
		t.Errorf("StatesStatus = %+v; want the final save, and no failure", st)
	}
}

// positionsSaved is a JSONL store that records the position of each set of states it saved.
type positionsSaved struct {
	*jsonl.Store
	saved chan store.Position
}

func (s positionsSaved) SaveProjectionStates(ctx context.Context, ps store.ProjectionStates) error {
	err := s.Store.SaveProjectionStates(ctx, ps)
	if err == nil {
		s.saved <- ps.Position
	}
	return err
}

// WithStateEvery counts the events applied after the head at Run's start: the replay of the
// log up to it (a first start) is not saved every n events, which would encode the whole,
// growing states over and over.
func TestRunner_stateEveryAfterTheReplay(t *testing.T) {
	s := positionsSaved{Store: openJSONL(t, t.TempDir()), saved: make(chan store.Position, 100)}
	appendN(t, s, "a", 100)
	r := eventsourcing.NewRunner(s, eventsourcing.WithStateInterval(time.Hour), eventsourcing.WithStateEvery(10))
	r.AddProjection(&idsProjection{name: "a", rev: "1"})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	if err := r.CaughtUp(ctx); err != nil {
		t.Fatal(err)
	}
	appendN(t, s, "a", 10)
	select {
	case p := <-s.saved:
		if p != 110 {
			t.Errorf("the first save was at %d, want at 110, ten events after the replay of the 100 at the start", p)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no save ten events after the replay")
	}
}
