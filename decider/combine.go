package decider

import (
	"errors"
	"fmt"
)

// ErrUnhandled means a decider was given a command it does not handle. Deciders adapted
// with MapCommand return it for commands their narrowing function rejects, and Combine
// uses it to route a command to the decider that handles it.
var ErrUnhandled = errors.New("command not handled")

// Pair is the state of two combined deciders or views.
type Pair[A, B any] struct {
	First  A
	Second B
}

// As narrows u to T with a checked type assertion. It suits the narrowing functions of
// MapCommand, MapEvent, MapViewEvent and MapSaga when the wider type is an interface,
// e.g. decider.As[restaurant.Command, any].
func As[T, U any](u U) (T, bool) {
	t, ok := any(u).(T)
	return t, ok
}

// MapCommand adapts d to a wider command type C: narrow picks the commands d handles and
// converts them; Decide fails with an error wrapping ErrUnhandled for the others.
func MapCommand[C, C1, S, E any](d Decider[C1, S, E], narrow func(C) (C1, bool)) Decider[C, S, E] {
	return Decider[C, S, E]{
		Decide: func(c C, s S) ([]E, error) {
			c1, ok := narrow(c)
			if !ok {
				return nil, fmt.Errorf("%w: %T", ErrUnhandled, c)
			}
			return d.Decide(c1, s)
		},
		Evolve:       d.Evolve,
		InitialState: d.InitialState,
	}
}

// MapEvent adapts d to a wider event type E: widen converts the events d decides, and
// narrow picks the events d evolves by; Evolve leaves the state as it is for the others.
func MapEvent[C, S, E, E1 any](d Decider[C, S, E1], narrow func(E) (E1, bool), widen func(E1) E) Decider[C, S, E] {
	return Decider[C, S, E]{
		Decide: func(c C, s S) ([]E, error) {
			events, err := d.Decide(c, s)
			if err != nil {
				return nil, err
			}
			return mapSlice(events, widen), nil
		},
		Evolve: func(s S, e E) S {
			if e1, ok := narrow(e); ok {
				return d.Evolve(s, e1)
			}
			return s
		},
		InitialState: d.InitialState,
	}
}

// MapState adapts d to another state type T through the conversions to and from, which
// must be inverses of each other.
func MapState[C, S, T, E any](d Decider[C, S, E], to func(S) T, from func(T) S) Decider[C, T, E] {
	return Decider[C, T, E]{
		Decide:       func(c C, t T) ([]E, error) { return d.Decide(c, from(t)) },
		Evolve:       func(t T, e E) T { return to(d.Evolve(from(t), e)) },
		InitialState: to(d.InitialState),
	}
}

// Combine serves two deciders of the same command and event types as one over the pair of
// their states. Decide gives the command to both; a decider that fails with ErrUnhandled
// is left out, any other error rejects the command, and the events are a's followed by
// b's. When neither handles the command, Decide fails with a's ErrUnhandled error.
// Evolve gives every event to both.
//
// Adapt deciders of different types with MapCommand and MapEvent first; combine more
// than two by nesting.
func Combine[C, S1, S2, E any](a Decider[C, S1, E], b Decider[C, S2, E]) Decider[C, Pair[S1, S2], E] {
	return Decider[C, Pair[S1, S2], E]{
		Decide: func(c C, s Pair[S1, S2]) ([]E, error) {
			ea, errA := a.Decide(c, s.First)
			if errA != nil && !errors.Is(errA, ErrUnhandled) {
				return nil, errA
			}
			eb, errB := b.Decide(c, s.Second)
			if errB != nil && !errors.Is(errB, ErrUnhandled) {
				return nil, errB
			}
			if errA != nil && errB != nil {
				return nil, errA
			}
			return append(ea[:len(ea):len(ea)], eb...), nil
		},
		Evolve: func(s Pair[S1, S2], e E) Pair[S1, S2] {
			return Pair[S1, S2]{First: a.Evolve(s.First, e), Second: b.Evolve(s.Second, e)}
		},
		InitialState: Pair[S1, S2]{First: a.InitialState, Second: b.InitialState},
	}
}

func mapSlice[A, B any](as []A, f func(A) B) []B {
	if as == nil {
		return nil
	}
	bs := make([]B, len(as))
	for i, a := range as {
		bs[i] = f(a)
	}
	return bs
}
