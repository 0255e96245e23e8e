package storetest

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// The concurrent history check (see checkHistory): goroutines run random operations on one
// store at once, each operation recorded with its invocation and its response on a logical
// clock, and subscriptions record each event they yield on the same clock; the history is
// then checked against the model (see historycheck.go).

// historySeeds are the seeds of the history check's runs: fixed, so that the operations a
// run picks are the same each time (their interleaving is the scheduler's).
var historySeeds = []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}

const (
	historyClients = 4  // goroutines running operations at once
	historyOps     = 15 // operations each runs
)

// historyStreams are the streams of the history check: few, so that appends conflict.
func historyStreams() []string { return []string{"h-a", "h-b", "h-c"} }

// historyTypes are the types of the events appended, and one that none has.
func historyTypes() []string { return []string{"H", "G", "missing"} }

// someTypes picks the types a read of some types asks for: one, two, or a missing one.
func someTypes(r *rand.Rand) []string {
	types := historyTypes()
	return [][]string{types[:1], types[1:2], types[:2], types[2:]}[r.IntN(4)]
}

// hkind is the kind of a recorded operation.
type hkind int

const (
	hAppend hkind = iota
	hReadStream
	hReadAll
	hHead
	hStreamVersion
)

// hop is one operation of a history: what was asked, when (inv and ret, on the run's
// clock) and what the store answered.
type hop struct {
	client, n int // the goroutine and its operation's number
	kind      hkind
	how       string // the method called
	stream    string
	expected  store.Version
	after     int64    // the position or version a read starts after
	types     []string // the types a read asks for (ReadAllTypes, ReadStreamTypes), or nil for all
	events    []store.EventData
	inv, ret  int64

	a        store.Appended
	conflict *store.ConflictError
	err      error         // an error other than a conflict
	read     []store.Event // what a read yielded
	value    int64         // Head or StreamVersion
}

func (o *hop) name() string { return fmt.Sprintf("c%d#%d", o.client, o.n) }

// String describes the operation and its answer, as the failure report lists it.
func (o *hop) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%3d-%3d] %s ", o.inv, o.ret, o.name())
	switch o.kind {
	case hAppend:
		fmt.Fprintf(&b, "%s(%q, expected %s, %d events) = ", o.how, o.stream, fmtExpected(o.expected), len(o.events))
		switch {
		case o.err != nil:
			fmt.Fprintf(&b, "error %v", o.err)
		case o.conflict != nil:
			fmt.Fprintf(&b, "conflict, actual %d", o.conflict.Actual)
		default:
			fmt.Fprintf(&b, "{Version %d, Position %d}", o.a.Version, o.a.Position)
		}
		return b.String()
	case hReadStream:
		fmt.Fprintf(&b, "%s(%q, after %d%s) = ", o.how, o.stream, o.after, fmtTypes(o.types))
	case hReadAll:
		fmt.Fprintf(&b, "%s(after %d%s) = ", o.how, o.after, fmtTypes(o.types))
	case hHead:
		fmt.Fprintf(&b, "Head = %d", o.value)
	case hStreamVersion:
		fmt.Fprintf(&b, "StreamVersion(%q) = %d", o.stream, o.value)
	}
	if o.kind == hReadStream || o.kind == hReadAll {
		fmt.Fprintf(&b, "%s", readSummary(o.read))
	}
	if o.err != nil {
		fmt.Fprintf(&b, ", error %v", o.err)
	}
	return b.String()
}

func fmtTypes(types []string) string {
	if types == nil {
		return ""
	}
	return fmt.Sprintf(", types %q", types)
}

// readSummary lists what a read yielded as position/stream/version.
func readSummary(evs []store.Event) string {
	if len(evs) == 0 {
		return "nothing"
	}
	parts := make([]string, len(evs))
	for i, e := range evs {
		parts[i] = fmt.Sprintf("%d/%s/%d", e.Position, e.StreamID, e.Version)
	}
	return strings.Join(parts, " ")
}

// hsub is a subscription that runs beside a history's operations: from a position, until
// it has yielded the log's last event, recording each event with the clock's time.
type hsub struct {
	name   string
	after  store.Position
	inv    int64
	cancel context.CancelFunc
	done   chan struct{}
	reach  chan struct{} // closed when it yields the event at until
	until  atomic.Int64  // the position it is waited for up to, once known
	mu     sync.Mutex
	got    []store.Event
	at     []int64 // the clock when each of got was yielded
	err    error
}

