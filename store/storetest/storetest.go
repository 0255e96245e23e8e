// Package storetest is the conformance suite every eventgraph store must pass.
//
// A store's test calls Run in one line:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, storetest.Harness{New: func(tb testing.TB) store.Store { return memory.New() }})
//	}
//
// The suite checks every semantic of the store contract (see package store): the four
// expected-version modes and the *store.ConflictError they report; all-or-nothing batches
// at consecutive positions, which readers see whole; invalid arguments (among them events
// whose data and metadata together pass the size limit) rejected with store.ErrInvalid and
// nothing written; racing and concurrent appends with no version or position duplicated or
// skipped; readers that never see position P+1 before P; subscriptions from any position,
// also past the head, that deliver every event exactly once, in order, also while appends
// go on, when the subscriber stalls on an event of the history or on a live one, when it
// appends from its own loop and when it falls FarBehind (which must neither block writers
// nor make the store's memory grow, nor lose events); ReadStream and ReadAll bounds (the
// positions and versions they start after, and the head they end at: the one when their
// iteration begins, or a later one unless Harness.ReadsEndAtIterationStart); data
// that round-trips as json.Compact of the input; metadata, ids, and the time of appending
// in UTC; iterators that stop promptly when their context ends (yielding its error after
// at most MaxAfterCancel more events) and leak no goroutine, also when stopped deep in a
// long log; event times that never decrease along the log, also when the store's clock
// goes back, after a restart and from another store on the log (when Harness.NewClocked
// is set);
// store.ErrClosed after Close, from every method and from iterators made before it; stream
// ids as opaque strings; the optional interfaces a store implements (store.Header,
// store.StreamVersioner, store.TypeReader, store.StreamTypeReader, store.EventsAppender, store.HandoverAppender,
// store.Checkpointer, store.Snapshotter, store.StateKeeper); and, when the harness can restart the store, the
// same events, spelled the same, after a restart. Besides these examples, random sequences
// of appends, invalid appends, reads, subscriptions, snapshots, checkpoints and restarts,
// from fixed seeds, must give the answers a reference model of the contract gives
// (FuzzModel explores further); and histories of such operations run by several goroutines
// at once, beside live subscriptions, must be linearizable against that model, with every
// subscription yielding the whole log in order, with no gap and no duplicate.
//
// A store must also keep its own copies: changing an appended EventData, or an Event it
// returned (from a reader, a subscription, ReadAllTypes or AppendEvents), must not change
// what it returns next.
//
// The suite is a list of named checks (see Checks), each a function of a testing.TB and a
// Harness, so it can also be run against arbitrary or deliberately broken stores. Run must
// not be called in parallel with other tests of the same package: its leak check looks at
// every goroutine of the process, and its memory check at the whole heap.
package storetest

