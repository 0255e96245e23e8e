package main

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func samples(rs ...float64) []sample {
	ss := make([]sample, len(rs))
	for i, r := range rs {
		ss[i] = sample{rate: r}
	}
	return ss
}

func TestRatio_pairsRounds(t *testing.T) {
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

// TestGoal_shown: a value is shown with more digits while it would read as the limit, however
// close to it (up to a bound), so that no FAIL reads as the limit itself.
func TestGoal_shown(t *testing.T) {
	atLeast := func(limit float64, format func(float64, int) string) goal {
		return goal{limit: limit, format: format}
	}
	cases := []struct {
		name string
		g    goal
		v    float64
		want string
	}{
		{"a miss that rounds onto the limit", atLeast(0.6, percent), 0.598, "59.8%"},
		{"a miss that rounds onto the limit with one more digit", atLeast(0.6, percent), 0.5996, "59.96%"},
		{"a pass that rounds onto the limit", atLeast(0.6, percent), 0.603, "60.3%"},
		{"exactly the limit", atLeast(0.6, percent), 0.6, "60%"},
		{"clear of the limit", atLeast(0.6, percent), 0.56, "56%"},
		{"a ratio", atLeast(10, times), 9.996, "9.996×"},
		{"a ratio closer still", atLeast(10, times), 9.99996, "9.99996×"},
		{"a rate", atLeast(50_000, perSec), 49_999.6, "49,999.6 events/s"},
		{"a rate closer still", atLeast(50_000, perSec), 49_999.996, "49,999.996 events/s"},
		{"a latency under a bound", goal{limit: 0.1, format: seconds, below: true}, 0.0996, "99.6ms"},
		{"bytes per event under a bound", goal{limit: 104, format: bytesPerEvent, below: true}, 103.7, "103.7 B/event"},
		{"closer than the bound on digits", atLeast(0.6, percent), 0.6 - 1e-12, "60.000000%"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.g.shown(c.v); got != c.want {
				t.Fatalf("shown(%v) = %q, want %q", c.v, got, c.want)
			}
		})
	}
}

// TestGoal_resultNoisy: the verdict is the value's; it is marked noisy when the rounds fall on
// both sides of the limit, and the rounds' spread is shown beside it.
func TestGoal_resultNoisy(t *testing.T) {
	atLeast := goal{limit: 0.6, format: percent}
	under := goal{limit: 0.1, format: seconds, below: true}
	cases := []struct {
		name       string
		g          goal
		m          measured
		wantResult string
		wantSpread string
	}{
		{"every round passes", atLeast, measured{value: 0.7, rounds: []float64{0.65, 0.7, 0.8}}, "PASS", "65% – 80%"},
		{"every round fails", atLeast, measured{value: 0.5, rounds: []float64{0.4, 0.5, 0.55}}, "FAIL", "40% – 55%"},
		{"median passes, a round fails", atLeast, measured{value: 0.61, rounds: []float64{0.55, 0.61, 0.62}}, "PASS (noisy)", "55% – 62%"},
		{"median fails, a round passes", atLeast, measured{value: 0.59, rounds: []float64{0.59, 0.58, 0.63}}, "FAIL (noisy)", "58% – 63%"},
		{"a round exactly at the limit passes", atLeast, measured{value: 0.6, rounds: []float64{0.6, 0.6}}, "PASS", "60% – 60%"},
		{"a bound, a round over it", under, measured{value: 0.04, rounds: []float64{0.03, 0.12}}, "PASS (noisy)", "30ms – 120ms"},
		{"one round", atLeast, measured{value: 0.59, rounds: []float64{0.59}}, "FAIL", "–"},
		{"one value", under, measured{value: 0.2}, "FAIL", "–"},
		{"a range bound that rounds onto the limit", atLeast, measured{value: 0.61, rounds: []float64{0.5996, 0.61, 0.62}}, "PASS (noisy)", "59.96% – 62%"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.g.result(c.m); got != c.wantResult {
				t.Errorf("result = %q, want %q", got, c.wantResult)
			}
			if got := c.g.spreadCell(c.m); got != c.wantSpread {
				t.Errorf("spreadCell = %q, want %q", got, c.wantSpread)
			}
		})
	}
}

