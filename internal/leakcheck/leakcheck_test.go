package leakcheck

import (
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestFind checks both sides of the patience: a goroutine that ends a second after the
// check began (beyond goleak's own wait) is no leak, one that is still running when the
// patience runs out is.
func TestFind(t *testing.T) {
	base := goleak.IgnoreCurrent()

	release := make(chan struct{})
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		<-release
	}()
	time.AfterFunc(time.Second, func() { close(release) }) // the goroutine winds down late
	if err := find(5*time.Second, base); err != nil {
		t.Fatalf("a goroutine that ended after a second: %v", err)
	}
	<-ended

	stuck := make(chan struct{})
	defer close(stuck)
	go func() { <-stuck }()
	if err := find(time.Second, base); err == nil {
		t.Fatal("a goroutine that never ends: no error")
	}
}
