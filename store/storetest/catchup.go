package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/eventgraph/eventgraph/store"
)

// FarBehind is how many events checkFarBehind appends while a subscriber is not reading:
// more than a store may reasonably keep for a subscriber in memory (the JSONL store's cache
// of recent events holds 4,096, PostgreSQL's 1,024), so that the subscriber must fall back
// to reading the log to get them.
const FarBehind = 12288

// checkFarBehind: a subscriber that falls further behind than any buffer a store keeps for
// it still receives every event exactly once, in order, when it reads again, and so do
// subscriptions started while it catches up and appends go on (each must hand over from the
// history it reads to the events committed meanwhile with no gap and no duplicate).
// checkSlowSubscriber lets a subscriber fall 2,000 events behind, which a store that drops
// what overflows a bounded buffer of a few thousand events passes, and
// checkStalledSubscriberMemory checks what a stalled subscriber costs, not what it receives.
func checkFarBehind(tb testing.TB, h Harness) {
	const (
		batch       = 128
		liveAppends = 64
		liveBatch   = 8
	)
	ctx, s := open(tb, h)
	mustAppend(tb, ctx, s, "first", store.NoStream, numbered("First", 0, 1)...)
	head := store.Position(1 + FarBehind)
	total := head + liveAppends*liveBatch

	subCtx, cancel := context.WithTimeout(ctx, 3*h.timeout())
	defer cancel()
	stalledDone, resume := stalledSubscriber(tb, subCtx, h, s, total)
	defer resume()
	for i := 0; i < FarBehind; i += batch {
		mustAppend(tb, ctx, s, fmt.Sprint("far-", i/batch%7), store.Any, numbered("Far", i, batch)...)
	}

	// Appends go on while the stalled subscriber catches up and others start.
	writerDone := make(chan error, 1)
	go func() {
		for i := range liveAppends {
			if _, err := s.Append(ctx, fmt.Sprint("live-", i%3), store.Any, numbered("Live", i*liveBatch, liveBatch)...); err != nil {
				writerDone <- fmt.Errorf("append %d: %w", i, err)
				return
			}
		}
		writerDone <- nil
	}()
	starts := []store.Position{0, FarBehind / 2, head - 1, head, head + liveAppends*liveBatch/2}
	results := make([]chan received, len(starts))
	for i, after := range starts {
		results[i] = make(chan received, 1)
		go func() {
			evs, err := subscribeUntil(subCtx, h, s, after, total)
			results[i] <- received{evs, err}
		}()
	}
	resume()

	if err, ok := await(h, writerDone); !ok {
		tb.Errorf("writers did not finish within %v while subscribers caught up", h.timeout())
	} else if err != nil {
		tb.Errorf("writer: %v", err)
	}
	r, ok := await(h, stalledDone)
	if !ok {
		tb.Fatalf("the subscriber that fell %d events behind did not catch up within %v", FarBehind, h.timeout())
	}
	all := readAll(tb, ctx, s, 0)
	if msg := contiguous(all, 0, total); msg != "" {
		tb.Fatalf("ReadAll: %s", msg)
	}
	if r.err != nil {
		tb.Errorf("the subscriber that fell %d events behind: %v", FarBehind, r.err)
	}
	if msg := contiguous(r.events, 0, total); msg != "" {
		tb.Errorf("the subscriber that fell %d events behind: %s", FarBehind, msg)
	} else {
		sameEvents(tb, "the subscriber that fell behind", all, r.events)
	}
	checkStarted(tb, h, ", started during appends", starts, results, all, total)
}
