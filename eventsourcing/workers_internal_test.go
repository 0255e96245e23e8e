package eventsourcing

import (
	"sync"
	"sync/atomic"
	"testing"
)

// dispatch takes a slot and runs job on w, as consumeSaga does.
func dispatch(w *workers, job func()) {
	w.slots <- struct{}{}
	w.run(job)
}

// idleWorkers returns the idle workers once every slot is free, that is once every job
// has finished and its worker is idle again.
func idleWorkers(w *workers) []chan func() {
	for range cap(w.slots) {
		w.slots <- struct{}{}
	}
	w.mu.Lock()
	idle := append([]chan func(){}, w.idle...)
	w.mu.Unlock()
	for range cap(w.slots) {
		<-w.slots
	}
	return idle
}

func TestWorkers_reuseOneWorkerForJobsInTurn(t *testing.T) {
	w := newWorkers(make(chan struct{}, 4))
	defer w.close()
	ran := 0
	for range 50 {
		done := make(chan struct{})
		dispatch(w, func() { ran++; close(done) })
		<-done
		if n := len(idleWorkers(w)); n != 1 {
			t.Fatalf("after %d jobs in turn: %d workers, want 1", ran, n)
		}
	}
	if ran != 50 {
		t.Fatalf("ran %d jobs, want 50", ran)
	}
}

func TestWorkers_neverMoreWorkersThanSlots(t *testing.T) {
	const slots, jobs = 4, 400
	w := newWorkers(make(chan struct{}, slots))
	defer w.close()
	var running, most, ran atomic.Int64
	for range jobs {
		dispatch(w, func() {
			n := running.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			running.Add(-1)
			ran.Add(1)
		})
	}
	idle := idleWorkers(w)
	if ran.Load() != jobs {
		t.Fatalf("ran %d jobs, want %d", ran.Load(), jobs)
	}
	if most.Load() > slots {
		t.Fatalf("%d jobs ran at once, want at most %d", most.Load(), slots)
	}
	if len(idle) == 0 || len(idle) > slots {
		t.Fatalf("%d workers, want 1 to %d", len(idle), slots)
	}
}

func TestWorkers_lastToFinishIsReusedFirst(t *testing.T) {
	w := newWorkers(make(chan struct{}, 2))
	defer w.close()
	releaseA, releaseB := make(chan struct{}), make(chan struct{})
	started := make(chan struct{}, 2)
	dispatch(w, func() { started <- struct{}{}; <-releaseA })
	dispatch(w, func() { started <- struct{}{}; <-releaseB })
	<-started
	<-started
	close(releaseA)
	if idle := waitIdle(w, 1); len(idle) != 1 {
		t.Fatalf("%d idle workers, want 1", len(idle))
	}
	first := w.idle[0]
	close(releaseB)
	idle := idleWorkers(w)
	if len(idle) != 2 || idle[0] != first {
		t.Fatalf("idle workers %v, want the first to finish (%v) at the bottom", idle, first)
	}
	running, release := make(chan struct{}), make(chan struct{})
	dispatch(w, func() { close(running); <-release })
	<-running
	w.mu.Lock()
	idle = append(idle[:0], w.idle...)
	w.mu.Unlock()
	close(release)
	if len(idle) != 1 || idle[0] != first {
		t.Fatalf("idle workers %v while the last to finish runs, want only %v", idle, first)
	}
}

// waitIdle waits until n workers are idle, by taking the slot of each that finished.
func waitIdle(w *workers, n int) []chan func() {
	for {
		w.mu.Lock()
		idle := append([]chan func(){}, w.idle...)
		w.mu.Unlock()
		if len(idle) >= n {
			return idle
		}
		// A worker gives its slot back only once idle: wait for one to be given back.
		w.slots <- struct{}{}
		<-w.slots
	}
}

func TestWorkers_closeWaitsForBusyWorkers(t *testing.T) {
	w := newWorkers(make(chan struct{}, 3))
	release := make(chan struct{})
	var finished atomic.Bool
	var started sync.WaitGroup
	started.Add(1)
	dispatch(w, func() { started.Done(); <-release; finished.Store(true) })
	dispatch(w, func() {}) // on a second worker, idle by the time close runs, or soon after
	started.Wait()
	closed := make(chan struct{})
	go func() { w.close(); close(closed) }()
	close(release)
	<-closed
	if !finished.Load() {
		t.Fatal("close returned before the busy worker finished its job")
	}
	if len(w.slots) != 0 {
		t.Fatalf("%d slots still held after close", len(w.slots))
	}
	// goleak (TestMain) fails the package if a worker outlived close.
}
