package eventsourcing_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/internal/syncbuf"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

// snapStore is a memory store that records where its streams are read from and can fail
// snapshot saves or run a hook when a snapshot or a stream's version is read.
type snapStore struct {
	*memory.Store
	mu             sync.Mutex
	readsAfter     []store.Version // ReadStream's after, per call
	saveErr        error
	beforeSnapshot func()
	// beforeStreamVersion, when set, runs once, before the next StreamVersion.
	beforeStreamVersion func()
}

func newSnapStore(tb testing.TB) *snapStore {
	tb.Helper()
	s := &snapStore{Store: memory.New()}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

func (s *snapStore) ReadStream(ctx context.Context, stream string, after store.Version) iter.Seq2[store.Event, error] {
	s.mu.Lock()
	s.readsAfter = append(s.readsAfter, after)
	s.mu.Unlock()
	return s.Store.ReadStream(ctx, stream, after)
}

func (s *snapStore) reads() []store.Version {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.readsAfter
	s.readsAfter = nil
	return out
}

func (s *snapStore) Snapshot(ctx context.Context, stream string) (store.Snapshot, bool, error) {
	s.mu.Lock()
	hook := s.beforeSnapshot
	s.beforeSnapshot = nil
	s.mu.Unlock()
	if hook != nil {
		hook()
	}
	return s.Store.Snapshot(ctx, stream)
}

func (s *snapStore) StreamVersion(ctx context.Context, stream string) (store.Version, error) {
	s.mu.Lock()
	hook := s.beforeStreamVersion
	s.beforeStreamVersion = nil
	s.mu.Unlock()
	if hook != nil {
		hook()
	}
	return s.Store.StreamVersion(ctx, stream)
}

func (s *snapStore) SaveSnapshot(ctx context.Context, stream string, snap store.Snapshot) error {
	if s.saveErr != nil {
		return s.saveErr
	}
	return s.Store.SaveSnapshot(ctx, stream, snap)
}

type accountHandler = eventsourcing.Handler[accountCmd, account, accountEvent]

func newAccounts(s store.Store, opts ...eventsourcing.HandlerOption) *accountHandler {
	return eventsourcing.NewHandler(s, eventsourcing.Aggregate[accountCmd, account, accountEvent]{
		Decider: accountDecider(), Codec: accountCodec(), Stream: accountCmd.Stream,
	}, opts...)
}

func mustHandleAccount(tb testing.TB, h *accountHandler, c accountCmd, m eventsourcing.Meta) eventsourcing.Result {
	tb.Helper()
	res, err := h.Handle(context.Background(), c, m)
	if err != nil {
		tb.Fatalf("Handle(%+v): %v", c, err)
	}
	return res
}

func snapshotOf(tb testing.TB, s store.Snapshotter, stream string) (store.Snapshot, bool) {
	tb.Helper()
	snap, ok, err := s.Snapshot(context.Background(), stream)
	if err != nil {
		tb.Fatalf("Snapshot(%s): %v", stream, err)
	}
	return snap, ok
}

// Given snapshots every 3 events, the handler saves the state it leaves each time a command
// takes the stream past a multiple of 3, naming the event at that version.
func TestWithSnapshots_SavesEveryNEvents(t *testing.T) {
	s := newSnapStore(t)
	h := newAccounts(s, eventsourcing.WithSnapshots(3, "r1"))
	mustHandleAccount(t, h, openAccount{ID: "a"}, eventsourcing.Meta{})
	mustHandleAccount(t, h, deposit{ID: "a", Amount: 10}, eventsourcing.Meta{})
	if snap, ok := snapshotOf(t, s, "account-a"); ok {
		t.Fatalf("a snapshot at version 2 (%+v), before the first multiple of 3", snap)
	}
	for i, want := range []struct {
		version store.Version
		state   string
	}{{3, `{"Open":true,"Balance":11}`}, {3, `{"Open":true,"Balance":11}`}, {3, `{"Open":true,"Balance":11}`}, {6, `{"Open":true,"Balance":14}`}} {
		mustHandleAccount(t, h, deposit{ID: "a", Amount: 1}, eventsourcing.Meta{})
		snap, ok := snapshotOf(t, s, "account-a")
		events := readStream(t, s, "account-a")
		if !ok || snap.Version != want.version || string(snap.State) != want.state || snap.Revision != "r1" ||
			snap.EventID != events[want.version-1].ID {
			t.Fatalf("after deposit %d (stream at version %d): snapshot %+v (state %s), %v; want version %d, state %s, revision r1, the id of event %d",
				i+1, len(events), snap, snap.State, ok, want.version, want.state, want.version)
		}
	}
}

// WithSnapshots with an interval below 1 turns snapshots off: the handler saves none.
func TestWithSnapshots_BelowOneIsOff(t *testing.T) {
	for _, every := range []int{0, -1} {
		t.Run(fmt.Sprint(every), func(t *testing.T) {
			s := newSnapStore(t)
			h := newAccounts(s, eventsourcing.WithSnapshots(every, "r1"))
			mustHandleAccount(t, h, openAccount{ID: "a"}, eventsourcing.Meta{})
			for range 3 {
				mustHandleAccount(t, h, deposit{ID: "a", Amount: 1}, eventsourcing.Meta{})
			}
			if snap, ok := snapshotOf(t, s, "account-a"); ok {
				t.Fatalf("WithSnapshots(%d): a snapshot %+v, want none", every, snap)
			}
		})
	}
}

// A command whose events take the stream past a multiple of the interval without landing on
// it saves a snapshot too, at the version it leaves: the stream may never be at a multiple.
func TestWithSnapshots_SavesWhenABatchPassesAMultiple(t *testing.T) {
	s := newSnapStore(t)
	h := newCounterHandler(s, eventsourcing.WithSnapshots(3, "r1"))
	mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{})
	res := mustHandle(t, h, addToCounter{ID: "a", N: 3}, eventsourcing.Meta{}) // three events: versions 2 to 4
	snap, ok := snapshotOf(t, s, "counter-a")
	if !ok || snap.Version != 4 || snap.EventID != res.Events[2].ID || string(snap.State) != `{"Exists":true,"Value":3}` {
		t.Fatalf("snapshot %+v (state %s), %v; want one at version 4, the command's last event, with the value 3", snap, snap.State, ok)
	}
}

