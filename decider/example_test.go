package decider_test

import (
	"fmt"

	"github.com/eventgraph/eventgraph/decider"
)

// Two deciders of unrelated types, served as one over commands and events of type any:
// each is adapted with MapCommand and MapEvent, then the two are combined.
func ExampleCombine() {
	counter := decider.Decider[Add, int, Added]{
		Decide: func(c Add, _ int) ([]Added, error) { return []Added{{N: c.N}}, nil },
		Evolve: func(s int, e Added) int { return s + e.N },
	}
	light := decider.Decider[Flip, bool, Flipped]{
		Decide: func(_ Flip, on bool) ([]Flipped, error) { return []Flipped{{On: !on}}, nil },
		Evolve: func(_ bool, e Flipped) bool { return e.On },
	}
	d := decider.Combine(
		decider.MapEvent(decider.MapCommand(counter, decider.As[Add, any]), decider.As[Added, any], func(e Added) any { return e }),
		decider.MapEvent(decider.MapCommand(light, decider.As[Flip, any]), decider.As[Flipped, any], func(e Flipped) any { return e }),
	)

	var history []any
	for _, c := range []any{Add{N: 2}, Flip{}, Add{N: 3}} {
		events, err := d.Compute(history, c)
		if err != nil {
			fmt.Println(err)
			return
		}
		history = append(history, events...)
	}
	fmt.Printf("events: %v\n", history)
	fmt.Printf("state: %+v\n", d.Fold(history...))
	_, err := d.Compute(history, "dance")
	fmt.Println(err)
	// Output:
	// events: [{2} {true} {3}]
	// state: {First:5 Second:true}
	// command not handled: string
}
