package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/eventgraph/eventgraph/store"
)

// MaxAfterCancel is how many events an iterator may still yield after its context ends
// before it must yield the context's error.
const MaxAfterCancel = 16

type iterKind struct {
	name string
	seq  func(ctx context.Context, s store.Store) iter.Seq2[store.Event, error]
}

// iterKinds returns the store's three iterators, each over the stream or log from the start.
func iterKinds() []iterKind {
	return []iterKind{
		{"ReadStream", func(ctx context.Context, s store.Store) iter.Seq2[store.Event, error] {
			return s.ReadStream(ctx, "long", 0)
		}},
		{"ReadAll", func(ctx context.Context, s store.Store) iter.Seq2[store.Event, error] {
			return s.ReadAll(ctx, 0)
		}},
		{"Subscribe", func(ctx context.Context, s store.Store) iter.Seq2[store.Event, error] {
			return s.Subscribe(ctx, 0)
		}},
	}
}

// drainAfterCancel reads seq, canceling its context after cancelAfter events, and reports
// how many events came, whether anything came after an error, and the error.
func drainAfterCancel(seq iter.Seq2[store.Event, error], cancelAfter int, cancel context.CancelFunc) (events int, more bool, err error) {
	for _, e := range seq {
		if err != nil {
			more = true
			break
		}
		if e != nil {
			err = e
			continue // a correct iterator ends here
		}
		events++
		if events == cancelAfter {
			cancel()
		}
		if events > cancelAfter+MaxAfterCancel {
			break
		}
	}
	return events, more, err
}

// checkCancel: every iterator, with its context canceled before or during iteration, stops
// promptly and yields the context's error last; a live subscription waiting for new events
// ends when its context does.
func checkCancel(tb testing.TB, h Harness) {
	const history = 200
	ctx, s := open(tb, h)
	mustAppend(tb, ctx, s, "long", store.NoStream, numbered("L", 0, history)...)
	for _, k := range iterKinds() {
		for _, cancelAfter := range []int{0, 1, 50} {
			c, cancel := context.WithCancel(ctx)
			if cancelAfter == 0 {
				cancel()
			}
			n, more, err := drainAfterCancel(k.seq(c, s), cancelAfter, cancel)
			cancel()
			what := fmt.Sprintf("%s with its context canceled after %d events", k.name, cancelAfter)
			switch {
			case !errors.Is(err, context.Canceled):
				tb.Errorf("%s: yielded %d events and error %v, want context.Canceled", what, n, err)
			case more:
				tb.Errorf("%s: yielded more after the context error", what)
			case n > cancelAfter+MaxAfterCancel:
				tb.Errorf("%s: yielded %d events, more than %d after the cancellation", what, n, MaxAfterCancel)
			}
		}
	}

	// With nothing to read, an iterator whose context has ended still yields its error: else
	// a caller could not tell an empty stream from one that was not read.
	// (Subscribe at the head: see the live subscription below.)
	canceled, cancelNow := context.WithCancel(ctx)
	cancelNow()
	empty := []struct {
		name string
		seq  iter.Seq2[store.Event, error]
	}{
		{"ReadStream of a stream that does not exist", s.ReadStream(canceled, "missing", 0)},
		{"ReadStream past the stream's end", s.ReadStream(canceled, "long", history)},
		{"ReadAll at the head", s.ReadAll(canceled, history)},
	}
	if tr, ok := s.(store.TypeReader); ok {
		empty = append(empty, struct {
			name string
			seq  iter.Seq2[store.Event, error]
		}{"ReadAllTypes of a type the log does not hold", tr.ReadAllTypes(canceled, 0, []string{"missing"})})
	}
	for _, k := range empty {
		if evs, err := collect(k.seq); len(evs) != 0 || !errors.Is(err, context.Canceled) {
			tb.Errorf("%s with its context canceled: %d events and error %v, want only context.Canceled", k.name, len(evs), err)
		}
	}

	// A live subscription, waiting at the head, ends when its context does.
	c, cancel := context.WithCancel(ctx)
	defer cancel()
	got := make(chan struct{})
	ended := make(chan error, 1)
	go func() {
		first := true
		for _, err := range s.Subscribe(c, history) {
			if err != nil {
				ended <- err
				return
			}
			if first {
				close(got)
				first = false
			}
		}
		ended <- errors.New("subscription ended without an error")
	}()
	mustAppend(tb, ctx, s, "live", store.NoStream, numbered("Live", 0, 1)...)
	select {
	case <-got: // now it is live, waiting for the next event
	case err := <-ended:
		tb.Fatalf("live subscription ended early: %v", err)
	case <-time.After(h.timeout()):
		tb.Fatalf("live subscription did not deliver a new event within %v", h.timeout())
	}
	cancel()
	select {
	case err := <-ended:
		if !errors.Is(err, context.Canceled) {
			tb.Errorf("live subscription ended with %v, want context.Canceled", err)
		}
	case <-time.After(h.timeout()):
		tb.Errorf("live subscription did not end within %v of its context being canceled", h.timeout())
	}
}

