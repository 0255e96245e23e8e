package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// open returns a new store from the harness that is closed when the test ends, and a
// context that ends when the test does or after a generous bound.
func open(tb testing.TB, h Harness) (context.Context, store.Store) {
	tb.Helper()
	s := h.New(tb)
	if s == nil {
		tb.Fatal("Harness.New returned nil")
	}
	tb.Cleanup(func() { _ = s.Close() })
	ctx, cancel := context.WithTimeout(tb.Context(), 10*h.timeout())
	tb.Cleanup(cancel)
	return ctx, s
}

// reopen restarts s with the harness and registers the new store's Close.
func reopen(tb testing.TB, h Harness, s store.Store) store.Store {
	tb.Helper()
	s2 := h.Reopen(tb, s)
	if s2 == nil {
		tb.Fatal("Harness.Reopen returned nil")
	}
	tb.Cleanup(func() { _ = s2.Close() })
	return s2
}

// ev returns an EventData of type typ whose data is the JSON encoding of v.
func ev(typ string, v any) store.EventData {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err) // only called with values that encode
	}
	return store.EventData{Type: typ, Data: data}
}

// numbered returns n events of type typ with data {"n": from}, {"n": from+1}, ...
func numbered(typ string, from, n int) []store.EventData {
	out := make([]store.EventData, n)
	for i := range out {
		out[i] = ev(typ, map[string]int{"n": from + i})
	}
	return out
}

// mustAppend appends and fails the test on error.
func mustAppend(tb testing.TB, ctx context.Context, s store.Store, stream string, expected store.Version, events ...store.EventData) store.Appended {
	tb.Helper()
	a, err := s.Append(ctx, stream, expected, events...)
	if err != nil {
		tb.Fatalf("Append(%q, %d, %d events): %v", stream, expected, len(events), err)
	}
	return a
}

// collect drains seq, returning its events and the first error (after which it stops).
func collect(seq iter.Seq2[store.Event, error]) ([]store.Event, error) {
	var out []store.Event
	for e, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, e)
	}
	return out, nil
}

// mustCollect drains seq and fails the test on error.
func mustCollect(tb testing.TB, what string, seq iter.Seq2[store.Event, error]) []store.Event {
	tb.Helper()
	out, err := collect(seq)
	if err != nil {
		tb.Fatalf("%s: unexpected error after %d events: %v", what, len(out), err)
	}
	return out
}

func readAll(tb testing.TB, ctx context.Context, s store.Store, after store.Position) []store.Event {
	tb.Helper()
	return mustCollect(tb, fmt.Sprintf("ReadAll(%d)", after), s.ReadAll(ctx, after))
}

func readStream(tb testing.TB, ctx context.Context, s store.Store, stream string, after store.Version) []store.Event {
	tb.Helper()
	return mustCollect(tb, fmt.Sprintf("ReadStream(%q, %d)", stream, after), s.ReadStream(ctx, stream, after))
}

// subscribeUntil subscribes after the position and collects events until one at or past
// until arrives, the subscription fails, or ctx ends or the harness's timeout passes.
// It is safe to call from any goroutine.
func subscribeUntil(ctx context.Context, h Harness, s store.Store, after, until store.Position) ([]store.Event, error) {
	var out []store.Event
	if until <= after {
		return out, nil
	}
	ctx, cancel := context.WithTimeout(ctx, h.timeout())
	defer cancel()
	return collectUntil(s.Subscribe(ctx, after), until)
}

// collectUntil ranges over a subscription until it yields the position until, an error,
// or ends, and returns what it yielded.
func collectUntil(events iter.Seq2[store.Event, error], until store.Position) ([]store.Event, error) {
	var out []store.Event
	for e, err := range events {
		if err != nil {
			return out, err
		}
		out = append(out, e)
		if e.Position >= until {
			return out, nil
		}
	}
	return out, errors.New("subscription ended without an error")
}

