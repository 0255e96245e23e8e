package memory

import (
	"errors"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// An append that Close overtakes after its first check (here from the clock it reads
// between that check and the write lock) fails with ErrClosed and commits nothing: after
// Close every method fails with it.
func TestAppend_overtakenByCloseFails(t *testing.T) {
	var s *Store
	armed := true // read by the one Append only
	s = New(WithClock(func() time.Time {
		if armed {
			armed = false
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}
		return time.Now()
	}))
	done := make(chan error, 1)
	go func() {
		_, err := s.Append(t.Context(), "s", store.NoStream, store.EventData{Type: "T", Data: []byte(`{}`)})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, store.ErrClosed) {
			t.Fatalf("Append overtaken by Close: %v, want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		// Were the clock read under the store's lock, Close would wait for it.
		t.Fatal("Append did not return: the clock is read under the lock Close takes; move this test's Close")
	}
	if n := s.log.len(); n != 0 {
		t.Fatalf("%d events committed by an append that Close overtook", n)
	}
}

// A subscriber that has read every event waits on a channel the next commit closes, rather
// than poll the store (which would spin on its write lock for as long as nothing is written).
func TestWait_givesACaughtUpReaderAChannel(t *testing.T) {
	s := New()
	defer s.Close()
	if _, ch := s.wait(0); ch == nil {
		t.Fatal("wait(0) on an empty log: no channel to wait on")
	}
	if _, err := s.Append(t.Context(), "s", store.NoStream, store.EventData{Type: "T", Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if _, ch := s.wait(0); ch != nil {
		t.Fatal("wait(0) with an event to read: a channel, want none")
	}
	_, ch := s.wait(1)
	if ch == nil {
		t.Fatal("wait(1) at the head: no channel to wait on")
	}
	if _, err := s.Append(t.Context(), "s", 1, store.EventData{Type: "T", Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
	default:
		t.Fatal("the channel is still open after the next commit")
	}
}
