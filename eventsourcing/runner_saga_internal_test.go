package eventsourcing

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

// triggerCodec decodes only "trigger" events: a saga using it ignores every other event.
type triggerCodec struct{}

func (triggerCodec) Encode(e string) (string, json.RawMessage, error) {
	return e, json.RawMessage(`{}`), nil
}
func (triggerCodec) Decode(typ string, _ json.RawMessage) (string, error) { return typ, nil }
func (triggerCodec) Handles(typ string) bool                              { return typ == "trigger" }

type streamCommand struct{ s string }

func (c streamCommand) Stream() string { return c.s }

// yieldCounter counts the events its subscriptions yield.
type yieldCounter struct {
	store.Store
	yielded atomic.Int64
}

func (c *yieldCounter) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		for e, err := range c.Store.Subscribe(ctx, after) {
			if err == nil {
				c.yielded.Add(1)
			}
			if !yield(e, err) {
				return
			}
		}
	}
}

// sagaWaitsForInFlight reports whether a saga's subscription loop waits for its events in
// flight.
func sagaWaitsForInFlight() bool {
	buf := make([]byte, 1<<20)
	stacks := bytes.Split(buf[:runtime.Stack(buf, true)], []byte("\n\n"))
	for _, g := range stacks {
		if bytes.Contains(g, []byte("sync.(*WaitGroup).Wait")) && bytes.Contains(g, []byte("consumeSaga")) {
			return true
		}
	}
	return false
}

// TestRunner_sagaHoldsBackIgnoredEvents checks that events a saga ignores do not pile up
// behind an event in flight: the subscription waits once maxPendingHandled of them wait
// to be counted, and goes on when the event is handled.
func TestRunner_sagaHoldsBackIgnoredEvents(t *testing.T) {
	mem := memory.New()
	defer mem.Close()
	s := &yieldCounter{Store: mem}
	release := make(chan struct{})
	saga := NewSaga("s", decider.Saga[string, streamCommand]{React: func(string) []streamCommand { return []streamCommand{{s: "target"}} }},
		triggerCodec{}, func(ctx context.Context, c streamCommand, m Meta) (Result, error) {
			select {
			case <-release:
				return Result{}, nil
			case <-ctx.Done():
				return Result{}, ctx.Err()
			}
		})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := mem.Append(ctx, "a", store.NoStream, store.EventData{Type: "trigger", Data: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	const ignored = 3 * maxPendingHandled
	batch := make([]store.EventData, 512)
	for i := range batch {
		batch[i] = store.EventData{Type: "ignored", Data: json.RawMessage(`{}`)}
	}
	for i := range ignored / len(batch) {
		if _, err := mem.Append(ctx, fmt.Sprint("b-", i), store.NoStream, batch...); err != nil {
			t.Fatal(err)
		}
	}
	r := NewRunner(s)
	r.AddSaga(saga)
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()

	// Until the trigger is released, the subscription reads on until it waits for it, or
	// (were it not held back) to the end of the log.
	for !sagaWaitsForInFlight() && s.yielded.Load() < ignored+1 {
		if ctx.Err() != nil {
			t.Fatal("the saga neither waited nor read the log")
		}
		runtime.Gosched()
	}
	if n := s.yielded.Load(); n > maxPendingHandled+2 {
		t.Fatalf("the subscription read %d events past one in flight, want at most %d", n-1, maxPendingHandled+1)
	}
	close(release)
	if err := r.CaughtUp(ctx); err != nil {
		t.Fatalf("CaughtUp after the release: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestSaga_writtenSpans checks what NewSaga's processor reports its commands wrote: each
// command's events first to last; nothing for a command that wrote none (empty Events), or
// failed; and, for a Result without Events, its position alone, the first left unknown.
func TestSaga_writtenSpans(t *testing.T) {
	results := map[string]Result{
		"two":     {Position: 8, Events: []store.Event{{Position: 7}, {Position: 8}}},
		"none":    {Position: 3, Events: []store.Event{}},
		"unknown": {Position: 12},
	}
	saga := NewSaga("s", decider.Saga[string, streamCommand]{React: func(string) []streamCommand {
		return []streamCommand{{"two"}, {"none"}, {"failed"}, {"unknown"}}
	}}, triggerCodec{}, func(_ context.Context, c streamCommand, _ Meta) (Result, error) {
		if c.s == "failed" {
			return Result{}, errors.New("rejected")
		}
		return results[c.s], nil
	})
	got, err := saga.(sagaPreparer).prepare(store.Event{ID: "e", Position: 5, Type: "trigger"}).run(context.Background(), nil)
	if err == nil {
		t.Error("no error for the failed command")
	}
	if want := []span{{7, 8}, {0, 12}}; !slices.Equal(got, want) {
		t.Errorf("spans %v, want %v", got, want)
	}
}

// TestSagaChains checks the order sagaChains keeps: an event waits for the last event in
// flight on its stream and the last with its key, and only for those; a key maps to an event
// only while that event is in flight.
func TestSagaChains(t *testing.T) {
	var c sagaChains
	waitsFor := func(got []chan struct{}, want ...chan struct{}) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Fatalf("waits for %d events %v, want %d %v", len(got), got, len(want), want)
		}
	}
	w1, d1 := c.link("s", "k")
	waitsFor(w1)
	w2, d2 := c.link("s", "x") // the stream of 1
	waitsFor(w2, d1)
	w3, d3 := c.link("y", "k") // the key of 1
	waitsFor(w3, d1)
	c.unlink("s", "k", d1) // 2 and 3 are now the last of s and of k: they stay
	w4, d4 := c.link("s", "k")
	waitsFor(w4, d2, d3)
	// A key that is the event's stream is one key: the event must not wait for itself.
	w5, d5 := c.link("z", "z")
	waitsFor(w5)
	w6, d6 := c.link("z", "z")
	waitsFor(w6, d5)
	for _, u := range []struct {
		stream, route string
		done          chan struct{}
	}{{"s", "x", d2}, {"y", "k", d3}, {"s", "k", d4}, {"z", "z", d5}, {"z", "z", d6}} {
		c.unlink(u.stream, u.route, u.done)
	}
	if len(c.last) != 0 {
		t.Fatalf("%d keys kept with no event in flight: %v", len(c.last), c.last)
	}
}
