package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// checkLiveStall: a subscriber that has caught up with the log does not hold writers up
// while it handles a new event: an append from its own loop (as a saga's is) completes, and
// while it then stops reading, other writers append freely; when it reads again it receives
// everything, in order. checkSlowSubscriber stalls its subscriber on an event of the history
// it reads first, which a store that locks writers out only while it hands a subscriber a
// live event passes.
func checkLiveStall(tb testing.TB, h Harness) {
	const (
		appends = 100
		batch   = 20
	)
	ctx, s := open(tb, h)
	mustAppend(tb, ctx, s, "first", store.NoStream, numbered("First", 0, 1)...)
	// 1: first; 2: live; 3: appended from the subscriber's loop; then the writers'.
	total := store.Position(3 + appends*batch)

	subCtx, cancel := context.WithTimeout(ctx, 3*h.timeout())
	defer cancel()
	caughtUp, stalled, release := make(chan struct{}), make(chan struct{}), make(chan struct{})
	resume := sync.OnceFunc(func() { close(release) })
	defer resume()
	loopAppend := make(chan error, 1)
	done := make(chan received, 1)
	go func() {
		var r received
		defer func() { done <- r }()
		for e, err := range s.Subscribe(subCtx, 0) {
			if err != nil {
				r.err = err
				return
			}
			r.events = append(r.events, e)
			switch e.Position {
			case 1:
				close(caughtUp)
			case 2:
				appended := make(chan error, 1)
				go func() {
					_, err := s.Append(ctx, "from-loop", store.NoStream, ev("FromLoop", 0))
					appended <- err
				}()
				select {
				case err := <-appended:
					loopAppend <- err
				case <-time.After(h.timeout()):
					loopAppend <- fmt.Errorf("did not return within %v", h.timeout())
					return // a store that holds a lock while it yields releases it now
				}
				close(stalled)
				<-release // stop reading until the writers are done
			}
			if e.Position >= total {
				return
			}
		}
		r.err = fmt.Errorf("subscription ended without an error")
	}()
	select {
	case <-caughtUp:
	case r := <-done:
		tb.Fatalf("subscription ended before its first event: %v", r.err)
	case <-time.After(h.timeout()):
		tb.Fatalf("subscription did not deliver the first event within %v", h.timeout())
	}
	mustAppend(tb, ctx, s, "live", store.NoStream, numbered("Live", 0, 1)...)
	select {
	case err := <-loopAppend:
		if err != nil {
			tb.Fatalf("an append from the subscriber's loop, handling a live event: %v", err)
		}
	case <-time.After(2 * h.timeout()): // the loop's append has h.timeout()
		tb.Fatalf("the subscriber did not handle the event appended after it caught up within %v", 2*h.timeout())
	}
	<-stalled

	appendWhileStalled(tb, ctx, h, s, appends, batch, resume, done, total, "the stalled live subscriber")
}
