// Package leakcheck fails tests whose goroutines outlive them. It is goleak with patience:
// goleak gives goroutines that are winding down about 0.4 s to end, and on a loaded machine
// a connection's reader or a handler the server let go of may take longer to be scheduled
// and return. A goroutine that is still there after Patience is a leak.
package leakcheck

import (
	"fmt"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// Patience is how long goroutines that are not expected get to end.
const Patience = 10 * time.Second

// Find returns goleak's report of the unexpected goroutines still running after Patience,
// or nil as soon as there are none.
func Find(opts ...goleak.Option) error {
	return find(Patience, opts...)
}

func find(patience time.Duration, opts ...goleak.Option) error {
	deadline := time.Now().Add(patience)
	for {
		err := goleak.Find(opts...) // itself retries for a while
		if err == nil || time.Now().After(deadline) {
			return err
		}
	}
}

// VerifyNone fails the test when unexpected goroutines are still running after Patience.
func VerifyNone(tb testing.TB, opts ...goleak.Option) {
	tb.Helper()
	if err := Find(opts...); err != nil {
		tb.Error(err)
	}
}

// VerifyTestMain runs the package's tests and, when they pass, fails them when unexpected
// goroutines are still running after Patience; use it as TestMain's body.
func VerifyTestMain(m *testing.M, opts ...goleak.Option) {
	code := m.Run()
	if code == 0 {
		if err := Find(opts...); err != nil {
			fmt.Fprintf(os.Stderr, "leakcheck: goroutines outlived the tests: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}
