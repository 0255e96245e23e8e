package eventsourcing

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// TestRunner_WaitForAfterResumeIsWokenAtTheHead: after a restart a saga resumes at its
// checkpoint, and every WaitFor(p), p >= 1, then waits for the whole log as it was at the
// start (resume records a write 2..head). A WaitFor for an early position, as a client
// reading its writes from before the restart sends, must not be woken at every event the read
// models replay past p: it cannot return before they reach the head (it was, while waitLow
// was the position asked for rather than what must be reached).
func TestRunner_WaitForAfterResumeIsWokenAtTheHead(t *testing.T) {
	r := NewRunner(nil)
	proj := &processor{name: "p", kind: KindProjection}
	saga := &processor{name: "s", kind: KindSaga}
	r.procs = []*processor{proj, saga}
	const head = 1000
	// What resume does for a saga whose checkpoint is the head.
	r.mu.Lock()
	saga.pos, saga.posID, saga.saved = head, "e1000", head
	saga.recordLocked(1, span{last: head})
	r.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	waitingOn := func() chan struct{} {
		for {
			r.mu.Lock()
			w, ch, low := r.waiters, r.changed, r.waitLow
			r.mu.Unlock()
			if w == 1 && (low == head || low == 5) { // waiting, to be woken at the head (or, wrongly, at 5)
				return ch
			}
			runtime.Gosched()
		}
	}
	done := make(chan error, 1)
	go func() { done <- r.WaitFor(ctx, 5) }()
	wakes := 0
	ch := waitingOn()
	for p := store.Position(1); p < head; p++ {
		r.advanceAll([]*processor{proj}, p, fmt.Sprint("e", p))
		r.mu.Lock()
		woken := r.changed != ch
		r.mu.Unlock()
		if woken {
			wakes++
			ch = waitingOn()
		}
	}
	select {
	case err := <-done:
		t.Fatalf("WaitFor(5) returned %v with the projection at %d, short of the head %d", err, head-1, head)
	default:
	}
	r.advanceAll([]*processor{proj}, head, "e1000")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if wakes > 0 {
		t.Errorf("WaitFor(5), which could return only at %d, was woken %d times as the projection replayed 1..%d", head, wakes, head-1)
	}
}
