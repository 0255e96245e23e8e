package spec

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/eventgraph/eventgraph/decider"

	"github.com/eventgraph/eventgraph/internal/specfmt"
)

// DeciderSpec is a decider with its given history, waiting for a command.
type DeciderSpec[C, S, E any] struct {
	tb    testing.TB
	gid   uint64 // the goroutine tb was given in (see specfmt.Elsewhere)
	d     decider.Decider[C, S, E]
	given *specfmt.Log[E] // shared with the specs it was carried on from: see specfmt.Log
}

// For starts a decider spec for d, with no events given yet.
func For[C, S, E any](tb testing.TB, d decider.Decider[C, S, E]) *DeciderSpec[C, S, E] {
	tb.Helper()
	return &DeciderSpec[C, S, E]{tb: tb, gid: specfmt.Goroutine(), d: d}
}

// In returns the spec reporting to tb: a base spec made for a test and carried on in its
// subtests reports each subtest's failures to the subtest with
// base.In(t).When(c).Then(...); without In they go to the test For was given, and say
// that they come from another goroutine, as a subtest's.
func (g *DeciderSpec[C, S, E]) In(tb testing.TB) *DeciderSpec[C, S, E] {
	tb.Helper()
	return &DeciderSpec[C, S, E]{tb: tb, gid: specfmt.Goroutine(), d: g.d, given: g.given}
}

// Given returns the spec with events added to the stream's history. (It is a method
// rather than an argument of For so that events of concrete types convert to E.) A spec
// stopped short of a When checks nothing, but it does not fail: a base spec of a test may be
// carried on only in subtests (see In), which -run may filter out.
func (g *DeciderSpec[C, S, E]) Given(events ...E) *DeciderSpec[C, S, E] {
	g.tb.Helper()
	return &DeciderSpec[C, S, E]{tb: g.tb, gid: g.gid, d: g.d, given: g.given.Add(slices.Clone(events))}
}

// When decides c over the fold of the given events. The test fails if the outcome is never
// looked at (by a Then method, Events or Err); if the decider's InitialState, which every
// stream's fold starts from, lets folds share memory: if folding or deciding changed it in
// place, or if it holds a slice with spare capacity; and if Decide changed in place the
// state it was given. It stops the test when the decider has no Decide, or no Evolve and
// events are given.
func (g *DeciderSpec[C, S, E]) When(c C) *Outcome[C, S, E] {
	g.tb.Helper()
	at := specfmt.Caller()
	given := g.given.All()
	// A nil function would panic, which ends every test of the package.
	switch {
	case g.d.Decide == nil:
		g.tb.Fatalf("spec: the decider has no Decide")
	case g.d.Evolve == nil && len(given) > 0:
		g.tb.Fatalf("spec: the decider has no Evolve to fold the given events with")
	}
	initial := takeSnapshot(g.d.InitialState)
	state := g.d.Fold(given...)
	folded := takeSnapshot(state)
	events, err := g.d.Decide(c, state)
	o := &Outcome[C, S, E]{spec: g, given: given, command: c, events: events, err: err}
	if msg := inPlace(initial, takeSnapshot(g.d.InitialState)); msg != "" {
		g.tb.Errorf("%s\n%s", o.context(), msg)
	}
	if diff := folded.changedTo(takeSnapshot(state)); diff != "" {
		// A handler keeps the state it folded for the stream's next command: a change made
		// there by a Decide whose command is then rejected, or whose events say something
		// else, would make the next command decided over a state no event made.
		g.tb.Errorf("%s\nDecide changed the state it was given in place (- before, + after); a command handler keeps that state for "+
			"the stream's next command, so Decide must only read it and put what changes in its events:\n%s", o.context(), specfmt.Indent(diff))
	}
	o.checked = newStep(g.tb, at, "the outcome of the When", "call Then, ThenError or ThenInvalid", o.context)
	return o
}

// Outcome is what a decider decided, waiting to be checked.
type Outcome[C, S, E any] struct {
	spec    *DeciderSpec[C, S, E]
	given   []E
	command C
	events  []E
	err     error
	checked *step // by a Then method, Events or Err
}

// Events returns the events Decide returned, for checks the Then methods don't cover.
func (o *Outcome[C, S, E]) Events() []E { o.checked.do(); return o.events }

