package jsonl

import (
	"runtime"
	"testing"
	"time"
)

func TestAwaitDone(t *testing.T) {
	// slow is a yield that takes as long as one to a busy runtime; on its third call (when
	// awaitDone stops yielding and waits on a timer) it runs then, if set.
	slow := func(then func()) func() {
		calls := 0
		return func() {
			time.Sleep(2 * busyYield)
			if calls++; calls == busyYields && then != nil {
				then()
			}
		}
	}
	t.Run("already closed", func(t *testing.T) {
		done := make(chan struct{})
		close(done)
		if !awaitDone(done, 0, runtime.Gosched) {
			t.Fatal("awaitDone = false for a closed channel")
		}
	})
	t.Run("never closed", func(t *testing.T) {
		if awaitDone(make(chan struct{}), time.Microsecond, runtime.Gosched) {
			t.Fatal("awaitDone = true for a channel nobody closed")
		}
	})
	t.Run("closed while yielding", func(t *testing.T) {
		// The wait is far longer than the test may run: only the close can end it.
		done, waiting := make(chan struct{}), make(chan bool)
		go func() { waiting <- awaitDone(done, time.Hour, runtime.Gosched) }()
		close(done)
		if !<-waiting {
			t.Fatal("awaitDone = false after the channel closed")
		}
	})
	t.Run("never closed, busy", func(t *testing.T) {
		if awaitDone(make(chan struct{}), time.Millisecond, slow(nil)) {
			t.Fatal("awaitDone = true for a channel nobody closed")
		}
	})
	t.Run("closed while on the timer", func(t *testing.T) {
		done := make(chan struct{})
		if !awaitDone(done, time.Hour, slow(func() { close(done) })) {
			t.Fatal("awaitDone = false after the channel closed")
		}
	})
}

func TestSpin(t *testing.T) {
	// slowYield takes as long as a yield to a busy runtime.
	slowYield := func() { time.Sleep(2 * busyYield) }
	// Far longer than a passing subtest takes, so that only what the subtest waits for ends
	// spin, and short enough for a broken spin to fail rather than hang.
	later := func() time.Time { return time.Now().Add(10 * time.Second) }
	t.Run("closed while yielding", func(t *testing.T) {
		done, waiting := make(chan struct{}), make(chan bool)
		go func() { waiting <- spin(done, later(), runtime.Gosched) }()
		close(done)
		if !<-waiting {
			t.Fatal("spin = false after done closed")
		}
	})
	t.Run("deadline", func(t *testing.T) {
		if spin(make(chan struct{}), time.Now().Add(time.Millisecond), runtime.Gosched) {
			t.Fatal("spin = true with nothing closed")
		}
	})
	t.Run("busy", func(t *testing.T) {
		// Only the busy yields can end it before the deadline.
		calls := 0
		yield := func() { calls++; slowYield() }
		if spin(make(chan struct{}), later(), yield) {
			t.Fatal("spin = true with nothing closed")
		}
		if calls != busyYields {
			t.Fatalf("spin yielded %d times to a busy runtime, want %d", calls, busyYields)
		}
	})
}
