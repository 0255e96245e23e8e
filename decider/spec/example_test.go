package spec_test

import (
	"fmt"
	"testing"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/decider/spec"
)

// printer is a testing.TB that prints failures, to show what a failing spec reports.
type printer struct{ testing.TB }

func (printer) Helper()                           {}
func (printer) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }

// Cleanup drops f: an example has no end to run it at (and checks every outcome).
func (printer) Cleanup(func()) {}

// A spec that fails shows the given events, the command, and a diff of the events.
func ExampleFor() {
	var t testing.TB = printer{}
	spec.For(t, account()).Given(deposited{Amount: 5}).When(withdraw{Amount: 3}).Then(withdrawn{Amount: 2})
	// Output:
	// given:
	//   [0] spec_test.deposited {
	//     "amount": 5
	//   }
	// when:
	//   spec_test.withdraw {
	//     "Amount": 3
	//   }
	// then: events differ (- want, + got):
	//     [0] spec_test.withdrawn {
	//   -   "amount": 2
	//   +   "amount": 3
	//     }
}

// Rejections are checked by sentinel, by structured error, or by the invalid field.
func ExampleOutcome_ThenError() {
	var t testing.TB = printer{}
	spec.For(t, account()).When(withdraw{Amount: 3}).ThenError(errInsufficient)
	spec.For(t, account()).Given(deposited{Amount: 1}).When(withdraw{Amount: 3}).ThenError(&shortError{Need: 3, Have: 1})
	spec.For(t, account()).When(deposit{Amount: -1}).ThenError(decider.ErrInvalid)
	spec.For(t, account()).When(deposit{Amount: -1}).ThenInvalid("amount")
	fmt.Println("all passed")
	// Output:
	// all passed
}

// A projection spec feeds a new read model the given log, as a store hands it to a Runner,
// and compares what a query of it reads. A failing one shows each event with its stream,
// version and position.
func ExampleForProjection() {
	var t testing.TB = printer{}
	spec.ForProjection(t, newBalances, accountCodec(), (*balances).all).
		Given("account-a", deposited{Amount: 5}, withdrawn{Amount: 2}).
		GivenRaw("audit-1", "AuditNoted", []byte(`{"by":"ops"}`)).
		Then(map[string]int{"account-a": 2})
	// Output:
	// given:
	//   [0] (stream account-a, version 1, position 1) spec_test.deposited {
	//     "amount": 5
	//   }
	//   [1] (stream account-a, version 2, position 2) spec_test.withdrawn {
	//     "amount": 2
	//   }
	//   [2] (stream audit-1, version 1, position 3) AuditNoted {"by":"ops"}
	// then: reads differ (- want, + got):
	//     map[string]int {
	//   -   "account-a": 2
	//   +   "account-a": 3
	//     }
}
