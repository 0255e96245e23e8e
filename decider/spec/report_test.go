package spec_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/decider/spec"
	"github.com/eventgraph/eventgraph/internal/spectest"
)

// A parking garage's entries, to check what a failing spec reports about values with times,
// nested fields and many entries.
type (
	spot    struct{ Level, Row int }
	entered struct {
		Plate string
		At    time.Time
		Spot  spot
	}
	// fullError is an error type with a value receiver: Decide may return it as a value or
	// as a pointer, and a spec may want either.
	fullError struct{ Capacity int }
	// fieldsError holds a slice: not comparable, so errors.Is never finds it.
	fieldsError struct{ Fields []string }
)

func (e fullError) Error() string   { return fmt.Sprintf("full at %d", e.Capacity) }
func (e fieldsError) Error() string { return "invalid " + strings.Join(e.Fields, ", ") }

// entering decides a car's entry into the spot its number says, at the time the command
// carries.
func entering() decider.Decider[entered, int, entered] {
	return decider.Decider[entered, int, entered]{
		Decide: func(c entered, _ int) ([]entered, error) { return []entered{c}, nil },
		Evolve: func(n int, _ entered) int { return n + 1 },
	}
}

// failing is a decider that rejects every command with err.
func failing(err error) decider.Decider[int, int, int] {
	return decider.Decider[int, int, int]{
		Decide: func(int, int) ([]int, error) { return nil, err },
		Evolve: func(s, _ int) int { return s },
	}
}

// parked folds entries into the spot of each plate.
func parked() decider.View[map[string]entered, entered] {
	return decider.View[map[string]entered, entered]{Evolve: func(s map[string]entered, e entered) map[string]entered {
		next := make(map[string]entered, len(s)+1)
		for k, v := range s {
			next[k] = v
		}
		next[e.Plate] = e
		return next
	}}
}

