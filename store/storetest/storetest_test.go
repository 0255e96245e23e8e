package storetest_test

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
	"github.com/eventgraph/eventgraph/store/storetest"
)

func TestRun_Memory(t *testing.T) {
	storetest.Run(t, storetest.Harness{New: func(testing.TB) store.Store { return memory.New() }, ReadsEndAtIterationStart: true})
}

func TestRun_MemoryWithRestarts(t *testing.T) {
	storetest.Run(t, durable(identity))
}

func TestChecks_PassRecordedForMemory(t *testing.T) {
	h := durable(identity)
	for _, c := range storetest.Checks(h) {
		t.Run(c.Name, func(t *testing.T) {
			if failed, msgs := runRecorded(t, func(tb testing.TB) { c.Run(tb, h) }); failed {
				t.Errorf("check failed for the memory store: %q", msgs)
			}
		})
	}
}

func TestChecks_ReopenOnlyWithHarness(t *testing.T) {
	names := func(h storetest.Harness) []string {
		var out []string
		for _, c := range storetest.Checks(h) {
			out = append(out, c.Name)
		}
		return out
	}
	without := names(storetest.Harness{New: func(testing.TB) store.Store { return memory.New() }})
	with := names(durable(identity))
	if len(with) <= len(without) || !slices.Equal(with[:len(without)], without) {
		t.Errorf("checks with Reopen %q do not extend those without %q", with, without)
	}
	if slices.Contains(without, "events survive a restart") {
		t.Errorf("restart check listed without Reopen: %q", without)
	}
}

