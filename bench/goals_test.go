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
