package eventsourcing_test

import (
	"context"
	"testing"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store/memory"
)

// BenchmarkHandler_ColdStream measures the first command on a stream of 10,000 events that
// the handler has not cached (as after a restart): folded from its first event, and from a
// snapshot taken every 1,000 events. One op is one command by a new handler.
func BenchmarkHandler_ColdStream(b *testing.B) {
	const events = 10_000
	for _, bc := range []struct {
		name string
		opts []eventsourcing.HandlerOption
	}{
		{"fold", nil},
		{"snapshot", []eventsourcing.HandlerOption{eventsourcing.WithSnapshots(1000, "r1")}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			s := memory.New()
			defer s.Close()
			setup := newAccounts(s, bc.opts...)
			mustHandleAccount(b, setup, openAccount{ID: "a"}, eventsourcing.Meta{})
			for range events - 1 {
				mustHandleAccount(b, setup, deposit{ID: "a", Amount: 1}, eventsourcing.Meta{})
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := newAccounts(s, bc.opts...).Handle(ctx, deposit{ID: "a", Amount: 1}, eventsourcing.Meta{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
