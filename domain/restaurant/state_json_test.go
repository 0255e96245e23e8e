package restaurant_test

import (
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
