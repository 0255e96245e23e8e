// Package yieldlock takes a lock that is held only briefly by yielding the processor
// while it is held, a bounded number of times, before queuing on it.
//
// A goroutine queued on a sync.Mutex or sync.RWMutex parks. When many goroutines append
// to one store on few processors, they all end up parked on its lock: processors fall
// idle, and every hand-off of the lock costs a wake-up that takes longer than the few
// hundred nanoseconds an append holds it. A goroutine that yields instead lets another
// one run meanwhile (one that prepares its own append outside the lock, say) and stays
// runnable for the moment the lock is free. On the benchmark machine (two cores) the
// JSONL log without sync, with 16 and 64 appenders, went from 68–107 % of a bare write
// loop's rate to 82–144 % (alternating pairs, bench/notes.md, eleventh session), and
// still makes 10–35 % more than with a plain Lock on a machine three times as fast
// (sixteenth session). Whether yielding pays depends on how long the lock is held: the
// memory store, which holds it for less, made 9–22 % more with a plain Lock there and
// now uses one.
package yieldlock

import "runtime"

// Yields is how many times Lock yields before it queues: a few microseconds when nothing
// else is runnable. A lock held longer than that is waited for by parking, as Lock()
// alone would.
const Yields = 32

// Locker is a lock that can be tried without waiting, as sync.Mutex and sync.RWMutex can.
type Locker interface {
	TryLock() bool
	Lock()
}

// Lock takes l. An uncontended lock is taken on the first try, with no yield.
func Lock(l Locker) {
	for range Yields {
		if l.TryLock() {
			return
		}
		runtime.Gosched()
	}
	l.Lock()
}
