package decider_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/eventgraph/eventgraph/decider"
)

type (
	cmd = decider.Either[Add, Flip]
	evt = decider.Either[Added, Flipped]
)

func TestEither(t *testing.T) {
	l := decider.Left[Add, Flip](Add{N: 1})
	if a, ok := l.Left(); !ok || a != (Add{N: 1}) {
		t.Errorf("Left() = %v, %v", a, ok)
	}
	if _, ok := l.Right(); ok {
		t.Error("a left value has a right value")
	}
	r := decider.Right[Add](Flip{})
	if _, ok := r.Left(); ok {
		t.Error("a right value has a left value")
	}
	if _, ok := r.Right(); !ok {
		t.Error("a right value has no right value")
	}
}

func TestCombineEither(t *testing.T) {
	d := decider.CombineEither(counter(), light())
	history := []evt{decider.Left[Added, Flipped](Added{N: 2}), decider.Right[Added](Flipped{On: true})}
	tests := []struct {
		name    string
		command cmd
		want    []evt
		wantErr error
	}{
		{"a left command goes to the left decider", decider.Left[Add, Flip](Add{N: 3}), []evt{decider.Left[Added, Flipped](Added{N: 3})}, nil},
		{"a right command goes to the right decider", decider.Right[Add](Flip{}), []evt{decider.Right[Added](Flipped{On: false})}, nil},
		{"a rejection passes through", decider.Left[Add, Flip](Add{N: -1}), nil, decider.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := d.Compute(history, tt.command)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("events = %+v, want %+v", got, tt.want)
			}
		})
	}
	if s := d.Fold(history...); s != (decider.Pair[int, bool]{First: 2, Second: true}) {
		t.Errorf("Fold = %+v", s)
	}
	failing := decider.CombineEither(counter(), decider.Decider[Flip, bool, Flipped]{
		Decide: func(Flip, bool) ([]Flipped, error) { return nil, decider.ErrNotFound },
		Evolve: func(s bool, _ Flipped) bool { return s },
	})
	if _, err := failing.Decide(decider.Right[Add](Flip{}), failing.InitialState); !errors.Is(err, decider.ErrNotFound) {
		t.Errorf("error = %v, want ErrNotFound", err)
	}
}

func TestCombineViewsEither(t *testing.T) {
	sum := decider.View[int, Added]{Evolve: func(s int, e Added) int { return s + e.N }}
	last := decider.View[bool, Flipped]{Evolve: func(_ bool, e Flipped) bool { return e.On }}
	v := decider.CombineViewsEither(sum, last)
	got := v.Fold(decider.Left[Added, Flipped](Added{N: 4}), decider.Right[Added](Flipped{On: true}), decider.Left[Added, Flipped](Added{N: 1}))
	if want := (decider.Pair[int, bool]{First: 5, Second: true}); got != want {
		t.Errorf("Fold = %+v, want %+v", got, want)
	}
}

// Two deciders of unrelated types served as one, with no type assertion anywhere: the
// command and event types are Either values.
func ExampleCombineEither() {
	counter := decider.Decider[Add, int, Added]{
		Decide: func(c Add, _ int) ([]Added, error) { return []Added{{N: c.N}}, nil },
		Evolve: func(s int, e Added) int { return s + e.N },
	}
	light := decider.Decider[Flip, bool, Flipped]{
		Decide: func(_ Flip, on bool) ([]Flipped, error) { return []Flipped{{On: !on}}, nil },
		Evolve: func(_ bool, e Flipped) bool { return e.On },
	}
	d := decider.CombineEither(counter, light)

	var history []decider.Either[Added, Flipped]
	for _, c := range []decider.Either[Add, Flip]{
		decider.Left[Add, Flip](Add{N: 2}),
		decider.Right[Add](Flip{}),
		decider.Left[Add, Flip](Add{N: 3}),
	} {
		events, _ := d.Compute(history, c)
		history = append(history, events...)
	}
	fmt.Printf("%+v\n", d.Fold(history...))
	// Output:
	// {First:5 Second:true}
}

// TestEither_JSON checks that an Either encodes as the one value it holds, under "left" or
// "right", that this decodes back to an equal Either, and that anything else is refused.
func TestEither_JSON(t *testing.T) {
	for _, tt := range []struct {
		in   cmd
		want string
	}{
		{decider.Left[Add, Flip](Add{N: 3}), `{"left":{"N":3}}`},
		{decider.Right[Add](Flip{}), `{"right":{}}`},
		{cmd{}, `{"left":{"N":0}}`}, // the zero value is a left zero
	} {
		b, err := json.Marshal(tt.in)
		if err != nil || string(b) != tt.want {
			t.Errorf("Marshal(%+v) = %s, %v; want %s", tt.in, b, err, tt.want)
			continue
		}
		var back cmd
		if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, tt.in) {
			t.Errorf("Unmarshal(%s) = %+v, %v; want %+v", b, back, err, tt.in)
		}
	}
	for _, bad := range []string{`null`, `{}`, `[]`, `1`, `{"left":{"N":1},"right":{}}`, `{"middle":{}}`, `{"left":{"N":"x"}}`, `{"left":{},"x":1}`} {
		var e cmd
		if err := json.Unmarshal([]byte(bad), &e); err == nil {
			t.Errorf("Unmarshal(%s) = %+v, nil; want an error", bad, e)
		}
	}
}
