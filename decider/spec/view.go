package spec

import (
	"reflect"
	"testing"

	"github.com/eventgraph/eventgraph/decider"
)

// ViewSpec is a view with its given events, waiting for the expected state.
type ViewSpec[S, E any] struct {
	tb    testing.TB
	v     decider.View[S, E]
	given []E
}

// ForView starts a view spec for v, with no events given yet.
func ForView[S, E any](tb testing.TB, v decider.View[S, E]) *ViewSpec[S, E] {
	tb.Helper()
	return &ViewSpec[S, E]{tb: tb, v: v}
}

// Given returns the spec with events added to those the view folds.
func (g *ViewSpec[S, E]) Given(events ...E) *ViewSpec[S, E] {
	g.tb.Helper()
	given := append(g.given[:len(g.given):len(g.given)], events...)
	return &ViewSpec[S, E]{tb: g.tb, v: g.v, given: given}
}

// Then checks that the view folds the given events into want (by reflect.DeepEqual), and
// that folding left the view's InitialState as it was.
func (g *ViewSpec[S, E]) Then(want S) {
	g.tb.Helper()
	initial := takeSnapshot(g.v.InitialState)
	got := g.v.Fold(g.given...)
	if diff := initial.changedTo(takeSnapshot(g.v.InitialState)); diff != "" {
		g.tb.Errorf("given:\n%s\nInitialState was changed in place (- before, + after); every fold starts from it, so Evolve must build a new state from it (maps and slices made as first needed):\n%s",
			indent(renderList(g.given)), indent(diff))
	}
	if !reflect.DeepEqual(want, got) {
		g.tb.Errorf("given:\n%s\nthen: states differ (- want, + got):\n%s", indent(renderList(g.given)), indent(diffValues(render(want), render(got))))
	}
}
