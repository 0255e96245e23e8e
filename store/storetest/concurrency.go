package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/eventgraph/eventgraph/store"
)

// Racers is how many goroutines race on one stream in the concurrency checks.
const Racers = 32

// checkRace: Racers goroutines append to one stream with the same expected version, round
// after round. In each round exactly one wins; the rest get a *ConflictError naming the
// version they lost to; the stream ends with one event per round, the winner's.
func checkRace(tb testing.TB, h Harness) {
	const rounds = 8
	ctx, s := open(tb, h)
	type result struct {
		writer int
		a      store.Appended
		err    error
	}
	winners := make([]int, rounds)
	for r := range rounds {
		start := make(chan struct{})
		results := make(chan result, Racers)
		var wg sync.WaitGroup
		for w := range Racers {
			wg.Go(func() {
				<-start
				a, err := s.Append(ctx, "race", store.Version(r), ev("Raced", map[string]int{"round": r, "writer": w}))
				results <- result{w, a, err}
			})
		}
		close(start)
		wg.Wait()
		close(results)
		winners[r] = -1
		wins := 0
		for res := range results {
			if res.err == nil {
				wins++
				winners[r] = res.writer
				if want := (store.Appended{Version: store.Version(r + 1), Position: store.Position(r + 1)}); res.a != want {
					tb.Errorf("round %d: winner's Appended = %+v, want %+v", r, res.a, want)
				}
				continue
			}
			wantConflict(tb, res.err, "race", store.Version(r), store.Version(r+1))
		}
		if wins != 1 {
			tb.Fatalf("round %d: %d of %d appends with expected version %d succeeded, want exactly 1", r, wins, Racers, r)
		}
	}
	got := readStream(tb, ctx, s, "race", 0)
	if len(got) != rounds {
		tb.Fatalf("stream has %d events after %d rounds, want %d", len(got), rounds, rounds)
	}
	for r, e := range got {
		want := fmt.Sprintf(`{"round":%d,"writer":%d}`, r, winners[r])
		if e.Version != store.Version(r+1) || string(e.Data) != want {
			tb.Errorf("version %d holds {version %d, data %s}, want the winner's {%d, %s}", r+1, e.Version, e.Data, r+1, want)
		}
	}
}

// marker identifies one appended event in the concurrency checks.
type marker struct {
	W int `json:"w"` // writer
	I int `json:"i"` // the writer's append number
	J int `json:"j"` // index in the batch
}

func decodeMarker(tb testing.TB, e store.Event) marker {
	tb.Helper()
	var m marker
	if err := json.Unmarshal(e.Data, &m); err != nil {
		tb.Fatalf("event %d: data %s: %v", e.Position, e.Data, err)
	}
	return m
}

