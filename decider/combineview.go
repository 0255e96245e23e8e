package decider

// MapViewEvent adapts v to a wider event type E: narrow picks the events v folds, and
// Evolve leaves the state as it is for the others.
func MapViewEvent[S, E, E1 any](v View[S, E1], narrow func(E) (E1, bool)) View[S, E] {
	return View[S, E]{
		Evolve: func(s S, e E) S {
			if e1, ok := narrow(e); ok {
				return v.Evolve(s, e1)
			}
			return s
		},
		InitialState: v.InitialState,
	}
}

// MapViewState adapts v to another state type T through the conversions to and from,
// which must be inverses of each other.
func MapViewState[S, T, E any](v View[S, E], to func(S) T, from func(T) S) View[T, E] {
	return View[T, E]{
		Evolve:       func(t T, e E) T { return to(v.Evolve(from(t), e)) },
		InitialState: to(v.InitialState),
	}
}

// CombineViews serves two views of the same event type as one over the pair of their
// states: every event goes to both.
func CombineViews[S1, S2, E any](a View[S1, E], b View[S2, E]) View[Pair[S1, S2], E] {
	return View[Pair[S1, S2], E]{
		Evolve: func(s Pair[S1, S2], e E) Pair[S1, S2] {
			return Pair[S1, S2]{First: a.Evolve(s.First, e), Second: b.Evolve(s.Second, e)}
		},
		InitialState: Pair[S1, S2]{First: a.InitialState, Second: b.InitialState},
	}
}

// MapSaga adapts s to wider event and command types: narrow picks the events s reacts
// to (it ignores the others) and widen converts the commands it issues.
func MapSaga[E, C, E1, C1 any](s Saga[E1, C1], narrow func(E) (E1, bool), widen func(C1) C) Saga[E, C] {
	return Saga[E, C]{
		React: func(e E) []C {
			e1, ok := narrow(e)
			if !ok {
				return nil
			}
			return mapSlice(s.React(e1), widen)
		},
	}
}

// MergeSagas serves several sagas of the same types as one: it reacts to an event with
// the commands of every saga, in the order the sagas are given.
func MergeSagas[E, C any](sagas ...Saga[E, C]) Saga[E, C] {
	sagas = append([]Saga[E, C](nil), sagas...)
	return Saga[E, C]{
		React: func(e E) []C {
			var cs []C
			for _, s := range sagas {
				cs = append(cs, s.React(e)...)
			}
			return cs
		},
	}
}
