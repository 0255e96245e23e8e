package eventsourcing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

// modelLog is a predetermined log: for each saga and event, the spans its commands wrote.
type modelLog struct {
	n      int
	writes [][][]span // writes[saga][event] (event 1..n)
}

// genLog builds a log of n events with k sagas reacting to events (including each other's
// writes), each command writing 1..3 consecutive positions after its event.
func genLog(rng *rand.Rand, n, k int, conservative float64) modelLog {
	m := modelLog{n: n, writes: make([][][]span, k)}
	for s := range k {
		m.writes[s] = make([][]span, n+1)
	}
	type cmd struct {
		saga, event, size int
	}
	var pending []cmd
	head := 0
	react := func(e int) {
		for s := range k {
			if rng.Float64() < 0.35 {
				for range 1 + rng.IntN(2) {
					pending = append(pending, cmd{s, e, 1 + rng.IntN(3)})
				}
			}
		}
	}
	for head < n {
		if len(pending) > 0 && rng.Float64() < 0.6 {
			i := rng.IntN(len(pending))
			c := pending[i]
			pending = append(pending[:i], pending[i+1:]...)
			first := head + 1
			last := min(head+c.size, n)
			sp := span{first: store.Position(first), last: store.Position(last)}
			if rng.Float64() < conservative {
				sp.first = 0
			}
			m.writes[c.saga][c.event] = append(m.writes[c.saga][c.event], sp)
			for p := first; p <= last; p++ {
				head = p
				if rng.Float64() < 0.5 { // not every write is reacted to, to keep chains finite
					react(p)
				}
			}
			continue
		}
		head++
		react(head)
	}
	return m
}

// trueClosure is the closure of events 1..p by definition, over every write of the log.
func (m modelLog) trueClosure(p int) int {
	covered := make([]bool, m.n+2)
	for e := 1; e <= p && e <= m.n; e++ {
		covered[e] = true
	}
	reach := p
	for e := 1; e <= m.n; e++ {
		if !covered[e] {
			continue
		}
		for s := range m.writes {
			for _, sp := range m.writes[s][e] {
				first := int(sp.first)
				if first <= e {
					first = e + 1
				}
				for q := first; q <= int(sp.last); q++ {
					covered[q] = true
					reach = max(reach, q)
				}
			}
		}
	}
	return reach
}

