package eventsourcing_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

// A notebook's state grows with its stream, as a restaurant's does with its orders: each
// note adds its text to the state.
type addNote struct{ ID, Text string }

type noteAdded struct{ Text string }

type notebook struct{ Notes []string }

func notebookAggregate() eventsourcing.Aggregate[addNote, notebook, noteAdded] {
	return eventsourcing.Aggregate[addNote, notebook, noteAdded]{
		Decider: decider.Decider[addNote, notebook, noteAdded]{
			Decide: func(c addNote, _ notebook) ([]noteAdded, error) { return []noteAdded{{Text: c.Text}}, nil },
			Evolve: func(s notebook, e noteAdded) notebook {
				return notebook{Notes: append(s.Notes[:len(s.Notes):len(s.Notes)], e.Text)}
			},
		},
		Codec:  eventsourcing.NewJSONCodec(eventsourcing.JSONEvent[noteAdded, noteAdded]("NoteAdded")),
		Stream: func(c addNote) string { return "notebook-" + c.ID },
	}
}

// savesRecorder is a snapStore that records the snapshots saved: version and size.
type savesRecorder struct {
	*snapStore
	mu    sync.Mutex
	saves []store.Snapshot
}

func (s *savesRecorder) SaveSnapshot(ctx context.Context, stream string, snap store.Snapshot) error {
	s.mu.Lock()
	s.saves = append(s.saves, snap)
	s.mu.Unlock()
	return s.snapStore.SaveSnapshot(ctx, stream, snap)
}

func (s *savesRecorder) saved() []store.Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.saves
	s.saves = nil
	return out
}