// Err returns the error Decide returned, for checks the Then methods don't cover.
func (o *Outcome[C, S, E]) Err() error { o.checked.do(); return o.err }

// Then checks that the command was accepted with exactly the given events, compared with
// reflect.DeepEqual (an empty and a nil list are equal).
func (o *Outcome[C, S, E]) Then(want ...E) {
	tb := o.spec.tb
	tb.Helper()
	o.checked.do()
	if o.err != nil {
		tb.Errorf("%s\nthen: want events\n%s\ngot error: %v (%T)", o.context(), specfmt.Indent(specfmt.RenderList(want)), o.err, o.err)
		return
	}
	if len(want) == 0 && len(o.events) == 0 {
		return
	}
	if !reflect.DeepEqual(want, o.events) {
		tb.Errorf("%s\nthen: events differ (- want, + got):\n%s", o.context(), specfmt.Indent(specfmt.DiffList("events", want, o.events)))
	}
}

// ThenError checks that the command was rejected with an error matching target: the
// error is target by errors.Is, or, when target is a structured error (a struct with
// exported fields or a pointer to one, such as &decider.NotFoundError{Entity:
// "restaurant", ID: "r1"}), its chain holds an error of target's type equal to target by
// reflect.DeepEqual. A pointer and a value are of different types: target must be in the
// form Decide makes its error (a failure says so when it is in the other). A sentinel
// matches only by errors.Is: an error that merely has its text (fmt.Errorf with %v
// instead of %w) would not get its code at the API's edge. It fails when Decide returned
// no error, and when it returned events along with its error (a handler discards them, so
// they are a mistake in the decider), and when target is nil: Then checks an acceptance.
func (o *Outcome[C, S, E]) ThenError(target error) {
	tb := o.spec.tb
	tb.Helper()
	o.checked.do()
	if target == nil {
		tb.Errorf("%s\nthen: ThenError(nil) matches no error: call Then to check that the command was accepted, with its events", o.context())
		return
	}
	if o.err == nil {
		tb.Errorf("%s\nthen: want error %v (%T)\ngot no error, events:\n%s", o.context(), target, target, specfmt.Indent(specfmt.RenderList(o.events)))
		return
	}
	o.eventsWithError()
	if !specfmt.Matches(o.err, target) {
		tb.Errorf("%s\nthen: want error %v\ngot error: %v\n%s", o.context(), target, o.err, specfmt.Mismatch(o.err, target))
	}
}

// ThenInvalid checks that the command was rejected as invalid input with a
// *decider.ValidationError naming field, such as "menu.menuItems[0].price", and no events
// (as ThenError does).
func (o *Outcome[C, S, E]) ThenInvalid(field string) {
	tb := o.spec.tb
	tb.Helper()
	o.checked.do()
	o.eventsWithError()
	var ve *decider.ValidationError
	switch {
	case o.err == nil:
		tb.Errorf("%s\nthen: want invalid %s\ngot no error, events:\n%s", o.context(), field, specfmt.Indent(specfmt.RenderList(o.events)))
	case !errors.As(o.err, &ve):
		tb.Errorf("%s\nthen: want invalid %s\ngot error: %v (%T)", o.context(), field, o.err, o.err)
	case ve.Field != field:
		tb.Errorf("%s\nthen: want invalid %s\ngot invalid %s: %s", o.context(), field, ve.Field, ve.Reason)
	}
}

// eventsWithError fails the spec when Decide returned events along with its error: a handler
// discards them, so they are a mistake in the decider however the error is checked.
func (o *Outcome[C, S, E]) eventsWithError() {
	tb := o.spec.tb
	tb.Helper()
	if o.err != nil && len(o.events) > 0 {
		tb.Errorf("%s\nthen: Decide returned events along with its error %v; they would be discarded:\n%s",
			o.context(), o.err, specfmt.Indent(specfmt.RenderList(o.events)))
	}
}

// context describes the given events and the command.
func (o *Outcome[C, S, E]) context() string {
	return specfmt.Elsewhere(o.spec.tb, o.spec.gid) + fmt.Sprintf("given:\n%s\nwhen:\n%s", specfmt.Indent(specfmt.RenderHistory(o.given)), specfmt.Indent(specfmt.Render(o.command)))
}
