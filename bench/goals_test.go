package main

import "testing"

func TestRatio_pairsRounds(t *testing.T) {
	samples := func(rs ...float64) []sample {
		ss := make([]sample, len(rs))
		for i, r := range rs {
			ss[i] = sample{rate: r}
		}
		return ss
	}
	r := results{writes: map[string]map[int][]sample{
		// Round 3 ran on a machine twice as slow for the baseline only: per round the system
		// made 100 %, 100 % and 50 % of its baseline; the medians alone would give 60 %.
		keyJSONLNoSync: {1: samples(100, 50, 60)},
		keyWriteOnly:   {1: samples(100, 50, 120)},
		keyMemory:      {1: samples(10)},
	}}
	cases := []struct {
		name   string
		a, b   series
		want   float64
		wantOK bool
	}{
		{"per-round ratios", w(keyJSONLNoSync, 1), w(keyWriteOnly, 1), 1, true},
		{"fewer rounds of one case", w(keyMemory, 1), w(keyWriteOnly, 1), 0.1, true},
		{"a case that did not run", w(keyJSONLNoSync, 1), w(keyMapMutex, 1), 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := ratio(c.a, c.b)(r)
			if ok != c.wantOK || got != c.want {
				t.Fatalf("ratio = %v, %v; want %v, %v", got, ok, c.want, c.wantOK)
			}
		})
	}
	if got, ok := med(w(keyWriteOnly, 1))(r); !ok || got != 100 {
		t.Fatalf("med = %v, %v; want 100, true", got, ok)
	}
}

func TestGoal_shown(t *testing.T) {
	atLeast := func(limit float64, format func(float64, bool) string) goal {
		return goal{limit: limit, format: format}
	}
	cases := []struct {
		name string
		g    goal
		v    float64
		want string
	}{
		{"a miss that rounds onto the limit", atLeast(0.6, percent), 0.598, "59.8%"},
		{"a pass that rounds onto the limit", atLeast(0.6, percent), 0.603, "60.3%"},
		{"exactly the limit", atLeast(0.6, percent), 0.6, "60%"},
		{"clear of the limit", atLeast(0.6, percent), 0.56, "56%"},
		{"a ratio", atLeast(10, times), 9.996, "9.9960×"},
		{"a rate", atLeast(50_000, perSec), 49_999.6, "49999.60 events/s"},
		{"a latency under a bound", goal{limit: 0.1, format: seconds, below: true}, 0.0996, "99.6ms"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.g.shown(c.v); got != c.want {
				t.Fatalf("shown(%v) = %q, want %q", c.v, got, c.want)
			}
		})
	}
}
