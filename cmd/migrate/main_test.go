package main

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them: a connection to
// PostgreSQL, the store's committer or listener, or the JSONL log's.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