// A handler without the state cached (a restart) starts from the snapshot and reads only
// the events after it. The planted snapshot's balance differs from the log's, so the
// decision shows which one the handler used.
func TestWithSnapshots_StartsFromTheSnapshot(t *testing.T) {
	s := newSnapStore(t)
	first := newAccounts(s)
	for _, c := range []accountCmd{openAccount{ID: "a"}, deposit{ID: "a", Amount: 5}, deposit{ID: "a", Amount: 5}, deposit{ID: "a", Amount: 5}} {
		mustHandleAccount(t, first, c, eventsourcing.Meta{})
	}
	events := readStream(t, s, "account-a")
	plant := store.Snapshot{Version: 3, EventID: events[2].ID, Revision: "r1", State: json.RawMessage(`{"Open":true,"Balance":1000}`)}
	if err := s.Store.SaveSnapshot(context.Background(), "account-a", plant); err != nil {
		t.Fatal(err)
	}
	s.reads()

	restarted := newAccounts(s, eventsourcing.WithSnapshots(3, "r1"))
	res := mustHandleAccount(t, restarted, withdraw{ID: "a", Amount: 1005}, eventsourcing.Meta{})
	if got := res.Events[0].Type; got != "Withdrawn" {
		t.Fatalf("withdrawing 1005 from the snapshot's 1000 + 5: %s, want Withdrawn", got)
	}
	for _, after := range s.reads() {
		if after < 2 {
			t.Errorf("the handler read the stream after version %d; with a snapshot at 3 it needs nothing before", after)
		}
	}
}