// history is one run: its operations and subscriptions.
type history struct {
	seed   uint64
	stores int // how many stores on the one log its goroutines use: goroutine c uses store c % stores
	clock  atomic.Int64
	mu     sync.Mutex
	ops    []*hop
	subs   []*hsub
	log    []store.Event // the log read after the run
}

func (hs *history) tick() int64 { return hs.clock.Add(1) }

// subscribe starts a subscription from after, on its own goroutine.
func (hs *history) subscribe(ctx context.Context, s store.Store, name string, after store.Position) *hsub {
	ctx, cancel := context.WithCancel(ctx)
	sub := &hsub{name: name, after: after, cancel: cancel, done: make(chan struct{}), reach: make(chan struct{})}
	sub.until.Store(-1)
	sub.inv = hs.tick()
	seq := s.Subscribe(ctx, after)
	hs.mu.Lock()
	hs.subs = append(hs.subs, sub)
	hs.mu.Unlock()
	go func() {
		defer close(sub.done)
		reached := false
		for e, err := range seq {
			t := hs.tick()
			sub.mu.Lock()
			if err != nil {
				sub.err = err
			} else {
				sub.got = append(sub.got, e)
				sub.at = append(sub.at, t)
			}
			sub.mu.Unlock()
			if err != nil {
				return
			}
			if u := sub.until.Load(); !reached && u >= 0 && int64(e.Position) >= u {
				reached = true
				close(sub.reach)
			}
		}
	}()
	return sub
}

// wait waits, up to the harness's timeout, for the subscription to yield the event at
// until (or anything past it), then stops it.
func (sub *hsub) wait(h Harness, until store.Position) {
	sub.until.Store(int64(until))
	sub.mu.Lock()
	reached := len(sub.got) > 0 && sub.got[len(sub.got)-1].Position >= until || until <= sub.after
	sub.mu.Unlock()
	if !reached {
		select {
		case <-sub.reach:
		case <-sub.done:
		case <-time.After(h.timeout()):
		}
	}
	sub.cancel()
	<-sub.done
}

// runHistory runs one history on a new store from h.
func runHistory(tb testing.TB, h Harness, seed uint64) *history {
	ctx, s := open(tb, h)
	stores := []store.Store{s}
	if h.Another != nil {
		other := h.Another(tb, s)
		if other == nil {
			tb.Fatal("Harness.Another returned nil")
		}
		tb.Cleanup(func() { _ = other.Close() })
		stores = append(stores, other)
	}
	hs := &history{seed: seed, stores: len(stores)}
	hs.subscribe(ctx, s, "sub from 0", 0)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for c := range historyClients {
		wg.Go(func() {
			<-start
			hs.client(ctx, stores[c%len(stores)], c, rand.New(rand.NewPCG(seed, uint64(c))))
		})
	}
	close(start)
	wg.Wait()
	log, err := collect(s.ReadAll(ctx, 0))
	if err != nil {
		tb.Fatalf("history check, seed %d: ReadAll after the run: %v", seed, err)
	}
	hs.log = log
	var head store.Position
	if len(log) > 0 {
		head = log[len(log)-1].Position
	}
	for _, sub := range hs.subs {
		sub.wait(h, head)
	}
	// The run's stores are closed now, not when the test ends: the history holds all the
	// check needs, and the stores of every run at once (a PostgreSQL store holds a pool of
	// connections, and Harness.Another a second) took more connections than a server allows
	// by default.
	for _, st := range stores {
		_ = st.Close()
	}
	return hs
}

