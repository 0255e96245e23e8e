package eventsourcing_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
)

// Two aggregates' events, each with a codec of its own, as a domain's packages have them.
type (
	bookEvent       interface{ isBookEvent() }
	bookLent        struct{ Book, Member string }
	memberEvent     interface{ isMemberEvent() }
	memberSuspended struct{ Member string }
)

func (bookLent) isBookEvent()          {}
func (memberSuspended) isMemberEvent() {}

func bookCodec() *eventsourcing.JSONCodec[bookEvent] {
	return eventsourcing.NewJSONCodec(eventsourcing.JSONEvent[bookLent, bookEvent]("BookLent"))
}

func memberCodec() *eventsourcing.JSONCodec[memberEvent] {
	return eventsourcing.NewJSONCodec(eventsourcing.JSONEvent[memberSuspended, memberEvent]("MemberSuspended"))
}

type libraryEvent = decider.Either[bookEvent, memberEvent]

func TestEitherCodec(t *testing.T) {
	c := eventsourcing.EitherCodec(bookCodec(), memberCodec())
	for _, e := range []libraryEvent{
		decider.Left[bookEvent, memberEvent](bookLent{Book: "b1", Member: "m1"}),
		decider.Right[bookEvent](memberEvent(memberSuspended{Member: "m1"})),
	} {
		typ, data, err := c.Encode(e)
		if err != nil {
			t.Fatalf("Encode(%v): %v", e, err)
		}
		if !c.Handles(typ) {
			t.Errorf("Handles(%q) = false for a name Encode gave", typ)
		}
		back, err := c.Decode(typ, data)
		if err != nil || back != e {
			t.Errorf("Decode(%q, %s) = %v, %v; want %v", typ, data, back, err, e)
		}
	}
	if typ, _, _ := c.Encode(decider.Left[bookEvent, memberEvent](bookLent{})); typ != "BookLent" {
		t.Errorf("a Left event encoded as %q, want its own codec's name BookLent", typ)
	}
	if c.Handles("Unknown") {
		t.Error("Handles(Unknown) = true")
	}
	if _, err := c.Decode("Unknown", json.RawMessage(`{}`)); err == nil || !strings.Contains(err.Error(), `"Unknown"`) {
		t.Errorf("Decode of an unknown type: %v, want an error naming it", err)
	}
	// An error of the inner codec is the error.
	if _, err := c.Decode("BookLent", json.RawMessage(`[]`)); err == nil || !strings.Contains(err.Error(), "BookLent") {
		t.Errorf("Decode of a body its codec refuses: %v, want the codec's error", err)
	}
	if _, _, err := c.Encode(decider.Right[bookEvent](memberEvent(nil))); err == nil {
		t.Error("Encode of an event its codec has no name for: no error")
	}
}

// TestEitherCodec_namesBothHandle: a name both codecs handle is an error of Encode and
// Decode, not a guess: the two aggregates' events would be told apart by the order of the
// codecs alone.
func TestEitherCodec_namesBothHandle(t *testing.T) {
	clash := eventsourcing.NewJSONCodec(eventsourcing.JSONEvent[memberSuspended, memberEvent]("BookLent"))
	c := eventsourcing.EitherCodec(bookCodec(), clash)
	for name, err := range map[string]error{
		"Encode of a Left event":  second(c.Encode(decider.Left[bookEvent, memberEvent](bookLent{}))),
		"Encode of a Right event": second(c.Encode(decider.Right[bookEvent](memberEvent(memberSuspended{})))),
		"Decode":                  func() error { _, err := c.Decode("BookLent", json.RawMessage(`{}`)); return err }(),
	} {
		if err == nil || !strings.Contains(err.Error(), "both codecs handle") {
			t.Errorf("%s of a name both codecs handle: %v, want an error saying so", name, err)
		}
	}
}

// second returns the error of Encode's three results.
func second(_ string, _ json.RawMessage, err error) error { return err }

