package main

import (
	"testing"

	"github.com/eventgraph/eventgraph/internal/leakcheck"
)

// TestMain fails the package's tests when a goroutine outlives them: the HTTP server,
// the service runner, the replay watcher, a subscription stream or a client connection.
func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}
