// Package decider is eventgraph's pure modelling kernel: deciders that turn commands into
// events, views that fold events into read models, and sagas that turn events into commands.
//
// Nothing here performs I/O or reads a clock; the application layer runs these functions
// against a store.
package decider

// Decider decides commands of type C over state S, producing events of type E.
//
// Decide must be pure: it returns the events that record the command's effect, or an error
// that says why the command is rejected. It must not change the state it is given, which a
// command handler keeps for the stream's next command (decider/spec fails a spec whose
// Decide changed it). Evolve folds one event into the state.
//
// InitialState is where every stream's fold starts, shared by all of them: Evolve must not
// change it in place. A state that holds maps or slices starts with them nil and Evolve
// makes them when first needed; Evolve may then change in place the maps and slices it made
// (decider/spec fails a spec whose fold changed InitialState).
type Decider[C, S, E any] struct {
	Decide       func(c C, s S) ([]E, error)
	Evolve       func(s S, e E) S
	InitialState S
}

// Fold evolves the initial state through events, in order.
func (d Decider[C, S, E]) Fold(events ...E) S {
	s := d.InitialState
	for _, e := range events {
		s = d.Evolve(s, e)
	}
	return s
}

// Compute folds the events and decides the command over the resulting state.
func (d Decider[C, S, E]) Compute(events []E, c C) ([]E, error) {
	return d.Decide(c, d.Fold(events...))
}

// View returns d's state and its evolution as a View: what folds the decider's stream for a
// reader (eventsourcing.Load, Watch) and what spec.ForView specifies, without Decide.
func (d Decider[C, S, E]) View() View[S, E] {
	return View[S, E]{Evolve: d.Evolve, InitialState: d.InitialState}
}

// View folds events of type E into a read-model state S. As with a Decider, Evolve must not
// change InitialState in place.
type View[S, E any] struct {
	Evolve       func(s S, e E) S
	InitialState S
}

// Fold evolves the initial state through events, in order.
func (v View[S, E]) Fold(events ...E) S {
	s := v.InitialState
	for _, e := range events {
		s = v.Evolve(s, e)
	}
	return s
}

// Saga reacts to an event of type E with the commands of type C it causes (often none).
type Saga[E, C any] struct {
	React func(e E) []C
}
