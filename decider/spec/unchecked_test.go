package spec_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/decider/spec"
)

// TestDeciderSpec_uncheckedOutcome: a When whose outcome is never checked fails the test
// when it ends, from the testing package, so the failure names the When's own line.
func TestDeciderSpec_uncheckedOutcome(t *testing.T) {
	var line int
	failed, log := record(t, func(tb testing.TB) {
		_, _, line, _ = runtime.Caller(0)
		spec.For(tb, account()).When(deposit{1})
	})
	want := fmt.Sprintf("unchecked_test.go:%d: the outcome of this When was never checked", line+1)
	if !failed || !strings.Contains(log, want) {
		t.Errorf("failed = %v, log:\n%s\nwant a failure saying %q", failed, log, want)
	}
}

// TestDeciderSpec_noWhen: a spec that never reaches a When decides nothing; it fails, naming
// the line of its last step. A spec carried on from (a base for several Whens) does not.
func TestDeciderSpec_noWhen(t *testing.T) {
	var line int
	failed, log := record(t, func(tb testing.TB) {
		_, _, line, _ = runtime.Caller(0)
		spec.For(tb, account()).Given(deposited{5})
	})
	want := fmt.Sprintf("unchecked_test.go:%d: this spec was never given a command", line+1)
	if !failed || !strings.Contains(log, want) || !strings.Contains(log, "spec_test.deposited") {
		t.Errorf("failed = %v, log:\n%s\nwant a failure saying %q with the given events", failed, log, want)
	}
	if failed, log := record(t, func(tb testing.TB) { spec.For(tb, account()) }); !failed {
		t.Errorf("a spec of For alone passed (log %q)", log)
	}
	failed, log = record(t, func(tb testing.TB) {
		base := spec.For(tb, account())
		rich := base.Given(deposited{5})
		rich.When(withdraw{3}).Then(withdrawn{3})
		rich.When(withdraw{9}).ThenError(errInsufficient)
		base.When(withdraw{1}).ThenError(errInsufficient)
	})
	if failed {
		t.Errorf("specs carried on from a base failed:\n%s", log)
	}
}

// TestViewSpec_unchecked: a view spec that never reaches Then folds nothing; it fails the
// test when it ends, naming the line of its last step.
func TestViewSpec_unchecked(t *testing.T) {
	balance := decider.View[int, any]{Evolve: account().Evolve}
	var line int
	failed, log := record(t, func(tb testing.TB) {
		_, _, line, _ = runtime.Caller(0)
		spec.ForView(tb, balance).Given(deposited{5})
	})
	want := fmt.Sprintf("unchecked_test.go:%d: this view spec was never checked: call Then", line+1)
	if !failed || !strings.Contains(log, want) || !strings.Contains(log, "spec_test.deposited") {
		t.Errorf("failed = %v, log:\n%s\nwant a failure saying %q with the given events", failed, log, want)
	}
	if failed, log := record(t, func(tb testing.TB) { spec.ForView(tb, balance) }); !failed {
		t.Errorf("a spec of ForView alone passed (log %q)", log)
	}
	failed, log = record(t, func(tb testing.TB) {
		base := spec.ForView(tb, balance).Given(deposited{5})
		base.Then(5)
		base.Given(withdrawn{2}).Then(3)
	})
	if failed {
		t.Errorf("specs carried on from a base failed:\n%s", log)
	}
}

// TestSagaSpec_unchecked: a When whose reaction is never checked fails the test when it
// ends, naming the When's line, as a decider spec's does; so does a saga spec that never
// reaches a When. Commands counts as checking.
func TestSagaSpec_unchecked(t *testing.T) {
	refund := decider.Saga[any, any]{React: func(any) []any { return []any{deposit{1}} }}
	var line int
	failed, log := record(t, func(tb testing.TB) {
		_, _, line, _ = runtime.Caller(0)
		spec.ForSaga(tb, refund).When(withdrawn{150})
	})
	want := fmt.Sprintf("unchecked_test.go:%d: the reaction to this When was never checked: call Then", line+1)
	if !failed || !strings.Contains(log, want) || !strings.Contains(log, "spec_test.withdrawn") {
		t.Errorf("failed = %v, log:\n%s\nwant a failure saying %q with the event", failed, log, want)
	}
	if failed, log := record(t, func(tb testing.TB) { spec.ForSaga(tb, refund) }); !failed || !strings.Contains(log, "never given an event") {
		t.Errorf("failed = %v, log:\n%s\nwant a failure for a saga spec with no When", failed, log)
	}
	failed, log = record(t, func(tb testing.TB) {
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
