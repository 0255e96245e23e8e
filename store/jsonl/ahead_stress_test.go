package jsonl_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/eventgraph/eventgraph/internal/leakcheck"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// checkNumbered fails unless e is the event ev("E", p) appended at position p.
func checkNumbered(e store.Event, p store.Position) error {
	var body struct{ N int }
	if err := json.Unmarshal(e.Data, &body); err != nil || e.Position != p || body.N != int(p) ||
		e.Metadata["commandId"] != fmt.Sprintf("c-%d", p) {
		return fmt.Errorf("got %+v (%v), want position %d", e, err, p)
	}
	return nil
}

// TestReadAhead_racingAppends: many readers (more than the read-ahead tokens), far
// behind, with appends racing and a small tail cache, each stopping at a random point by
// break or ctx; every one must see a gapless, duplicate-free run, and nothing must leak.
func TestReadAhead_racingAppends(t *testing.T) {
	defer leakcheck.VerifyNone(t, goleak.IgnoreCurrent())
	rc := &readCounter{}
	s, err := jsonl.Open(t.TempDir(), jsonl.WithNoSync(), jsonl.WithTailCache(64), jsonl.WithObserver(rc))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const initial = 3000
	for n := 1; n <= initial; n++ {
		mustAppend(t, s, fmt.Sprintf("s-%d", n%10), store.Any, ev("E", n))
	}
	stopAppends := make(chan struct{})
	appended := make(chan struct{})
	go func() {
		defer close(appended)
		for n := initial + 1; ; n++ {
			select {
			case <-stopAppends:
				return
			default:
			}
			if _, err := s.Append(context.Background(), fmt.Sprintf("s-%d", n%10), store.Any, ev("E", n)); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	var wg sync.WaitGroup
	readers := 2*runtime.GOMAXPROCS(0) + 3
	errs := make(chan error, readers*10)
	for i := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			for round := range 4 {
				after := store.Position(rng.IntN(1500))
				stop := 1 + rng.IntN(4000)
				ctx, cancel := context.WithCancel(context.Background())
				byCtx := rng.IntN(2) == 0
				var seq func(func(store.Event, error) bool)
				switch (i + round) % 4 {
				case 0:
					seq = s.Subscribe(ctx, after)
				case 1:
					seq = s.SubscribeShared(ctx, after)
				case 2:
					seq = s.ReadAll(ctx, after)
				default:
					seq = s.ReadAllShared(ctx, after)
				}
				n := 0
				for e, err := range seq {
					if err != nil {
						if !(byCtx && n == stop && errors.Is(err, context.Canceled)) {
							errs <- fmt.Errorf("reader %d round %d: error after %d of %d: %v", i, round, n, stop, err)
						}
						break
					}
					if byCtx && n == stop {
						errs <- fmt.Errorf("reader %d: event %d yielded after cancel", i, e.Position)
						break
					}
					n++
					if err := checkNumbered(e, after+store.Position(n)); err != nil {
						errs <- fmt.Errorf("reader %d round %d, event %d: %v", i, round, n, err)
						break
					}
					if n == stop {
						if byCtx {
							cancel()
							continue
						}
						break
					}
				}
				cancel()
			}
		}()
	}
	wg.Wait()
	close(stopAppends)
	<-appended
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestReadAhead_consumerPanics: a consumer that panics while a read-ahead runs leaves
// no goroutine behind and gives its token back (later readers still read ahead).
func TestReadAhead_consumerPanics(t *testing.T) {
	defer leakcheck.VerifyNone(t, goleak.IgnoreCurrent())
	s, _, _ := longLog(t)
	for i := range 2*runtime.GOMAXPROCS(0) + 1 {
		func() {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			n := 0
			for _, err := range s.ReadAll(context.Background(), 0) {
				if err != nil {
					t.Fatal(err)
				}
				if n++; n == 700+i {
					panic("consumer")
				}
			}
		}()
	}
	got, err := drain(s.SubscribeShared(context.Background(), 0), aheadLog)
	if err != nil {
		t.Fatal(err)
	}
	checkRun(t, got, 0, aheadLog)
}

// TestReadAhead_closeUnderManyReaders: Close while many readers catch up (and some are
// parked mid-iteration via iter.Pull) ends each with ErrClosed or a complete run, without
// deadlock or leak.
func TestReadAhead_closeUnderManyReaders(t *testing.T) {
	defer leakcheck.VerifyNone(t, goleak.IgnoreCurrent())
	s, _, _ := longLog(t)
	// Readers parked mid-run with their read-ahead full.
	var nexts []func() (store.Event, error, bool)
	for range runtime.GOMAXPROCS(0) {
		next, stop := iterPull(s.Subscribe(context.Background(), 0))
		nexts = append(nexts, next)
		for range 600 {
			if _, err, ok := next(); !ok || err != nil {
				t.Fatal(err)
			}
		}
		defer stop()
	}
	var wg sync.WaitGroup
	started := make(chan struct{}, 8)
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 0
			seq := s.ReadAll(context.Background(), 0)
			if i%2 == 0 {
				seq = s.Subscribe(context.Background(), 0)
			}
			for e, err := range seq {
				if err != nil {
					if !errors.Is(err, store.ErrClosed) {
						errs <- err
					}
					return
				}
				n++
				if e.Position != store.Position(n) {
					errs <- fmt.Errorf("event %d at position %d", n, e.Position)
					return
				}
				if n == 300 {
					started <- struct{}{}
				}
			}
			if i%2 == 0 {
				errs <- errors.New("a subscription ended without an error")
			}
		}()
	}
	for range 4 {
		<-started
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	// The parked readers resume after Close.
	for k, next := range nexts[:1] {
		for m := 0; ; m++ {
			e, err, ok := next()
			if !ok {
				t.Errorf("parked reader %d ended without an error", k)
				break
			}
			if err != nil {
				if !errors.Is(err, store.ErrClosed) {
					t.Errorf("parked reader %d: %v", k, err)
				}
				t.Logf("parked reader %d yielded %d events after Close, then %v", k, m, err)
				break
			}
			if e.Position != store.Position(601+m) {
				t.Fatalf("parked reader: position %d, want %d", e.Position, 601+m)
			}
		}
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
