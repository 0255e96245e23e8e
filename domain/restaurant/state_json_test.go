package restaurant_test

import (
	"encoding/json"
	"reflect"
	"testing"

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
			b, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			var back restaurant.State
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, s) {
				t.Errorf("%s came back as %#v, want %#v", b, back, s)
			}
		})
	}
}
