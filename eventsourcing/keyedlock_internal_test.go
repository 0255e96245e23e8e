package eventsourcing

import (
	"context"
	"testing"
)

func TestKeyedLock(t *testing.T) {
	var k keyedLock
	a, err := k.lock(context.Background(), "a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := k.lock(context.Background(), "b")
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
			e, err := k.lock(context.Background(), "a")
			if err == nil {
				k.unlock(e)
			}
			got <- err
		}()
		k.unlock(a)
		if err := <-got; err != nil {
			t.Fatal(err)
		}
	})
	k.unlock(b)
	t.Run("unused keys are forgotten", func(t *testing.T) {
		k.mu.Lock()
		defer k.mu.Unlock()
		if len(k.locks) != 0 {
			t.Fatalf("%d keys left, want 0", len(k.locks))
		}
	})
	t.Run("a reused entry locks its new key only", func(t *testing.T) {
		c, err := k.lock(context.Background(), "c")
		if err != nil {
			t.Fatal(err)
		}
		defer k.unlock(c)
		d, err := k.lock(context.Background(), "d") // must not wait for c
		if err != nil {
			t.Fatal(err)
		}
		if c == d || c.key != "c" || d.key != "d" {
			t.Fatalf("entries %p %q and %p %q", c, c.key, d, d.key)
		}
		k.unlock(d)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := k.lock(ctx, "c"); err != context.Canceled {
			t.Fatalf("c while held: got %v, want context.Canceled", err)
		}
	})
}
