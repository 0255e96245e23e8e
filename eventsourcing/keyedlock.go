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
}

type keyEntry struct {
	sem  chan struct{} // capacity 1: holding the token is holding the lock
	refs int           // holders and waiters
}

// lock acquires the key's mutex, or fails with ctx's error when ctx ends first. On success
// the caller must call the returned unlock exactly once.
func (k *keyedLock) lock(ctx context.Context, key string) (unlock func(), err error) {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = make(map[string]*keyEntry)
	}
	e := k.locks[key]
	if e == nil {
		e = &keyEntry{sem: make(chan struct{}, 1)}
		k.locks[key] = e
	}
	e.refs++
	k.mu.Unlock()

	select {
	case e.sem <- struct{}{}:
		return func() {
			<-e.sem
			k.release(key, e)
		}, nil
	case <-ctx.Done():
		k.release(key, e)
		return nil, ctx.Err()
	}
}

func (k *keyedLock) release(key string, e *keyEntry) {
	k.mu.Lock()
	e.refs--
	if e.refs == 0 {
		delete(k.locks, key)
	}
	k.mu.Unlock()
}
