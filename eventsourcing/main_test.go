package eventsourcing_test

import (
	"testing"

	"github.com/eventgraph/eventgraph/internal/leakcheck"
)

func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}
