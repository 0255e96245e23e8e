package eventsourcing

import (
	"context"
	"errors"
	"runtime"
	"testing"

	"github.com/eventgraph/eventgraph/store"
)

// These tests check that a WaitFor already asleep when something makes it fail is woken to
// fail at once. The external tests of the same rules (TestRunner_Drain,
// TestRunner_waitForAfterRunReturned, TestRunner_runsUntilCtxEnds) cannot tell whether their
// WaitFor was asleep yet or only about to look, when it sees the change without a wake: here
// the WaitFor surely sleeps first. None has a deadline: only the wake can end it.

// asleepOn returns once n WaitFor calls wait on r.changed, and the channel they wait on.
func asleepOn(r *Runner, n int) chan struct{} {
	for {
		r.mu.Lock()
		w, ch := r.waiters, r.changed
		r.mu.Unlock()
		if w == n {
			return ch
		}
		runtime.Gosched()
	}
}

func TestRunner_WaitForAsleepFailsAtOnce(t *testing.T) {
	for _, tt := range []struct {
		name string
		wait store.Position
		then func(r *Runner, proj *processor) // what makes the WaitFor fail
		want error
	}{
		// The stopped projection never advances again: nothing else would wake the wait.
		{"when the projection it waits for stops", 11, func(r *Runner, proj *processor) {
			r.stopProjection(proj, store.Event{Position: 11}, errors.New("boom"))
		}, ErrProcessorStopped},
		{"when Run returns", 11, func(r *Runner, _ *processor) {
			r.end() // what Run does as it returns
		}, ErrProcessorStopped},
		{"when Drain is called with a head before its position", 12, func(r *Runner, _ *processor) {
			r.Drain(11)
		}, ErrDraining},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRunner(nil)
			proj := &processor{name: "p", kind: KindProjection}
			r.procs = []*processor{proj}
			r.advanceAll([]*processor{proj}, 10, "e10")
			done := make(chan error, 1)
			go func() { done <- r.WaitFor(context.Background(), tt.wait) }()
			asleep := asleepOn(r, 1)
			tt.then(r, proj)
			r.mu.Lock()
			woken := r.changed != asleep
			r.mu.Unlock()
			if !woken {
				t.Fatal("the WaitFor asleep was not woken")
			}
			if err := <-done; !errors.Is(err, tt.want) {
				t.Fatalf("WaitFor(%d) = %v, want %v", tt.wait, err, tt.want)
			}
		})
	}
}
