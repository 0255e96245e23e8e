package eventsourcing

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// A WaitFor whose closure a saga's write extends beyond a stopped processor can only fail,
// and fails at once (ErrProcessorStopped), though a slow processor (a ResumableProjection
// still retrying its Resume, a projection catching up) is far from its target: waiters are
// otherwise woken only once every processor reached the lowest target (a review found the
// failure held back until the slow one caught up, or the caller's deadline).
func TestRunner_WaitForFailsAtOnceWhenASagaWritesBeyondAStoppedProcessor(t *testing.T) {
	r := NewRunner(nil)
	stopped := &processor{name: "stopped", kind: KindProjection}
	slow := &processor{name: "slow", kind: KindProjection}
	saga := &processor{name: "saga", kind: KindSaga}
	r.procs = []*processor{stopped, slow, saga}
	r.advanceAll([]*processor{stopped}, 30, "e30")
	r.stopProjection(stopped, store.Event{Position: 31}, errors.New("boom"))
	r.advanceAll([]*processor{slow}, 5, "e5")
	r.advance(saga, 19, "e19", nil)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- r.WaitFor(ctx, 20) }()
	var asleep chan struct{}
	for { // until it waits
		r.mu.Lock()
		w, ch := r.waiters, r.changed
		r.mu.Unlock()
		if w == 1 {
			asleep = ch
			break
		}
		runtime.Gosched()
	}
	// Handling 20, the saga writes 40: WaitFor(20) now waits for 40, beyond the projection
	// stopped at 30.
	r.advance(saga, 20, "e20", []span{{first: 40, last: 40}})
	r.mu.Lock()
	woken := r.changed != asleep
	r.mu.Unlock()
	if !woken {
		t.Fatal("the write beyond the stopped projection did not wake the WaitFor")
	}
	if err := <-done; !errors.Is(err, ErrProcessorStopped) {
		t.Fatalf("WaitFor(20) = %v, want ErrProcessorStopped", err)
	}
}
