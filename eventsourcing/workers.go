package eventsourcing

import "sync"

// workers runs jobs on goroutines that outlive them, at most one job per goroutine at a
// time, and never more goroutines than slots allows jobs in flight.
//
// Why not a goroutine per job: a saga's job (decide, encode, append and wait for the sync)
// needs a deeper stack than a new goroutine starts with, so a goroutine per event grew its
// stack two or three times, each a copy of every frame: about 5 % of the CPU of the API
// over the JSONL log with 64 clients. A worker keeps the stack it grew. Idle workers are
// reused last-in first-out, so the few that a load keeps busy stay warm, while the others
// sleep and let the garbage collector shrink their stacks.
type workers struct {
	slots chan struct{} // held by a job from its dispatch until its worker is idle again
	wg    sync.WaitGroup

	mu     sync.Mutex
	idle   []chan func() // a stack: the last worker to finish is the first reused
	closed bool
}

// newWorkers returns a pool of at most cap(slots) workers: the caller takes a slot (sends
// on slots) before each run, and the worker gives it back once it is idle again.
func newWorkers(slots chan struct{}) *workers { return &workers{slots: slots} }

// run runs job on an idle worker, or on a new one. The caller holds a slot.
func (w *workers) run(job func()) {
	w.mu.Lock()
	if n := len(w.idle); n > 0 {
		ch := w.idle[n-1]
		w.idle[n-1] = nil
		w.idle = w.idle[:n-1]
		w.mu.Unlock()
		ch <- job // buffered, and the worker waits on it: never blocks
		return
	}
	w.mu.Unlock()
	ch := make(chan func(), 1)
	ch <- job
	w.wg.Go(func() {
		for job := range ch {
			job()
			w.mu.Lock()
			if w.closed {
				w.mu.Unlock()
				<-w.slots
				return
			}
			// Idle again before the slot is given back: a dispatch that takes the slot
			// finds this worker, so the pool never holds more workers than slots.
			w.idle = append(w.idle, ch)
			w.mu.Unlock()
			<-w.slots
		}
	})
}

// close stops the idle workers and waits for the busy ones to finish their jobs. No run
// may follow.
func (w *workers) close() {
	w.mu.Lock()
	w.closed = true
	for _, ch := range w.idle {
		close(ch)
	}
	w.idle = nil
	w.mu.Unlock()
	w.wg.Wait()
}
