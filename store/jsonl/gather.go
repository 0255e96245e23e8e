package jsonl

import (
	"runtime"
	"time"
)

// maxGather bounds how long a group waits for more appends.
const maxGather = time.Millisecond

// gather lets a group that is about to be written grow first, and reports whether the
// caller must write it. The writers the previous commit just released are on their way
// back; letting them join this group, rather than the one after it, lets a fixed set of
// writers share each sync instead of alternating between two half-full groups. The group
// waits until as many appends joined as the previous commit released (the last of them
// then writes the group, saving a wake-up) or for half as long as the previous write and
// sync took, whichever comes first. A lone writer does not wait.
func (s *Store) gather(g *group) bool {
	s.mu.Lock()
	wait := min(s.lastFlush/2, maxGather)
	if g.appends >= g.expect || wait <= 0 {
		g.taken = true
		s.mu.Unlock()
		return true
	}
	g.led = true
	s.mu.Unlock()
	if awaitDone(g.done, wait, runtime.Gosched) { // the last append wrote it
		return false
	}
	s.mu.Lock()
	mine := !g.taken
	g.taken = true
	s.mu.Unlock()
	if !mine {
		<-g.done
	}
	return mine
}

// awaitDone waits until done is closed or d has passed, and reports whether done closed.
// yield is runtime.Gosched (tests pass a slower one).
//
// d is about half a sync, tens to hundreds of microseconds, and the runtime keeps a timer
// that short only while it has other work: with every goroutine asleep it waits in the
// network poller, whose timeout has a resolution of a millisecond, so a 100 µs timer fired
// after ~1.1 ms, and a lone writer waiting for a second one that appends rarely took five
// times as long as a sync (see BenchmarkJSONL/mixed). So awaitDone yields the processor in a
// loop while yielding returns at once (nothing else can run: the loop costs at most d of
// processor time, which nothing else wanted), and sleeps on a timer once yields take long
// (other goroutines ran, the writers being waited for among them: the runtime is busy and
// keeps the timer, and a loop would take processor time from them). With GOMAXPROCS=1 the
// loop also keeps the one processor from polling the network, for at most d: the group is
// then written as it would have been after a timer.
func awaitDone(done <-chan struct{}, d time.Duration, yield func()) bool {
	deadline := time.Now().Add(d)
	if spin(done, deadline, yield) {
		return true
	}
	if !time.Now().Before(deadline) {
		return false
	}
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

// spin yields the processor until done is closed, and reports whether it was. It gives
// up, reporting false, at the deadline or once the runtime is busy: after busyYields slow
// yields in a row.
func spin(done <-chan struct{}, deadline time.Time, yield func()) bool {
	for busy := 0; busy < busyYields; {
		select {
		case <-done:
			return true
		default:
		}
		now := time.Now()
		if !now.Before(deadline) {
			return false
		}
		yield()
		if time.Since(now) > busyYield {
			busy++
		} else {
			busy = 0
		}
	}
	return false
}

// busyYield is how long a yield takes when other goroutines ran meanwhile (a yield with
// nothing else to run takes well under a microsecond); after busyYields such yields in a
// row the runtime counts as busy. One alone is not enough: under a light load the writer
// that just appended, or the garbage collector, may run once.
const (
	busyYield  = 10 * time.Microsecond
	busyYields = 3
)
