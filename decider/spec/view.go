package spec

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/eventgraph/eventgraph/decider"

	"github.com/eventgraph/eventgraph/internal/specfmt"
)

// ViewSpec is a view with its given events, waiting for the expected state.
type ViewSpec[S, E any] struct {
	tb    testing.TB
	gid   uint64 // the goroutine tb was given in (see specfmt.Elsewhere)
	v     decider.View[S, E]
	given *specfmt.Log[E] // shared with the specs it was carried on from: see specfmt.Log
}

// ForView starts a view spec for v, with no events given yet.
func ForView[S, E any](tb testing.TB, v decider.View[S, E]) *ViewSpec[S, E] {
	tb.Helper()
	return &ViewSpec[S, E]{tb: tb, gid: specfmt.Goroutine(), v: v}
}

// In returns the spec reporting to tb, for a base spec carried on in subtests (see
// DeciderSpec.In).
func (g *ViewSpec[S, E]) In(tb testing.TB) *ViewSpec[S, E] {
	tb.Helper()
	return &ViewSpec[S, E]{tb: tb, gid: specfmt.Goroutine(), v: g.v, given: g.given}
}

// Given returns the spec with events added to those the view folds.
func (g *ViewSpec[S, E]) Given(events ...E) *ViewSpec[S, E] {
	g.tb.Helper()
	return &ViewSpec[S, E]{tb: g.tb, gid: g.gid, v: g.v, given: g.given.Add(slices.Clone(events))}
}

// Then checks that the view folds the given events into want (by reflect.DeepEqual), and
// that the view's InitialState, which every fold starts from, does not let folds share
// memory: that folding left it as it was, and that it holds no slice with spare capacity.
// It stops the test when the view has no Evolve and events are given.
func (g *ViewSpec[S, E]) Then(want S) {
	g.tb.Helper()
	given := g.given.All()
	if g.v.Evolve == nil && len(given) > 0 {
		g.tb.Fatalf("spec: the view has no Evolve to fold the given events with") // rather than panic
	}
	initial := takeSnapshot(g.v.InitialState)
	got := g.v.Fold(given...)
	if msg := inPlace(initial, takeSnapshot(g.v.InitialState)); msg != "" {
		g.tb.Errorf("%s%s\n%s", specfmt.Elsewhere(g.tb, g.gid), givenContext(given), msg)
	}
	if !reflect.DeepEqual(want, got) {
		g.tb.Errorf("%s%s\nthen: states differ (- want, + got):\n%s", specfmt.Elsewhere(g.tb, g.gid), givenContext(given), specfmt.Indent(specfmt.DiffReport("state", want, got, specfmt.Render(want), specfmt.Render(got))))
	}
}

// givenContext describes the given events.
func givenContext[E any](given []E) string {
	return fmt.Sprintf("given:\n%s", specfmt.Indent(specfmt.RenderHistory(given)))
}