// client runs historyOps random operations, one after another, recording each.
func (hs *history) client(ctx context.Context, s store.Store, c int, r *rand.Rand) {
	streams := historyStreams()
	known := map[string]store.Version{} // the versions this client last saw
	var seen store.Position             // the last position it saw
	ea, _ := s.(store.EventsAppender)
	ha, _ := s.(store.HandoverAppender)
	sv, _ := s.(store.StreamVersioner)
	tr, _ := s.(store.TypeReader)
	str, _ := s.(store.StreamTypeReader)
	for n := range historyOps {
		o := &hop{client: c, n: n, stream: streams[r.IntN(len(streams))]}
		if c == 1 && n == historyOps/2 {
			// A subscription that starts mid-run, from the last position this client saw.
			hs.subscribe(ctx, s, fmt.Sprintf("sub from %d, started by c1 on store %d after #%d", seen, c%hs.stores, n-1), seen)
		}
		switch k := r.IntN(20); {
		case k < 10:
			o.kind = hAppend
			o.expected = historyExpected(r, known[o.stream])
			o.events = make([]store.EventData, 1+r.IntN(3))
			for j := range o.events {
				o.events[j] = ev(historyTypes()[r.IntN(2)], marker{W: c, I: n, J: j})
				if r.IntN(2) == 0 {
					o.events[j].ID = fmt.Sprintf("h-%d-%d-%d", c, n, j)
				}
			}
			o.how = "Append"
			switch r.IntN(4) {
			case 0:
				if ea != nil {
					o.how = "AppendEvents"
				}
			case 1:
				if ha != nil {
					o.how = "AppendHandover"
				}
			}
			o.inv = hs.tick()
			var err error
			switch o.how {
			case "AppendEvents":
				o.a, _, err = ea.AppendEvents(ctx, o.stream, o.expected, o.events...)
			case "AppendHandover":
				o.a, _, err = ha.AppendHandover(ctx, o.stream, o.expected, o.events...)
			default:
				o.a, err = s.Append(ctx, o.stream, o.expected, o.events...)
			}
			o.ret = hs.tick()
			switch ce := (*store.ConflictError)(nil); {
			case err == nil:
				known[o.stream], seen = o.a.Version, max(seen, o.a.Position)
			case errors.As(err, &ce) && errors.Is(err, store.ErrConflict):
				o.conflict = ce
				known[o.stream] = ce.Actual
			default:
				o.err = err
			}
		case k < 13:
			o.kind, o.how = hReadStream, "ReadStream"
			o.after = int64([]store.Version{0, 0, known[o.stream], known[o.stream] - 1}[r.IntN(4)])
			seq := func() iter.Seq2[store.Event, error] { return s.ReadStream(ctx, o.stream, store.Version(o.after)) }
			if str != nil && r.IntN(3) == 0 {
				o.how, o.types = "ReadStreamTypes", someTypes(r)
				seq = func() iter.Seq2[store.Event, error] {
					return str.ReadStreamTypes(ctx, o.stream, store.Version(o.after), o.types)
				}
			}
			o.inv = hs.tick()
			o.read, o.err = collect(seq())
			o.ret = hs.tick()
			if len(o.read) > 0 {
				known[o.stream] = o.read[len(o.read)-1].Version
			}
		case k < 16:
			o.kind, o.how = hReadAll, "ReadAll"
			o.after = int64([]store.Position{0, seen, seen / 2}[r.IntN(3)])
			seq := func() iter.Seq2[store.Event, error] { return s.ReadAll(ctx, store.Position(o.after)) }
			if tr != nil && r.IntN(3) == 0 {
				o.how, o.types = "ReadAllTypes", someTypes(r)
				seq = func() iter.Seq2[store.Event, error] { return tr.ReadAllTypes(ctx, store.Position(o.after), o.types) }
			}
			o.inv = hs.tick()
			o.read, o.err = collect(seq())
			o.ret = hs.tick()
			if len(o.read) > 0 {
				seen = max(seen, o.read[len(o.read)-1].Position)
			}
		case k < 18 || sv == nil:
			o.kind, o.how = hHead, "Head"
			o.inv = hs.tick()
			p, err := store.Head(ctx, s)
			o.ret = hs.tick()
			o.value, o.err = int64(p), err
		default:
			o.kind, o.how = hStreamVersion, "StreamVersion"
			o.inv = hs.tick()
			v, err := sv.StreamVersion(ctx, o.stream)
			o.ret = hs.tick()
			o.value, o.err = int64(v), err
			known[o.stream] = v
		}
		hs.mu.Lock()
		hs.ops = append(hs.ops, o)
		hs.mu.Unlock()
	}
}

// historyExpected picks an expected version for an append to a stream last seen at v:
// mostly v itself, so that clients race for the same version, and every mode.
func historyExpected(r *rand.Rand, v store.Version) store.Version {
	switch r.IntN(8) {
	case 0:
		return store.Any
	case 1:
		return store.NoStream
	case 2:
		return store.StreamExists
	case 3:
		return v + 1
	}
	return v
}