// TestChecks_FailBrokenStores proves the suite has teeth: for each deliberately broken
// store, the checks that cover the broken rule must fail.
func TestChecks_FailBrokenStores(t *testing.T) {
	const (
		model   = "random operations agree with a model"
		history = "concurrent operations are linearizable"
	)
	tests := []struct {
		name     string
		wrap     func(*memory.Store) store.Store
		mustFail []string
		maxSize  int
		opts     []memory.Option
		reload   func([]store.Event) []store.Event // changes the events a restart reads back
	}{
		{
			name: "skips the version check",
			wrap: func(s *memory.Store) store.Store { return noVersionCheck{s} },
			mustFail: []string{
				"expected version modes",
				"batch is all or nothing",
				"racing appends with the same expected version",
				"appends continue after a restart",
				model,
			},
		},
		{
			name: "reorders events in ReadAll and Subscribe",
			wrap: func(s *memory.Store) store.Store { return reorder{s} },
			mustFail: []string{
				"append then read back",
				"read all",
				"batch takes consecutive positions",
				"concurrent appends are gap-free in commit order",
				"subscribe from start, middle and head",
				"slow subscriber does not block writers",
				model,
			},
		},
		{
			name: "drops an event under subscription",
			wrap: func(s *memory.Store) store.Store { return dropOne{s} },
			mustFail: []string{
				"append then read back",
				"concurrent appends are gap-free in commit order",
				"subscribe from start, middle and head",
				"slow subscriber does not block writers",
				model,
			},
		},
		{
			name: "appends a batch one event at a time",
			wrap: func(s *memory.Store) store.Store { return nonAtomic{s} },
			mustFail: []string{
				"invalid arguments write nothing",
				"batch is all or nothing",
				model,
			},
		},
		{
			name:     "blocks writers while a subscriber is not reading",
			wrap:     func(s *memory.Store) store.Store { return lockedYield{s, new(sync.RWMutex)} },
			mustFail: []string{"slow subscriber does not block writers"},
		},
		{
			// It passes every other check (found by review; checkSubscribedCopies would hang
			// on it): they stall subscribers only on events of the history.
			name:     "blocks writers while a subscriber handles a live event",
			wrap:     func(s *memory.Store) store.Store { return lockedLiveYield{lockedYield{s, new(sync.RWMutex)}} },
			mustFail: []string{"a live subscriber does not block writers, nor its own appends"},
		},
		{
			name:     "leaks a goroutine when a subscriber stops early",
			wrap:     func(s *memory.Store) store.Store { return leaky{s} },
			mustFail: []string{"stopping early leaks no goroutine"},
		},
		{
			// checkNoLeak stops at the first event, before it reads ahead.
			name:     "leaks its read-ahead goroutine when a reader stops deep in the log",
			wrap:     func(s *memory.Store) store.Store { return leaksReadAhead{s} },
			mustFail: []string{"stopping deep in a long log leaks no goroutine"},
		},
		{
			name:     "ignores the context of iterators",
			wrap:     func(s *memory.Store) store.Store { return ignoresContext{s} },
			mustFail: []string{"context cancellation stops iterators", "stopping early leaks no goroutine", model},
		},
		{
			name:     "subscriptions share the stored events",
			wrap:     func(s *memory.Store) store.Store { return sharesSubscribed{s} },
			mustFail: []string{"subscribed events are copies"},
		},
		{
			name:     "re-encodes data",
			wrap:     func(s *memory.Store) store.Store { return reencodes{s} },
			mustFail: []string{"data round-trips compacted", model},
		},
		{
			name:     "returns local times and loses metadata",
			wrap:     func(s *memory.Store) store.Store { return localTime{s} },
			mustFail: []string{"time is when appended, in UTC", "metadata round-trips", "append then read back", model},
		},
		{
			name:     "trims stream ids",
			wrap:     func(s *memory.Store) store.Store { return trimsStreamIDs{s} },
			mustFail: []string{"stream ids are opaque strings", model},
		},
		{
			name:     "yields a type's events twice when it is named twice",
			wrap:     func(s *memory.Store) store.Store { return repeatsTypes{s} },
			mustFail: []string{"read all of some types (store.TypeReader)", model},
		},
		{
			name:     "ReadAllTypes shares the stored events",
			wrap:     func(s *memory.Store) store.Store { return sharesTypes{s} },
			mustFail: []string{"read all of some types (store.TypeReader)"},
		},
		{
			name:     "reads ReadAllTypes's events when its iterator is made",
			wrap:     func(s *memory.Store) store.Store { return typesAtCreation{s} },
			mustFail: []string{"iterators made before Close fail with ErrClosed", "an iterator running when Close returns hands out no further event"},
		},
		{
			name:     "reads each type of ReadAllTypes on its own, without a common bound",
			wrap:     func(s *memory.Store) store.Store { return typesWithoutCommonBound{s} },
			mustFail: []string{"read all of some types (store.TypeReader)"},
		},
		{
			name:     "writes an append whose context ended, from the second on",
			wrap:     func(s *memory.Store) store.Store { return writesWhenCanceled{s, new(atomic.Int64)} },
			mustFail: []string{"canceled append writes nothing", model},
		},
		{
			name:     "stream version one behind",
			wrap:     func(s *memory.Store) store.Store { return staleVersion{s} },
			mustFail: []string{"stream version", model},
		},
		{
			name:     "returns handed-over data as given, not compacted",
			wrap:     func(s *memory.Store) store.Store { return returnsRawData{s} },
			mustFail: []string{"handed-over events are committed as any (store.HandoverAppender)", model},
		},
		{
			name:     "keeps working after Close",
			wrap:     func(s *memory.Store) store.Store { return neverCloses{s} },
			mustFail: []string{"closed store fails with ErrClosed", "close while appending"},
		},
		{
			name:     "enforces a smaller size limit than the harness says",
			wrap:     identity,
			opts:     []memory.Option{memory.WithMaxEventSize(1000)},
			maxSize:  2000,
			mustFail: []string{"event size limit", model},
		},
		{
			name:     "enforces a larger size limit than the harness says",
			wrap:     identity,
			opts:     []memory.Option{memory.WithMaxEventSize(4000)},
			maxSize:  2000,
			mustFail: []string{"invalid arguments write nothing", model},
		},
		{
			name:     "publishes a batch one event at a time",
			wrap:     func(s *memory.Store) store.Store { return visibleOneByOne{s, new(sync.Mutex)} },
			mustFail: []string{"readers never see part of a batch"},
		},
		{
			// It may also fail "context cancellation stops iterators", yielding what it
			// buffered before the context's error, when its pump ran ahead: not listed.
			name:     "buffers every event for a stalled subscriber",
			wrap:     func(s *memory.Store) store.Store { return buffersSubscribers{s} },
			mustFail: []string{"stalled subscribers keep memory bounded"},
		},
		{
			// It fails "subscribe from start, middle and head" too when that check's
			// subscriber past the head starts before the writers reach its position, which
			// is up to the scheduler: not listed.
			name:     "starts a subscription past the head at the head",
			wrap:     func(s *memory.Store) store.Store { return clampsToHead{s} },
			mustFail: []string{"subscribe past the head", model},
		},
		{
			name:     "wraps the position or version a read starts after to 32 bits",
			wrap:     func(s *memory.Store) store.Store { return wraps32{s} },
			mustFail: []string{"read stream", "read all", model},
		},
		{
			name:     "wraps the position a subscription starts after to 32 bits",
			wrap:     func(s *memory.Store) store.Store { return wrapsSubscribe32{s} },
			mustFail: []string{"read all"},
		},
		{
			name:     "keeps optional methods working after Close",
			wrap:     func(s *memory.Store) store.Store { return halfClosed{s} },
			mustFail: []string{"optional methods fail with ErrClosed after Close"},
		},
		{
			name:     "checks for Close when an iterator is made",
			wrap:     func(s *memory.Store) store.Store { return checksAtCreation{s} },
			mustFail: []string{"iterators made before Close fail with ErrClosed", "context cancellation stops iterators", "reads end at the head as their iteration begins, or later"},
		},
		{
			name:     "reads a stream when ReadStream is called, not when its iteration begins",
			wrap:     func(s *memory.Store) store.Store { return readsStreamAtCall{s} },
			mustFail: []string{"reads end at the head as their iteration begins, or later"},
		},
		{
			// The harness says reads end at the head as their iteration begins.
			name:     "reads on past the head its iteration began at",
			wrap:     func(s *memory.Store) store.Store { return chasesHead{s} },
			mustFail: []string{"reads end at the head as their iteration begins, or later"},
		},
		{
			name:     "reads a stream's events of some types from the stream's start, whatever the version",
			wrap:     func(s *memory.Store) store.Store { return streamTypesFromStart{s} },
			mustFail: []string{"read a stream's events of some types (store.StreamTypeReader)", model, history},
		},
		{
			name:     "limits data and metadata separately",
			wrap:     func(s *memory.Store) store.Store { return separateLimits{s, 2000} },
			opts:     []memory.Option{memory.WithMaxEventSize(1 << 20)},
			maxSize:  2000,
			mustFail: []string{"size limit counts the whole event", model},
		},
		{
			name:     "ReadAll shares the stored events",
			wrap:     func(s *memory.Store) store.Store { return sharesReadAll{s} },
			mustFail: []string{"events read by ReadAll are copies"},
		},
		{
			name:     "returns local times from ReadStream and Subscribe",
			wrap:     func(s *memory.Store) store.Store { return localZoneLive{s} },
			mustFail: []string{"append then read back", "subscribe from start, middle and head", model},
		},
		{
			name: "gives live subscribers the data as appended",
			wrap: func(s *memory.Store) store.Store {
				return rawLive{Store: s, mu: new(sync.Mutex), raw: map[store.Position][]byte{}}
			},
			mustFail: []string{"data round-trips compacted"},
		},
		{
			name: "keeps a backlog its stalled subscribers share",
			wrap: func(s *memory.Store) store.Store {
				return sharedBacklog{Store: s, mu: new(sync.Mutex), subs: new(int), backlog: new([][]byte)}
			},
			mustFail: []string{"stalled subscribers keep memory bounded"},
		},
		{
			name:     "hands out what it read before Close, and a second Close succeeds",
			wrap:     func(s *memory.Store) store.Store { return yieldsAfterClose{s} },
			mustFail: []string{"closed store fails with ErrClosed", "an iterator running when Close returns hands out no further event"},
		},
		{
			name:     "yields no context error when there is nothing to read",
			wrap:     func(s *memory.Store) store.Store { return silentWhenEmpty{s} },
			mustFail: []string{"context cancellation stops iterators"},
		},
		{
			name:     "refuses an append's arguments before it looks for Close",
			wrap:     func(s *memory.Store) store.Store { return checksArgumentsFirst{s} },
			mustFail: []string{"closed store fails with ErrClosed"},
		},
		{
			// It passes every other check (found by review): checkSlowSubscriber's subscriber
			// falls 2,000 events behind, and a buffer of the store's own events costs little.
			name:     "drops what overflows a bounded buffer of a subscriber's events",
			wrap:     func(s *memory.Store) store.Store { return dropsWhenFarBehind{s} },
			mustFail: []string{"a subscriber far behind gets every event"},
		},
		{
			name:     "AppendEvents keeps the caller's data and metadata",
			wrap:     func(s *memory.Store) store.Store { return appendEventsHandsOver{s} },
			mustFail: []string{"returned committed events are as read, and copies (store.EventsAppender)"},
		},
		{
			name:     "AppendEvents returns wrong positions",
			wrap:     func(s *memory.Store) store.Store { return appendEventsMisnumbered{s} },
			mustFail: []string{"returned committed events are as read, and copies (store.EventsAppender)", model},
		},
		{
			name:     "refuses to read after a negative position or version",
			wrap:     func(s *memory.Store) store.Store { return refusesNegative{s} },
			mustFail: []string{"read stream", "read all", model},
		},
		{
			name:     "stamps every event with one fixed time",
			wrap:     identity,
			opts:     []memory.Option{memory.WithClock(func() time.Time { return time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC) })},
			mustFail: []string{"time is when appended, in UTC"},
		},
		{
			name:     "dates each event before the one before it",
			wrap:     func(s *memory.Store) store.Store { return timesGoBack{s} },
			mustFail: []string{"times never decrease along the log, also when the clock goes back"},
		},
		{
			name:     "a restart unescapes \\/ in data",
			wrap:     identity,
			reload:   eachEvent(unescapesSlash),
			mustFail: []string{"every spelling survives a restart", model},
		},
		{
			name:     "a restart escapes U+2028 in data",
			wrap:     identity,
			reload:   eachEvent(escapesLineSeparator),
			mustFail: []string{"every spelling survives a restart", model},
		},
		{
			name:     "a restart turns newlines in metadata into spaces",
			wrap:     identity,
			reload:   eachEvent(flattensMetadata),
			mustFail: []string{"every spelling survives a restart", model},
		},
		{
			// It passes every other check: none of them refuses an append to a stream and
			// then appends to it with StreamExists.
			name:     "counts a stream named by a refused append as existing",
			wrap:     func(s *memory.Store) store.Store { return remembersRefused{s, new(sync.Mutex), map[string]bool{}} },
			mustFail: []string{model},
		},
		{
			// It passes every other check: none of them asks a stream's version after a
			// restart, or after AppendEvents.
			name: "answers StreamVersion from versions that only Append keeps",
			wrap: func(s *memory.Store) store.Store {
				return versionsByAppend{s, new(sync.Mutex), map[string]store.Version{}}
			},
			mustFail: []string{model},
		},
		{
			name:     "a restart loses the log's last event",
			wrap:     identity,
			reload:   losesLast,
			mustFail: []string{"events survive a restart", "appends continue after a restart", "every spelling survives a restart", model},
		},
		{
			// The checks of a stream's types and of checkpoints slice what the store read
			// (which a panic, not a failure, would report).
			name:     "a restart loses the whole log",
			wrap:     identity,
			reload:   losesAll,
			mustFail: []string{"events survive a restart", "read a stream's events of some types (store.StreamTypeReader)"},
		},
		{
			name:     "ReadAll yields nothing",
			wrap:     func(s *memory.Store) store.Store { return emptyReadAll{s} },
			mustFail: []string{"read all", "checkpoints are kept (store.Checkpointer)"},
		},
		{
			// It passes every other check: they ask for the head and stream versions one
			// append at a time, or not while appends run.
			name:     "caches its head and stream versions outside the lock that orders appends",
			wrap:     func(s *memory.Store) store.Store { return newHeadCache(s) },
			mustFail: []string{history},
		},
		{
			// It passes every other check, and the history check when the harness says
			// the store counts appends in flight (TestChecks_ConflictsMayCountAppendsInFlight).
			name:     "checks expected versions against appends in flight",
			wrap:     func(s *memory.Store) store.Store { return newCountsInFlight(s) },
			mustFail: []string{history},
		},
		{
			// It passes every other check: none of them reads while a subscriber has an
			// event that an append in progress has not yet made readable.
			name:     "hands subscribers events before readers can read them",
			wrap:     func(s *memory.Store) store.Store { return newPublishesEarly(s) },
			mustFail: []string{history},
		},
		{
			name:     "makes positions visible out of order, and subscribers skip the gaps",
			wrap:     func(s *memory.Store) store.Store { return newCommitsOutOfOrder(s) },
			mustFail: []string{history},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := durableReloading(tt.wrap, tt.reload, tt.opts...)
			h.MaxEventSize = tt.maxSize
			h.Timeout = time.Second
			failed := map[string][]string{}
			for _, c := range storetest.Checks(h) {
				if !slices.Contains(tt.mustFail, c.Name) {
					continue
				}
				t.Run(c.Name, func(t *testing.T) {
					ok, msgs := runRecorded(t, func(tb testing.TB) { c.Run(tb, h) })
					if ok {
						failed[c.Name] = msgs
						t.Logf("failed as it should: %s", msgs[0])
					}
				})
			}
			for _, name := range tt.mustFail {
				if _, ok := failed[name]; !ok {
					t.Errorf("check %q passed for a store that %s", name, tt.name)
				}
			}
		})
	}
}

