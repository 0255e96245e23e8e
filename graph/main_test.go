package graph_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when any goroutine (a subscription pump, a store
// cursor, a WebSocket reader) outlives them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
