package main

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them: the HTTP server,
// the service runner, the replay watcher, a subscription stream or a client connection.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
