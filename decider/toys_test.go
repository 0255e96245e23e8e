package decider_test

import (
	"github.com/eventgraph/eventgraph/decider"
)

// Two toy aggregates used by the tests and examples: a counter and a light switch.

type Add struct{ N int }
type Added struct{ N int }

type Flip struct{}
type Flipped struct{ On bool }

func counter() decider.Decider[Add, int, Added] {
	return decider.Decider[Add, int, Added]{
		Decide: func(c Add, _ int) ([]Added, error) {
			if c.N <= 0 {
				return nil, &decider.ValidationError{Field: "n", Reason: "must be positive"}
			}
			return []Added{{N: c.N}}, nil
		},
		Evolve: func(s int, e Added) int { return s + e.N },
	}
}

func light() decider.Decider[Flip, bool, Flipped] {
	return decider.Decider[Flip, bool, Flipped]{
		Decide: func(_ Flip, on bool) ([]Flipped, error) { return []Flipped{{On: !on}}, nil },
		Evolve: func(_ bool, e Flipped) bool { return e.On },
	}
}

// both serves the counter and the light over commands and events of type any.
func both() decider.Decider[any, decider.Pair[int, bool], any] {
	c := decider.MapEvent(decider.MapCommand(counter(), decider.As[Add, any]), decider.As[Added, any], func(e Added) any { return e })
	l := decider.MapEvent(decider.MapCommand(light(), decider.As[Flip, any]), decider.As[Flipped, any], func(e Flipped) any { return e })
	return decider.Combine(c, l)
}
