package restaurant_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/domain/internal/jsonw/jsonwtest"
	"github.com/eventgraph/eventgraph/domain/restaurant"
)

// Snapshots keep a State as encoding/json writes it: every fold must come back equal.
func TestState_RoundTripsThroughJSON(t *testing.T) {
	d := restaurant.Decider()
	tests := map[string][]restaurant.Event{
		"initial":            nil,
		"created":            {created()},
		"menu changed":       {created(), menuChanged()},
		"orders placed":      {created(), placed("o1", menu().MenuItems[0]), placed("o2", menu().MenuItems[1], menu().MenuItems[2])},
		"changed and placed": {created(), placed("o1", menu().MenuItems[0]), menuChanged(), placed("o2")},
	}
	for name, events := range tests {
		t.Run(name, func(t *testing.T) {
			s := d.InitialState
			for _, e := range events {
				s = d.Evolve(s, e)
			}
			jsonwtest.RoundTrips(t, s)
		})
	}
}

// A snapshot writes the order ids as one string, each id followed by a space, in the order
// they were placed.
func TestOrderSet_text(t *testing.T) {
	var orders restaurant.OrderSet
	for _, id := range []string{"o-2", "o-1", "o-3", "o-1"} {
		orders.Add(id)
	}
	b, err := json.Marshal(restaurant.State{Orders: orders})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"Orders":"o-2 o-1 o-3 "`) {
		t.Errorf("state encodes as %s, want Orders as the string \"o-2 o-1 o-3 \"", b)
	}
	if orders.Len() != 3 || !orders.Has("o-1") || orders.Has("o-4") {
		t.Errorf("set of %d: Has(o-1) %v, Has(o-4) %v; want 3, true, false", orders.Len(), orders.Has("o-1"), orders.Has("o-4"))
	}
	var many restaurant.OrderSet
	for i := range 1000 {
		many.Add(fmt.Sprintf("r1:o-%d", i))
	}
	jsonwtest.RoundTrips(t, restaurant.State{Exists: true, ID: "r1", Orders: many})

	for _, text := range []string{"o1", "o1 o2", " ", "o1  o2 ", " o1 ", "o1 o2 o1 "} {
		var s restaurant.OrderSet
		if err := s.UnmarshalText([]byte(text)); err == nil {
			t.Errorf("UnmarshalText(%q) = nil error, set of %d; want an error", text, s.Len())
		}
	}
}

// An id the text cannot hold (no decider lets one be placed, but the log may hold events no
// decider checked) makes the state fail to encode, so no snapshot is saved, rather than
// encode as another set.
func TestOrderSet_unwritableID(t *testing.T) {
	for _, id := range []string{"", "o 1"} {
		var orders restaurant.OrderSet
		orders.Add("o-1")
		orders.Add(id)
		if b, err := json.Marshal(restaurant.State{Orders: orders}); err == nil {
			t.Errorf("with id %q the state encodes as %s, want an error", id, b)
		}
		if !orders.Has(id) || orders.Len() != 2 {
			t.Errorf("with id %q: Has %v, Len %d; want true, 2", id, orders.Has(id), orders.Len())
		}
	}
}

// A set added to twice, through two copies, branches: each copy holds its own ids and not
// the other's, and the set they were copied from is as it was; each encodes as itself.
// (The copies shared one text, so the second add overwrote the first's id in it.)
func TestOrderSet_branches(t *testing.T) {
	var s restaurant.State
	s.Orders.Add("o-1")
	a, b := s, s
	a.Orders.Add("o-A")
	b.Orders.Add("o-B")
	a.Orders.Add("o-A2")
	for _, tt := range []struct {
		name string
		st   restaurant.State
		text string
		not  []string
	}{
		{"the original", s, "o-1 ", []string{"o-A", "o-B", "o-A2"}},
		{"the first copy", a, "o-1 o-A o-A2 ", []string{"o-B"}},
		{"the second copy", b, "o-1 o-B ", []string{"o-A", "o-A2"}},
	} {
		out, err := tt.st.MarshalJSON()
		if err != nil || !strings.Contains(string(out), `"Orders":"`+tt.text+`"`) {
			t.Errorf("%s encodes as %s (%v), want Orders %q", tt.name, out, err, tt.text)
		}
		for _, id := range tt.not {
			if tt.st.Placed(id) {
				t.Errorf("%s holds %s", tt.name, id)
			}
		}
		if n := strings.Count(tt.text, " "); tt.st.Orders.Len() != n {
			t.Errorf("%s has %d orders, want %d", tt.name, tt.st.Orders.Len(), n)
		}
	}
}
