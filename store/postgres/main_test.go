package postgres_test

import (
	"testing"

	"github.com/eventgraph/eventgraph/internal/leakcheck"
)

// TestMain fails the package's tests when a goroutine outlives them: the listener, the
// group committer, a subscription's tail or the connection pool's background workers.
func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}