func TestMapCodec(t *testing.T) {
	type wide interface{}
	narrow := func(e wide) (bookEvent, bool) { b, ok := e.(bookEvent); return b, ok }
	widen := func(b bookEvent) wide { return b }
	c := eventsourcing.MapCodec(eventsourcing.Codec[bookEvent](bookCodec()), narrow, widen)
	typ, data, err := c.Encode(bookLent{Book: "b1"})
	if err != nil || typ != "BookLent" {
		t.Fatalf("Encode = %q, %v; want BookLent", typ, err)
	}
	back, err := c.Decode(typ, data)
	if err != nil || back != wide(bookLent{Book: "b1"}) {
		t.Errorf("Decode = %v, %v; want the event widened", back, err)
	}
	if _, _, err := c.Encode(memberSuspended{}); err == nil {
		t.Error("Encode of an event narrow refuses: no error")
	}
	if !c.Handles("BookLent") || c.Handles("MemberSuspended") {
		t.Error("Handles differs from the mapped codec's")
	}
	if _, err := c.Decode("MemberSuspended", json.RawMessage(`{}`)); err == nil {
		t.Error("Decode of a type the mapped codec does not know: no error")
	}
}

// TestEitherCodec_oneSagaForTwoAggregates: one saga reacts to both aggregates' events, each
// written by its own codec, through an EitherCodec (before it, a saga could read one codec's
// events only, and a reaction to two aggregates took two sagas).
func TestEitherCodec_oneSagaForTwoAggregates(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	encode := func(typ string, data json.RawMessage, err error) store.EventData {
		if err != nil {
			t.Fatal(err)
		}
		return store.EventData{Type: typ, Data: data}
	}
	if _, err := s.Append(ctx, "book-b1", store.NoStream, encode(bookCodec().Encode(bookLent{Book: "b1", Member: "m1"}))); err != nil {
		t.Fatal(err)
	}
	last, err := s.Append(ctx, "member-m1", store.NoStream, encode(memberCodec().Encode(memberSuspended{Member: "m1"})))
	if err != nil {
		t.Fatal(err)
	}
	saga := decider.Saga[libraryEvent, string]{React: func(e libraryEvent) []string {
		if b, ok := e.Left(); ok {
			return []string{"notify " + b.(bookLent).Member + " of " + b.(bookLent).Book}
		}
		m, _ := e.Right()
		return []string{"recall the books of " + m.(memberSuspended).Member}
	}}
	var mu sync.Mutex
	var got []string
	dispatch := func(_ context.Context, c string, _ eventsourcing.Meta) (eventsourcing.Result, error) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, c)
		return eventsourcing.Result{}, nil
	}
	r := eventsourcing.NewRunner(s)
	r.AddSaga(eventsourcing.NewSaga("library", saga, eventsourcing.EitherCodec(bookCodec(), memberCodec()), dispatch))
	runUntilStopped(t, r, last.Position)
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"notify m1 of b1", "recall the books of m1"}; !slices.Equal(got, want) {
		t.Errorf("the saga dispatched %q, want %q", got, want)
	}
	if st := statusOf(t, r, "library"); st.Failures != 0 || st.LastError != "" {
		t.Errorf("saga status %+v, want no failure", st)
	}
}

// TestEitherCodec_nilParts: a nil codec, narrow or widen is a wiring mistake, refused when the
// codec is made, as NewSaga and NewHandler refuse theirs; it was a nil call in the first
// Encode or Decode, deep in a saga or a command.
func TestEitherCodec_nilParts(t *testing.T) {
	narrow := func(e any) (bookEvent, bool) { b, ok := e.(bookEvent); return b, ok }
	widen := func(b bookEvent) any { return b }
	for name, build := range map[string]func(){
		"EitherCodec without its left codec":  func() { eventsourcing.EitherCodec[bookEvent, memberEvent](nil, memberCodec()) },
		"EitherCodec without its right codec": func() { eventsourcing.EitherCodec[bookEvent, memberEvent](bookCodec(), nil) },
		"MapCodec without its codec":          func() { eventsourcing.MapCodec[any, bookEvent](nil, narrow, widen) },
		"MapCodec without narrow":             func() { eventsourcing.MapCodec[any](eventsourcing.Codec[bookEvent](bookCodec()), nil, widen) },
		"MapCodec without widen":              func() { eventsourcing.MapCodec[any](eventsourcing.Codec[bookEvent](bookCodec()), narrow, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			build()
		})
	}
}
