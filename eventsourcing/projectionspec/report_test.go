package projectionspec_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/eventsourcing/projectionspec"
	"github.com/eventgraph/eventgraph/internal/spectest"
	"github.com/eventgraph/eventgraph/store"
)

// limitError is an error type with a value receiver, which an Apply may return as a value or
// as a pointer.
type limitError struct{ Limit int }

func (e limitError) Error() string { return fmt.Sprintf("over the limit of %d", e.Limit) }

// limited is a projection whose every Apply fails with err.
type limited struct{ err error }

func (l *limited) Name() string            { return "limited" }
func (l *limited) Apply(store.Event) error { return l.err }

// TestProjectionSpec_report: what a failing projection spec says, found by review of specs
// broken as a user would: it names where the read differs when its rendering does not show
// it, says that ThenError(nil) matches nothing, and tells a pointer from a value.
func TestProjectionSpec_report(t *testing.T) {
	// The first event's time, in a location that renders as UTC's does but is another.
	first := time.Date(2000, time.January, 1, 0, 0, 1, 0, time.FixedZone("UTC", 0))
	times := func(b *balances) map[string]time.Time {
		out := map[string]time.Time{}
		for _, e := range b.seen {
			out[e.StreamID] = e.Time
		}
		return out
	}
	tests := []struct {
		name    string
		spec    func(tb testing.TB)
		wantLog []string
	}{
		{
			// Before, it said only that the values render the same.
			name: "names a time in another location",
			spec: func(tb testing.TB) {
				projectionspec.For(tb, newBalances, accountCodec(), times).Given("a", deposited{1}).Then(map[string]time.Time{"a": first})
			},
			wantLog: []string{`at read["a"]: the same instant 2000-01-01T00:00:01Z in two *time.Location values both named UTC`, "render the same"},
		},
		{
			// A query of the whole read model compares its unexported fields too.
			name: "names an unexported field",
			spec: func(tb testing.TB) {
				whole := func(b *balances) *balances { b.seen = nil; return b }
				want := &balances{byID: map[string]int{"a": 2}, tenant: map[string]string{}}
				projectionspec.For(tb, newBalances, accountCodec(), whole).Given("a", deposited{1}).Then(want)
			},
			wantLog: []string{"at read.codec: want nil, got &eventsourcing.JSONCodec", `at read.byID["a"]: want 2, got 1`},
		},
		{
			name: "says that ThenError(nil) matches nothing",
			spec: func(tb testing.TB) {
				projectionspec.For(tb, newBalances, accountCodec(), (*balances).all).Given("a", deposited{1}).ThenError(nil)
			},
			wantLog: []string{"ThenError(nil) matches no error: call Then"},
		},
		{
			name: "tells a wanted pointer from the value an Apply returned",
			spec: func(tb testing.TB) {
				newP := func() *limited { return &limited{err: fmt.Errorf("apply: %w", limitError{3})} }
				projectionspec.For(tb, newP, accountCodec(), func(*limited) int { return 0 }).Given("a", deposited{1}).ThenError(&limitError{3})
			},
			wantLog: []string{"the error's chain holds a projectionspec_test.limitError, a value, and the wanted error is a *projectionspec_test.limitError, a pointer"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { spectest.Expect(t, tt.spec, true, tt.wantLog...) })
	}
}

// TestProjectionSpec_GivenOtherForm: an event given as a pointer to a type the codec has as
// a value (or the other way round) stops the test saying which form the codec encodes.
func TestProjectionSpec_GivenOtherForm(t *testing.T) {
	spectest.Expect(t, func(tb testing.TB) {
		projectionspec.For(tb, newBalances, accountCodec(), (*balances).all).Given("a", &deposited{1})
	}, true, "the codec cannot encode it", "the codec encodes projectionspec_test.deposited: give the value, not a pointer")
	pointers := eventsourcing.NewJSONCodec(eventsourcing.JSONEvent[*deposited, any]("Deposited"))
	spectest.Expect(t, func(tb testing.TB) {
		projectionspec.For(tb, newBalances, pointers, (*balances).all).Given("a", deposited{1})
	}, true, "the codec encodes *projectionspec_test.deposited: give a pointer")
}

// TestProjectionSpec_InForgotten: a base spec carried on in a subtest without In says, in
// the failure it reports to the test it was made for, that it failed in another goroutine.
func TestProjectionSpec_InForgotten(t *testing.T) {
	parent := &spectest.Recorder{TB: t}
	base := projectionspec.For(parent, newBalances, accountCodec(), (*balances).all).Given("a", deposited{1})
	spectest.Record(t, func(testing.TB) { base.Then(map[string]int{"a": 2}) })
	if want := "reported to " + t.Name() + ", the test this spec was made for, from another goroutine"; !strings.Contains(parent.Failures(), want) {
		t.Errorf("the parent's failures:\n%s\nwant them to say %q", parent.Failures(), want)
	}
}