// Snapshots that do not fit are ignored and the stream is folded from its start.
func TestWithSnapshots_IgnoresSnapshotsThatDoNotFit(t *testing.T) {
	tests := []struct {
		name    string
		snap    func(events []store.Event) store.Snapshot
		wantLog string // in the handler's log, when a warning is due
	}{
		{"another revision", func(ev []store.Event) store.Snapshot {
			return store.Snapshot{Version: 3, EventID: ev[2].ID, Revision: "r0", State: json.RawMessage(`{"Open":true,"Balance":1000}`)}
		}, ""},
		{"a state that does not decode", func(ev []store.Event) store.Snapshot {
			return store.Snapshot{Version: 3, EventID: ev[2].ID, Revision: "r1", State: json.RawMessage(`{"Open":"yes","Balance":1000}`)}
		}, "snapshot does not decode"},
		{"another log's event", func(ev []store.Event) store.Snapshot {
			return store.Snapshot{Version: 3, EventID: "not-" + ev[2].ID, Revision: "r1", State: json.RawMessage(`{"Open":true,"Balance":1000}`)}
		}, "snapshot does not match the log"},
		{"a version the log does not reach", func(ev []store.Event) store.Snapshot {
			return store.Snapshot{Version: 9, EventID: ev[2].ID, Revision: "r1", State: json.RawMessage(`{"Open":true,"Balance":1000}`)}
		}, "snapshot does not match the log"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSnapStore(t)
			first := newAccounts(s)
			for _, c := range []accountCmd{openAccount{ID: "a"}, deposit{ID: "a", Amount: 5}, deposit{ID: "a", Amount: 5}, deposit{ID: "a", Amount: 5}} {
				mustHandleAccount(t, first, c, eventsourcing.Meta{})
			}
			if err := s.Store.SaveSnapshot(context.Background(), "account-a", tt.snap(readStream(t, s, "account-a"))); err != nil {
				t.Fatal(err)
			}
			var logs syncbuf.Buffer
			restarted := newAccounts(s, eventsourcing.WithSnapshots(3, "r1"), eventsourcing.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			res := mustHandleAccount(t, restarted, withdraw{ID: "a", Amount: 16}, eventsourcing.Meta{})
			if got := res.Events[0].Type; got != "WithdrawalDeclined" {
				t.Errorf("withdrawing 16 from the log's 15: %s, want WithdrawalDeclined (the snapshot's 1000 was used)", got)
			}
			if tt.wantLog != "" && !strings.Contains(logs.String(), tt.wantLog) {
				t.Errorf("log %q lacks %q", logs.String(), tt.wantLog)
			}
		})
	}
}

