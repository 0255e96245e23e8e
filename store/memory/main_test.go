package memory_test

import (
	"testing"

	"github.com/eventgraph/eventgraph/internal/leakcheck"
)

// TestMain fails the package's tests when a goroutine outlives them (iterators, the
// goroutines that pack old chunks).
func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}
