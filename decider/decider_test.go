package decider_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/eventgraph/eventgraph/decider"
)

func TestDecider_Compute(t *testing.T) {
	d := counter()
	got, err := d.Compute([]Added{{N: 2}, {N: 3}}, Add{N: 4})
	if err != nil || !reflect.DeepEqual(got, []Added{{N: 4}}) {
		t.Fatalf("Compute = %v, %v; want [{4}], nil", got, err)
	}
	if s := d.Fold(Added{N: 2}, Added{N: 3}); s != 5 {
		t.Errorf("Fold = %d, want 5", s)
	}
}

func TestDecider_View(t *testing.T) {
	d := counter()
	d.InitialState = 10
	v := d.View()
	if got := v.Fold(Added{N: 2}, Added{N: 3}); got != 15 || got != d.Fold(Added{N: 2}, Added{N: 3}) {
		t.Errorf("View().Fold = %d, want the decider's fold, 15", got)
	}
}

func TestErrors_Unwrap(t *testing.T) {
	tests := []struct {
		err    error
		target error
		msg    string
	}{
		{&decider.ValidationError{Field: "name", Reason: "must not be blank"}, decider.ErrInvalid, "invalid name: must not be blank"},
		{&decider.NotFoundError{Entity: "restaurant", ID: "r1"}, decider.ErrNotFound, `restaurant "r1" not found`},
		{&decider.AlreadyExistsError{Entity: "order", ID: "o1"}, decider.ErrAlreadyExists, `order "o1" already exists`},
		{&decider.AlreadyExistsError{Entity: "order", ID: "o1", Scope: `restaurant "r1"`}, decider.ErrAlreadyExists, `order "o1" already exists at restaurant "r1"`},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.target) {
			t.Errorf("errors.Is(%v, %v) = false", tt.err, tt.target)
		}
		if got := tt.err.Error(); got != tt.msg {
			t.Errorf("Error() = %q, want %q", got, tt.msg)
		}
	}
}

