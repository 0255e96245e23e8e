package projectionspec_test

import (
	"testing"

	"github.com/eventgraph/eventgraph/eventsourcing/projectionspec"
	"github.com/eventgraph/eventgraph/internal/spectest"
)

// A projection spec feeds a new read model the given log, as a store hands it to a Runner,
// and compares what a query of it reads. A failing one shows each event with its stream,
// version and position.
func ExampleFor() {
	var t testing.TB = spectest.Printer{}
	projectionspec.For(t, newBalances, accountCodec(), (*balances).all).
		Given("account-a", deposited{Amount: 5}, withdrawn{Amount: 2}).
		GivenRaw("audit-1", "AuditNoted", []byte(`{"by":"ops"}`)).
		Then(map[string]int{"account-a": 2})
	// Output:
	// given:
	//   [0] (stream account-a, version 1, position 1) projectionspec_test.deposited {
	//     "amount": 5
	//   }
	//   [1] (stream account-a, version 2, position 2) projectionspec_test.withdrawn {
	//     "amount": 2
	//   }
	//   [2] (stream audit-1, version 1, position 3) AuditNoted {"by":"ops"}
	// then: reads differ (- want, + got):
	//     map[string]int {
	//   -   "account-a": 2
	//   +   "account-a": 3
	//     }
}
