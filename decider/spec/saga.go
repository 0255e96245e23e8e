package spec

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/eventgraph/eventgraph/decider"

	"github.com/eventgraph/eventgraph/internal/specfmt"
)

// SagaSpec is a saga waiting for an event.
type SagaSpec[E, C any] struct {
	tb  testing.TB
	gid uint64 // the goroutine tb was given in (see specfmt.Elsewhere)
	s   decider.Saga[E, C]
}

// ForSaga starts a saga spec.
func ForSaga[E, C any](tb testing.TB, s decider.Saga[E, C]) *SagaSpec[E, C] {
	tb.Helper()
	return &SagaSpec[E, C]{tb: tb, gid: specfmt.Goroutine(), s: s}
}

// In returns the spec reporting to tb, as DeciderSpec.In does: a base spec made for a test
// and carried on in its subtests reports each subtest's failures to the subtest.
func (g *SagaSpec[E, C]) In(tb testing.TB) *SagaSpec[E, C] {
	tb.Helper()
	return &SagaSpec[E, C]{tb: tb, gid: specfmt.Goroutine(), s: g.s}
}

// When lets the saga react to e. The test fails if the reaction is never checked (by Then
// or Commands). It stops the test when the saga has no React.
func (g *SagaSpec[E, C]) When(e E) *Reaction[E, C] {
	g.tb.Helper()
	if g.s.React == nil {
		g.tb.Fatalf("spec: the saga has no React") // rather than panic, which ends every test of the package
	}
	r := &Reaction[E, C]{tb: g.tb, gid: g.gid, event: e, commands: g.s.React(e)}
	r.checked = newStep(g.tb, specfmt.Caller(), "the reaction to the When", "call Then", r.context)
	return r
}

// Reaction is what a saga issued, waiting to be checked.
type Reaction[E, C any] struct {
	tb       testing.TB
	gid      uint64 // the goroutine tb was given in (see specfmt.Elsewhere)
	event    E
	commands []C
	checked  *step // by Then or Commands
}

// Commands returns the commands the saga issued, for checks Then doesn't cover.
func (r *Reaction[E, C]) Commands() []C { r.checked.do(); return r.commands }

// Then checks that the saga issued exactly the given commands (an empty and a nil list
// are equal; call Then() to check that it issued none).
func (r *Reaction[E, C]) Then(want ...C) {
	r.tb.Helper()
	r.checked.do()
	if len(want) == 0 && len(r.commands) == 0 {
		return
	}
	if !reflect.DeepEqual(want, r.commands) {
		r.tb.Errorf("%s\nthen: commands differ (- want, + got):\n%s",
			r.context(), specfmt.Indent(specfmt.DiffList("commands", want, r.commands)))
	}
}

// context describes the event.
func (r *Reaction[E, C]) context() string {
	return specfmt.Elsewhere(r.tb, r.gid) + fmt.Sprintf("when:\n%s", specfmt.Indent(specfmt.Render(r.event)))
}