// checkConcurrentOneStream: Racers goroutines append to one stream with Any; every event
// lands once, versions 1..n with no duplicate and no gap, each writer's events in its order.
func checkConcurrentOneStream(tb testing.TB, h Harness) {
	const perWriter = 10
	ctx, s := open(tb, h)
	var wg sync.WaitGroup
	errs := make(chan error, Racers*perWriter)
	for w := range Racers {
		wg.Go(func() {
			var last store.Version
			for i := range perWriter {
				a, err := s.Append(ctx, "shared", store.Any, ev("M", marker{W: w, I: i}))
				if err != nil {
					errs <- fmt.Errorf("writer %d append %d: %w", w, i, err)
					return
				}
				if a.Version <= last {
					errs <- fmt.Errorf("writer %d append %d: version %d after %d", w, i, a.Version, last)
				}
				last = a.Version
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		tb.Error(err)
	}
	got := readStream(tb, ctx, s, "shared", 0)
	if len(got) != Racers*perWriter {
		tb.Errorf("stream has %d events, want %d", len(got), Racers*perWriter)
	}
	next := make([]int, Racers)
	for i, e := range got {
		if e.Version != store.Version(i+1) {
			tb.Fatalf("event %d has version %d, want %d", i, e.Version, i+1)
		}
		m := decodeMarker(tb, e)
		if m.W < 0 || m.W >= Racers || m.I != next[m.W] {
			tb.Fatalf("version %d holds writer %d's append %d, want its append %d", e.Version, m.W, m.I, next[min(max(m.W, 0), Racers-1)])
		}
		next[m.W]++
	}
}

// checkGapFree: writers append batches to many streams at once while a subscriber and a
// polling ReadAll reader check that they never see position P+1 before P; afterwards every
// batch is found whole, at the positions Append reported, in each writer's order.
func checkGapFree(tb testing.TB, h Harness) {
	const (
		writers   = 16
		perWriter = 20
	)
	ctx, s := open(tb, h)
	total := 0
	batch := func(w, i int) int { return 1 + (w+i)%6 }
	for w := range writers {
		for i := range perWriter {
			total += batch(w, i)
		}
	}

	subCtx, cancelSub := context.WithTimeout(ctx, h.timeout())
	defer cancelSub()
	type subResult struct {
		events []store.Event
		err    error
	}
	subDone := make(chan subResult, 1)
	go func() {
		evs, err := subscribeUntil(subCtx, h, s, 0, store.Position(total))
		subDone <- subResult{evs, err}
	}()

	writersDone := make(chan struct{})
	pollDone := make(chan []string, 1)
	go func() { // a reader polling ReadAll while the writers run
		var problems []string
		for done := false; !done; {
			select {
			case <-writersDone:
				done = true // one last pass after the writers finished
			default:
			}
			evs, err := collect(s.ReadAll(ctx, 0))
			if err != nil {
				problems = append(problems, fmt.Sprintf("ReadAll during appends: %v", err))
				break
			}
			if len(evs) > 0 {
				if msg := contiguous(evs, 0, evs[len(evs)-1].Position); msg != "" {
					problems = append(problems, "ReadAll during appends: "+msg)
					break
				}
			}
		}
		pollDone <- problems
	}()

	appended := make([][]store.Appended, writers)
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			stream := fmt.Sprintf("gap-%d", w%5)
			for i := range perWriter {
				evs := make([]store.EventData, batch(w, i))
				for j := range evs {
					evs[j] = ev("M", marker{W: w, I: i, J: j})
				}
				a, err := s.Append(ctx, stream, store.Any, evs...)
				if err != nil {
					errs <- fmt.Errorf("writer %d append %d: %w", w, i, err)
					return
				}
				appended[w] = append(appended[w], a)
			}
		})
	}
	wg.Wait()
	close(writersDone)
	close(errs)
	for err := range errs {
		tb.Error(err)
	}
	for _, p := range <-pollDone {
		tb.Error(p)
	}
	sub, ok := await(h, subDone)
	if !ok {
		tb.Fatalf("subscriber did not finish within %v of the writers", h.timeout())
	}
	if sub.err != nil {
		tb.Errorf("subscriber: %v", sub.err)
	}
	if msg := contiguous(sub.events, 0, store.Position(total)); msg != "" {
		tb.Errorf("subscriber: %s", msg)
	}

	all := readAll(tb, ctx, s, 0)
	if msg := contiguous(all, 0, store.Position(total)); msg != "" {
		tb.Fatalf("ReadAll after the appends: %s", msg)
	}
	sameEvents(tb, "subscriber vs ReadAll", all, sub.events)
	versions := map[string]store.Version{}
	for _, e := range all {
		versions[e.StreamID]++
		if e.Version != versions[e.StreamID] {
			tb.Fatalf("position %d: stream %q version %d, want %d", e.Position, e.StreamID, e.Version, versions[e.StreamID])
		}
	}
	for w := range writers {
		if len(appended[w]) != perWriter {
			continue // already reported
		}
		var last store.Position
		for i, a := range appended[w] {
			if a.Position <= last {
				tb.Errorf("writer %d: append %d got position %d after %d: positions not in commit order", w, i, a.Position, last)
			}
			last = a.Position
			n := batch(w, i)
			for j := range n {
				p := a.Position - store.Position(n-1-j)
				if p < 1 || int(p) > len(all) {
					tb.Fatalf("writer %d append %d: position %d out of range", w, i, p)
				}
				if m := decodeMarker(tb, all[p-1]); m != (marker{W: w, I: i, J: j}) {
					tb.Fatalf("position %d holds %+v, want %+v: a batch is not at consecutive positions ending at Appended.Position", p, m, marker{W: w, I: i, J: j})
				}
			}
		}
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		tb.Error("the check ran out of time")
	}
}