// contiguous reports the first way events fail to be exactly the positions after+1..until
// in order, or "" when they are.
func contiguous(events []store.Event, after, until store.Position) string {
	want := after + 1
	for i, e := range events {
		if e.Position != want {
			return fmt.Sprintf("event %d has position %d, want %d (previous %s)", i, e.Position, want, prevPos(events, i))
		}
		want++
	}
	if want-1 != until {
		return fmt.Sprintf("got positions %d..%d, want %d..%d (%d events missing at the end)", after+1, want-1, after+1, until, until-want+1)
	}
	return ""
}

func prevPos(events []store.Event, i int) string {
	if i == 0 {
		return "none"
	}
	return fmt.Sprint(events[i-1].Position)
}

// diffEvent describes how got differs from want, or returns "" when they are equal.
// Times are compared with Time.Equal and nil metadata equals empty metadata.
func diffEvent(want, got store.Event) string {
	var d []string
	if got.ID != want.ID {
		d = append(d, fmt.Sprintf("ID %q, want %q", got.ID, want.ID))
	}
	if got.StreamID != want.StreamID {
		d = append(d, fmt.Sprintf("StreamID %q, want %q", got.StreamID, want.StreamID))
	}
	if got.Version != want.Version {
		d = append(d, fmt.Sprintf("Version %d, want %d", got.Version, want.Version))
	}
	if got.Position != want.Position {
		d = append(d, fmt.Sprintf("Position %d, want %d", got.Position, want.Position))
	}
	if got.Type != want.Type {
		d = append(d, fmt.Sprintf("Type %q, want %q", got.Type, want.Type))
	}
	if !got.Time.Equal(want.Time) {
		d = append(d, fmt.Sprintf("Time %v, want %v", got.Time, want.Time))
	} else if got.Time.Location() != time.UTC {
		d = append(d, fmt.Sprintf("Time %v in %v, want UTC", got.Time, got.Time.Location()))
	}
	if !bytes.Equal(got.Data, want.Data) {
		d = append(d, fmt.Sprintf("Data %s, want %s", got.Data, want.Data))
	}
	if !sameMetadata(got.Metadata, want.Metadata) {
		d = append(d, fmt.Sprintf("Metadata %v, want %v", got.Metadata, want.Metadata))
	}
	if len(d) == 0 {
		return ""
	}
	return fmt.Sprint(d)
}

func sameMetadata(a, b map[string]string) bool {
	return len(a) == len(b) && maps.Equal(a, b)
}

// sameEvents reports every difference between two event lists on tb.
func sameEvents(tb testing.TB, what string, want, got []store.Event) {
	tb.Helper()
	if len(got) != len(want) {
		tb.Errorf("%s: got %d events, want %d", what, len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if d := diffEvent(want[i], got[i]); d != "" {
			tb.Errorf("%s: event %d: %s", what, i, d)
			return
		}
	}
}

// compact returns json.Compact of s.
func compact(s string) []byte {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		panic(err) // only called with valid JSON
	}
	return b.Bytes()
}

// wantConflict checks that err is a conflict with the given details.
func wantConflict(tb testing.TB, err error, stream string, expected, actual store.Version) {
	tb.Helper()
	if !errors.Is(err, store.ErrConflict) {
		tb.Errorf("Append(%q, expected %d): err = %v, want ErrConflict", stream, expected, err)
		return
	}
	var ce *store.ConflictError
	if !errors.As(err, &ce) {
		tb.Errorf("Append(%q, expected %d): err = %v, want a *store.ConflictError behind it", stream, expected, err)
		return
	}
	if ce.Stream != stream || ce.Expected != expected || ce.Actual != actual {
		tb.Errorf("ConflictError = {Stream %q, Expected %d, Actual %d}, want {%q, %d, %d}",
			ce.Stream, ce.Expected, ce.Actual, stream, expected, actual)
	}
}

