package jsonl_test

import (
	"testing"

	"github.com/eventgraph/eventgraph/internal/leakcheck"
)

// TestMain fails the package's tests when a goroutine outlives them (iterators, the
// recovery pipeline, group commit).
func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}