// TestChecks_ReadsMayGoOnWithoutTheBound: a store whose reads go on past the head their
// iteration began at (as the PostgreSQL store's may) passes when its harness does not say
// they end there.
func TestChecks_ReadsMayGoOnWithoutTheBound(t *testing.T) {
	h := storetest.Harness{New: func(testing.TB) store.Store { return chasesHead{memory.New()} }}
	for _, c := range storetest.Checks(h) {
		if c.Name != "reads end at the head as their iteration begins, or later" {
			continue
		}
		if failed, msgs := runRecorded(t, func(tb testing.TB) { c.Run(tb, h) }); failed {
			t.Errorf("check failed for a store that reads on: %q", msgs)
		}
		return
	}
	t.Fatal("no check of the reads' bound")
}

// TestChecks_ConflictsMayCountAppendsInFlight: a store that checks expected versions against
// the appends in flight too (as the JSONL store does) passes the history check when its
// harness says so.
func TestChecks_ConflictsMayCountAppendsInFlight(t *testing.T) {
	h := durable(func(s *memory.Store) store.Store { return newCountsInFlight(s) })
	h.ConflictsCountAppendsInFlight = true
	for _, c := range storetest.Checks(h) {
		if c.Name != "concurrent operations are linearizable" {
			continue
		}
		if failed, msgs := runRecorded(t, func(tb testing.TB) { c.Run(tb, h) }); failed {
			t.Errorf("check failed for a store that counts appends in flight: %q", msgs)
		}
		return
	}
	t.Fatal("no history check")
}

