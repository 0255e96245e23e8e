package spec_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/decider/spec"
	"github.com/eventgraph/eventgraph/internal/spectest"
)

// A bank account: deposits of positive amounts, withdrawals up to the balance.
type (
	deposit   struct{ Amount int }
	withdraw  struct{ Amount int }
	deposited struct {
		Amount int `json:"amount"`
	}
	withdrawn struct {
		Amount int `json:"amount"`
	}
)

var errInsufficient = errors.New("insufficient funds")

// shuffled writes its map as a JSON list in Go's map order, different from one call to the
// next.
type shuffled struct{ M map[string]int }

func (s shuffled) MarshalJSON() ([]byte, error) {
	var pairs [][2]any
	for k, v := range s.M {
		pairs = append(pairs, [2]any{k, v})
	}
	return json.Marshal(pairs)
}

type shortError struct{ Need, Have int }

func (e *shortError) Error() string { return fmt.Sprintf("need %d, have %d", e.Need, e.Have) }
func (e *shortError) Unwrap() error { return errInsufficient }

func account() decider.Decider[any, int, any] {
	return decider.Decider[any, int, any]{
		Decide: func(c any, balance int) ([]any, error) {
			switch c := c.(type) {
			case deposit:
				if c.Amount <= 0 {
					return nil, &decider.ValidationError{Field: "amount", Reason: "must be positive"}
				}
				return []any{deposited{c.Amount}}, nil
			case withdraw:
				if c.Amount > balance {
					return nil, fmt.Errorf("account: %w", &shortError{Need: c.Amount, Have: balance})
				}
				return []any{withdrawn{c.Amount}}, nil
			}
			return nil, decider.ErrUnhandled
		},
		Evolve: func(balance int, e any) int {
			switch e := e.(type) {
			case deposited:
				return balance + e.Amount
			case withdrawn:
				return balance - e.Amount
			}
			return balance
		},
	}
}

