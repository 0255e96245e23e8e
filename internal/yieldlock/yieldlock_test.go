package yieldlock_test

import (
	"runtime"
	"sync"
	"testing"

	"github.com/eventgraph/eventgraph/internal/yieldlock"
)

// fake counts how a lock is taken; its TryLock succeeds on the try numbered freeAt (from
// 1), never when freeAt is 0.
type fake struct {
	freeAt, tries, locks int
}

func (f *fake) TryLock() bool { f.tries++; return f.freeAt != 0 && f.tries >= f.freeAt }
func (f *fake) Lock()         { f.locks++ }

func TestLock(t *testing.T) {
	tests := []struct {
		name         string
		freeAt       int
		tries, locks int
	}{
		{"free: the first try takes it", 1, 1, 0},
		{"freed while yielding: taken by a try", 5, 5, 0},
		{"freed on the last try", yieldlock.Yields, yieldlock.Yields, 0},
		{"held past the yields: queues on it", 0, yieldlock.Yields, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fake{freeAt: tt.freeAt}
			yieldlock.Lock(f)
			if f.tries != tt.tries || f.locks != tt.locks {
				t.Fatalf("TryLock called %d times and Lock %d, want %d and %d", f.tries, f.locks, tt.tries, tt.locks)
			}
		})
	}
}

// A real lock held past the yields is waited for, then taken.
func TestLock_waitsForAHeldMutex(t *testing.T) {
	var mu sync.RWMutex
	mu.RLock()
	taken := make(chan struct{})
	go func() {
		yieldlock.Lock(&mu)
		close(taken)
		mu.Unlock()
	}()
	// Many times the yields' worth of turns: a Lock that gave up after them without the
	// lock would have returned by now.
	for range 100 * yieldlock.Yields {
		runtime.Gosched()
	}
	select {
	case <-taken:
		t.Fatal("Lock returned while a reader held the lock")
	default:
	}
	mu.RUnlock()
	<-taken
	mu.Lock() // released by the goroutine
	mu.Unlock()
}
