package eventsourcing_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/eventsourcing"
)

// shapeEvent is a domain's event type for the JSONCodec tests: one value type, one pointer.
type shapeEvent interface{ area() int }

type square struct{ Side int }

func (s square) area() int { return s.Side * s.Side }

type rect struct{ W, H int }

func (r *rect) area() int { return r.W * r.H }

// money writes and reads itself through its pointer only, as many types do: inside an event
// passed as a value, which is not addressable, encoding/json writes its fields instead, and
// then reads them with UnmarshalJSON, which fails.
type money struct{ Cents int }

func (m *money) MarshalJSON() ([]byte, error) { return json.Marshal(m.Cents) }
func (m *money) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &m.Cents) }

type paid struct{ Amount money }

func (paid) area() int { return 0 }

// lossy keeps a field encoding/json does not write.
type lossy struct{ Side, hidden int }

func (l lossy) area() int { return l.Side * l.hidden }

func shapes() *eventsourcing.JSONCodec[shapeEvent] {
	return eventsourcing.NewJSONCodec(
		eventsourcing.JSONEvent[square, shapeEvent]("SquareDrawn"),
		eventsourcing.JSONEvent[*rect, shapeEvent]("RectDrawn"),
	)
}

func TestJSONCodec_roundTrips(t *testing.T) {
	c := shapes()
	for _, tt := range []struct {
		e        shapeEvent
		typ, doc string
	}{
		{square{Side: 3}, "SquareDrawn", `{"Side":3}`},
		{&rect{W: 2, H: 5}, "RectDrawn", `{"W":2,"H":5}`},
	} {
		typ, data, err := c.Encode(tt.e)
		if err != nil || typ != tt.typ || string(data) != tt.doc {
			t.Fatalf("Encode(%#v) = %q, %s, %v; want %q, %s", tt.e, typ, data, err, tt.typ, tt.doc)
		}
		if !c.Handles(typ) {
			t.Fatalf("Handles(%q) = false", typ)
		}
		// Decoded as the Go type it was given with: a value stays a value, a pointer a pointer.
		got, err := c.Decode(typ, data)
		if err != nil || !reflect.DeepEqual(got, tt.e) {
			t.Fatalf("Decode(%q, %s) = %#v, %v; want %#v", typ, data, got, err, tt.e)
		}
	}
}

func TestJSONCodec_refuses(t *testing.T) {
	c := shapes()
	if c.Handles("CircleDrawn") {
		t.Error(`Handles("CircleDrawn") = true for a name it was not given`)
	}
	if _, err := c.Decode("CircleDrawn", json.RawMessage(`{}`)); err == nil || !strings.Contains(err.Error(), `unknown event type "CircleDrawn"`) {
		t.Errorf("Decode of an unknown type: %v", err)
	}
	if _, err := c.Decode("SquareDrawn", json.RawMessage(`{"Side":"three"}`)); err == nil || !strings.Contains(err.Error(), "decode SquareDrawn") {
		t.Errorf("Decode of a bad body: %v", err)
	}
	// rect's methods are its pointer's: a rect value is no shapeEvent, but *square is one,
	// of a type the codec was not given.
	if _, _, err := c.Encode(&square{Side: 1}); err == nil || !strings.Contains(err.Error(), "no name for events of type *eventsourcing_test.square") {
		t.Errorf("Encode of a type not given: %v", err)
	}
	if _, _, err := c.Encode(nil); err == nil {
		t.Error("Encode(nil): no error")
	}
	// Written as null, it came back as a nil event, which every later fold of its stream met.
	if _, _, err := c.Encode((*rect)(nil)); err == nil || !strings.Contains(err.Error(), "a nil *eventsourcing_test.rect event") {
		t.Errorf("Encode of a nil pointer: %v", err)
	}
}

func TestJSONCodec_wiringMistakesPanic(t *testing.T) {
	for _, tt := range []struct {
		name, want string
		build      func()
	}{
		{"a name given twice", `two types are named "Drawn"`, func() {
			eventsourcing.NewJSONCodec(eventsourcing.JSONEvent[square, shapeEvent]("Drawn"), eventsourcing.JSONEvent[*rect, shapeEvent]("Drawn"))
		}},
		{"a type given twice", `is named both "A" and "B"`, func() {
			eventsourcing.NewJSONCodec(eventsourcing.JSONEvent[square, shapeEvent]("A"), eventsourcing.JSONEvent[square, shapeEvent]("B"))
		}},
		{"a type that is not an event of the domain", "rect is not a eventsourcing_test.shapeEvent", func() {
			eventsourcing.JSONEvent[rect, shapeEvent]("RectDrawn") // its methods are *rect's
		}},
		{"an empty name", "an empty name", func() { eventsourcing.JSONEvent[square, shapeEvent]("") }},
		// Every append of such an event failed with store.ErrInvalid, as the codec was used.
		{"a name that is not UTF-8", `"Drawn\xff" is not valid UTF-8`, func() { eventsourcing.JSONEvent[square, shapeEvent]("Drawn\xff") }},
		// Its hidden field would come back from the log as 0: Evolve folds another event.
		{"a type that encoding/json does not round-trip", "event.hidden is unexported", func() {
			eventsourcing.JSONEvent[lossy, shapeEvent]("LossyDrawn")
		}},
		// These were written and could never be read back: every later fold of the stream failed.
		{"a field whose JSON methods are its pointer's", "event.Amount (eventsourcing_test.money) has its JSON or text methods on its pointer", func() {
			eventsourcing.JSONEvent[paid, shapeEvent]("Paid")
		}},
		{"a JSONEventType not made by JSONEvent", "not made by JSONEvent", func() {
			eventsourcing.NewJSONCodec(eventsourcing.JSONEventType[shapeEvent]{})
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if v := recover(); v == nil || !strings.Contains(v.(string), tt.want) {
					t.Fatalf("panic %v, want one saying %q", v, tt.want)
				}
			}()
			tt.build()
		})
	}
}