// TestFastest_noSyncBaseline: the no-sync log is compared in each round with the faster of its
// baselines, and the report can say which one each round used; one writer has only write-only.
func TestFastest_noSyncBaseline(t *testing.T) {
	r := results{writes: map[string]map[int][]sample{
		keyJSONLNoSync: {1: samples(50), 16: samples(90, 90, 90)},
		keyWriteOnly:   {1: samples(100), 16: samples(100, 60, 200)},
		keyGroupWrite:  {16: samples(120, 150, 100)},
	}}
	rates, from := fastest(r, 16, noSyncBaselines(16))
	if want := []float64{120, 150, 200}; !equalFloats(rates, want) || strings.Join(from, ",") != "group-write,group-write,write-only" {
		t.Fatalf("fastest = %v from %v; want %v from group-write, group-write, write-only", rates, from, want)
	}
	m, ok := againstFastest(keyJSONLNoSync, 16, noSyncBaselines(16))(r)
	if !ok || m.value != 0.6 || !equalFloats(m.rounds, []float64{0.75, 0.6, 0.45}) {
		t.Fatalf("against the fastest: %+v, %v; want 60%% (rounds 75, 60, 45 %%)", m, ok)
	}
	if want := "baseline: write-only in 1 of 3 rounds, group-write in 2"; m.note != want {
		t.Errorf("note %q, want %q", m.note, want)
	}
	one, ok := againstFastest(keyJSONLNoSync, 1, noSyncBaselines(1))(r)
	if !ok || one.value != 0.5 || one.note != "" {
		t.Errorf("one writer: %+v, %v; want 50%% against write-only, no note", one, ok)
	}
	// A group write that did not run (-only) leaves write-only.
	delete(r.writes, keyGroupWrite)
	if m, ok := againstFastest(keyJSONLNoSync, 16, noSyncBaselines(16))(r); !ok || m.value != 0.9 || m.note != "baseline: write-only in 3 of 3 rounds" {
		t.Errorf("without group write: %+v, %v; want 90%% against write-only", m, ok)
	}
}

// TestFanoutP99_poolsRounds: the fan-out target is the nearest-rank p99 of every round's
// events pooled, so a slow round counts (the median of the rounds' p99s would hide two slow
// rounds of five).
func TestFanoutP99_poolsRounds(t *testing.T) {
	ms := time.Millisecond
	var r results
	for round := range 5 {
		last := make([]time.Duration, 200)
		for i := range last {
			last[i] = 20 * ms
		}
		if round < 2 { // two rounds of five with a slow tail of 5 % of their events (2 % of all)
			for i := range 10 {
				last[i] = 150 * ms
			}
		}
		slices.Sort(last)
		r.fanout = append(r.fanout, fanoutMeasurement{subscribers: 1000, lastP99: quantile(last, 0.99), last: last})
	}
	r.fanout = append(r.fanout, fanoutMeasurement{subscribers: 10, lastP99: time.Second, last: []time.Duration{time.Second}}) // another count: left out
	m, ok := fanoutP99(1000)(r)
	if !ok || m.value != 0.150 {
		t.Fatalf("pooled p99 = %v, %v; want 150ms", m.value, ok)
	}
	if !equalFloats(m.rounds, []float64{0.150, 0.150, 0.020, 0.020, 0.020}) || m.note != "1,000 events of 5 round(s)" {
		t.Errorf("rounds %v, note %q", m.rounds, m.note)
	}
	g := goal{limit: 0.1, format: seconds, below: true}
	if got := g.result(m); got != "FAIL (noisy)" {
		t.Errorf("result %q, want FAIL (noisy)", got)
	}
	if _, ok := fanoutP99(1000)(results{}); ok {
		t.Error("a fan-out that did not run was measured")
	}
}

