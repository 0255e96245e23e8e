package graph_test

import (
	"testing"

	"github.com/eventgraph/eventgraph/internal/leakcheck"
)

// TestMain fails the package's tests when any goroutine (a subscription pump, a store
// cursor, a WebSocket reader) outlives them.
func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}