func TestDeciderSpec(t *testing.T) {
	tests := []struct {
		name     string
		spec     func(tb testing.TB)
		wantFail bool
		wantLog  []string // substrings of the failure report
	}{
		{
			name: "passes when the events match",
			spec: func(tb testing.TB) { spec.For(tb, account()).Given(deposited{5}).When(withdraw{3}).Then(withdrawn{3}) },
		},
		{
			name:     "fails with a diff when the events differ",
			spec:     func(tb testing.TB) { spec.For(tb, account()).Given(deposited{5}).When(withdraw{3}).Then(withdrawn{4}) },
			wantFail: true,
			wantLog:  []string{"given:", "[0] spec_test.deposited {", "when:", "spec_test.withdraw {", "events differ", `-   "amount": 4`, `+   "amount": 3`},
		},
		{
			name:     "fails when the command is rejected",
			spec:     func(tb testing.TB) { spec.For(tb, account()).When(withdraw{3}).Then(withdrawn{3}) },
			wantFail: true,
			wantLog:  []string{"got error: account: need 3, have 0"},
		},
		{
			// An empty and a nil list are equal (see Then): Then() takes no events as none.
			name: "Then() passes when Decide returns an empty list",
			spec: func(tb testing.TB) {
				noop := decider.Decider[any, int, any]{
					Decide: func(any, int) ([]any, error) { return []any{}, nil },
					Evolve: func(s int, _ any) int { return s },
				}
				spec.For(tb, noop).When("nothing").Then()
			},
		},
		{
			name:     "fails when more events happen than expected",
			spec:     func(tb testing.TB) { spec.For(tb, account()).When(deposit{1}).Then() },
			wantFail: true,
			wantLog:  []string{"(none)", "+ [0] spec_test.deposited"},
		},
		{
			name: "ThenError passes for a sentinel by errors.Is",
			spec: func(tb testing.TB) { spec.For(tb, account()).When(withdraw{3}).ThenError(errInsufficient) },
		},
		{
			name: "ThenError passes for an equal structured error in the chain",
			spec: func(tb testing.TB) {
				spec.For(tb, account()).Given(deposited{1}).When(withdraw{3}).ThenError(&shortError{Need: 3, Have: 1})
			},
		},
		{
			// errors.Join's chain is walked too, as errors.As walks it.
			name: "ThenError passes for an equal structured error joined with another",
			spec: func(tb testing.TB) {
				joined := decider.Decider[any, int, any]{
					Decide: func(any, int) ([]any, error) {
						return nil, errors.Join(errors.New("first"), &shortError{Need: 3, Have: 1})
					},
					Evolve: func(s int, _ any) int { return s },
				}
				spec.For(tb, joined).When(withdraw{3}).ThenError(&shortError{Need: 3, Have: 1})
			},
		},
		{
			name: "ThenError fails for a structured error with other fields",
			spec: func(tb testing.TB) {
				spec.For(tb, account()).Given(deposited{1}).When(withdraw{3}).ThenError(&shortError{Need: 3, Have: 2})
			},
			wantFail: true,
			wantLog:  []string{"errors differ", `-   "Have": 2`, `+   "Have": 1`},
		},
		{
			name:     "ThenError fails when no error happens",
			spec:     func(tb testing.TB) { spec.For(tb, account()).When(deposit{3}).ThenError(decider.ErrInvalid) },
			wantFail: true,
			wantLog:  []string{"got no error", "spec_test.deposited"},
		},
		{
			name:     "ThenError fails for another error",
			spec:     func(tb testing.TB) { spec.For(tb, account()).When(withdraw{3}).ThenError(decider.ErrNotFound) },
			wantFail: true,
			wantLog:  []string{"want error not found", "- *errors.errorString: not found", "+ *fmt.wrapError: account: need 3, have 0"},
		},
		{
			name:     "ThenError fails for a nil target",
			spec:     func(tb testing.TB) { spec.For(tb, account()).When(withdraw{3}).ThenError(nil) },
			wantFail: true,
		},
		{
			name: "ThenInvalid passes for the named field",
			spec: func(tb testing.TB) { spec.For(tb, account()).When(deposit{0}).ThenInvalid("amount") },
		},
		{
			name:     "ThenInvalid fails for another field",
			spec:     func(tb testing.TB) { spec.For(tb, account()).When(deposit{0}).ThenInvalid("total") },
			wantFail: true,
			wantLog:  []string{"want invalid total", "got invalid amount: must be positive"},
		},
		{
			name:     "ThenInvalid fails for another error",
			spec:     func(tb testing.TB) { spec.For(tb, account()).When(withdraw{1}).ThenInvalid("amount") },
			wantFail: true,
			wantLog:  []string{"got error: account: need 1, have 0"},
		},
		{
			name:     "ThenInvalid fails when no error happens",
			spec:     func(tb testing.TB) { spec.For(tb, account()).When(deposit{1}).ThenInvalid("amount") },
			wantFail: true,
			wantLog:  []string{"got no error"},
		},
		{
			name: "ThenError fails for an error that only has a sentinel's text",
			spec: func(tb testing.TB) {
				d := account()
				d.Decide = func(any, int) ([]any, error) { return nil, fmt.Errorf("%v", errInsufficient) } // %v, not %w
				spec.For(tb, d).When(withdraw{1}).ThenError(errInsufficient)
			},
			wantFail: true,
			wantLog:  []string{"want error insufficient funds"},
		},
		{
			name: "ThenError fails for an error that only quotes a sentinel's text, saying to wrap it",
			spec: func(tb testing.TB) {
				d := account()
				d.Decide = func(any, int) ([]any, error) { return nil, fmt.Errorf("withdraw: %v", errInsufficient) } // %v, not %w
				spec.For(tb, d).When(withdraw{1}).ThenError(errInsufficient)
			},
			wantFail: true,
			wantLog: []string{"want error insufficient funds", "+ *errors.errorString: withdraw: insufficient funds",
				"does not wrap it: make it with fmt.Errorf's %w, not %v"},
		},
		{
			name: "ThenError fails for another instance of an error without exported fields, saying why",
			spec: func(tb testing.TB) {
				d := account()
				d.Decide = func(any, int) ([]any, error) { return nil, fmt.Errorf("withdraw: %w", &opaqueError{code: 1}) }
				spec.For(tb, d).When(withdraw{1}).ThenError(&opaqueError{code: 1})
			},
			wantFail: true,
			wantLog:  []string{"both are *spec_test.opaqueError, which has no exported fields, so it is matched by errors.Is alone"},
		},
		{
			name: "ThenError passes for the same instance of an error without exported fields",
			spec: func(tb testing.TB) {
				d := account()
				d.Decide = func(any, int) ([]any, error) { return nil, fmt.Errorf("withdraw: %w", errOpaque) }
				spec.For(tb, d).When(withdraw{1}).ThenError(errOpaque)
			},
		},
		{
			name: "ThenError fails when Decide returned events along with the error",
			spec: func(tb testing.TB) {
				d := account()
				d.Decide = func(any, int) ([]any, error) { return []any{deposited{1}}, errInsufficient }
				spec.For(tb, d).When(withdraw{1}).ThenError(errInsufficient)
			},
			wantFail: true,
			wantLog:  []string{"Decide returned events along with its error insufficient funds"},
		},
		{
			name: "ThenInvalid fails when Decide returned events along with the error",
			spec: func(tb testing.TB) {
				d := account()
				d.Decide = func(any, int) ([]any, error) {
					return []any{deposited{1}}, &decider.ValidationError{Field: "amount", Reason: "must be positive"}
				}
				spec.For(tb, d).When(withdraw{1}).ThenInvalid("amount")
			},
			wantFail: true,
			wantLog:  []string{"Decide returned events along with its error"},
		},
		{
			name: "fails when folding changes InitialState in place where JSON does not look",
			spec: func(tb testing.TB) {
				// An unexported map, and a map behind a pointer in a field JSON skips: every
				// stream would share what Evolve wrote into them.
				type state struct {
					seen   map[string]bool
					Shared *map[string]bool `json:"-"`
				}
				shared := map[string]bool{}
				d := decider.Decider[string, state, string]{
					Decide: func(c string, _ state) ([]string, error) { return []string{c}, nil },
					Evolve: func(s state, e string) state {
						s.seen[e] = true
						(*s.Shared)[e] = true
						return s
					},
					InitialState: state{seen: map[string]bool{}, Shared: &shared},
				}
				spec.For(tb, d).Given("a").When("b").Then("b")
			},
			wantFail: true,
			wantLog: []string{"InitialState was changed in place", `+ state.seen = map[string]bool len 1`, `+ state.seen["a"] = true`,
				`+ state.Shared.*["a"] = true`},
		},
		{
			name: "fails when Decide changes the state it was given in place",
			spec: func(tb testing.TB) {
				// A handler keeps the folded state for the stream's next command: the hold
				// written by a rejected command would stay in it, though no event made it.
				type state struct {
					Balance int            `json:"balance"`
					Holds   map[string]int `json:"holds"`
				}
				d := decider.Decider[withdraw, state, deposited]{
					Decide: func(c withdraw, s state) ([]deposited, error) {
						s.Holds["pending"] = c.Amount
						if c.Amount > s.Balance {
							return nil, errInsufficient
						}
						return nil, nil
					},
					Evolve: func(s state, e deposited) state {
						holds := map[string]int{"opening": e.Amount}
						return state{Balance: s.Balance + e.Amount, Holds: holds}
					},
				}
				spec.For(tb, d).Given(deposited{5}).When(withdraw{9}).ThenError(errInsufficient)
			},
			wantFail: true,
			wantLog:  []string{"Decide changed the state it was given in place", `+     "pending": 9`},
		},
		{
			name: "passes when Decide changes only its own copy of the state",
			spec: func(tb testing.TB) {
				type state struct{ Balance int }
				d := decider.Decider[withdraw, state, withdrawn]{
					Decide: func(c withdraw, s state) ([]withdrawn, error) {
						s.Balance -= c.Amount // a struct of values is Decide's own copy
						if s.Balance < 0 {
							return nil, errInsufficient
						}
						return []withdrawn{{c.Amount}}, nil
					},
					Evolve:       func(s state, e withdrawn) state { return state{s.Balance - e.Amount} },
					InitialState: state{Balance: 10},
				}
				spec.For(tb, d).When(withdraw{3}).Then(withdrawn{3})
			},
		},
		{
			name: "passes when a state's own JSON lists a map in a different order each time",
			spec: func(tb testing.TB) {
				// Only the walk of the state decides whether Decide changed it.
				d := decider.Decider[string, shuffled, string]{
					Decide: func(c string, _ shuffled) ([]string, error) { return []string{c}, nil },
					Evolve: func(s shuffled, e string) shuffled {
						m := maps.Clone(s.M)
						if m == nil {
							m = map[string]int{}
						}
						m[e] = len(m)
						return shuffled{M: m}
					},
				}
				spec.For(tb, d).Given("a", "b", "c", "d", "e", "f", "g", "h", "i", "j").When("k").Then("k")
			},
		},
		{
			name: "a state JSON cannot encode is walked too",
			spec: func(tb testing.TB) {
				type state struct{ F func() }
				d := decider.Decider[string, state, string]{
					Decide: func(c string, _ state) ([]string, error) { return []string{c}, nil },
					Evolve: func(s state, _ string) state { return s },
				}
				spec.For(tb, d).Given("a").When("b").Then("b")
			},
		},
		{
			name: "Events and Err count as checking the outcome",
			spec: func(tb testing.TB) {
				o := spec.For(tb, account()).When(deposit{1})
				if len(o.Events()) != 1 || o.Err() != nil {
					tb.Errorf("unexpected outcome")
				}
			},
		},
		{
			name: "fails when folding changes InitialState in place",
			spec: func(tb testing.TB) {
				d := decider.Decider[string, map[string]bool, string]{
					Decide: func(c string, seen map[string]bool) ([]string, error) { return []string{c}, nil },
					Evolve: func(seen map[string]bool, e string) map[string]bool {
						seen[e] = true // in place: every stream would see it
						return seen
					},
					InitialState: map[string]bool{},
				}
				spec.For(tb, d).Given("a").When("b").Then("b")
			},
			wantFail: true,
			wantLog:  []string{"InitialState was changed in place", `+   "a": true`},
		},
		{
			name: "fails when InitialState holds a slice with spare capacity",
			spec: func(tb testing.TB) {
				// Each fold appends into InitialState's backing array: after d.Fold(1) and
				// d.Fold(2), the first result reads [2]. InitialState's length and elements
				// never change, so only its capacity tells.
				d := decider.Decider[int, []int, int]{
					Decide:       func(c int, _ []int) ([]int, error) { return []int{c}, nil },
					Evolve:       func(s []int, e int) []int { return append(s, e) },
					InitialState: make([]int, 0, 4),
				}
				spec.For(tb, d).Given(1).When(5).Then(5)
			},
			wantFail: true,
			wantLog:  []string{"InitialState holds a slice with spare capacity", "state: []int len 0 cap 4", "slices.Clip"},
		},
		{
			name: "fails for a slice with spare capacity deep in InitialState, with no events given",
			spec: func(tb testing.TB) {
				type state struct {
					byID map[string]*[][]string
				}
				lists := [][]string{make([]string, 1, 2)}
				d := decider.Decider[string, state, string]{
					Decide:       func(c string, _ state) ([]string, error) { return []string{c}, nil },
					Evolve:       func(s state, _ string) state { return s },
					InitialState: state{byID: map[string]*[][]string{"a": &lists}},
				}
				spec.For(tb, d).When("b").Then("b")
			},
			wantFail: true,
			wantLog:  []string{"spare capacity", `state.byID["a"].*[0]: []string len 1 cap 2`},
		},
		{
			name: "passes for an InitialState whose slices have no spare capacity",
			spec: func(tb testing.TB) {
				type state struct{ Nil, Empty, Full []int }
				d := decider.Decider[int, state, int]{
					Decide: func(c int, _ state) ([]int, error) { return []int{c}, nil },
					Evolve: func(s state, e int) state {
						s.Nil, s.Empty, s.Full = append(s.Nil, e), append(s.Empty, e), append(s.Full, e)
						return s
					},
					InitialState: state{Empty: []int{}, Full: make([]int, 2, 2)},
				}
				spec.For(tb, d).Given(1, 2).When(3).Then(3)
			},
		},
		{
			name: "shows what an Either holds",
			spec: func(tb testing.TB) {
				d := decider.CombineEither(account(), account())
				spec.For(tb, d).When(decider.Left[any, any](deposit{3})).Then(decider.Left[any, any](any(deposited{4})))
			},
			wantFail: true,
			wantLog: []string{
				"decider.Either[interface {},interface {}] {\n    \"left\": {\n      \"Amount\": 3",
				`-     "amount": 4`, `+     "amount": 3`,
			},
		},
		{
			name: "a fatal failure ends the spec",
			spec: func(tb testing.TB) {
				tb.Fatalf("stop")
				spec.For(tb, account()).When(deposit{1}).Then(deposited{1})
			},
			wantFail: true,
			wantLog:  []string{"stop"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { spectest.Expect(t, tt.spec, tt.wantFail, tt.wantLog...) })
	}
}

func TestOutcome_Accessors(t *testing.T) {
	o := spec.For(t, account()).When(withdraw{2})
	if o.Events() != nil || !errors.Is(o.Err(), errInsufficient) {
		t.Errorf("Events, Err = %v, %v; want nil, insufficient funds", o.Events(), o.Err())
	}
}

func TestViewSpec(t *testing.T) {
	balance := decider.View[int, any]{Evolve: account().Evolve}
	tests := []struct {
		name     string
		spec     func(tb testing.TB)
		wantFail bool
		wantLog  []string
	}{
		{"passes when the state matches", func(tb testing.TB) { spec.ForView(tb, balance).Given(deposited{5}, withdrawn{2}).Then(3) }, false, nil},
		{"fails when the state differs", func(tb testing.TB) { spec.ForView(tb, balance).Given(deposited{5}).Then(4) }, true,
			[]string{"given:", "[0] spec_test.deposited", "- int 4", "+ int 5"}},
		{"fails when folding changes InitialState in place", func(tb testing.TB) {
			seen := decider.View[map[string]bool, string]{
				Evolve:       func(s map[string]bool, e string) map[string]bool { s[e] = true; return s },
				InitialState: map[string]bool{},
			}
			spec.ForView(tb, seen).Given("a").Then(map[string]bool{"a": true})
		}, true, []string{"InitialState was changed in place", `+   "a": true`}},
		{"fails when InitialState holds a slice with spare capacity", func(tb testing.TB) {
			seen := decider.View[[]string, string]{
				Evolve:       func(s []string, e string) []string { return append(s, e) },
				InitialState: make([]string, 0, 8),
			}
			spec.ForView(tb, seen).Given("a").Then([]string{"a"})
		}, true, []string{"InitialState holds a slice with spare capacity", "state: []string len 0 cap 8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { spectest.Expect(t, tt.spec, tt.wantFail, tt.wantLog...) })
	}
}

// opaqueError is an error whose fields a spec cannot compare.
type opaqueError struct{ code int }

func (e *opaqueError) Error() string { return fmt.Sprintf("opaque %d", e.code) }

var errOpaque = &opaqueError{code: 2}

func TestViewSpec_SameRendering(t *testing.T) {
	type hidden struct{ n int }
	count := decider.View[hidden, int]{Evolve: func(s hidden, e int) hidden { return hidden{s.n + e} }}
	failed, log := spectest.Record(t, func(tb testing.TB) { spec.ForView(tb, count).Given(1, 2).Then(hidden{2}) })
	// It names the field they differ in (found by review: it said only that they render the
	// same, leaving the reader to guess where).
	if !failed || !strings.Contains(log, "render the same") || !strings.Contains(log, "at state.n: want 2, got 3") {
		t.Errorf("failed = %v, log:\n%s\nwant a failure that explains the values render the same, and names state.n", failed, log)
	}
}

func TestSagaSpec(t *testing.T) {
	refund := decider.Saga[any, any]{React: func(e any) []any {
		if w, ok := e.(withdrawn); ok && w.Amount > 100 {
			return []any{deposit{w.Amount - 100}}
		}
		return nil
	}}
	tests := []struct {
		name     string
		spec     func(tb testing.TB)
		wantFail bool
		wantLog  []string
	}{
		{"passes when the commands match", func(tb testing.TB) { spec.ForSaga(tb, refund).When(withdrawn{150}).Then(deposit{50}) }, false, nil},
		{"passes when no command is expected and none issued", func(tb testing.TB) { spec.ForSaga(tb, refund).When(withdrawn{50}).Then() }, false, nil},
		{"passes when no command is expected and an empty list issued", func(tb testing.TB) {
			spec.ForSaga(tb, decider.Saga[any, any]{React: func(any) []any { return []any{} }}).When(withdrawn{50}).Then()
		}, false, nil},
		{"fails when the commands differ", func(tb testing.TB) { spec.ForSaga(tb, refund).When(withdrawn{150}).Then(deposit{40}) }, true,
			[]string{"when:", "spec_test.withdrawn", "  [0] spec_test.deposit", `-   "Amount": 40`, `+   "Amount": 50`}},
		{"fails when an unexpected command is issued", func(tb testing.TB) { spec.ForSaga(tb, refund).When(withdrawn{150}).Then() }, true,
			[]string{"- (none)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { spectest.Expect(t, tt.spec, tt.wantFail, tt.wantLog...) })
	}
}

// TestIn: a base spec carried on in subtests reports, through In, to the subtest that holds
// the expectation, not to the test it was made for (found by review: a wrong Then in a
// subtest failed the parent, and the subtest passed).
func TestIn(t *testing.T) {
	balance := decider.View[int, any]{Evolve: account().Evolve}
	for name, check := range map[string]func(parent, sub testing.TB){
		"decider": func(parent, sub testing.TB) {
			base := spec.For(parent, account()).Given(deposited{5})
			base.In(sub).When(withdraw{3}).Then(withdrawn{4}) // wrong: 3 was withdrawn
		},
		"view": func(parent, sub testing.TB) {
			base := spec.ForView(parent, balance).Given(deposited{5})
			base.In(sub).Given(withdrawn{2}).Then(4) // wrong: 3 is left
		},
		"saga": func(parent, sub testing.TB) {
			base := spec.ForSaga(parent, decider.Saga[any, any]{React: func(e any) []any { return []any{e} }})
			base.In(sub).When(deposited{5}).Then(deposited{6}) // wrong: it passes the event on
		},
	} {
		t.Run(name, func(t *testing.T) {
			parent := &spectest.Recorder{TB: t}
			subFailed, _ := spectest.Record(t, func(sub testing.TB) { check(parent, sub) })
			if !subFailed || parent.Failed() {
				t.Errorf("the subtest failed: %v, the parent: %v (%s); want the subtest alone to fail", subFailed, parent.Failed(), parent.Failures())
			}
		})
	}
}

// TestGiven_sharesNothing: specs carried on from one base fold the base's events and their
// own, never each other's, and a slice given by the caller and changed afterwards does not
// change the history.
func TestGiven_sharesNothing(t *testing.T) {
	events := []any{deposited{10}}
	base := spec.For(t, account()).Given(events...)
	view := spec.ForView(t, decider.View[int, any]{Evolve: account().Evolve}).Given(events...)
	events[0] = deposited{1000}

	left := base.Given(withdrawn{3})
	right := base.Given(deposited{5}, deposited{1})
	left.When(withdraw{7}).Then(withdrawn{7})
	left.When(withdraw{8}).ThenError(errInsufficient)
	right.When(withdraw{16}).Then(withdrawn{16})
	right.When(withdraw{17}).ThenError(errInsufficient)
	base.When(withdraw{10}).Then(withdrawn{10})
	base.When(withdraw{11}).ThenError(errInsufficient)

	view.Given(withdrawn{3}).Then(7)
	view.Given(deposited{5}).Then(15)
	view.Then(10)
}

// BenchmarkGiven_loop gives a decider spec its events one at a time, as a loop building a
// long history does: the cost per event stays flat as b.N grows.
func BenchmarkGiven_loop(b *testing.B) {
	s := spec.For(b, account())
	for range b.N {
		s = s.Given(deposited{1})
	}
	s.When(withdraw{b.N}).Then(withdrawn{b.N})
}

// TestGiven_branchesShareNothing: specs carried on from one base, as subtests carry it, each
// hold their own history, however the base's was built. Given one at a time, the base's
// history has spare capacity, which two specs appending to it in place would share: the
// second's event would overwrite the first's.
func TestGiven_branchesShareNothing(t *testing.T) {
	balance := decider.View[int, any]{Evolve: account().Evolve}
	t.Run("decider", func(t *testing.T) {
		base := spec.For(t, account()).Given(deposited{5}).Given(deposited{1}).Given(deposited{1})
		more := base.Given(deposited{3})
		less := base.Given(withdrawn{3})
		more.When(withdraw{10}).Then(withdrawn{10})                                         // 10 left
		less.When(withdraw{5}).ThenError(&shortError{Need: 5, Have: 4})                     // 4 left
		base.When(withdraw{8}).ThenError(&shortError{Need: 8, Have: 7})                     // 7 left
		base.Given(withdrawn{1}).When(withdraw{7}).ThenError(&shortError{Need: 7, Have: 6}) // 6 left
	})
	t.Run("view", func(t *testing.T) {
		base := spec.ForView(t, balance).Given(deposited{5}).Given(deposited{1}).Given(deposited{1})
		more := base.Given(deposited{3})
		less := base.Given(withdrawn{3})
		more.Then(10)
		less.Then(4)
		base.Then(7)
	})
}
