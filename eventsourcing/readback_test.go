package eventsourcing_test

import (
	"context"
	"errors"
	"iter"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/internal/clocktest"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

// stallingStore is a store that answers appends but, once one was made, no read: each
// ReadStream then waits for its context to end, as a database that stopped answering right
// after a commit does. It offers only store.Store, so the handler reads its appends back.
type stallingStore struct {
	store.Store
	stalled atomic.Bool
}

func (s *stallingStore) Append(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, error) {
	app, err := s.Store.Append(ctx, stream, expected, events...)
	s.stalled.Store(err == nil)
	return app, err
}

func (s *stallingStore) ReadStream(ctx context.Context, stream string, after store.Version) iter.Seq2[store.Event, error] {
	if !s.stalled.Load() {
		return s.Store.ReadStream(ctx, stream, after)
	}
	return func(yield func(store.Event, error) bool) {
		<-ctx.Done()
		yield(store.Event{}, ctx.Err())
	}
}

// A command whose events are committed, and read back from a store that stopped answering,
// returns at its context's deadline with the events as appended: the read back kept
// waiting for the store past the deadline (it dropped the deadline with the cancellation),
// so a request's answer came, if at all, after the HTTP server had cut the response off.
func TestHandle_readBackKeepsTheDeadline(t *testing.T) {
	s := &stallingStore{Store: newStore(t)}
	h := newCounterHandler(s)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	type outcome struct {
		events int
		err    error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := h.Handle(ctx, createCounter{ID: "a"}, eventsourcing.Meta{})
		done <- outcome{len(res.Events), err}
	}()
	select {
	case o := <-done:
		if o.err != nil || o.events != 1 {
			t.Fatalf("Handle: %d events, %v; want the one committed, as appended", o.events, o.err)
		}
	case <-time.After(10 * time.Second): // a hang guard, far past the 50 ms deadline
		t.Fatal("Handle still waits for the read back, long past its context's deadline")
	}
	if got := readAll(t, s.Store); len(got) != 1 {
		t.Fatalf("the log holds %d events, want the one committed", len(got))
	}
}

// The events a command returns when the read back fails carry a time from before the read,
// not from its end: with a store that stopped answering, the read back waits until the
// deadline, and events stamped then looked (in CommandResult.events[].time) appended up to
// the request's whole deadline after they were.
func TestHandle_readBackFallbackTimeIsNotTheReadsEnd(t *testing.T) {
	s := &stallingStore{Store: newStore(t)}
	h := newCounterHandler(s)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	res, err := h.Handle(ctx, createCounter{ID: "a"}, eventsourcing.Meta{})
	if err != nil || len(res.Events) != 1 {
		t.Fatalf("Handle: %d events, %v; want the one committed, as appended", len(res.Events), err)
	}
	// The read back began before the deadline and ended with it.
	if deadline, _ := ctx.Deadline(); !res.Events[0].Time.Before(deadline) {
		t.Errorf("the event's time %v is not before the deadline %v that ended the read back", res.Events[0].Time, deadline)
	}
}

// readBackFailing is a store that offers only store.Store, so the handler reads its appends
// back, and fails that read back, once armed: after keep events it yields an error.
type readBackFailing struct {
	store.Store
	armed atomic.Bool // set by the test: the next append's read back fails
	fail  atomic.Bool // the next ReadStream fails
	keep  int
}

func (s *readBackFailing) Append(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, error) {
	app, err := s.Store.Append(ctx, stream, expected, events...)
	s.fail.Store(err == nil && s.armed.Swap(false))
	return app, err
}

func (s *readBackFailing) ReadStream(ctx context.Context, stream string, after store.Version) iter.Seq2[store.Event, error] {
	if !s.fail.Swap(false) {
		return s.Store.ReadStream(ctx, stream, after)
	}
	return func(yield func(store.Event, error) bool) {
		n := 0
		for e, err := range s.Store.ReadStream(ctx, stream, after) {
			if err != nil || n == s.keep {
				break
			}
			n++
			if !yield(e, nil) {
				return
			}
		}
		yield(store.Event{}, errors.New("connection reset"))
	}
}

// The events a command returns when its read back fails are dated no earlier than the
// events the log holds before them, as the store stamped them: a store whose clock is ahead
// of the handler's (a database server's, or the handler's clock stepped back) stamps an
// append with the later time, and the fallback dated the events by the handler's clock, a
// day before the event before them.
func TestHandle_readBackFallbackTimeFollowsTheLog(t *testing.T) {
	const day = 24 * time.Hour
	ahead := memory.New(memory.WithClock(func() time.Time { return clocktest.Stepped(time.Now(), day) }))
	t.Cleanup(func() { ahead.Close() })
	s := &readBackFailing{Store: ahead}
	h := newCounterHandler(s)
	ctx := context.Background()

	t.Run("after a read back that found the time", func(t *testing.T) {
		first := mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{})
		s.armed.Store(true)
		res, err := h.Handle(ctx, createCounter{ID: "b"}, eventsourcing.Meta{})
		if err != nil || len(res.Events) != 1 {
			t.Fatalf("Handle: %d events, %v; want the one committed, as appended", len(res.Events), err)
		}
		if got, before := res.Events[0].Time, first.Events[0].Time; got.Before(before) {
			t.Errorf("the event's time %v precedes the time %v of the event before it in the log", got, before)
		}
	})
	t.Run("a read back that found some of the events", func(t *testing.T) {
		h := newCounterHandler(s)
		mustHandle(t, h, createCounter{ID: "c"}, eventsourcing.Meta{})
		s.armed.Store(true)
		s.keep = 1
		res, err := h.Handle(ctx, addToCounter{ID: "c", N: 2}, eventsourcing.Meta{})
		if err != nil || len(res.Events) != 2 {
			t.Fatalf("Handle: %d events, %v; want the two committed, as appended", len(res.Events), err)
		}
		stored := readAll(t, ahead)
		for i, e := range res.Events {
			if want := stored[len(stored)-2+i].Time; !e.Time.Equal(want) {
				t.Errorf("event %d: time %v, want the time the store stamped, %v", i, e.Time, want)
			}
		}
	})
}
