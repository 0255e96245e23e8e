package eventsourcing

import (
	"context"
	"runtime"
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
	t.Run("a key handed to a waiter stays locked", func(t *testing.T) {
		// The entry must stay the key's while a waiter holds it: forgotten (and put in the
		// free list) as its holder unlocks, it would let a third caller lock the key anew, or
		// hand another key the lock the waiter holds.
		var k keyedLock // of its own: a failure here leaves the others' lock as it was
		h, err := k.lock(context.Background(), "h")
		if err != nil {
			t.Fatal(err)
		}
		got := make(chan *keyEntry)
		go func() {
			e, err := k.lock(context.Background(), "h")
			if err != nil {
				t.Error(err)
			}
			got <- e
		}()
		for waiting := false; !waiting; runtime.Gosched() { // until the second caller waits
			k.mu.Lock()
			waiting = k.locks["h"].refs == 2
			k.mu.Unlock()
		}
		k.unlock(h)
		w := <-got
		k.mu.Lock()
		e := k.locks["h"]
		k.mu.Unlock()
		if e != w || e.refs != 1 {
			t.Fatalf("key h maps to %p (%+v) while the waiter holds %p, want that entry with one holder", e, e, w)
		}
		k.unlock(w)
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