// Given snapshots every 5 events and a write budget of 100 bytes an event, a stream whose
// state grows by some 100 bytes an event is snapshotted at multiples of 5 that lie at least
// (the last snapshot's size) / 100 events after it, about twice as far into the stream as
// the last: its snapshots write about 100 bytes for each event appended, where one at every
// multiple wrote over 5,000 bytes an event by the 300th. A restarted
// handler that starts from the stream's snapshot spaces the next one by it too; one with
// the budget below 1 snapshots at every multiple.
func TestWithSnapshotWriteBudget(t *testing.T) {
	const every, budget = 5, 100
	note := strings.Repeat("n", 90)
	run := func(t *testing.T, h *eventsourcing.Handler[addNote, notebook, noteAdded], events int) {
		t.Helper()
		for range events {
			if _, err := h.Handle(context.Background(), addNote{ID: "a", Text: note}, eventsourcing.Meta{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// checkSpacing checks that saves are at multiples of every, each at least its
	// predecessor's size / budget events after it (the first after from, of fromBytes).
	checkSpacing := func(t *testing.T, saves []store.Snapshot, from store.Version, fromBytes int) {
		t.Helper()
		if len(saves) < 2 {
			t.Fatalf("%d snapshots saved, want several", len(saves))
		}
		last, lastBytes := from, fromBytes
		for _, s := range saves {
			if s.Version%every != 0 {
				t.Errorf("snapshot at version %d, not a multiple of %d", s.Version, every)
			}
			need := store.Version((lastBytes + budget - 1) / budget)
			if s.Version-last < need {
				t.Errorf("snapshot at version %d, %d events after the one of %d bytes at %d; want at least %d", s.Version, s.Version-last, lastBytes, last, need)
			}
			// And no later than the first multiple of every at that distance.
			if first := (last + need + every - 1) / every * every; s.Version > first {
				t.Errorf("snapshot at version %d; the one of %d bytes at %d made it due at %d", s.Version, lastBytes, last, first)
			}
			last, lastBytes = s.Version, len(s.State)
		}
	}

	s := &savesRecorder{snapStore: newSnapStore(t)}
	h := eventsourcing.NewHandler(s, notebookAggregate(), eventsourcing.WithSnapshots(every, "n1"), eventsourcing.WithSnapshotWriteBudget(budget))
	run(t, h, 300)
	saves := s.saved()
	if saves[0].Version != every {
		t.Errorf("the first snapshot at version %d, want %d: nothing spaced it", saves[0].Version, every)
	}
	checkSpacing(t, saves[1:], saves[0].Version, len(saves[0].State))
	written := 0
	for _, snap := range saves {
		written += len(snap.State)
	}
	if perEvent := written / 300; perEvent > 2*budget { // the last snapshot's distance is not over yet
		t.Errorf("snapshots wrote %d bytes an event, want about %d", perEvent, budget)
	}

	// A handler started afresh (a restart) starts from the snapshot, and spaces the next by it.
	latest, ok := snapshotOf(t, s, "notebook-a")
	if !ok {
		t.Fatal("no snapshot")
	}
	restarted := eventsourcing.NewHandler(s, notebookAggregate(), eventsourcing.WithSnapshots(every, "n1"), eventsourcing.WithSnapshotWriteBudget(budget))
	run(t, restarted, 1500)
	checkSpacing(t, s.saved(), latest.Version, len(latest.State))

	// Without a budget, every multiple.
	s = &savesRecorder{snapStore: newSnapStore(t)}
	h = eventsourcing.NewHandler(s, notebookAggregate(), eventsourcing.WithSnapshots(every, "n1"), eventsourcing.WithSnapshotWriteBudget(0))
	run(t, h, 50)
	if got := len(s.saved()); got != 50/every {
		t.Errorf("WithSnapshotWriteBudget(0): %d snapshots in 50 events, want one every %d: %d", got, every, 50/every)
	}
}

// The default budget leaves the snapshots of a small state at every multiple.
func TestWithSnapshotWriteBudget_smallStatesEveryInterval(t *testing.T) {
	s := &savesRecorder{snapStore: newSnapStore(t)}
	h := eventsourcing.NewHandler(s, notebookAggregate(), eventsourcing.WithSnapshots(20, "n1"))
	for range 200 {
		if _, err := h.Handle(context.Background(), addNote{ID: "a", Text: "x"}, eventsourcing.Meta{}); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(s.saved()); got != 10 {
		t.Errorf("%d snapshots of a state of at most ~1 KB in 200 events, want 10 (every 20)", got)
	}
}

// A stream whose log lost events under the handler (an asynchronous failover, a backup
// restored) is snapshotted again at the next multiple: the handler's mark of its last big
// snapshot, at a version the log no longer reaches, put the next one off until the stream
// grew past that version again, while every load that was not cached folded it from its start.
//
// So too when the stream was not cached when the log lost its events, so that the handler
// learns of the loss only from the snapshot: none, or one the log contradicts.
func TestWithSnapshotWriteBudget_logLostEvents(t *testing.T) {
	t.Run("cached", func(t *testing.T) { testSnapshotsAfterLostEvents(t, 5, 2) })
	t.Run("not cached", func(t *testing.T) {
		// The snapshot at the first multiple is due before a load finds the stream has none.
		testSnapshotsAfterLostEvents(t, 10, 1, eventsourcing.WithStateCache(0))
	})
}

// testSnapshotsAfterLostEvents checks that, after the log lost a stream of big snapshots,
// the next wantSaves multiples of the interval get a snapshot, the first at firstSave.
func testSnapshotsAfterLostEvents(t *testing.T, firstSave store.Version, wantSaves int, opts ...eventsourcing.HandlerOption) {
	t.Helper()
	const every, budget = 5, 100
	note := strings.Repeat("n", 90)
	s := &savesRecorder{snapStore: newSnapStore(t)}
	opts = append(opts, eventsourcing.WithSnapshots(every, "n1"), eventsourcing.WithSnapshotWriteBudget(budget))
	h := eventsourcing.NewHandler(s, notebookAggregate(), opts...)
	for range 100 {
		if _, err := h.Handle(context.Background(), addNote{ID: "a", Text: note}, eventsourcing.Meta{}); err != nil {
			t.Fatal(err)
		}
	}
	s.saved()
	lost := s.Store
	s.Store = memory.New() // the log as the new primary holds it: without the stream's events
	t.Cleanup(func() { _ = lost.Close(); _ = s.Store.Close() })
	for range 2 * every {
		if _, err := h.Handle(context.Background(), addNote{ID: "a", Text: "x"}, eventsourcing.Meta{}); err != nil {
			t.Fatal(err)
		}
	}
	if saves := s.saved(); len(saves) != wantSaves || saves[0].Version != firstSave {
		t.Errorf("after the log lost the stream, %d events saved %d snapshots (%+v); want %d, the first at %d", 2*every, len(saves), saves, wantSaves, firstSave)
	}
}

// A snapshot that failed to save does not space the next one: the stream's snapshot is
// still the one before, so the next multiple tries again.
func TestWithSnapshotWriteBudget_failedSave(t *testing.T) {
	const every, budget = 5, 100
	note := strings.Repeat("n", 90)
	s := &savesRecorder{snapStore: newSnapStore(t)}
	h := eventsourcing.NewHandler(s, notebookAggregate(), eventsourcing.WithSnapshots(every, "n1"), eventsourcing.WithSnapshotWriteBudget(budget))
	handle := func(n int) {
		t.Helper()
		for range n {
			if _, err := h.Handle(context.Background(), addNote{ID: "a", Text: note}, eventsourcing.Meta{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	handle(4 * every) // the state is some 1,800 bytes by now: snapshots are spaced beyond the interval
	s.saved()
	s.snapStore.saveErr = errors.New("disk full")
	var failed []store.Snapshot
	for len(failed) == 0 {
		handle(1)
		failed = s.saved()
	}
	s.snapStore.saveErr = nil
	handle(every)
	if saves := s.saved(); len(saves) != 1 || saves[0].Version != failed[0].Version+every {
		t.Errorf("after a failed save at %d, snapshots %+v; want one at the next multiple, %d", failed[0].Version, saves, failed[0].Version+every)
	}
}
