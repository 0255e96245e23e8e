package spec_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/decider/spec"
	"github.com/eventgraph/eventgraph/internal/spectest"
)

// TestDeciderSpec_uncheckedOutcome: a When whose outcome is never checked fails the test
// when it ends, from the testing package, so the failure names the When's own line.
func TestDeciderSpec_uncheckedOutcome(t *testing.T) {
	var line int
	failed, log := spectest.Record(t, func(tb testing.TB) {
		_, _, line, _ = runtime.Caller(0)
		spec.For(tb, account()).When(deposit{1})
	})
	want := fmt.Sprintf("the outcome of the When at unchecked_test.go:%d was never checked", line+1)
	if !failed || !strings.Contains(log, want) {
		t.Errorf("failed = %v, log:\n%s\nwant a failure saying %q", failed, log, want)
	}
}

// TestSpecs_baseStepsNeedNoOutcome: a spec stopped before its When (or a view spec before its
// Then) checks nothing, but does not fail: a test's base spec may be carried on only in
// subtests, and go test -run may filter them out, or they may skip. For a while such a base
// failed the parent test.
func TestSpecs_baseStepsNeedNoOutcome(t *testing.T) {
	balance := decider.View[int, any]{Evolve: account().Evolve}
	refund := decider.Saga[any, any]{React: func(any) []any { return []any{deposit{1}} }}
	for name, base := range map[string]func(tb testing.TB){
		"For":            func(tb testing.TB) { spec.For(tb, account()) },
		"For, Given":     func(tb testing.TB) { spec.For(tb, account()).Given(deposited{5}) },
		"ForView, Given": func(tb testing.TB) { spec.ForView(tb, balance).Given(deposited{5}) },
		"ForSaga":        func(tb testing.TB) { spec.ForSaga(tb, refund) },
	} {
		if failed, log := spectest.Record(t, base); failed {
			t.Errorf("a base spec of %s, carried on nowhere, failed:\n%s", name, log)
		}
	}
	failed, log := spectest.Record(t, func(tb testing.TB) {
		base := spec.For(tb, account())
		rich := base.Given(deposited{5})
		rich.When(withdraw{3}).Then(withdrawn{3})
		rich.When(withdraw{9}).ThenError(errInsufficient)
		base.When(withdraw{1}).ThenError(errInsufficient)
		view := spec.ForView(tb, balance).Given(deposited{5})
		view.Then(5)
		view.Given(withdrawn{2}).Then(3)
	})
	if failed {
		t.Errorf("specs carried on from a base failed:\n%s", log)
	}
}

// TestSagaSpec_unchecked: a When whose reaction is never checked fails the test when it
// ends, naming the When's line, as a decider spec's does. Commands counts as checking.
func TestSagaSpec_unchecked(t *testing.T) {
	refund := decider.Saga[any, any]{React: func(any) []any { return []any{deposit{1}} }}
	var line int
	failed, log := spectest.Record(t, func(tb testing.TB) {
		_, _, line, _ = runtime.Caller(0)
		spec.ForSaga(tb, refund).When(withdrawn{150})
	})
	want := fmt.Sprintf("the reaction to the When at unchecked_test.go:%d was never checked: call Then", line+1)
	if !failed || !strings.Contains(log, want) || !strings.Contains(log, "spec_test.withdrawn") {
		t.Errorf("failed = %v, log:\n%s\nwant a failure saying %q with the event", failed, log, want)
	}
	failed, log = spectest.Record(t, func(tb testing.TB) {
		s := spec.ForSaga(tb, refund)
		if got := s.When(withdrawn{150}).Commands(); len(got) != 1 {
			tb.Errorf("Commands = %v, want one", got)
		}
		s.When(withdrawn{150}).Then(deposit{1})
	})
	if failed {
		t.Errorf("checked reactions failed:\n%s", log)
	}
}