// TestSoakGrowth: the soak's target is the live heap's least-squares slope over the second
// half of a steady soak, in bytes per event, against twice the indexes' cost per event (the
// run's measurements, or the documented costs without them).
func TestSoakGrowth(t *testing.T) {
	const mb = 1 << 20
	soak := &soakResult{workload: soakSteady, duration: 10 * time.Second, rate: 100, clients: 4}
	for i := range 11 {
		// A first sample inflated by what ran before, then 100 events a second; in the second
		// half (samples 5 to 10) the heap grows 50 B and the RSS 200 B per event.
		s := soakSample{at: time.Duration(i) * time.Second, requests: int64(200 * i), head: int64(100 * i), rss: 100 * mb, heap: 10 * mb}
		if i == 0 {
			s.rss = 300 * mb
		}
		if i >= 5 {
			s.heap += uint64(50 * 100 * (i - 5))
			s.rss += uint64(200 * 100 * (i - 5))
		}
		soak.samples = append(soak.samples, s)
	}
	g, ok := soak.secondHalf()
	if !ok || math.Abs(g.heapPerEvent-50) > 1e-9 || math.Abs(g.rssPerEvent-200) > 1e-9 || g.from.head != 500 || g.to.head != 1000 {
		t.Fatalf("second half = %+v, %v; want heap 50 B/event, RSS 200 B/event, from 500 to 1,000 events", g, ok)
	}
	if got := soak.achievedRate(); got != 200 {
		t.Errorf("achieved rate %v, want 200 requests/s (2,000 requests in 10 s)", got)
	}

	target := func(r results) goal {
		gs := goals(config{}, r)
		return gs[len(gs)-1]
	}
	r := results{soak: soak, res: &resources{jsonlIndex: 20, commandIndex: 10}}
	g1 := target(r)
	m, ok := g1.measure(r)
	if !ok || g1.limit != 60 || m.value != g.heapPerEvent || g1.result(m) != "PASS" || !strings.Contains(g1.name, "as measured") || m.note != "RSS 200 B/event (server and load generator)" {
		t.Errorf("measured indexes: %q limit %v, %+v → %s", g1.name, g1.limit, m, g1.result(m))
	}
	r.res = &resources{jsonlIndex: 15, commandIndex: 10}
	if g2 := target(r); g2.limit != 50 || g2.result(m) != "FAIL" {
		t.Errorf("cheaper indexes: limit %v, %s; want 50 B/event and FAIL", g2.limit, g2.result(m))
	}
	r.res = nil
	if g3 := target(r); g3.limit != 2*(documentedLogIndex+documentedCommandIndex) || !strings.Contains(g3.name, "as documented") {
		t.Errorf("without the resources: %q limit %v", g3.name, g3.limit)
	}
	r.soak = &soakResult{workload: soakMix, samples: soak.samples}
	if _, ok := target(r).measure(r); ok {
		t.Error("a soak of the growing mix was evaluated")
	}
	r.soak = &soakResult{workload: soakSteady, samples: soak.samples[:2]}
	if _, ok := target(r).measure(r); ok {
		t.Error("a soak of two samples was evaluated")
	}
}

func TestSlope(t *testing.T) {
	cases := []struct {
		name   string
		xs, ys []float64
		want   float64
		wantOK bool
	}{
		{"a line", []float64{0, 1, 2}, []float64{1, 3, 5}, 2, true},
		{"noise around a line", []float64{0, 1, 2, 3}, []float64{0, 2, 2, 4}, 1.2, true},
		{"flat", []float64{0, 1, 2}, []float64{7, 7, 7}, 0, true},
		{"x does not vary", []float64{1, 1}, []float64{1, 2}, 0, false},
		{"one point", []float64{1}, []float64{1}, 0, false},
	}
	for _, c := range cases {
		got, ok := slope(c.xs, c.ys)
		if ok != c.wantOK || math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s: slope = %v, %v; want %v, %v", c.name, got, ok, c.want, c.wantOK)
		}
	}
}