// TestReport: what a failing spec says, found by review of specs written for a domain and
// broken as a user would: each names where the values differ when the line diff alone would
// not show it, keeps a large value's diff short, and tells a pointer from a value.
func TestReport(t *testing.T) {
	at := time.Date(2026, 1, 2, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		spec    func(tb testing.TB)
		wantLog []string
	}{
		{
			// Before, it said only that the values render the same.
			name: "names a time in another location that renders the same",
			spec: func(tb testing.TB) {
				spec.For(tb, entering()).When(entered{Plate: "A", At: at}).Then(entered{Plate: "A", At: at.In(time.FixedZone("UTC", 0))})
			},
			wantLog: []string{"at events[0].At: the same instant 2026-01-02T08:00:00Z in two *time.Location values both named UTC"},
		},
		{
			name: "names a time in another location",
			spec: func(tb testing.TB) {
				spec.For(tb, entering()).When(entered{Plate: "A", At: at}).Then(entered{Plate: "A", At: at.In(time.FixedZone("CET", 3600))})
			},
			wantLog: []string{"at events[0].At: the same instant 2026-01-02T08:00:00Z in other locations: want CET, got UTC"},
		},
		{
			name: "names a time with a monotonic clock reading",
			spec: func(tb testing.TB) {
				now := time.Now()
				spec.For(tb, entering()).When(entered{Plate: "A", At: now.Round(0)}).Then(entered{Plate: "A", At: now})
			},
			wantLog: []string{"at events[0].At: the same instant", "monotonic clock reading", "Round(0)"},
		},
		{
			// Before, a state of 30 entries that differed in one field printed all 30, 370
			// lines, with nothing to say where the one change was.
			name: "cuts a large state's diff short, naming the place",
			spec: func(tb testing.TB) {
				var given []entered
				want := map[string]entered{}
				for i := range 30 {
					e := entered{Plate: fmt.Sprintf("P%02d", i), At: at}
					given = append(given, e)
					want[e.Plate] = e
				}
				want["P17"] = entered{Plate: "P17", At: at, Spot: spot{Row: 2}}
				spec.ForView(tb, parked()).Given(given...).Then(want)
			},
			wantLog: []string{`at state["P17"].Spot.Row: want 2, got 0`, "lines the same)", `  "P17": {`, `-       "Row": 2`, `+       "Row": 0`},
		},
		{
			name: "shows the ends of a long history",
			spec: func(tb testing.TB) {
				s := spec.For(tb, entering())
				for i := range 50 {
					s = s.Given(entered{Plate: fmt.Sprintf("P%02d", i)})
				}
				s.When(entered{Plate: "X"}).Then(entered{Plate: "Y"})
			},
			wantLog: []string{`[9] spec_test.entered`, "... [10] to [39]: 30 events not shown", `[40] spec_test.entered`, `"Plate": "P49"`},
		},
		{
			// A map keyed by a struct has no JSON form: the value is rendered on one line.
			// Before, the report was that line twice.
			name: "names the place in a value without a JSON form",
			spec: func(tb testing.TB) {
				bySpot := decider.View[map[spot]string, entered]{Evolve: func(s map[spot]string, e entered) map[spot]string {
					next := map[spot]string{e.Spot: e.Plate}
					for k, v := range s {
						next[k] = v
					}
					return next
				}}
				spec.ForView(tb, bySpot).Given(entered{Plate: "AB-1", Spot: spot{1, 2}}, entered{Plate: "CD-2", Spot: spot{1, 3}}).
					Then(map[spot]string{{1, 2}: "AB-1", {1, 3}: "CD-3"})
			},
			wantLog: []string{`at state[{Level:1 Row:3}]: want "CD-3", got "CD-2"`},
		},
		{
			// Before, each event after the missing one differed from the one before it, in
			// the diff and the places both.
			name: "shows an event missing from a long list as that",
			spec: func(tb testing.TB) {
				var want []entered
				for i := range 30 {
					if i != 12 {
						want = append(want, entered{Plate: fmt.Sprintf("P%02d", i)})
					}
				}
				var got []entered
				d := decider.Decider[int, int, entered]{
					Decide: func(int, int) ([]entered, error) { return got, nil },
					Evolve: func(s int, _ entered) int { return s },
				}
				for i := range 30 {
					got = append(got, entered{Plate: fmt.Sprintf("P%02d", i)})
				}
				spec.For(tb, d).When(1).Then(want...)
			},
			wantLog: []string{
				// One place, then the diff.
				"at events[12]: want none, got spec_test.entered{Plate:\"P12\" At:0001-01-01T00:00:00Z Spot:{Level:0 Row:0}}\n    ... (93 lines the same)",
				"+ [12] spec_test.entered {", "+   \"Plate\": \"P12\",", "  [13] spec_test.entered {\n      \"Plate\": \"P13\"",
			},
		},
		{
			name: "shows events in the wrong order as moved",
			spec: func(tb testing.TB) {
				d := decider.Decider[int, int, any]{
					Decide: func(int, int) ([]any, error) { return []any{deposited{1}, withdrawn{2}}, nil },
					Evolve: func(s int, _ any) int { return s },
				}
				spec.For(tb, d).When(1).Then(withdrawn{2}, deposited{1})
			},
			wantLog: []string{"- [0] spec_test.withdrawn {", "  [0] spec_test.deposited {", "+ [1] spec_test.withdrawn {"},
		},
		{
			name: "names an event given as a pointer against the value",
			spec: func(tb testing.TB) {
				spec.For(tb, account()).When(deposit{1}).Then(&deposited{1})
			},
			wantLog: []string{"at events[0]: want &spec_test.deposited{...}, got spec_test.deposited{...} (a pointer against a value)"},
		},
		{
			// Before, it wanted "error <nil>" and diffed <nil> against the error.
			name: "says that ThenError(nil) matches nothing",
			spec: func(tb testing.TB) {
				spec.For(tb, failing(errors.New("no"))).When(1).ThenError(nil)
			},
			wantLog: []string{"ThenError(nil) matches no error: call Then"},
		},
		{
			// Before, "errors differ" between two texts that read the same.
			name: "tells a wanted pointer from the value in the chain",
			spec: func(tb testing.TB) {
				spec.For(tb, failing(fmt.Errorf("enter: %w", fullError{2}))).When(1).ThenError(&fullError{2})
			},
			wantLog: []string{"the error's chain holds a spec_test.fullError, a value, and the wanted error is a *spec_test.fullError, a pointer", "want the value"},
		},
		{
			// Before, it also said the error did not wrap the wanted one, made with %v: it did,
			// with %w.
			name: "tells a wanted value from the pointer in the chain",
			spec: func(tb testing.TB) {
				spec.For(tb, failing(fmt.Errorf("enter: %w", &fullError{2}))).When(1).ThenError(fullError{2})
			},
			wantLog: []string{"the error's chain holds a *spec_test.fullError, a pointer, and the wanted error is a spec_test.fullError, a value", "want a pointer"},
		},
		{
			// Before, it diffed the wanted error's text against the wrapping error's.
			name: "diffs the fields of a structured error held as a value",
			spec: func(tb testing.TB) {
				spec.For(tb, failing(fmt.Errorf("enter: %w", fullError{2}))).When(1).ThenError(fullError{3})
			},
			wantLog: []string{"- spec_test.fullError: full at 3", "+ spec_test.fullError: full at 2", `-   "Capacity": 3`, `+   "Capacity": 2`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { spectest.Expect(t, tt.spec, true, tt.wantLog...) })
	}
}

// TestReport_largeStateIsShort: a large state that differs in one field makes a report of a
// few dozen lines, not of the whole state.
func TestReport_largeStateIsShort(t *testing.T) {
	_, log := spectest.Record(t, func(tb testing.TB) {
		want := map[string]entered{}
		var given []entered
		for i := range 100 {
			e := entered{Plate: fmt.Sprintf("P%02d", i)}
			given = append(given, e)
			want[e.Plate] = e
		}
		want["P50"] = entered{Plate: "P50", Spot: spot{Level: 1}}
		spec.ForView(tb, parked()).Given(given...).Then(want)
	})
	if n := strings.Count(log, "\n"); n > 300 {
		t.Errorf("the report has %d lines; want at most 300 (the given ends and the diff near the change):\n%s", n, log)
	}
}

// TestOutcome_ThenError_valueErrors: a structured error held as a value matches by its
// fields, as one held by a pointer does; before, one that is not comparable (it holds a
// slice) matched nothing, errors.Is being its only test.
func TestOutcome_ThenError_valueErrors(t *testing.T) {
	spec.For(t, failing(fmt.Errorf("open: %w", fieldsError{Fields: []string{"capacity"}}))).When(1).ThenError(fieldsError{Fields: []string{"capacity"}})
	spec.For(t, failing(fmt.Errorf("enter: %w", fullError{2}))).When(1).ThenError(fullError{2})
	spectest.Expect(t, func(tb testing.TB) {
		spec.For(tb, failing(fieldsError{Fields: []string{"capacity"}})).When(1).ThenError(fieldsError{Fields: []string{"level"}})
	}, true, `-     "level"`, `+     "capacity"`)
}

// TestSpecs_missingFunctions: a decider, view or saga without the function a spec calls
// stops the test saying so; before, the nil function's panic ended every test of the
// package.
func TestSpecs_missingFunctions(t *testing.T) {
	d := account()
	d.Evolve = nil
	for name, tt := range map[string]struct {
		spec func(tb testing.TB)
		want string
	}{
		"Decide":          {func(tb testing.TB) { spec.For(tb, decider.Decider[int, int, int]{}).When(1).Then(1) }, "spec: the decider has no Decide"},
		"Evolve":          {func(tb testing.TB) { spec.For(tb, d).Given(deposited{1}).When(withdraw{1}).Then(withdrawn{1}) }, "spec: the decider has no Evolve"},
		"a view's Evolve": {func(tb testing.TB) { spec.ForView(tb, decider.View[int, int]{}).Given(1).Then(1) }, "spec: the view has no Evolve"},
		"React":           {func(tb testing.TB) { spec.ForSaga(tb, decider.Saga[int, int]{}).When(1).Then() }, "spec: the saga has no React"},
	} {
		t.Run(name, func(t *testing.T) { spectest.Expect(t, tt.spec, true, tt.want) })
	}
	// Without events to fold, Evolve is not needed.
	spec.For(t, d).When(deposit{1}).Then(deposited{1})
}

// TestIn_forgotten: a base spec carried on in a subtest without In reports to the test it
// was made for, which fails while the subtest passes; its failure says so. Found by review:
// the report named the subtest's line under the parent test, with no word of why.
func TestIn_forgotten(t *testing.T) {
	for name, check := range map[string]func(parent testing.TB) func(sub testing.TB){
		"decider": func(parent testing.TB) func(testing.TB) {
			base := spec.For(parent, account()).Given(deposited{5})
			return func(testing.TB) { base.When(withdraw{3}).Then(withdrawn{4}) }
		},
		"view": func(parent testing.TB) func(testing.TB) {
			base := spec.ForView(parent, decider.View[int, any]{Evolve: account().Evolve})
			return func(testing.TB) { base.Given(deposited{5}).Then(4) }
		},
		"saga": func(parent testing.TB) func(testing.TB) {
			base := spec.ForSaga(parent, decider.Saga[any, any]{React: func(e any) []any { return []any{e} }})
			return func(testing.TB) { base.When(deposited{5}).Then(deposited{6}) }
		},
	} {
		t.Run(name, func(t *testing.T) {
			parent := &spectest.Recorder{TB: t}
			sub := check(parent)
			spectest.Record(t, sub) // in a goroutine of its own, as a subtest runs
			want := "reported to " + t.Name() + ", the test this spec was made for, from another goroutine, as a subtest's"
			if !strings.Contains(parent.Failures(), want) {
				t.Errorf("the parent's failures:\n%s\nwant them to say %q", parent.Failures(), want)
			}
			// In its own goroutine, a failure does not say so.
			parent = &spectest.Recorder{TB: t}
			check(parent)(parent)
			if !parent.Failed() || strings.Contains(parent.Failures(), "another goroutine") {
				t.Errorf("failed = %v, failures:\n%s\nwant a failure without a word of goroutines", parent.Failed(), parent.Failures())
			}
		})
	}
}
