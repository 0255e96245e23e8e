package main

import (
	"os"
	"testing"

	"github.com/eventgraph/eventgraph/internal/leakcheck"
)

// runMainEnv, set to 1 in the environment, makes the test binary run main with its
// arguments instead of the tests: the tests of signals run migrate as a process of its own.
const runMainEnv = "EVENTGRAPH_MIGRATE_TEST_MAIN"

// TestMain fails the package's tests when a goroutine outlives them: a connection to
// PostgreSQL, the store's committer or listener, or the JSONL log's.
func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
	}
	leakcheck.VerifyTestMain(m)
}