func TestCombine_Decide(t *testing.T) {
	d := both()
	tests := []struct {
		name    string
		given   []any
		command any
		want    []any
		wantErr error
	}{
		{"the counter handles Add", nil, Add{N: 2}, []any{Added{N: 2}}, nil},
		{"the light handles Flip", []any{Flipped{On: true}}, Flip{}, []any{Flipped{On: false}}, nil},
		{"a rejection passes through", nil, Add{N: 0}, nil, decider.ErrInvalid},
		{"nobody handles a string", nil, "hello", nil, decider.ErrUnhandled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := d.Compute(tt.given, tt.command)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("events = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestCombine_Evolve(t *testing.T) {
	d := both()
	got := d.Fold(Added{N: 2}, Flipped{On: true}, "ignored", Added{N: 3})
	want := decider.Pair[int, bool]{First: 5, Second: true}
	if got != want {
		t.Errorf("Fold = %+v, want %+v", got, want)
	}
}

func TestCombine_BothHandle(t *testing.T) {
	// Two deciders that both handle every command: the events are a's then b's.
	twice := decider.Combine(counter(), counter())
	got, err := twice.Decide(Add{N: 1}, twice.InitialState)
	if err != nil || !reflect.DeepEqual(got, []Added{{N: 1}, {N: 1}}) {
		t.Fatalf("Decide = %v, %v; want [{1} {1}], nil", got, err)
	}
	// A rejection by the second decider rejects the command.
	picky := decider.Combine(counter(), decider.Decider[Add, int, Added]{
		Decide: func(Add, int) ([]Added, error) { return nil, decider.ErrNotFound },
		Evolve: func(s int, _ Added) int { return s },
	})
	if _, err := picky.Decide(Add{N: 1}, picky.InitialState); !errors.Is(err, decider.ErrNotFound) {
		t.Errorf("error = %v, want ErrNotFound", err)
	}
	// And so does one by the first, whatever the second decides.
	pickyFirst := decider.Combine(decider.Decider[Add, int, Added]{
		Decide: func(Add, int) ([]Added, error) { return nil, decider.ErrNotFound },
		Evolve: func(s int, _ Added) int { return s },
	}, counter())
	if got, err := pickyFirst.Decide(Add{N: 1}, pickyFirst.InitialState); !errors.Is(err, decider.ErrNotFound) || got != nil {
		t.Errorf("Decide = %v, %v; want no events, ErrNotFound", got, err)
	}
	// The first decider's events are not appended to in place: a slice it returns with room
	// to spare may be one it keeps (a precomputed answer), which b's events would overwrite.
	kept := make([]Added, 1, 2)
	kept[0] = Added{N: 7}
	spare := decider.Combine(decider.Decider[Add, int, Added]{
		Decide: func(Add, int) ([]Added, error) { return kept, nil },
		Evolve: func(s int, _ Added) int { return s },
	}, counter())
	if got, err := spare.Decide(Add{N: 1}, spare.InitialState); err != nil || !reflect.DeepEqual(got, []Added{{N: 7}, {N: 1}}) {
		t.Fatalf("Decide = %v, %v; want [{7} {1}], nil", got, err)
	}
	if extra := kept[:2][1]; extra != (Added{}) {
		t.Errorf("the first decider's slice was written beyond its length: %v", extra)
	}
}

func TestMapState(t *testing.T) {
	type total struct{ N int }
	d := decider.MapState(counter(), func(n int) total { return total{n} }, func(t total) int { return t.N })
	if s := d.Fold(Added{N: 4}, Added{N: 1}); s != (total{5}) {
		t.Errorf("Fold = %+v, want {5}", s)
	}
	if _, err := d.Decide(Add{N: -1}, total{}); !errors.Is(err, decider.ErrInvalid) {
		t.Errorf("Decide error = %v, want ErrInvalid", err)
	}
}

func TestViews(t *testing.T) {
	sum := decider.View[int, Added]{Evolve: func(s int, e Added) int { return s + e.N }}
	flips := decider.View[int, Flipped]{Evolve: func(s int, _ Flipped) int { return s + 1 }}
	v := decider.CombineViews(decider.MapViewEvent(sum, decider.As[Added, any]), decider.MapViewEvent(flips, decider.As[Flipped, any]))
	got := v.Fold(Added{N: 3}, Flipped{}, 42, Flipped{}, Added{N: 1})
	if want := (decider.Pair[int, int]{First: 4, Second: 2}); got != want {
		t.Errorf("Fold = %+v, want %+v", got, want)
	}
	doubled := decider.MapViewState(sum, func(n int) float64 { return float64(n) / 2 }, func(f float64) int { return int(f * 2) })
	if got := doubled.Fold(Added{N: 3}, Added{N: 5}); got != 4 {
		t.Errorf("MapViewState Fold = %v, want 4", got)
	}
}

func TestSagas(t *testing.T) {
	// Every Added causes as many Flips as it added; every Flipped causes an Add{1}.
	flipper := decider.Saga[Added, Flip]{React: func(e Added) []Flip { return make([]Flip, e.N) }}
	adder := decider.Saga[Flipped, Add]{React: func(Flipped) []Add { return []Add{{N: 1}} }}
	s := decider.MergeSagas(
		decider.MapSaga(flipper, decider.As[Added, any], func(c Flip) any { return c }),
		decider.MapSaga(adder, decider.As[Flipped, any], func(c Add) any { return c }),
	)
	tests := []struct {
		event any
		want  []any
	}{
		{Added{N: 2}, []any{Flip{}, Flip{}}},
		{Flipped{}, []any{Add{N: 1}}},
		{"other", nil},
	}
	for _, tt := range tests {
		if got := s.React(tt.event); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("React(%#v) = %#v, want %#v", tt.event, got, tt.want)
		}
	}
}

// MergeSagas keeps its own list of the sagas: a caller that reuses the slice it passed
// (spread with ...) does not change the merged saga.
func TestMergeSagas_copiesTheSlice(t *testing.T) {
	say := func(c string) decider.Saga[any, string] {
		return decider.Saga[any, string]{React: func(any) []string { return []string{c} }}
	}
	sagas := []decider.Saga[any, string]{say("a"), say("b")}
	merged := decider.MergeSagas(sagas...)
	sagas[0] = say("changed")
	if got := merged.React(nil); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("React = %v, want [a b]", got)
	}
}