// TestGoals_everyTarget fills every case the targets read with distinct rates and checks each
// target's value and verdict, so that no target reads the wrong case.
func TestGoals_everyTarget(t *testing.T) {
	one := func(v float64) []sample { return []sample{{rate: v}} }
	oneAPI := func(v float64) []apiSample { return []apiSample{{rate: v}} }
	soak := &soakResult{workload: soakSteady}
	for i := range 5 {
		soak.samples = append(soak.samples, soakSample{at: time.Duration(i) * time.Second, head: int64(1000 * i), heap: uint64(90 * 1000 * i), rss: 1 << 26})
	}
	r := results{
		writes: map[string]map[int][]sample{
			keyJSONL:       {1: one(900), 16: one(60_000)},
			keyJetStream:   {16: one(6_000)},
			keySQLite:      {16: one(5_000)},
			keyRawSync:     {1: one(1_000)},
			keyJSONLNoSync: {1: one(69), 16: one(71), 64: one(140)},
			keyWriteOnly:   {1: one(100), 16: one(100), 64: one(100)},
			keyGroupWrite:  {16: one(90), 64: one(200)},
			keyMemory:      {1: one(600), 16: one(590), 64: one(2000)},
			keyHallgren:    {1: one(300), 16: one(300), 64: one(300)},
			keyMapMutex:    {1: one(1000), 16: one(1000), 64: one(1000)},
		},
		reads: map[string][]sample{keyJSONL: one(3), keySQLite: one(2)},
		api: map[string]map[int][]apiSample{
			keyAPIFloor:  {1: oneAPI(100), 16: oneAPI(100), 64: oneAPI(100)},
			keyAPIMemory: {1: oneAPI(60), 16: oneAPI(59), 64: oneAPI(61)},
			keyAPIJSONL:  {64: oneAPI(50)},
		},
		fanout: []fanoutMeasurement{{subscribers: 1000, lastP99: 100 * time.Millisecond, last: []time.Duration{100 * time.Millisecond}}},
		res:    &resources{jsonlIndex: 37, commandIndex: 24},
		soak:   soak,
	}
	want := []struct {
		v       float64
		verdict string
	}{
		{10, "PASS"}, {12, "PASS"}, {60_000, "PASS"}, {0.9, "PASS"},
		{0.69, "FAIL"}, {0.71, "PASS"}, {0.7, "PASS"}, // 64 writers: against group write, the faster
		{2, "PASS"}, {590.0 / 300, "FAIL"}, {2000.0 / 300, "PASS"},
		{0.6, "PASS"}, {0.59, "FAIL"}, {2, "PASS"},
		{1.5, "FAIL"},
		{0.6, "PASS"}, {0.59, "FAIL"}, {0.61, "PASS"},
		{0.5, "PASS"},
		{0.1, "FAIL"},
		{90, "PASS"}, // within 2 × (37 + 24) = 122 B/event
	}
	gs := goals(config{writers: []int{1, 16, 64}, readEvents: 5000}, r)
	if len(gs) != len(want) {
		t.Fatalf("%d goals, want %d", len(gs), len(want))
	}
	for i, g := range gs {
		m, ok := g.measure(r)
		_, verdict := g.verdict(m.value)
		if !ok || math.Abs(m.value-want[i].v) > 1e-9 || verdict != want[i].verdict {
			t.Errorf("%s: %v (%v) %s; want %v %s", g.name, m.value, ok, verdict, want[i].v, want[i].verdict)
		}
	}
	if name := gs[13].name; name != "ReadStream of a 5,000-event stream, JSONL ÷ SQLite" {
		t.Errorf("the read target is named %q: want the stream's actual length", name)
	}
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-9 {
			return false
		}
	}
	return true
}

// TestDocumentedIndexCosts: the costs the soak's target falls back on are the ones the
// library documents (the log's index grew from 28 to 37 B/event with its per-type positions).
func TestDocumentedIndexCosts(t *testing.T) {
	for _, c := range []struct{ file, want string }{
		{"../store/jsonl/doc.go", fmt.Sprintf("about %d bytes per event", documentedLogIndex)},
		{"../eventsourcing/index.go", fmt.Sprintf("-%d bytes a command", documentedCommandIndex)},
	} {
		b, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		var words []string
		for line := range strings.Lines(string(b)) {
			words = append(words, strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "//"))...)
		}
		if !strings.Contains(strings.Join(words, " "), c.want) {
			t.Errorf("%s does not say %q", c.file, c.want)
		}
	}
}