// await receives from ch, waiting at most the harness's timeout. Channels passed to it are
// buffered, so a goroutine that sends after a timeout does not block forever.
func await[T any](h Harness, ch <-chan T) (T, bool) {
	select {
	case v := <-ch:
		return v, true
	case <-time.After(h.timeout()):
		var zero T
		return zero, false
	}
}

// received is what a subscription yielded before it ended, and the error it ended with.
type received struct {
	events []store.Event
	err    error
}

// appendWhileStalled appends appends batches of batch events from another goroutine while
// a subscriber does not read: they must finish within h.timeout(), as a slow subscriber
// holds no append up. Then it resumes the subscriber (named who in failures), which must
// yield every event up to total, in order, on done.
func appendWhileStalled(tb testing.TB, ctx context.Context, h Harness, s store.Store, appends, batch int, resume func(), done <-chan received, total store.Position, who string) {
	tb.Helper()
	writersDone := make(chan error, 1)
	go func() {
		for i := range appends {
			if _, err := s.Append(ctx, fmt.Sprint("w-", i%7), store.Any, numbered("W", i*batch, batch)...); err != nil {
				writersDone <- fmt.Errorf("append %d: %w", i, err)
				return
			}
		}
		writersDone <- nil
	}()
	select {
	case err := <-writersDone:
		if err != nil {
			tb.Errorf("writer: %v", err)
		}
	case <-time.After(h.timeout()):
		tb.Errorf("writers did not finish within %v while %s was not reading: a slow subscriber blocks appends", h.timeout(), who)
		resume()
		if err := <-writersDone; err != nil {
			tb.Errorf("writer: %v", err)
		}
	}
	resume()
	r, ok := await(h, done)
	if !ok {
		tb.Fatalf("%s did not catch up within %v after the writers finished", who, h.timeout())
	}
	if r.err != nil {
		tb.Errorf("%s: %v", who, r.err)
	}
	if msg := contiguous(r.events, 0, total); msg != "" {
		tb.Errorf("%s: %s", who, msg)
	}
}

// checkStarted checks that each subscription results[i], started after starts[i] (named
// Subscribe(after) plus note in failures), yielded exactly the events of all after it, up to
// total.
func checkStarted(tb testing.TB, h Harness, note string, starts []store.Position, results []chan received, all []store.Event, total store.Position) {
	tb.Helper()
	for i, after := range starts {
		name := fmt.Sprintf("Subscribe(%d)%s", after, note)
		r, ok := await(h, results[i])
		if !ok {
			tb.Errorf("%s did not finish within %v", name, h.timeout())
			continue
		}
		if r.err != nil {
			tb.Errorf("%s: %v", name, r.err)
		}
		if msg := contiguous(r.events, after, total); msg != "" {
			tb.Errorf("%s: %s", name, msg)
			continue
		}
		sameEvents(tb, name, all[after:], r.events)
	}
}

// stalledSubscriber starts a subscription from the log's start, under subCtx, that stops
// reading at its first event until resume is called (the caller must call it), and then
// reads up to total; done yields what it received once it ended. It returns once the
// subscriber has stalled.
func stalledSubscriber(tb testing.TB, subCtx context.Context, h Harness, s store.Store, total store.Position) (done <-chan received, resume func()) {
	tb.Helper()
	stalled, release := make(chan struct{}), make(chan struct{})
	resume = sync.OnceFunc(func() { close(release) })
	out := make(chan received, 1)
	go func() {
		var events []store.Event
		for e, err := range s.Subscribe(subCtx, 0) {
			if err != nil {
				out <- received{events, err}
				return
			}
			events = append(events, e)
			if len(events) == 1 {
				close(stalled)
				<-release
			}
			if e.Position >= total {
				break
			}
		}
		out <- received{events, nil}
	}()
	select {
	case <-stalled:
	case r := <-out:
		tb.Fatalf("subscription ended before its first event: %v", r.err)
	case <-time.After(h.timeout()):
		tb.Fatalf("subscription did not deliver the first event within %v", h.timeout())
	}
	return out, resume
}
