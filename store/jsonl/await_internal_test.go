package jsonl

import (
	"testing"
	"time"
)

func TestAwaitDone(t *testing.T) {
	t.Run("already closed", func(t *testing.T) {
		done := make(chan struct{})
		close(done)
		if !awaitDone(done, 0) {
			t.Fatal("awaitDone = false for a closed channel")
		}
	})
	t.Run("never closed", func(t *testing.T) {
		if awaitDone(make(chan struct{}), time.Microsecond) {
			t.Fatal("awaitDone = true for a channel nobody closed")
		}
	})
	t.Run("closed while waiting", func(t *testing.T) {
		// The wait is far longer than the test may run: only the close can end it.
		done, waiting := make(chan struct{}), make(chan bool)
		go func() { waiting <- awaitDone(done, time.Hour) }()
		close(done)
		if !<-waiting {
			t.Fatal("awaitDone = false after the channel closed")
		}
	})
}
