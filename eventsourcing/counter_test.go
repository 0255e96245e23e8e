package eventsourcing_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
)

// A tiny test domain: named counters that are created, then added to.

type counterCmd interface{ stream() string }

type createCounter struct{ ID string }
type addToCounter struct {
	ID string
	N  int
}

// tick adds 1 to a counter, existing or not, in one event (for benchmarks).
type tick struct{ ID string }

func (c tick) stream() string          { return "counter-" + c.ID }
func (c createCounter) stream() string { return "counter-" + c.ID }
func (c addToCounter) stream() string  { return "counter-" + c.ID }

type counterEvent interface{ eventType() string }

type counterCreated struct {
	ID string `json:"id"`
}
type counterAdded struct {
	ID string `json:"id"`
	N  int    `json:"n"`
}

func (counterCreated) eventType() string { return "CounterCreated" }
func (counterAdded) eventType() string   { return "CounterAdded" }

type counterState struct {
	Exists bool
	Value  int
}

var errTooBig = errors.New("counter would exceed 1000")

func counterDecider() decider.Decider[counterCmd, counterState, counterEvent] {
	return decider.Decider[counterCmd, counterState, counterEvent]{
		Decide: func(c counterCmd, s counterState) ([]counterEvent, error) {
			switch c := c.(type) {
			case createCounter:
				if c.ID == "" {
					return nil, &decider.ValidationError{Field: "id", Reason: "must not be empty"}
				}
				if s.Exists {
					return nil, fmt.Errorf("counter %s: %w", c.ID, decider.ErrAlreadyExists)
				}
				return []counterEvent{counterCreated{ID: c.ID}}, nil
			case tick:
				return []counterEvent{counterAdded{ID: c.ID, N: 1}}, nil
			case addToCounter:
				if c.N < 0 {
					return nil, &decider.ValidationError{Field: "n", Reason: "must not be negative"}
				}
				if !s.Exists {
					return nil, fmt.Errorf("counter %s: %w", c.ID, decider.ErrNotFound)
				}
				if s.Value+c.N > 1000 {
					return nil, errTooBig
				}
				if c.N == 0 {
					return nil, nil
				}
				// Adding more than 1 writes one event per unit, to exercise batches.
				events := make([]counterEvent, 0, min(c.N, 3))
				if c.N <= 3 {
					for range c.N {
						events = append(events, counterAdded{ID: c.ID, N: 1})
					}
				} else {
					events = append(events, counterAdded{ID: c.ID, N: c.N})
				}
				return events, nil
			}
			return nil, fmt.Errorf("unknown command %T", c)
		},
		Evolve: evolveCounter,
	}
}

func evolveCounter(s counterState, e counterEvent) counterState {
	switch e := e.(type) {
	case counterCreated:
		s.Exists = true
	case counterAdded:
		s.Value += e.N
	}
	return s
}

func counterView() decider.View[counterState, counterEvent] {
	return decider.View[counterState, counterEvent]{Evolve: evolveCounter}
}

type counterCodec struct{}

func (counterCodec) Encode(e counterEvent) (string, json.RawMessage, error) {
	b, err := json.Marshal(e)
	return e.eventType(), b, err
}

func (counterCodec) Decode(typ string, data json.RawMessage) (counterEvent, error) {
	switch typ {
	case "CounterCreated":
		var e counterCreated
		err := json.Unmarshal(data, &e)
		return e, err
	case "CounterAdded":
		var e counterAdded
		err := json.Unmarshal(data, &e)
		return e, err
	}
	return nil, fmt.Errorf("unknown event type %q", typ)
}

func (counterCodec) Handles(typ string) bool { return typ == "CounterCreated" || typ == "CounterAdded" }

var _ eventsourcing.Codec[counterEvent] = counterCodec{}

func counterAggregate() eventsourcing.Aggregate[counterCmd, counterState, counterEvent] {
	return eventsourcing.Aggregate[counterCmd, counterState, counterEvent]{
		Decider: counterDecider(),
		Codec:   counterCodec{},
		Stream:  func(c counterCmd) string { return c.stream() },
	}
}

// mirrorSaga creates "mirror-<id>" for every counter created whose id is not a mirror.
func mirrorSaga() decider.Saga[counterEvent, counterCmd] {
	return decider.Saga[counterEvent, counterCmd]{React: func(e counterEvent) []counterCmd {
		if c, ok := e.(counterCreated); ok && !strings.HasPrefix(c.ID, "mirror-") {
			return []counterCmd{createCounter{ID: "mirror-" + c.ID}}
		}
		return nil
	}}
}

// echoSaga reacts to the mirror saga's counters (mirror-c<n>) with one of its own
// (mirror-echo-c<n>), which neither saga reacts to.
func echoSaga() decider.Saga[counterEvent, counterCmd] {
	return decider.Saga[counterEvent, counterCmd]{React: func(e counterEvent) []counterCmd {
		if c, ok := e.(counterCreated); ok && strings.HasPrefix(c.ID, "mirror-c") {
			return []counterCmd{createCounter{ID: "mirror-echo-" + strings.TrimPrefix(c.ID, "mirror-")}}
		}
		return nil
	}}
}

// totals is a projection: the value of every counter, by id.
type totals struct {
	name string
	mu   sync.Mutex
	m    map[string]int
	seen []store.Position
	more chan struct{} // closed and replaced on every Apply
}

func newTotals(name string) *totals {
	return &totals{name: name, m: make(map[string]int), more: make(chan struct{})}
}

// waitSeen waits (bounded) until the projection has applied position p.
func (t *totals) waitSeen(tb testing.TB, p store.Position) {
	tb.Helper()
	deadline := time.After(10 * time.Second)
	for {
		t.mu.Lock()
		done := len(t.seen) > 0 && t.seen[len(t.seen)-1] >= p
		more := t.more
		t.mu.Unlock()
		if done {
			return
		}
		select {
		case <-more:
		case <-deadline:
			tb.Fatalf("projection %s did not reach position %d", t.name, p)
		}
	}
}

func (t *totals) Name() string { return t.name }

func (t *totals) Apply(e store.Event) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seen = append(t.seen, e.Position)
	close(t.more)
	t.more = make(chan struct{})
	if !(counterCodec{}).Handles(e.Type) {
		return nil
	}
	ev, err := counterCodec{}.Decode(e.Type, e.Data)
	if err != nil {
		return err
	}
	switch ev := ev.(type) {
	case counterCreated:
		t.m[ev.ID] = 0
	case counterAdded:
		t.m[ev.ID] += ev.N
	}
	return nil
}

func (t *totals) get(id string) (int, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	v, ok := t.m[id]
	return v, ok
}

// bumpSaga adds 1 to every mirror counter created.
func bumpSaga() decider.Saga[counterEvent, counterCmd] {
	return decider.Saga[counterEvent, counterCmd]{React: func(e counterEvent) []counterCmd {
		if c, ok := e.(counterCreated); ok && strings.HasPrefix(c.ID, "mirror-") {
			return []counterCmd{addToCounter{ID: c.ID, N: 1}}
		}
		return nil
	}}
}