// TestRunner_reachModel drives advance, advanceAll and stopProjection in random
// interleavings over random logs and checks reachedLocked against the definition.
func TestRunner_reachModel(t *testing.T) {
	seeds := uint64(100) // 3,000 passed when it was written
	if testing.Short() {
		seeds = 30
	}
	for seed := range seeds {
		rng := rand.New(rand.NewPCG(seed, 7))
		n := 10 + rng.IntN(80)
		k := 1 + rng.IntN(4)
		m := genLog(rng, n, k, []float64{0, 0.3}[rng.IntN(2)])
		r := NewRunner(nil, WithRunnerLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
		nproj := 1 + rng.IntN(2)
		var procs []*processor
		for i := range nproj {
			procs = append(procs, &processor{name: fmt.Sprint("p", i), kind: KindProjection})
		}
		sagas := make([]*processor, k)
		for s := range k {
			sagas[s] = &processor{name: fmt.Sprint("s", s), kind: KindSaga}
			procs = append(procs, sagas[s])
		}
		rng.Shuffle(len(procs), func(i, j int) { procs[i], procs[j] = procs[j], procs[i] })
		r.procs = procs
		resumed := false
		for s, q := range sagas {
			if rng.IntN(4) != 0 {
				continue
			}
			// Resume from a checkpoint c: the head at start covers its writes for events <= c.
			c := 1 + rng.IntN(n)
			h := c
			for e := 1; e <= c; e++ {
				for _, sp := range m.writes[s][e] {
					h = max(h, int(sp.last))
				}
			}
			hs := h + rng.IntN(n-h+1)
			q.pos = store.Position(c)
			q.recordLocked(1, span{last: store.Position(hs)})
			resumed = true
		}
		stopAt := -1
		if rng.IntN(3) == 0 {
			stopAt = rng.IntN(n)
		}
		check := func(step string) {
			r.mu.Lock()
			defer r.mu.Unlock()
			for p := 0; p <= n; p++ {
				tc := m.trueClosure(p)
				done, err := r.reachedLocked(store.Position(p))
				allAt, stoppedShort := true, false
				for _, q := range r.procs {
					if int(q.pos) < tc {
						allAt = false
						if q.stopped {
							stoppedShort = true
						}
					}
				}
				if done && !allAt {
					t.Fatalf("seed %d %s: reached(%d) true, true closure %d, computed %d; procs %s; writes %s",
						seed, step, p, tc, r.closureLocked(store.Position(p)), dumpProcs(r.procs), dumpWrites(m))
				}
				if err != nil && !stoppedShort && !resumed {
					t.Fatalf("seed %d %s: reached(%d) = %v, yet no stopped processor is short of %d; procs %s",
						seed, step, p, err, tc, dumpProcs(r.procs))
				}
				if !done && err == nil && allAt && !resumed {
					t.Fatalf("seed %d %s: reached(%d) false with every processor at the true closure %d (computed %d); procs %s; writes %s",
						seed, step, p, tc, r.closureLocked(store.Position(p)), dumpProcs(r.procs), dumpWrites(m))
				}
			}
		}
		for step := 0; ; step++ {
			var live []*processor
			for _, q := range procs {
				if !q.stopped && int(q.pos) < n {
					live = append(live, q)
				}
			}
			if len(live) == 0 {
				break
			}
			q := live[rng.IntN(len(live))]
			next := q.pos + 1
			if q.kind == KindProjection {
				if (stopAt >= 0 && q == procs[0] && int(q.pos) == stopAt) || (seed%11 == 0 && rng.IntN(200) == 0) {
					r.stopProjection(q, store.Event{Position: next}, errors.New("boom"))
				} else {
					r.advanceAll([]*processor{q}, next, "e")
				}
			} else {
				s := 0
				for i, sq := range sagas {
					if sq == q {
						s = i
					}
				}
				r.advance(q, next, "e", m.writes[s][next])
			}
			check(fmt.Sprint("step ", step))
		}
		// Everything processed: each saga forgets all its writes at its next advance.
		anyStopped := false
		for _, q := range procs {
			anyStopped = anyStopped || q.stopped
		}
		if !anyStopped {
			for _, q := range sagas {
				r.advance(q, q.pos, "e", nil)
			}
			for _, q := range sagas {
				if len(q.writes) != 0 {
					t.Fatalf("seed %d: saga %s keeps %d writes with every processor at the end", seed, q.name, len(q.writes))
				}
			}
		}
	}
}

func dumpProcs(ps []*processor) string {
	s := ""
	for _, q := range ps {
		s += fmt.Sprintf("[%s pos=%d stopped=%v writes=%v] ", q.name, q.pos, q.stopped, q.writes)
	}
	return s
}

func dumpWrites(m modelLog) string {
	s := ""
	for i, ws := range m.writes {
		for e, sp := range ws {
			if len(sp) > 0 {
				s += fmt.Sprintf("s%d@%d:%v ", i, e, sp)
			}
		}
	}
	return s
}

// ---- end-to-end: real Runner, Handler, chained sagas with parallelism ----

type e2eEvent struct {
	Type string `json:"-"`
	ID   int    `json:"id"`
}

type e2eCodec struct{ handles string } // "" handles every type

func (e2eCodec) Encode(e e2eEvent) (string, json.RawMessage, error) {
	b, err := json.Marshal(e)
	return e.Type, b, err
}
func (e2eCodec) Decode(typ string, data json.RawMessage) (e2eEvent, error) {
	var e e2eEvent
	err := json.Unmarshal(data, &e)
	e.Type = typ
	return e, err
}
func (c e2eCodec) Handles(typ string) bool { return c.handles == "" || typ == c.handles }

type e2eCmd struct {
	S    string `json:"s"`
	Type string `json:"type"`
	ID   int    `json:"id"`
	N    int    `json:"n"`
}

func (c e2eCmd) Stream() string { return c.S }

type e2eSink struct{}

func (e2eSink) Name() string            { return "sink" }
func (e2eSink) Apply(store.Event) error { return nil }

type e2eSink2 struct{}

func (e2eSink2) Name() string            { return "sink2" }
func (e2eSink2) Apply(store.Event) error { return nil }

// plainStore hides the memory store's optional interfaces (no checkpoints: a new Runner
// handles every event again, its commands all repeats).
type plainStore struct{ store.Store }

// TestRunner_reachEndToEnd checks, under load, that whenever reachedLocked(p) holds every
// processor is at the closure of p computed from the log's causation metadata.
func TestRunner_reachEndToEnd(t *testing.T) {
	for _, mode := range []string{"checkpoints", "nocheckpoints"} {
		t.Run(mode, func(t *testing.T) { runE2E(t, mode) })
	}
}

func runE2E(t *testing.T, mode string) {
	mem := memory.New()
	defer mem.Close()
	var st store.Store = mem
	if mode == "nocheckpoints" {
		st = plainStore{mem}
	}
	h := NewHandler(st, Aggregate[e2eCmd, int, e2eEvent]{
		Decider: decider.Decider[e2eCmd, int, e2eEvent]{
			Decide: func(c e2eCmd, _ int) ([]e2eEvent, error) {
				out := make([]e2eEvent, c.N)
				for i := range out {
					out[i] = e2eEvent{Type: c.Type, ID: c.ID}
				}
				return out, nil
			},
			Evolve: func(s int, _ e2eEvent) int { return s + 1 },
		},
		Codec:  e2eCodec{},
		Stream: func(c e2eCmd) string { return c.S },
	})
	var dup atomic.Int64
	dispatch := func(ctx context.Context, c e2eCmd, m Meta) (Result, error) {
		res, err := h.Handle(ctx, c, m)
		if err == nil && c.ID%7 == 0 { // repeat it: the repeat's result is what counts
			dup.Add(1)
			return h.Handle(ctx, c, m)
		}
		return res, err
	}
	sagaA := func() SagaProcessor {
		return NewSaga("A", decider.Saga[e2eEvent, e2eCmd]{React: func(e e2eEvent) []e2eCmd {
			switch e.ID % 5 {
			case 0:
				return nil
			case 1: // two commands, two streams
				return []e2eCmd{{S: fmt.Sprint("a-", e.ID), Type: "a", ID: e.ID, N: 1}, {S: fmt.Sprint("ax-", e.ID), Type: "a", ID: e.ID, N: 2}}
			case 2: // decides nothing
				return []e2eCmd{{S: fmt.Sprint("a-", e.ID), Type: "a", ID: e.ID, N: 0}}
			default:
				return []e2eCmd{{S: fmt.Sprint("a-", e.ID), Type: "a", ID: e.ID, N: 1 + e.ID%2}}
			}
		}}, e2eCodec{handles: "trigger"}, dispatch)
	}
	sagaB := func() SagaProcessor {
		return NewSaga("B", decider.Saga[e2eEvent, e2eCmd]{React: func(e e2eEvent) []e2eCmd {
			return []e2eCmd{{S: fmt.Sprint("b-", e.ID%13), Type: "b", ID: e.ID, N: 1}}
		}}, e2eCodec{handles: "a"}, dispatch)
	}
	sagaC := func() SagaProcessor { // reacts to B's writes, one in three
		return NewSaga("C", decider.Saga[e2eEvent, e2eCmd]{React: func(e e2eEvent) []e2eCmd {
			if e.ID%3 != 0 {
				return nil
			}
			return []e2eCmd{{S: fmt.Sprint("c-", e.ID), Type: "c", ID: e.ID, N: 1}}
		}}, e2eCodec{handles: "b"}, dispatch)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	nextID := 0
	trigger := func() {
		nextID++
		b, _ := json.Marshal(e2eEvent{ID: nextID})
		if _, err := mem.Append(ctx, fmt.Sprint("client-", nextID), store.NoStream, store.EventData{Type: "trigger", Data: b}); err != nil {
			t.Error(err)
		}
	}
	type obs struct{ p, low store.Position }
	var (
		observed []obs
		runs     int
	)
	round := func(triggers int, par int) {
		runs++
		r := NewRunner(st, WithSagaParallelism(par), WithRunnerLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
		r.AddProjection(e2eSink{})
		r.AddSaga(sagaA())
		r.AddProjection(e2eSink2{})
		r.AddSaga(sagaB())
		r.AddSaga(sagaC())
		rctx, rcancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- r.Run(rctx) }()
		stop := make(chan struct{})
		checked := make(chan struct{})
		go func() { // the checker: like WaitFor, under the lock
			defer close(checked)
			rng := rand.New(rand.NewPCG(uint64(runs), 1))
			for {
				select {
				case <-stop:
					return
				default:
				}
				head, _ := mem.Head(ctx)
				p := store.Position(rng.Int64N(int64(head) + 2))
				r.mu.Lock()
				ok, err := r.reachedLocked(p)
				if ok && err == nil {
					low := store.Position(math.MaxInt64)
					for _, q := range r.procs {
						low = min(low, q.pos)
					}
					observed = append(observed, obs{p, low})
				}
				r.mu.Unlock()
				runtime.Gosched()
			}
		}()
		for range triggers {
			trigger()
			if nextID%16 == 0 {
				runtime.Gosched()
			}
		}
		if err := r.CaughtUp(ctx); err != nil {
			t.Fatal(err)
		}
		// Wait for the quiet: everything written because of the triggers processed.
		head, _ := mem.Head(ctx)
		if err := r.WaitFor(ctx, head); err != nil {
			t.Fatal(err)
		}
		close(stop)
		<-checked
		rcancel()
		<-done
	}
	round(300, 8)
	round(300, 3)
	round(200, 1)

	// The closure of p by the log's causation: an event caused by an event in it is in it.
	var events []store.Event
	for e, err := range mem.ReadAll(ctx, 0) {
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, e)
	}
	pos := map[string]store.Position{}
	parent := make([]store.Position, len(events)+1)
	for _, e := range events {
		pos[e.ID] = e.Position
		if c, ok := pos[e.Metadata[MetadataCausationID]]; ok {
			parent[e.Position] = c
		}
	}
	closure := func(p store.Position) store.Position {
		in := make([]bool, len(events)+1)
		reach := p
		for x := store.Position(1); int(x) <= len(events); x++ {
			in[x] = x <= p || (parent[x] > 0 && in[parent[x]])
			if in[x] {
				reach = max(reach, x)
			}
		}
		return reach
	}
	t.Logf("%d events, %d observations, %d repeats", len(events), len(observed), dup.Load())
	bad := 0
	for _, o := range observed {
		if c := closure(o.p); o.low < c {
			if bad++; bad < 5 {
				t.Errorf("reached(%d) held with a processor at %d, short of its closure %d", o.p, o.low, c)
			}
		}
	}
}