// A failed save is logged and the command still succeeds; over a store that keeps no
// snapshots the option does nothing.
func TestWithSnapshots_SaveFailuresAndStoresWithoutSnapshots(t *testing.T) {
	s := newSnapStore(t)
	s.saveErr = errors.New("disk full")
	var logs syncbuf.Buffer
	h := newAccounts(s, eventsourcing.WithSnapshots(1, "r1"), eventsourcing.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	mustHandleAccount(t, h, openAccount{ID: "a"}, eventsourcing.Meta{})
	if !strings.Contains(logs.String(), "snapshot not saved") || !strings.Contains(logs.String(), "disk full") {
		t.Errorf("log %q: want the failed save", logs.String())
	}

	plain := newStore(t)
	type bare struct{ store.Store } // hides the memory store's Snapshotter
	h = newAccounts(bare{plain}, eventsourcing.WithSnapshots(1, "r1"))
	mustHandleAccount(t, h, openAccount{ID: "a"}, eventsourcing.Meta{})
	mustHandleAccount(t, h, deposit{ID: "a", Amount: 1}, eventsourcing.Meta{})
	if _, ok := snapshotOf(t, plain.(store.Snapshotter), "account-a"); ok {
		t.Error("a snapshot saved through a store that does not offer snapshots")
	}
}

// A command id that another process used, with its events at or before the snapshot the
// handler starts from, is a repeat: the handler asks the command index again, since the
// events it skips are not read.
func TestWithSnapshots_RepeatWrittenBeforeTheSnapshot(t *testing.T) {
	// After this handler consulted its command index, the other process handles the same
	// command, taking the stream to version 4 and saving a snapshot there: before this handler
	// reads the stream's version (the snapshot is then at that version, and nothing is folded
	// after it), or after (the version read, 3, is behind the snapshot's).
	for _, when := range []string{"before the stream's version is read", "after the stream's version is read"} {
		t.Run(when, func(t *testing.T) {
			s := newSnapStore(t)
			ctx := context.Background()
			setup := newAccounts(s)
			mustHandleAccount(t, setup, openAccount{ID: "a"}, eventsourcing.Meta{})
			mustHandleAccount(t, setup, deposit{ID: "a", Amount: 50}, eventsourcing.Meta{})
			mustHandleAccount(t, setup, deposit{ID: "a", Amount: 50}, eventsourcing.Meta{})

			other := newAccounts(s, eventsourcing.WithSnapshots(2, "r1")) // another process
			this := newAccounts(s, eventsourcing.WithSnapshots(2, "r1"))
			cmd, meta := withdraw{ID: "a", Amount: 20}, eventsourcing.Meta{CommandID: "w-1"}
			hook := func() {
				if _, err := other.Handle(ctx, cmd, meta); err != nil {
					t.Errorf("other: %v", err)
				}
			}
			if when == "before the stream's version is read" {
				s.beforeStreamVersion = hook
			} else {
				s.beforeSnapshot = hook
			}
			res, err := this.Handle(ctx, cmd, meta)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Duplicate || res.Version != 4 {
				t.Errorf("Handle = %+v, want the other process's result (version 4) as a duplicate", res)
			}
			if events := readStream(t, s, "account-a"); len(events) != 4 {
				t.Errorf("the stream holds %d events, want 4: the command was written twice", len(events))
			}
		})
	}
}

// A stream shorter than the snapshot interval has no snapshot, so a command on it (a new
// stream's first, say) does not look for one: that would be a read of the store for nothing.
func TestWithSnapshots_ShortStreamsAreNotLookedUp(t *testing.T) {
	s := newSnapStore(t)
	var lookups atomic.Int64
	s.beforeSnapshot = nil
	counting := &countingSnapStore{snapStore: s, lookups: &lookups}
	h := newAccounts(counting, eventsourcing.WithSnapshots(3, "r1"))
	mustHandleAccount(t, h, openAccount{ID: "a"}, eventsourcing.Meta{})
	mustHandleAccount(t, newAccounts(counting, eventsourcing.WithSnapshots(3, "r1")), deposit{ID: "a", Amount: 1}, eventsourcing.Meta{})
	if n := lookups.Load(); n != 0 {
		t.Errorf("%d snapshot lookups for a stream of fewer than 3 events, want 0", n)
	}
	mustHandleAccount(t, newAccounts(counting, eventsourcing.WithSnapshots(3, "r1")), deposit{ID: "a", Amount: 1}, eventsourcing.Meta{})
	mustHandleAccount(t, newAccounts(counting, eventsourcing.WithSnapshots(3, "r1")), deposit{ID: "a", Amount: 1}, eventsourcing.Meta{})
	if n := lookups.Load(); n != 1 {
		t.Errorf("%d snapshot lookups, want 1: for the command on the stream of 3 events", n)
	}
}

// countingSnapStore counts snapshot lookups.
type countingSnapStore struct {
	*snapStore
	lookups *atomic.Int64
}

func (c *countingSnapStore) Snapshot(ctx context.Context, stream string) (store.Snapshot, bool, error) {
	c.lookups.Add(1)
	return c.snapStore.Snapshot(ctx, stream)
}

// heldSaves is a memory store whose snapshot saves wait for release once they have said so
// on entered.
type heldSaves struct {
	*memory.Store
	entered chan store.Version
	release chan struct{}
}

func (s heldSaves) SaveSnapshot(ctx context.Context, stream string, snap store.Snapshot) error {
	s.entered <- snap.Version
	<-s.release
	return s.Store.SaveSnapshot(ctx, stream, snap)
}

// A snapshot is written after the stream's lock is released: while the store writes it,
// the stream's next command is decided. The command that made it returns once it is saved.
func TestWithSnapshots_SaveDoesNotHoldTheStream(t *testing.T) {
	mem := memory.New()
	t.Cleanup(func() { _ = mem.Close() })
	s := heldSaves{Store: mem, entered: make(chan store.Version, 1), release: make(chan struct{})}
	h := newAccounts(s, eventsourcing.WithSnapshots(2, "r1"))
	mustHandleAccount(t, h, openAccount{ID: "a"}, eventsourcing.Meta{})

	saver := make(chan error, 1)
	go func() {
		_, err := h.Handle(t.Context(), deposit{ID: "a", Amount: 1}, eventsourcing.Meta{}) // version 2: a snapshot
		saver <- err
	}()
	if v := <-s.entered; v != 2 {
		t.Fatalf("snapshot saved at version %d, want 2", v)
	}
	next := make(chan error, 1)
	go func() {
		_, err := h.Handle(t.Context(), deposit{ID: "a", Amount: 1}, eventsourcing.Meta{}) // version 3
		next <- err
	}()
	select {
	case err := <-next:
		if err != nil {
			t.Fatalf("the next command: %v", err)
		}
	case err := <-saver:
		t.Fatalf("the saving command returned (%v) before its snapshot was saved", err)
	case <-time.After(10 * time.Second):
		close(s.release)
		t.Fatal("the next command on the stream waited for the snapshot's save")
	}
	select {
	case err := <-saver:
		t.Fatalf("the saving command returned (%v) before its snapshot was saved", err)
	default:
	}
	close(s.release)
	if err := <-saver; err != nil {
		t.Fatalf("the saving command: %v", err)
	}
	if snap, ok := snapshotOf(t, mem, "account-a"); !ok || snap.Version != 2 {
		t.Errorf("snapshot %+v, %v; want version 2", snap, ok)
	}
}
