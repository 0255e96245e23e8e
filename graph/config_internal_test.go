package graph

import (
	"log/slog"
	"testing"
)

// TestConfig_operationsDefault: the default bound on a connection's operations leaves room
// for its subscriptions: 100 more than a per-connection subscription limit above the
// default's, the default otherwise, also when subscriptions have no limit of their own.
func TestConfig_operationsDefault(t *testing.T) {
	for _, tt := range []struct{ subs, ops, want int }{
		{0, 0, DefaultMaxOperationsPerConnection},
		{50, 0, DefaultMaxOperationsPerConnection},
		{300, 0, 400},
		{-1, 0, DefaultMaxOperationsPerConnection},
		{300, 10, 10},
		{300, -1, -1},
	} {
		c := Config{MaxSubscriptionsPerConnection: tt.subs, MaxOperationsPerConnection: tt.ops, Logger: slog.New(slog.DiscardHandler)}.withDefaults(nil)
		if c.MaxOperationsPerConnection != tt.want {
			t.Errorf("subscriptions %d, operations %d: %d operations, want %d", tt.subs, tt.ops, c.MaxOperationsPerConnection, tt.want)
		}
	}
}
