package decider

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Either holds a value of type A (a left value) or of type B (a right value). It is the
// command and event type of deciders combined with CombineEither: a closed union of two
// types that needs no type assertion. The zero value is a left zero A.
type Either[A, B any] struct {
	left    A
	right   B
	isRight bool
}

// Left returns an Either holding a.
func Left[A, B any](a A) Either[A, B] { return Either[A, B]{left: a} }

// Right returns an Either holding b.
func Right[A, B any](b B) Either[A, B] { return Either[A, B]{right: b, isRight: true} }

// Left returns the left value, and whether e holds one.
func (e Either[A, B]) Left() (A, bool) { return e.left, !e.isRight }

// Right returns the right value, and whether e holds one.
func (e Either[A, B]) Right() (B, bool) { return e.right, e.isRight }

// MarshalJSON encodes e as {"left": a} or {"right": b}, so that logs and failing specs show
// which value it holds and what it is.
func (e Either[A, B]) MarshalJSON() ([]byte, error) {
	if e.isRight {
		return json.Marshal(struct {
			Right B `json:"right"`
		}{e.right})
	}
	return json.Marshal(struct {
		Left A `json:"left"`
	}{e.left})
}

// UnmarshalJSON decodes what MarshalJSON encodes: an object with exactly one member, "left"
// or "right".
func (e *Either[A, B]) UnmarshalJSON(b []byte) error {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(b, &members); err != nil {
		return fmt.Errorf("decider: decode Either: %w", err)
	}
	left, isLeft := members["left"]
	right, isRight := members["right"]
	if len(members) != 1 || isLeft == isRight {
		return errors.New(`decider: decode Either: want an object with exactly one member, "left" or "right"`)
	}
	var out Either[A, B]
	var err error
	if isLeft {
		err = json.Unmarshal(left, &out.left)
	} else {
		out.isRight = true
		err = json.Unmarshal(right, &out.right)
	}
	if err != nil {
		return fmt.Errorf("decider: decode Either: %w", err)
	}
	*e = out
	return nil
}

// CombineEither serves two deciders of any types as one, without type assertions: a left
// command goes to a and a right command to b, each over its half of the state; a's events
// come out as left events and b's as right events, and Evolve gives each event to the
// decider it came from.
func CombineEither[C1, S1, E1, C2, S2, E2 any](a Decider[C1, S1, E1], b Decider[C2, S2, E2]) Decider[Either[C1, C2], Pair[S1, S2], Either[E1, E2]] {
	return Decider[Either[C1, C2], Pair[S1, S2], Either[E1, E2]]{
		Decide: func(c Either[C1, C2], s Pair[S1, S2]) ([]Either[E1, E2], error) {
			if c1, ok := c.Left(); ok {
				events, err := a.Decide(c1, s.First)
				if err != nil {
					return nil, err
				}
				return mapSlice(events, Left[E1, E2]), nil
			}
			c2, _ := c.Right()
			events, err := b.Decide(c2, s.Second)
			if err != nil {
				return nil, err
			}
			return mapSlice(events, Right[E1, E2]), nil
		},
		Evolve: func(s Pair[S1, S2], e Either[E1, E2]) Pair[S1, S2] {
			if e1, ok := e.Left(); ok {
				s.First = a.Evolve(s.First, e1)
			} else {
				e2, _ := e.Right()
				s.Second = b.Evolve(s.Second, e2)
			}
			return s
		},
		InitialState: Pair[S1, S2]{First: a.InitialState, Second: b.InitialState},
	}
}

// CombineViewsEither serves two views of any event types as one: a left event goes to a
// and a right event to b, each over its half of the state.
func CombineViewsEither[S1, E1, S2, E2 any](a View[S1, E1], b View[S2, E2]) View[Pair[S1, S2], Either[E1, E2]] {
	return View[Pair[S1, S2], Either[E1, E2]]{
		Evolve: func(s Pair[S1, S2], e Either[E1, E2]) Pair[S1, S2] {
			if e1, ok := e.Left(); ok {
				s.First = a.Evolve(s.First, e1)
			} else {
				e2, _ := e.Right()
				s.Second = b.Evolve(s.Second, e2)
			}
			return s
		},
		InitialState: Pair[S1, S2]{First: a.InitialState, Second: b.InitialState},
	}
}
