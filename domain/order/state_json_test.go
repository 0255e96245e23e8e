package order_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/eventgraph/eventgraph/domain/order"
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
			b, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			var back order.State
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, s) {
				t.Errorf("%s came back as %#v, want %#v", b, back, s)
			}
		})
	}
}
