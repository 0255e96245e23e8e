package projectionspec_test

import (
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/eventsourcing/projectionspec"
	"github.com/eventgraph/eventgraph/internal/spectest"
)

// TestProjectionSpec_report: what a failing projection spec says, found by review of specs
// broken as a user would: it names where the read differs when its rendering does not show
// it.
func TestProjectionSpec_report(t *testing.T) {
	// The first event's time, in a location that renders as UTC's does but is another.
	first := time.Date(2000, time.January, 1, 0, 0, 1, 0, time.FixedZone("UTC", 0))
	times := func(b *balances) map[string]time.Time {
		out := map[string]time.Time{}
		for _, e := range b.seen {
			out[e.StreamID] = e.Time
		}
		return out
	}
	tests := []struct {
		name    string
		spec    func(tb testing.TB)
		wantLog []string
	}{
		{
			// Before, it said only that the values render the same.
			name: "names a time in another location",
			spec: func(tb testing.TB) {
				projectionspec.For(tb, newBalances, accountCodec(), times).Given("a", deposited{1}).Then(map[string]time.Time{"a": first})
			},
			wantLog: []string{`at read["a"]: the same instant 2000-01-01T00:00:01Z in two *time.Location values both named UTC`, "render the same"},
		},
		{
			// A query of the whole read model compares its unexported fields too.
			name: "names an unexported field",
			spec: func(tb testing.TB) {
				whole := func(b *balances) *balances { b.seen = nil; return b }
				want := &balances{byID: map[string]int{"a": 2}, tenant: map[string]string{}}
				projectionspec.For(tb, newBalances, accountCodec(), whole).Given("a", deposited{1}).Then(want)
			},
			wantLog: []string{"at read.codec: want nil, got &eventsourcing.JSONCodec", `at read.byID["a"]: want 2, got 1`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { spectest.Expect(t, tt.spec, true, tt.wantLog...) })
	}
}
