package main

import (
	"testing"

	"github.com/eventgraph/eventgraph/internal/leakcheck"
)

// TestMain fails the package's tests when a goroutine outlives them: a connection to
// PostgreSQL, the store's committer or listener, or the JSONL log's.
func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}
