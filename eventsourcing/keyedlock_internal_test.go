package eventsourcing

import (
	"context"
	"testing"
)

func TestKeyedLock(t *testing.T) {
	var k keyedLock
	unlockA, err := k.lock(context.Background(), "a")
	if err != nil {
		t.Fatal(err)
	}
	unlockB, err := k.lock(context.Background(), "b")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("a held key makes others wait until their context ends", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := k.lock(ctx, "a"); err != context.Canceled {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	})
	t.Run("an unlocked key can be locked again", func(t *testing.T) {
		got := make(chan error)
		go func() {
			unlock, err := k.lock(context.Background(), "a")
			if err == nil {
				unlock()
			}
			got <- err
		}()
		unlockA()
		if err := <-got; err != nil {
			t.Fatal(err)
		}
	})
	unlockB()
	t.Run("unused keys are forgotten", func(t *testing.T) {
		k.mu.Lock()
		defer k.mu.Unlock()
		if len(k.locks) != 0 {
			t.Fatalf("%d keys left, want 0", len(k.locks))
		}
	})
}