// checkCancelAppend: an Append with a canceled context fails with its error and writes
// nothing, however often it is tried. A store that hands appends to a committer may pick,
// in a select, between an idle committer and the ended context: the one try that picks the
// committer writes what Append says failed. The append after them writes after any of
// theirs that were handed over, so reading the log then shows them.
func checkCancelAppend(tb testing.TB, h Harness) {
	ctx, s := open(tb, h)
	c, cancel := context.WithCancel(ctx)
	cancel()
	for i := range 64 {
		if _, err := s.Append(c, "s", store.Any, numbered("Canceled", i, 1)...); !errors.Is(err, context.Canceled) {
			tb.Fatalf("Append %d with a canceled context: err = %v, want context.Canceled", i, err)
		}
	}
	mustAppend(tb, ctx, s, "s", store.Any, numbered("T", 0, 1)...)
	if got := readAll(tb, ctx, s, 0); len(got) != 1 || got[0].Type != "T" {
		tb.Errorf("the log holds %d events after 64 canceled appends and one with a live context, want only that one", len(got))
	}
}

// checkNoLeak: breaking out of an iterator early, stopping a pulled iterator and ending a
// live subscription leave no goroutine behind.
func checkNoLeak(tb testing.TB, h Harness) {
	ctx, s := open(tb, h)
	mustAppend(tb, ctx, s, "long", store.NoStream, numbered("L", 0, 50)...)
	for _, k := range iterKinds() { // warm up: let the store start whatever it keeps running
		for range k.seq(ctx, s) {
			break
		}
	}
	baseline := goleak.IgnoreCurrent()

	for _, k := range iterKinds() {
		for range k.seq(ctx, s) {
			break
		}
		next, stop := iter.Pull2(k.seq(ctx, s))
		if _, err, ok := next(); !ok || err != nil {
			tb.Errorf("%s pulled: ok %v, err %v", k.name, ok, err)
		}
		stop()
	}
	// A live subscription stopped by its consumer, and one stopped by its context.
	c, cancel := context.WithCancel(ctx)
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		for range s.Subscribe(c, 50) {
		}
	}()
	mustAppend(tb, ctx, s, "live", store.NoStream, numbered("Live", 0, 1)...)
	for range s.Subscribe(ctx, 50) {
		break // the event just appended
	}
	cancel()
	select {
	case <-ended:
	case <-time.After(h.timeout()):
		tb.Fatalf("live subscription did not end within %v of its context being canceled", h.timeout())
	}
	if err := goleak.Find(baseline); err != nil {
		tb.Errorf("goroutines left running after the iterators stopped: %v", err)
	}
}

