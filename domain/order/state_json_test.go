package order_test

import (
	"testing"

	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/internal/jsonw/jsonwtest"
)

// Snapshots keep a State as encoding/json writes it: every fold must come back equal.
func TestState_RoundTripsThroughJSON(t *testing.T) {
	d := order.Decider()
	tests := map[string][]order.Event{
		"initial":  nil,
		"created":  {created()},
		"prepared": {created(), prepared()},
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
