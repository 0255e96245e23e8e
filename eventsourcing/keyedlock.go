package eventsourcing

import (
	"context"
	"sync"
)

// keyedLock is a set of mutexes, one per key, created on first use and removed when no
// goroutine holds or waits for it, so memory stays proportional to the keys in use.
type keyedLock struct {
	mu    sync.Mutex
	locks map[string]*keyEntry
	// free holds released entries for reuse: every command takes one or two of these locks,
	// and reusing them spares three allocations each.
	free []*keyEntry
}

// maxFreeKeyEntries bounds keyedLock.free.
const maxFreeKeyEntries = 64

// keyEntry is one key's mutex; lock returns it as the token that unlock takes back.
type keyEntry struct {
	key  string
	sem  chan struct{} // capacity 1: holding the token is holding the lock
	refs int           // holders and waiters
}

// lock acquires the key's mutex, or fails with ctx's error when ctx ends first. On success
// the caller must pass the returned entry to unlock exactly once.
func (k *keyedLock) lock(ctx context.Context, key string) (*keyEntry, error) {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = make(map[string]*keyEntry)
	}
	e := k.locks[key]
	if e == nil {
		if n := len(k.free); n > 0 {
			e = k.free[n-1]
			k.free[n-1] = nil
			k.free = k.free[:n-1]
		} else {
			e = &keyEntry{sem: make(chan struct{}, 1)}
		}
		e.key = key
		k.locks[key] = e
	}
	e.refs++
	k.mu.Unlock()

	select {
	case e.sem <- struct{}{}:
		return e, nil
	case <-ctx.Done():
		k.release(e)
		return nil, ctx.Err()
	}
}

// unlock releases a mutex acquired by lock.
func (k *keyedLock) unlock(e *keyEntry) {
	<-e.sem
	k.release(e)
}

func (k *keyedLock) release(e *keyEntry) {
	k.mu.Lock()
	e.refs--
	if e.refs == 0 {
		delete(k.locks, e.key)
		if len(k.free) < maxFreeKeyEntries {
			e.key = "" // the sem is empty: no holder, no waiter
			k.free = append(k.free, e)
		}
	}
	k.mu.Unlock()
}
