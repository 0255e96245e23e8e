package eventsourcing_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
)

// kept is a ResumableProjection as one kept in a database would be: it remembers the
// positions it applied, and its Resume returns at, or fails, or panics.
type kept struct {
	name    string
	at      store.Position
	panics  bool
	gate    chan struct{}         // when not nil, each Apply waits for a receive
	before  func() store.Position // when not nil, Resume calls it and returns its position
	fails   int                   // Resume fails this many times first
	mu      sync.Mutex
	applied []store.Position
}

func (k *kept) Name() string { return k.name }

func (k *kept) Resume(ctx context.Context) (store.Position, error) {
	k.mu.Lock()
	failing := k.fails > 0
	k.fails--
	k.mu.Unlock()
	if failing {
		return 0, errors.New("the database is not up yet")
	}
	if k.panics {
		panic("lost the database")
	}
	if k.before != nil {
		return k.before(), nil
	}
	return k.at, nil
}

func (k *kept) Apply(e store.Event) error {
	if k.gate != nil {
		<-k.gate
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.applied = append(k.applied, e.Position)
	return nil
}

func (k *kept) positions() []store.Position {
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Clone(k.applied)
}

var _ eventsourcing.ResumableProjection = (*kept)(nil)

// fiveEvents returns a store holding five counter events.
func fiveEvents(tb testing.TB) store.Store {
	tb.Helper()
	s := newStore(tb)
	h := newCounterHandler(s)
	mustHandle(tb, h, createCounter{ID: "a"}, eventsourcing.Meta{})
	mustHandle(tb, h, addToCounter{ID: "a", N: 2}, eventsourcing.Meta{}) // two events
	mustHandle(tb, h, addToCounter{ID: "a", N: 2}, eventsourcing.Meta{})
	if n := len(readAll(tb, s)); n != 5 {
		tb.Fatalf("%d events, want 5", n)
	}
	return s
}

func TestRunner_resumableProjection(t *testing.T) {
	t.Run("starts after the position Resume returns", func(t *testing.T) {
		s := fiveEvents(t)
		k := &kept{name: "db", at: 3}
		log, _ := quietLogger()
		r := eventsourcing.NewRunner(s, eventsourcing.WithRunnerLogger(log))
		r.AddProjection(k)
		startRunner(t, r)
		waitFor(t, r, 5)
		if got := k.positions(); !slices.Equal(got, []store.Position{4, 5}) {
			t.Errorf("applied positions %v, want [4 5]", got)
		}
		if st := statusOf(t, r, "db"); st.Position != 5 || st.Stopped || st.Kind != eventsourcing.KindProjection {
			t.Errorf("status %+v, want a projection at position 5", st)
		}
	})

	t.Run("a read model that reflects nothing yet (Resume returns 0) gets every event", func(t *testing.T) {
		s := fiveEvents(t)
		k := &kept{name: "db"}
		log, _ := quietLogger()
		r := eventsourcing.NewRunner(s, eventsourcing.WithRunnerLogger(log))
		r.AddProjection(k)
		startRunner(t, r)
		waitFor(t, r, 5)
		if got := k.positions(); !slices.Equal(got, []store.Position{1, 2, 3, 4, 5}) {
			t.Errorf("applied positions %v, want [1 2 3 4 5]", got)
		}
		if st := statusOf(t, r, "db"); st.Position != 5 || st.Stopped || st.Failures != 0 {
			t.Errorf("status %+v, want a projection at position 5 without failures", st)
		}
	})

	t.Run("WaitFor up to the resumed position does not wait for Apply", func(t *testing.T) {
		s := fiveEvents(t)
		k := &kept{name: "db", at: 3, gate: make(chan struct{})}
		log, _ := quietLogger()
		r := eventsourcing.NewRunner(s, eventsourcing.WithRunnerLogger(log))
		r.AddProjection(k)
		startRunner(t, r)
		t.Cleanup(func() { close(k.gate) }) // before the runner stops: cleanups run last first
		waitFor(t, r, 3)
		if got := k.positions(); len(got) != 0 {
			t.Errorf("applied %v before the gate opened", got)
		}
	})

	t.Run("runs on a subscription of its own: a slow Apply holds no other projection back", func(t *testing.T) {
		s := fiveEvents(t)
		k := &kept{name: "db", gate: make(chan struct{})}
		tot := newTotals("totals")
		log, _ := quietLogger()
		r := eventsourcing.NewRunner(s, eventsourcing.WithRunnerLogger(log))
		r.AddProjection(k) // added first: in a shared subscription it would hold totals back
		r.AddProjection(tot)
		startRunner(t, r)
		t.Cleanup(func() { close(k.gate) })
		tot.waitSeen(t, 5)
		if got := k.positions(); len(got) != 0 {
			t.Errorf("applied %v before the gate opened", got)
		}
	})

	t.Run("a position the log reached after Run read its head is not refused", func(t *testing.T) {
		// Another server appends, and updates the read model both share, between Run's
		// reading the head and Resume.
		s := fiveEvents(t)
		k := &kept{name: "db"}
		k.before = func() store.Position {
			a, err := s.Append(context.Background(), "counter-b", store.NoStream, store.EventData{Type: "CounterCreated", Data: []byte(`{"id":"b"}`)})
			if err != nil {
				t.Error(err)
			}
			return a.Position
		}
		log, _ := quietLogger()
		r := eventsourcing.NewRunner(s, eventsourcing.WithRunnerLogger(log))
		r.AddProjection(k)
		startRunner(t, r)
		waitFor(t, r, 6)
		if st := statusOf(t, r, "db"); st.Position != 6 || st.Stopped {
			t.Errorf("status %+v, want a projection at position 6", st)
		}
		if got := k.positions(); len(got) != 0 {
			t.Errorf("applied %v, want nothing: the read model reflects the whole log", got)
		}
	})

	t.Run("a failing Resume is tried again; WaitFor waits meanwhile", func(t *testing.T) {
		s := fiveEvents(t)
		k := &kept{name: "db", at: 3, fails: 2}
		log, logs := quietLogger()
		r := eventsourcing.NewRunner(s, eventsourcing.WithRunnerLogger(log))
		r.AddProjection(k)
		startRunner(t, r)
		waitFor(t, r, 5)
		if got := k.positions(); !slices.Equal(got, []store.Position{4, 5}) {
			t.Errorf("applied positions %v, want [4 5]", got)
		}
		st := statusOf(t, r, "db")
		if st.Position != 5 || st.Stopped || st.Failures != 2 || !strings.Contains(st.LastError, "not up yet") {
			t.Errorf("status %+v, want a projection at position 5 that failed to resume twice", st)
		}
		if !strings.Contains(logs.String(), "cannot resume yet") {
			t.Errorf("the log does not say the projection could not resume:\n%s", logs.String())
		}
	})

	for _, tc := range []struct {
		name, want string
		k          *kept
	}{
		{"Resume panics", "lost the database", &kept{panics: true}},
		{"a position beyond the log's head", "beyond the log's head 5", &kept{at: 6}},
		{"a negative position", "position -1", &kept{at: -1}},
	} {
		t.Run(tc.name+": the projection stops, the others go on", func(t *testing.T) {
			s := fiveEvents(t)
			tc.k.name = "db"
			tot := newTotals("totals")
			log, logs := quietLogger()
			r := eventsourcing.NewRunner(s, eventsourcing.WithRunnerLogger(log))
			r.AddProjection(tc.k)
			r.AddProjection(tot)
			startRunner(t, r)
			// WaitFor returns once the projection stopped (it fails at once from then on).
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := r.WaitFor(ctx, 5); !errors.Is(err, eventsourcing.ErrProcessorStopped) {
				t.Errorf("WaitFor: %v, want ErrProcessorStopped", err)
			}
			tot.waitSeen(t, 5)
			st := statusOf(t, r, "db")
			if !st.Stopped || st.Failures != 1 || !strings.Contains(st.LastError, tc.want) {
				t.Errorf("status %+v, want stopped with an error saying %q", st, tc.want)
			}
			if got := tc.k.positions(); len(got) != 0 {
				t.Errorf("applied %v", got)
			}
			if !strings.Contains(logs.String(), tc.want) {
				t.Errorf("the log does not say %q:\n%s", tc.want, logs.String())
			}
		})
	}
}
