package jsonl_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them (iterators, the
// recovery pipeline, group commit).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
