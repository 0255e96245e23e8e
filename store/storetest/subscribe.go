package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// checkSubscribe: subscribers started at 0, in the middle and at the head, while writers
// keep appending, each receive every later event exactly once, in order, equal to ReadAll.
func checkSubscribe(tb testing.TB, h Harness) {
	const (
		history = 40
		live    = 60
		writers = 4
	)
	ctx, s := open(tb, h)
	for i := range history / 2 {
		mustAppend(tb, ctx, s, fmt.Sprint("hist-", i%2), store.Any, numbered("H", 2*i, 2)...)
	}
	total := store.Position(history + live)
	starts := []store.Position{0, 1, history / 2, history - 1, history, history + live/2}
	subCtx, cancel := context.WithTimeout(ctx, h.timeout())
	defer cancel()
	type result struct {
		events []store.Event
		err    error
	}
	results := make([]chan result, len(starts))
	for i, after := range starts {
		results[i] = make(chan result, 1)
		go func() {
			evs, err := subscribeUntil(subCtx, h, s, after, total)
			results[i] <- result{evs, err}
		}()
	}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range live / writers {
				if _, err := s.Append(ctx, fmt.Sprint("live-", w), store.Any, ev("L", marker{W: w, I: i})); err != nil {
					tb.Errorf("writer %d: %v", w, err)
					return
				}
			}
		})
	}
	wg.Wait()
	all := readAll(tb, ctx, s, 0)
	if msg := contiguous(all, 0, total); msg != "" {
		tb.Fatalf("ReadAll: %s", msg)
	}
	for i, after := range starts {
		r, ok := await(h, results[i])
		if !ok {
			tb.Errorf("Subscribe(%d) did not finish within %v of the writers", after, h.timeout())
			continue
		}
		if r.err != nil {
			tb.Errorf("Subscribe(%d): %v", after, r.err)
		}
		if msg := contiguous(r.events, after, total); msg != "" {
			tb.Errorf("Subscribe(%d): %s", after, msg)
			continue
		}
		sameEvents(tb, fmt.Sprintf("Subscribe(%d)", after), all[after:], r.events)
	}
}

// checkSlowSubscriber: a subscriber that stops reading for a while does not block writers;
// when it reads again it receives everything, in order.
func checkSlowSubscriber(tb testing.TB, h Harness) {
	const (
		appends = 100
		batch   = 20
	)
	ctx, s := open(tb, h)
	mustAppend(tb, ctx, s, "first", store.NoStream, numbered("First", 0, 1)...)
	total := store.Position(1 + appends*batch)

	subCtx, cancel := context.WithTimeout(ctx, 3*h.timeout())
	defer cancel()
	stalled, release := make(chan struct{}), make(chan struct{})
	resume := sync.OnceFunc(func() { close(release) })
	defer resume()
	type result struct {
		events []store.Event
		err    error
	}
	done := make(chan result, 1)
	go func() {
		var out []store.Event
		for e, err := range s.Subscribe(subCtx, 0) {
			if err != nil {
				done <- result{out, err}
				return
			}
			out = append(out, e)
			if len(out) == 1 {
				close(stalled)
				<-release // stop reading until the writers are done
			}
			if e.Position >= total {
				break
			}
		}
		done <- result{out, nil}
	}()
	select {
	case <-stalled:
	case r := <-done:
		tb.Fatalf("subscription ended before its first event: %v", r.err)
	case <-time.After(h.timeout()):
		tb.Fatalf("subscription did not deliver the first event within %v", h.timeout())
	}

	writersDone := make(chan error, 1)
	go func() {
		for i := range appends {
			if _, err := s.Append(ctx, fmt.Sprint("w-", i%7), store.Any, numbered("W", i*batch, batch)...); err != nil {
				writersDone <- fmt.Errorf("append %d: %w", i, err)
				return
			}
		}
		writersDone <- nil
	}()
	select {
	case err := <-writersDone:
		if err != nil {
			tb.Errorf("writer: %v", err)
		}
	case <-time.After(h.timeout()):
		tb.Errorf("writers did not finish within %v while a subscriber was not reading: a slow subscriber blocks appends", h.timeout())
		resume()
		if err := <-writersDone; err != nil {
			tb.Errorf("writer: %v", err)
		}
	}
	resume()
	r, ok := await(h, done)
	if !ok {
		tb.Fatalf("slow subscriber did not catch up within %v after the writers finished", h.timeout())
	}
	if r.err != nil {
		tb.Errorf("slow subscriber: %v", r.err)
	}
	if msg := contiguous(r.events, 0, total); msg != "" {
		tb.Errorf("slow subscriber: %s", msg)
	}
}
