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
