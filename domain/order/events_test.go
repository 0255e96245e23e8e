package order_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/eventgraph/eventgraph/domain/internal/marked"
	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/eventsourcing"
)

var _ eventsourcing.Codec[order.Event] = order.Codec{}

type sample struct {
	before []order.Event
	event  order.Event
}

func samples() []sample {
	return []sample{
		{nil, created()},
		{[]order.Event{created()}, prepared()},
	}
}

func TestEvents_EveryTypeIsHandled(t *testing.T) {
	var sampled []string
	for _, s := range samples() {
		sampled = append(sampled, reflect.TypeOf(s.event).Name())
	}
	slices.Sort(sampled)
	if declared := marked.Types(t, "isEvent"); !slices.Equal(declared, sampled) {
		t.Fatalf("event types declared %v, sampled %v: add a sample for each event type", declared, sampled)
	}
	if types := order.EventTypes(); len(types) != len(sampled) {
		t.Errorf("EventTypes() = %v, want the %d types sampled", types, len(sampled))
	}
	d, v, codec := order.Decider(), order.View(), order.Codec{}
	for _, s := range samples() {
		typ := s.event.EventType()
		t.Run(typ, func(t *testing.T) {
			if typ != reflect.TypeOf(s.event).Name() {
				t.Errorf("EventType() = %q, want the Go type's name", typ)
			}
			if before, after := d.Fold(s.before...), d.Evolve(d.Fold(s.before...), s.event); reflect.DeepEqual(before, after) {
				t.Errorf("the decider's Evolve ignores %s", typ)
			}
			if before, after := v.Fold(s.before...), v.Evolve(v.Fold(s.before...), s.event); reflect.DeepEqual(before, after) {
				t.Errorf("the view's Evolve ignores %s", typ)
			}
			if !codec.Handles(typ) || !slices.Contains(order.EventTypes(), typ) {
				t.Errorf("Handles(%q) = %v, EventTypes() = %v: want both to hold it", typ, codec.Handles(typ), order.EventTypes())
			}
			gotType, data, err := codec.Encode(s.event)
			if err != nil || gotType != typ {
				t.Fatalf("Encode = %q, %v; want %q, nil", gotType, err, typ)
			}
			back, err := codec.Decode(typ, data)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !reflect.DeepEqual(back, s.event) {
				t.Errorf("round trip = %#v, want %#v", back, s.event)
			}
		})
	}
}

func TestCommands_ClosedSet(t *testing.T) {
	want := []string{"CreateOrder", "MarkOrderAsPrepared"}
	if got := marked.Types(t, "isCommand"); !slices.Equal(got, want) {
		t.Errorf("command types = %v, want %v (update the decider and this test together)", got, want)
	}
	for _, c := range []order.Command{order.CreateOrder{ID: "o1"}, order.MarkOrderAsPrepared{ID: "o1"}} {
		if got := c.Stream(); got != "order-o1" {
			t.Errorf("%T.Stream() = %q, want order-o1", c, got)
		}
	}
}

func TestCodec_Encode(t *testing.T) {
	tests := []struct {
		event order.Event
		json  string
	}{
		{created(), `{"orderId":"o1","restaurantId":"r1","menuItems":[{"menuItemId":"pizza","name":"Pizza","price":"8.99"},` +
			`{"menuItemId":"pizza","name":"Pizza","price":"8.99"},{"menuItemId":"water","name":"Water","price":"0"}]}`},
		{prepared(), `{"orderId":"o1"}`},
	}
	for _, tt := range tests {
		_, data, err := order.Codec{}.Encode(tt.event)
		if err != nil || string(data) != tt.json {
			t.Errorf("Encode(%T) = %s, %v; want %s", tt.event, data, err, tt.json)
		}
	}
}

func TestCodec_Errors(t *testing.T) {
	c := order.Codec{}
	ev := prepared()
	for _, e := range []order.Event{nil, &ev} {
		if _, _, err := c.Encode(e); err == nil {
			t.Errorf("Encode(%T) succeeded, want an error", e)
		}
	}
	tests := []struct{ typ, data string }{
		{"RestaurantCreated", `{}`},
		{"OrderCreated", `{"menuItems": {}}`},
		{"OrderPrepared", `nope`},
		{"OrderCreated", `null`}, // json.Unmarshal alone takes it for an empty event
		{"OrderPrepared", "\nnull"},
		// Objects without the event's ids (found by review: read as empty ids).
		{"OrderCreated", `{}`},
		{"OrderCreated", ` {"orderId": "o1", "restaurant_id": "r1"}`},
		{"OrderCreated", ` {"restaurantId": "r1"}`},
		{"OrderPrepared", ` {"order_id": "o1"}`},
	}
	for _, tt := range tests {
		if e, err := c.Decode(tt.typ, json.RawMessage(tt.data)); err == nil {
			t.Errorf("Decode(%q, %s) = %#v, want an error", tt.typ, tt.data, e)
		}
	}
	if c.Handles("RestaurantCreated") {
		t.Error(`Handles("RestaurantCreated") = true, want false`)
	}
}