// batchMark identifies one event of a batch in checkBatchVisibleWhole.
type batchMark struct {
	W int `json:"w"` // writer
	I int `json:"i"` // the writer's append number
	J int `json:"j"` // index in the batch
	N int `json:"n"` // the batch's size
}

// checkBatchVisibleWhole: an append is atomic for readers too. While writers append
// batches, readers polling ReadAll and ReadStream, each from where its last read ended,
// never see the first events of a batch without its last: every read begins on the first
// event of a batch and ends on the last. checkGapFree checks only that reads have no gap,
// which a store that publishes a batch's events one at a time, at consecutive positions,
// passes.
func checkBatchVisibleWhole(tb testing.TB, h Harness) {
	const (
		writers   = 4
		perWriter = 40
	)
	ctx, s := open(tb, h)
	size := func(w, i int) int { return 2 + (w+i)%5 }

	var problems sync.Map // the first problem of each reader
	report := func(reader, msg string) { problems.LoadOrStore(reader, msg) }
	checkRead := func(reader string, evs []store.Event) bool {
		if len(evs) == 0 {
			return true
		}
		var first, last batchMark
		if err := json.Unmarshal(evs[0].Data, &first); err != nil {
			report(reader, fmt.Sprintf("data %s: %v", evs[0].Data, err))
			return false
		}
		if err := json.Unmarshal(evs[len(evs)-1].Data, &last); err != nil {
			report(reader, fmt.Sprintf("data %s: %v", evs[len(evs)-1].Data, err))
			return false
		}
		if first.J != 0 {
			report(reader, fmt.Sprintf("a read began at position %d, event %d of a %d-event batch", evs[0].Position, first.J, first.N))
			return false
		}
		if last.J != last.N-1 {
			report(reader, fmt.Sprintf("a read ended at position %d, event %d of a %d-event batch: the rest of the batch was not visible", evs[len(evs)-1].Position, last.J, last.N))
			return false
		}
		return true
	}
	writersDone := make(chan struct{})
	// poll reads with read from where its last read ended until one last read after the
	// writers are done.
	poll := func(reader string, read func(after store.Event) ([]store.Event, error)) {
		var last store.Event
		for done := false; !done; {
			select {
			case <-writersDone:
				done = true
			default:
			}
			evs, err := read(last)
			if err != nil {
				report(reader, err.Error())
				return
			}
			if !checkRead(reader, evs) {
				return
			}
			if len(evs) > 0 {
				last = evs[len(evs)-1]
			}
		}
	}
	var readers sync.WaitGroup
	readers.Go(func() {
		poll("ReadAll", func(last store.Event) ([]store.Event, error) {
			return collect(s.ReadAll(ctx, last.Position))
		})
	})
	readers.Go(func() { // the stream writers 0 and 2 share
		poll("ReadStream", func(last store.Event) ([]store.Event, error) {
			return collect(s.ReadStream(ctx, "whole-0", last.Version))
		})
	})
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				n := size(w, i)
				evs := make([]store.EventData, n)
				for j := range evs {
					evs[j] = ev("M", batchMark{W: w, I: i, J: j, N: n})
				}
				if _, err := s.Append(ctx, fmt.Sprint("whole-", w%2), store.Any, evs...); err != nil {
					errs <- fmt.Errorf("writer %d append %d: %w", w, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(writersDone)
	readers.Wait()
	close(errs)
	for err := range errs {
		tb.Error(err)
	}
	problems.Range(func(reader, msg any) bool {
		tb.Errorf("%s during appends: %s", reader, msg)
		return true
	})
}
