package spec

import (
	"sync/atomic"
	"testing"
)

// step is a spec's outcome (a When's) that checks nothing by itself: a spec that ends there
// would pass however wrong the code under test is, so the test fails when it ends unless the
// outcome was checked.
type step struct{ done atomic.Bool } // atomic: parallel subtests may carry on one step

// newStep returns a step begun at the line at (see specfmt.Caller). When tb's test ends
// and the step was never done, it fails, saying that what (the outcome of the When) at that
// line was never checked and what to call (todo), and showing the spec's context, when
// context is not nil.
func newStep(tb testing.TB, at, what, todo string, context func() string) *step {
	tb.Helper()
	s := &step{}
	tb.Cleanup(func() {
		// A helper, as newStep and the spec's methods are: the testing package then names
		// the spec's line before the message, not this one.
		tb.Helper()
		if !s.done.Load() {
			// Reported when the test ends, from the testing package: name the spec's line.
			msg := what + " at " + at + " was never checked: " + todo
			if context != nil {
				msg += "\n" + context()
			}
			tb.Errorf("%s", msg)
		}
	})
	return s
}

// do records that the chain was carried on from s.
func (s *step) do() { s.done.Store(true) }