// checkClosed: after Close every method fails with ErrClosed, iterators yield it, and a
// live subscription ends with it.
func checkClosed(tb testing.TB, h Harness) {
	ctx, s := open(tb, h)
	mustAppend(tb, ctx, s, "s", store.NoStream, numbered("T", 0, 2)...)
	ended := make(chan error, 1)
	live := make(chan struct{})
	go func() {
		for e, err := range s.Subscribe(ctx, 0) {
			if err != nil {
				ended <- err
				return
			}
			if e.Position == 2 {
				close(live)
			}
		}
		ended <- errors.New("subscription ended without an error")
	}()
	select {
	case <-live:
	case err := <-ended:
		tb.Fatalf("subscription ended before Close: %v", err)
	case <-time.After(h.timeout()):
		tb.Fatalf("subscription did not deliver the history within %v", h.timeout())
	}
	if err := s.Close(); err != nil {
		tb.Errorf("Close: %v", err)
	}
	select {
	case err := <-ended:
		if !errors.Is(err, store.ErrClosed) {
			tb.Errorf("live subscription ended with %v on Close, want ErrClosed", err)
		}
	case <-time.After(h.timeout()):
		tb.Errorf("live subscription did not end within %v of Close", h.timeout())
	}

	if _, err := s.Append(ctx, "s", store.Any, numbered("T", 2, 1)...); !errors.Is(err, store.ErrClosed) {
		tb.Errorf("Append after Close: err = %v, want ErrClosed", err)
	}
	// Arguments a store would refuse are not looked at: the store is closed (they
	// were ErrInvalid).
	for name, events := range map[string][]store.EventData{
		"no events":    nil,
		"invalid JSON": {{Type: "T", Data: json.RawMessage(`{`)}},
	} {
		if _, err := s.Append(ctx, "s", store.Any, events...); !errors.Is(err, store.ErrClosed) {
			tb.Errorf("Append of %s after Close: err = %v, want ErrClosed", name, err)
		}
	}
	if _, err := s.Append(ctx, "", store.Any, numbered("T", 2, 1)...); !errors.Is(err, store.ErrClosed) {
		tb.Errorf("Append to an empty stream id after Close: err = %v, want ErrClosed", err)
	}
	for _, k := range []struct {
		name string
		seq  iter.Seq2[store.Event, error]
	}{
		{"ReadStream", s.ReadStream(ctx, "s", 0)},
		// Where there is nothing to read, a closed store must not pass for an empty stream.
		{"ReadStream of a stream without events", s.ReadStream(ctx, "missing", 0)},
		{"ReadStream from the stream's version", s.ReadStream(ctx, "s", 2)},
		{"ReadStream beyond the stream's version", s.ReadStream(ctx, "s", 5)},
		{"ReadAll", s.ReadAll(ctx, 0)},
		{"ReadAll from the head", s.ReadAll(ctx, 2)},
		{"Subscribe", s.Subscribe(ctx, 0)},
		{"Subscribe from the head", s.Subscribe(ctx, 2)},
	} {
		evs, err := collect(k.seq)
		if len(evs) != 0 || !errors.Is(err, store.ErrClosed) {
			tb.Errorf("%s after Close: %d events and error %v, want only ErrClosed", k.name, len(evs), err)
		}
	}
	if hd, ok := s.(store.Header); ok {
		if _, err := hd.Head(ctx); !errors.Is(err, store.ErrClosed) {
			tb.Errorf("Head after Close: err = %v, want ErrClosed", err)
		}
	}
	if err := s.Close(); !errors.Is(err, store.ErrClosed) {
		tb.Errorf("a second Close: %v, want ErrClosed (after Close every method fails with it)", err)
	}
}

// checkClosedMidway: an iterator running when Close returns hands out no further event: its
// next step yields ErrClosed, though it holds the rest of a page it read before (the three
// iterators, and ReadAllTypes of a store.TypeReader).
func checkClosedMidway(tb testing.TB, h Harness) {
	for _, k := range []struct {
		name string
		seq  func(ctx context.Context, s store.Store) iter.Seq2[store.Event, error]
	}{
		{"ReadStream", func(ctx context.Context, s store.Store) iter.Seq2[store.Event, error] {
			return s.ReadStream(ctx, "s", 0)
		}},
		{"ReadAll", func(ctx context.Context, s store.Store) iter.Seq2[store.Event, error] { return s.ReadAll(ctx, 0) }},
		{"Subscribe", func(ctx context.Context, s store.Store) iter.Seq2[store.Event, error] { return s.Subscribe(ctx, 0) }},
		{"ReadAllTypes", func(ctx context.Context, s store.Store) iter.Seq2[store.Event, error] {
			if tr, ok := s.(store.TypeReader); ok {
				return tr.ReadAllTypes(ctx, 0, []string{"T"})
			}
			return nil
		}},
	} {
		ctx, s := open(tb, h)
		mustAppend(tb, ctx, s, "s", store.NoStream, numbered("T", 0, 300)...)
		if k.seq(ctx, s) == nil { // an optional method the store does not implement
			continue
		}
		next, stop := iter.Pull2(k.seq(ctx, s))
		if _, err, ok := next(); !ok || err != nil {
			stop()
			tb.Fatalf("%s: first event: %v", k.name, err)
		}
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
		e, err, ok := next()
		stop()
		if !ok || !errors.Is(err, store.ErrClosed) {
			tb.Errorf("%s running when Close returned: next yields event %d, error %v (more: %v); want ErrClosed", k.name, e.Position, err, ok)
		}
	}
}