// countedStore counts, in *counts, the stores open at once.
type countedStore struct {
	*memory.Store
	counts *openCounts
	once   *sync.Once
}

// openCounts counts open stores, and the most ever open at once.
type openCounts struct {
	mu         sync.Mutex
	open, most int
}

func newCountedStore(s *memory.Store, c *openCounts) countedStore {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.open++
	c.most = max(c.most, c.open)
	return countedStore{s, c, new(sync.Once)}
}

func (s countedStore) Close() error {
	s.once.Do(func() {
		s.counts.mu.Lock()
		defer s.counts.mu.Unlock()
		s.counts.open--
	})
	return s.Store.Close()
}

// TestChecks_HistoryClosesEachRunsStores: the history check closes each run's stores before
// the next run opens its own. It kept every run's stores open until the test ended: on
// PostgreSQL, with Harness.Another, 32 stores' pools took some 130 connections, more than a
// server's default max_connections (100).
func TestChecks_HistoryClosesEachRunsStores(t *testing.T) {
	c := &openCounts{}
	h := storetest.Harness{
		New:                      func(testing.TB) store.Store { return newCountedStore(memory.New(), c) },
		ReadsEndAtIterationStart: true,
		// A second store on the same log: the first's memory store, closed with either.
		Another: func(_ testing.TB, s store.Store) store.Store { return newCountedStore(s.(countedStore).Store, c) },
	}
	for _, check := range storetest.Checks(h) {
		if check.Name != "concurrent operations are linearizable" {
			continue
		}
		if failed, msgs := runRecorded(t, func(tb testing.TB) { check.Run(tb, h) }); failed {
			t.Fatalf("history check failed on a correct store: %q", msgs)
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.most > 2 {
			t.Errorf("%d stores open at once, want at most a run's 2", c.most)
		}
		return
	}
	t.Fatal("no history check")
}