import (
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// DefaultTimeout is how long the suite waits, by default, for something a correct store
// delivers at once (a subscription's next event, writers that must not block) before it
// reports a failure instead of hanging.
const DefaultTimeout = 10 * time.Second

// Harness tells the suite how to create the store under test.
type Harness struct {
	// New returns a new, empty store. The suite closes it (possibly more than once: a second
	// Close must not panic).
	New func(tb testing.TB) store.Store
	// Reopen, when set, closes s and opens the same data again, as after a restart.
	// The restart checks run only when it is set.
	Reopen func(tb testing.TB, s store.Store) store.Store
	// MaxEventSize is the size limit of the stores New returns (as store.Prepare counts it);
	// 0 means store.DefaultMaxEventSize.
	MaxEventSize int
	// SharedEvents says that the store's readers may yield events that share Data and
	// Metadata with it (as store.SharedSubscriber and store.SharedReader do): the check
	// that subscribers receive their own copies is then skipped. For wrappers that run
	// the suite's reads through a store's shared variants.
	SharedEvents bool
	// ReadsEndAtIterationStart says that the store's reads (ReadStream, ReadAll, and
	// ReadAllTypes and ReadAllShared when it has them) end at the head as their iteration
	// begins, as the memory and JSONL stores document: an event committed during an
	// iteration is not yielded. Without it the suite checks only the bound every store
	// keeps: a read yields every event committed when its iteration began, and may go on
	// with later ones (the PostgreSQL store reads page after page until none is left).
	ReadsEndAtIterationStart bool
	// ConflictsCountAppendsInFlight says that the store checks an append's expected
	// version against the appends in flight too, not only against the committed ones (as
	// the JSONL store documents): a conflict may then report a version that readers see
	// only once the appends it lost to have committed, or never if they fail. The history
	// check then asks of a conflict only that the version it reports be the stream's in a
	// state no older than what the operations that returned before it began saw, made by
	// appends that began before it returned; without it, a conflict is an observation like
	// a read, which the operations that begin after it returns must see too.
	ConflictsCountAppendsInFlight bool
	// Another, when set, opens a second store on the log of s, as another server would
	// (PostgreSQL stores on one database and schema); the suite closes it. The history
	// check then runs half its goroutines, and one of its subscriptions, on it.
	Another func(tb testing.TB, s store.Store) store.Store
	// NewClocked, when set, returns a new, empty store as New does, that stamps appended
	// events with now's readings (as the stores' WithClock options do). The check that
	// events' times never decrease along the log, also when the clock goes back, runs only
	// when it is set.
	NewClocked func(tb testing.TB, now func() time.Time) store.Store
	// Timeout bounds each wait for something a correct store delivers promptly; 0 means
	// DefaultTimeout.
	Timeout time.Duration
	// ModelSteps is the number of operations in each of the model check's random
	// sequences; 0 means DefaultModelSteps. A store whose every operation is a round trip
	// to a server may ask for fewer.
	ModelSteps int
}

func (h Harness) maxEventSize() int {
	if h.MaxEventSize > 0 {
		return h.MaxEventSize
	}
	return store.DefaultMaxEventSize
}

func (h Harness) timeout() time.Duration {
	if h.Timeout > 0 {
		return h.Timeout
	}
	return DefaultTimeout
}

// Check is one named property of the store contract.
type Check struct {
	// Name is a short sentence naming the property, used as the subtest's name.
	Name string
	// Run checks the property, reporting failures on tb. It creates its own stores with
	// the harness. It calls tb.FailNow (or Fatal) only from the goroutine that called it.
	Run func(tb testing.TB, h Harness)
}

// Checks returns the checks that apply to the harness, in the order Run runs them:
// every check of the contract, and the restart checks when h.Reopen is set.
func Checks(h Harness) []Check {
	checks := []Check{
		{"append then read back", checkAppendReadBack},
		{"expected version modes", checkExpectedVersion},
		{"invalid arguments write nothing", checkInvalid},
		{"event size limit", checkSizeLimit},
		{"size limit counts the whole event", checkSizeLimitSum},
		{"batch is all or nothing", checkBatchAtomic},
		{"batch takes consecutive positions", checkBatchConsecutive},
		{"large batch", checkLargeBatch},
		{"read stream", checkReadStream},
		{"read all", checkReadAll},
		{"reads end at the head as their iteration begins, or later", checkReadBound},
		{"data round-trips compacted", checkDataCompact},
		{"metadata round-trips", checkMetadata},
		{"event ids", checkIDs},
		{"time is when appended, in UTC", checkTime},
		{"events are copies", checkCopies},
		{"head", checkHead},
		{"stream version", checkStreamVersion},
		{"read all of some types (store.TypeReader)", checkReadAllTypes},
		{"read a stream's events of some types (store.StreamTypeReader)", checkReadStreamTypes},
		{"the id of the event at a position (store.EventIDReader)", checkEventIDAt},
		{"racing appends with the same expected version", checkRace},
		{"concurrent appends to one stream", checkConcurrentOneStream},
		{"concurrent appends are gap-free in commit order", checkGapFree},
		{"readers never see part of a batch", checkBatchVisibleWhole},
		{"subscribe from start, middle and head", checkSubscribe},
		{"subscribe past the head", checkSubscribePastHead},
		{"slow subscriber does not block writers", checkSlowSubscriber},
		{"a live subscriber does not block writers, nor its own appends", checkLiveStall},
		{"a subscriber far behind gets every event", checkFarBehind},
		{"stalled subscribers keep memory bounded", checkStalledSubscriberMemory},
		{"context cancellation stops iterators", checkCancel},
		{"canceled append writes nothing", checkCancelAppend},
		{"stopping early leaks no goroutine", checkNoLeak},
		{"stopping deep in a long log leaks no goroutine", checkNoLeakDeep},
		{"closed store fails with ErrClosed", checkClosed},
		{"optional methods fail with ErrClosed after Close", checkClosedOptional},
		{"iterators made before Close fail with ErrClosed", checkClosedIteratorsMadeBefore},
		{"an iterator running when Close returns hands out no further event", checkClosedMidway},
		{"close while appending", checkCloseWhileAppending},
		{"stream ids are opaque strings", checkStreamIDs},
		{"handed-over events are committed as any (store.HandoverAppender)", checkHandover},
		{"returned committed events are as read, and copies (store.EventsAppender)", checkEventsAppender},
		{"checkpoints are kept (store.Checkpointer)", checkCheckpoints},
		{"snapshots are kept (store.Snapshotter)", checkSnapshots},
		{"projection states are kept (store.StateKeeper)", checkProjectionStates},
		{"random operations agree with a model", checkModel},
		{"concurrent operations are linearizable", checkHistory},
	}
	if !h.SharedEvents {
		checks = append(checks,
			Check{"subscribed events are copies", checkSubscribedCopies},
			Check{"events read by ReadAll are copies", checkReadAllCopies},
		)
	}
	if h.NewClocked != nil {
		checks = append(checks, Check{"times never decrease along the log, also when the clock goes back", checkTimeOrder})
	}
	if h.Reopen != nil {
		checks = append(checks,
			Check{"events survive a restart", checkReopen},
			Check{"appends continue after a restart", checkReopenAppend},
			Check{"every spelling survives a restart", checkReopenSpelling},
		)
	}
	return checks
}

// Run runs every check that applies to h as a subtest of t.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.New == nil {
		t.Fatal("storetest: Harness.New is nil")
	}
	for _, c := range Checks(h) {
		t.Run(c.Name, func(t *testing.T) { c.Run(t, h) })
	}
}