// checkClosedOptional: after Close the optional methods a store implements fail with
// ErrClosed too, as every method must: StreamVersion, AppendEvents, AppendHandover,
// ReadAllShared and SubscribeShared, writing and yielding nothing. checkClosed covers
// Append, the three iterators and Head, and checkCheckpoints and checkSnapshots their own
// methods.
func checkClosedOptional(tb testing.TB, h Harness) {
	ctx, s := open(tb, h)
	mustAppend(tb, ctx, s, "s", store.NoStream, numbered("T", 0, 2)...)
	if err := s.Close(); err != nil {
		tb.Errorf("Close: %v", err)
	}
	checked := 0
	if sv, ok := s.(store.StreamVersioner); ok {
		checked++
		if _, err := sv.StreamVersion(ctx, "s"); !errors.Is(err, store.ErrClosed) {
			tb.Errorf("StreamVersion after Close: err = %v, want ErrClosed", err)
		}
	}
	if ea, ok := s.(store.EventsAppender); ok {
		checked++
		if _, evs, err := ea.AppendEvents(ctx, "s", store.Any, numbered("T", 2, 1)...); !errors.Is(err, store.ErrClosed) || evs != nil {
			tb.Errorf("AppendEvents after Close: %d events, err = %v, want ErrClosed", len(evs), err)
		}
	}
	if ha, ok := s.(store.HandoverAppender); ok {
		checked++
		if _, evs, err := ha.AppendHandover(ctx, "s", store.Any, numbered("T", 2, 1)...); !errors.Is(err, store.ErrClosed) || evs != nil {
			tb.Errorf("AppendHandover after Close: %d events, err = %v, want ErrClosed", len(evs), err)
		}
	}
	if sr, ok := s.(store.SharedReader); ok {
		checked++
		if evs, err := collect(sr.ReadAllShared(ctx, 0)); len(evs) != 0 || !errors.Is(err, store.ErrClosed) {
			tb.Errorf("ReadAllShared after Close: %d events and error %v, want only ErrClosed", len(evs), err)
		}
	}
	if tr, ok := s.(store.TypeReader); ok {
		checked++
		if evs, err := collect(tr.ReadAllTypes(ctx, 0, []string{"T"})); len(evs) != 0 || !errors.Is(err, store.ErrClosed) {
			tb.Errorf("ReadAllTypes after Close: %d events and error %v, want only ErrClosed", len(evs), err)
		}
		if evs, err := collect(tr.ReadAllTypes(ctx, 0, nil)); len(evs) != 0 || !errors.Is(err, store.ErrClosed) {
			tb.Errorf("ReadAllTypes of no types after Close: %d events and error %v, want only ErrClosed", len(evs), err)
		}
		if evs, err := collect(tr.ReadAllTypes(ctx, 0, []string{"NoSuchType"})); len(evs) != 0 || !errors.Is(err, store.ErrClosed) {
			tb.Errorf("ReadAllTypes of a type no event has after Close: %d events and error %v, want only ErrClosed", len(evs), err)
		}
	}
	if ss, ok := s.(store.SharedSubscriber); ok {
		checked++
		if evs, err := collect(ss.SubscribeShared(ctx, 0)); len(evs) != 0 || !errors.Is(err, store.ErrClosed) {
			tb.Errorf("SubscribeShared after Close: %d events and error %v, want only ErrClosed", len(evs), err)
		}
	}
	tb.Logf("%T: %d optional methods checked", s, checked)
}

// checkClosedIteratorsMadeBefore: an iterator made before Close but ranged over after it
// yields only ErrClosed: whether the store is closed is decided when the iterator runs,
// not when it is made (the three iterators, and ReadAllTypes of a store.TypeReader).
// checkClosed makes its iterators after Close.
func checkClosedIteratorsMadeBefore(tb testing.TB, h Harness) {
	ctx, s := open(tb, h)
	mustAppend(tb, ctx, s, "s", store.NoStream, numbered("T", 0, 2)...)
	seqs := []struct {
		name string
		seq  iter.Seq2[store.Event, error]
	}{
		{"ReadStream", s.ReadStream(ctx, "s", 0)},
		{"ReadAll", s.ReadAll(ctx, 0)},
		{"Subscribe", s.Subscribe(ctx, 0)},
	}
	if tr, ok := s.(store.TypeReader); ok {
		seqs = append(seqs, struct {
			name string
			seq  iter.Seq2[store.Event, error]
		}{"ReadAllTypes", tr.ReadAllTypes(ctx, 0, []string{"T"})})
	}
	if err := s.Close(); err != nil {
		tb.Errorf("Close: %v", err)
	}
	for _, k := range seqs {
		evs, err := collect(k.seq)
		if len(evs) != 0 || !errors.Is(err, store.ErrClosed) {
			tb.Errorf("%s made before Close, ranged over after: %d events and error %v, want only ErrClosed", k.name, len(evs), err)
		}
	}
}
