package storetest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
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
	results := make([]chan received, len(starts))
	for i, after := range starts {
		results[i] = make(chan received, 1)
		go func() {
			evs, err := subscribeUntil(subCtx, h, s, after, total)
			results[i] <- received{evs, err}
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
	checkStarted(tb, h, "", starts, results, all, total)
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
	done, resume := stalledSubscriber(tb, subCtx, h, s, total)
	defer resume()

	appendWhileStalled(tb, ctx, h, s, appends, batch, resume, done, total, "the slow subscriber")
}

// checkSubscribePastHead: a subscription that starts after a position the log has not
// reached yet yields exactly the events past that position once they are committed, not
// those between the head and that position, also when a batch straddles the position.
// checkSubscribe starts subscribers past the head only when they happen to start before
// the writers reach their position; here the subscription must start while the head is
// below it. Subscribe is called before any append, and the appends that reach the position
// wait until the subscriber has ranged for a tenth of a second: nothing signals that a
// subscription is waiting for events, and a subscription that starts late only makes the
// check miss a defect, never fail a correct store (either way it must get exactly 9..14).
func checkSubscribePastHead(tb testing.TB, h Harness) {
	ctx, s := open(tb, h)
	mustAppend(tb, ctx, s, "a", store.NoStream, numbered("A", 0, 3)...) // head 3
	const after, until = 8, 14
	subCtx, cancel := context.WithTimeout(ctx, h.timeout())
	defer cancel()
	events := s.Subscribe(subCtx, after)
	done := make(chan received, 1)
	ranging := make(chan struct{})
	go func() {
		close(ranging)
		evs, err := collectUntil(events, until)
		done <- received{evs, err}
	}()
	mustAppend(tb, ctx, s, "b", store.Any, numbered("B", 0, 2)...) // 4..5, still below 8
	<-ranging
	// No signal tells that the subscription is waiting for events: see above.
	time.Sleep(100 * time.Millisecond)
	mustAppend(tb, ctx, s, "c", store.Any, numbered("C", 0, 5)...) // 6..10, straddles 8
	for i := range 4 {
		mustAppend(tb, ctx, s, "d", store.Any, numbered("D", i, 1)...) // 11..14
	}
	r, ok := await(h, done)
	if !ok {
		tb.Fatalf("Subscribe(%d) did not reach %d within %v", after, until, h.timeout())
	}
	if r.err != nil {
		tb.Errorf("Subscribe(%d): %v", after, r.err)
	}
	if msg := contiguous(r.events, after, until); msg != "" {
		tb.Errorf("Subscribe(%d) started on a log at 3: %s", after, msg)
		return
	}
	sameEvents(tb, fmt.Sprintf("Subscribe(%d)", after), readAll(tb, ctx, s, after), r.events)
}

// checkStalledSubscriberMemory: a subscriber that stops reading does not make the store's
// memory grow with what is appended meanwhile (it may fall back to reading the log when it
// reads again, but must not keep every event it has not read). The check appends the same
// events to two fresh stores, one with one stalled subscriber and one with five, and
// compares the live heap each grew by: whatever a store keeps in memory for the log or for
// shared caches is the same in both, so the difference is what the four extra stalled
// subscribers hold. A store that buffers every event for each subscriber holds four more
// copies of the appended data; the check allows an eighth of the data per extra subscriber,
// room for bounded per-subscriber buffers of a few hundred events and for the noise of the
// measurement. checkSlowSubscriber checks that writers are not blocked, not what the store
// keeps meanwhile.
func checkStalledSubscriberMemory(tb testing.TB, h Harness) {
	const (
		events = 8192
		batch  = 64
	)
	eventData := min(2048, h.maxEventSize()) // bytes of data per event, within the size limit
	dataBytes := uint64(events * eventData)
	grow := func(stalled, events int) uint64 {
		ctx, s := open(tb, h)
		defer s.Close()
		mustAppend(tb, ctx, s, "first", store.NoStream, numbered("First", 0, 1)...)
		subCtx, cancel := context.WithCancel(ctx)
		release := make(chan struct{})
		var wg sync.WaitGroup
		defer func() {
			cancel()
			close(release)
			wg.Wait()
		}()
		ready := make(chan error, stalled)
		for range stalled {
			wg.Go(func() {
				first := true
				for _, err := range s.Subscribe(subCtx, 0) {
					if first {
						first = false
						ready <- err
						<-release // stop reading: the subscriber is stalled from here on
						return
					}
				}
				if first {
					ready <- errors.New("subscription ended without an event")
				}
			})
		}
		for range stalled {
			err, ok := await(h, ready)
			if !ok || err != nil {
				tb.Fatalf("stalled subscriber did not get its first event: %v (in time: %v)", err, ok)
			}
		}
		before := liveHeap()
		pad := strings.Repeat("p", max(eventData-32, 0))
		for i := 0; i < events; i += batch {
			evs := make([]store.EventData, batch)
			for j := range evs {
				evs[j] = store.EventData{Type: "Big", Data: fmt.Appendf(nil, `{"n":%d,"pad":%q}`, i+j, pad)}
			}
			mustAppend(tb, ctx, s, fmt.Sprint("big-", i%7), store.Any, evs...)
		}
		after := liveHeap()
		if after < before {
			return 0
		}
		return after - before
	}
	one := grow(1, events)
	five := grow(5, events)
	tb.Logf("live heap grew by %d KiB with one stalled subscriber, %d KiB with five, for %d KiB of data",
		one>>10, five>>10, dataBytes>>10)
	if five > one && five-one > 4*dataBytes/8 {
		tb.Errorf("four more stalled subscribers made the heap grow by %d KiB more while %d KiB of data were appended: stalled subscribers keep what they have not read",
			(five-one)>>10, dataBytes>>10)
	}
	// What the subscribers share is invisible above: what one stalled subscriber makes the
	// store keep, against none, must not grow with what is appended after it stalled. A
	// bounded cache of recent events is the same size after twice as many events.
	extra := func(events int) uint64 {
		with, without := grow(1, events), grow(0, events)
		if with < without {
			return 0
		}
		return with - without
	}
	once, twice := extra(events), extra(2*events)
	tb.Logf("one stalled subscriber made the store keep %d KiB more than none after %d events, %d KiB after %d",
		once>>10, events, twice>>10, 2*events)
	if twice > once && twice-once > dataBytes/4 {
		tb.Errorf("one stalled subscriber made the store keep %d KiB more than none after %d events and %d KiB after twice as many: the store keeps what a stalled subscriber has not read",
			once>>10, events, twice>>10)
	}
}

// liveHeap returns the bytes of live heap objects after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
