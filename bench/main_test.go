package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr bool
		check   func(t *testing.T, c config)
	}{
		{name: "defaults", check: func(t *testing.T, c config) {
			if c.duration != 3*time.Second || !slices.Equal(c.writers, []int{1, 16, 64}) || c.rounds != 1 || c.out != "../BENCHMARKS.md" {
				t.Errorf("got %+v", c)
			}
		}},
		{name: "quick shortens the cases", args: []string{"-quick", "-rounds", "5", "-out", ""}, check: func(t *testing.T, c config) {
			if c.duration != 300*time.Millisecond || c.rounds != 1 {
				t.Errorf("got duration %s rounds %d, want 300ms and 1", c.duration, c.rounds)
			}
		}},
		{name: "writer list", args: []string{"-writers", " 2, 8 "}, check: func(t *testing.T, c config) {
			if !slices.Equal(c.writers, []int{2, 8}) {
				t.Errorf("got writers %v, want [2 8]", c.writers)
			}
		}},
		{name: "writer count not a number", args: []string{"-writers", "1,x"}, wantErr: true},
		{name: "writer count zero", args: []string{"-writers", "0"}, wantErr: true},
		{name: "negative duration", args: []string{"-duration", "-1s"}, wantErr: true},
		{name: "unknown flag", args: []string{"-nope"}, wantErr: true},
		{name: "zero rounds", args: []string{"-rounds", "0"}, wantErr: true},
		{name: "negative event cap", args: []string{"-max-events", "-1"}, wantErr: true},
		{name: "negative subscribers", args: []string{"-subscribers", "-1"}, wantErr: true},
		{name: "negative soak", args: []string{"-soak", "-1s"}, wantErr: true},
		{name: "soak rate beyond the ticker", args: []string{"-soak-rate", "2000000000"}, wantErr: true},
		{name: "a word that is no flag", args: []string{"jsonl"}, wantErr: true},
		{name: "only without out would replace the committed report", args: []string{"-only", "jsonl"}, wantErr: true},
		{name: "quick without out would replace the committed report", args: []string{"-quick"}, wantErr: true},
		{name: "only with out", args: []string{"-only", "jsonl", "-out", ""}, check: func(t *testing.T, c config) {
			if c.only != "jsonl" || c.out != "" {
				t.Errorf("got only %q out %q", c.only, c.out)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseFlags(tt.args, io.Discard)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

func TestThousands(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"}, {999, "999"}, {1000, "1,000"}, {1234567.6, "1,234,568"}, {-45000, "-45,000"},
	}
	for _, tt := range tests {
		if got := thousands(tt.in); got != tt.want {
			t.Errorf("thousands(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMedian(t *testing.T) {
	rate := func(s sample) float64 { return s.rate }
	tests := []struct {
		name   string
		rates  []float64
		want   float64
		wantOK bool
	}{
		{name: "none", wantOK: false},
		{name: "odd count", rates: []float64{9, 1, 5}, want: 5, wantOK: true},
		{name: "even count", rates: []float64{4, 1, 2, 8}, want: 3, wantOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ss []sample
			for _, r := range tt.rates {
				ss = append(ss, sample{rate: r})
			}
			got, ok := median(ss, rate)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("got %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// TestWriteCases runs every system briefly with several writers: each writer's optimistic
// concurrency must hold (a conflict fails the case) and every system must make progress.
func TestWriteCases(t *testing.T) {
	ctx := context.Background()
	for _, c := range writeCases() {
		for _, n := range []int{1, 3} {
			if c.writers != nil && !c.writers(n) {
				continue
			}
			t.Run(c.key, func(t *testing.T) {
				tg, err := c.open(ctx, t.TempDir())
				if err != nil {
					t.Fatal(err)
				}
				m, err := measureWrites(ctx, tg, n, limits{duration: 50 * time.Millisecond, maxEvents: 300})
				if cerr := tg.close(); cerr != nil {
					t.Errorf("close: %v", cerr)
				}
				if err != nil {
					t.Fatal(err)
				}
				if m.events == 0 || m.rate() <= 0 {
					t.Errorf("got %d events at %v events/s, want progress", m.events, m.rate())
				}
				if m.events > 300 {
					t.Errorf("got %d events, want the cap of 300 respected", m.events)
				}
			})
		}
	}
}

// TestPlanWrites checks the order of the write cases: by writer count, and within one the
// durable cases, then those that write without a sync, then the in-memory ones; each case
// once per writer count it runs at.
func TestPlanWrites(t *testing.T) {
	plan := planWrites(config{writers: []int{1, 16}})
	kind := func(p plannedWrite) string {
		return map[int]string{0: "durable", 1: "unsynced", 2: "in memory"}[writePhase(p.c)]
	}
	var got []string
	for _, p := range plan {
		got = append(got, fmt.Sprintf("%d %s %s", p.writers, kind(p), p.c.key))
	}
	for i := 1; i < len(plan); i++ {
		a, b := plan[i-1], plan[i]
		if a.writers > b.writers || a.writers == b.writers && writePhase(a.c) > writePhase(b.c) {
			t.Fatalf("out of order at %d:\n%s", i, strings.Join(got, "\n"))
		}
	}
	want := 0
	for _, c := range writeCases() {
		for _, n := range []int{1, 16} {
			if c.writers == nil || c.writers(n) {
				want++
			}
		}
	}
	if len(plan) != want {
		t.Errorf("%d planned cases, want %d:\n%s", len(plan), want, strings.Join(got, "\n"))
	}
	phases := map[string]int{keyRawSync: 0, keyJSONL: 0, keyJetStream: 0, keyWriteOnly: 1, keyJSONLNoSync: 1, keyMemory: 2, keyMapMutex: 2, keyHallgren: 2}
	for _, c := range writeCases() {
		if p, ok := phases[c.key]; ok && writePhase(c) != p {
			t.Errorf("%s is in phase %d, want %d", c.key, writePhase(c), p)
		}
	}
}

// TestReadCases fills and reads a stream in every system; measureReads fails when a read
// returns a different number of events than were written.
func TestReadCases(t *testing.T) {
	ctx := context.Background()
	for _, c := range readCases() {
		t.Run(c.key, func(t *testing.T) {
			tg, err := c.open(ctx, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			m, err := measureReads(ctx, tg, 250, limits{duration: time.Millisecond})
			if cerr := tg.close(); cerr != nil {
				t.Errorf("close: %v", cerr)
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.events < 250 || m.events%250 != 0 {
				t.Errorf("read %d events, want whole reads of 250", m.events)
			}
		})
	}
}

func TestRenderReport(t *testing.T) {
	one := func(rate float64) []sample { return []sample{{rate: rate}} }
	ms := time.Millisecond
	r := results{
		writes: map[string]map[int][]sample{
			keyJSONL:       {1: one(4500), 16: one(60_000)},
			keyRawSync:     {1: one(5000)},
			keyJetStream:   {16: one(5000)},
			keySQLite:      {16: one(10_000)},
			keyJSONLNoSync: {16: samples(90, 90, 90)},
			keyWriteOnly:   {16: samples(100, 60, 200)},
			keyGroupWrite:  {16: {{rate: 120, perGroup: 3.5}, {rate: 150, perGroup: 4}, {rate: 100, perGroup: 4.5}}},
			keyGroupCommit: {16: {{rate: 30_000, perGroup: 8.25}}},
		},
		reads: map[string][]sample{keyJSONL: one(2_000_000), keySQLite: one(500_000)},
		fanout: []fanoutMeasurement{
			{subscribers: 1000, events: 2, lastP99: 20 * ms, last: []time.Duration{10 * ms, 20 * ms}},
			{subscribers: 1000, events: 2, lastP99: 150 * ms, last: []time.Duration{30 * ms, 150 * ms}},
		},
	}
	cfg := config{duration: time.Second, writers: []int{1, 16}, rounds: 1, readEvents: 10_000, subscribers: 1000, api: true}
	out := renderReport(machine{CPU: "test cpu", Cores: 2, Date: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)}, cfg, r, time.Minute)
	for _, want := range []string{
		"| CPU | test cpu |",
		"| JSONL durable, 16 writers ÷ JetStream sync always, 16 writers | 12.00× | – | ≥ 10.00× | PASS |",
		"| JSONL durable, 16 writers ÷ SQLite synchronous=FULL, 16 writers | 6.00× | – | ≥ 10.00× | FAIL |",
		"| JSONL durable, 16 writers | 60,000 events/s | – | ≥ 50,000 events/s | PASS |",
		"| JSONL durable, 1 writer ÷ raw write+fdatasync loop | 90% | – | ≥ 90% | PASS |",
		"| JSONL no sync ÷ the faster of write-only and group write in each round, 16 writer(s) — baseline: write-only in 1 of 3 rounds, group-write in 2 | 60% | 45% – 75% | ≥ 70% | FAIL (noisy) |",
		"| memory store ÷ map+mutex, 1 writer(s) | not measured | – | ≥ 60% | n/a |",
		"| ReadStream of a 10,000-event stream, JSONL ÷ SQLite | 4.00× | – | ≥ 2.00× | PASS |",
		"| fan-out to 1,000 WebSocket subscribers: commit → last delivery, p99 of all rounds' events pooled — 4 events of 2 round(s) | 150ms | 20ms – 150ms | < 100ms | FAIL (noisy) |",
		"| eventgraph JSONL, no sync | 16 | 90 | faster of write-only, group-write (write-only in 1 of 3 rounds, group-write in 2) | 150 | 60% |",
		"| naive group commit (write what is pending, one fdatasync) | 16 | 8.2 |",
		"| naive group write (write what is pending, no sync) | 16 | 4.0 |",
		"| all rounds pooled | 1,000 | 4 | 20ms | 150ms | | | |",
		"share its 2 cores",
		"One write+fdatasync of a",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q\n%s", want, out)
		}
	}
}

// TestGroupCommit_countsGroups: the group baselines count the writes they made and the events
// those carried, every acknowledged event once, in groups of one to the writer count.
func TestGroupCommit_countsGroups(t *testing.T) {
	for _, sync := range []bool{true, false} {
		g, err := openGroupCommit(t.TempDir(), sync)
		if err != nil {
			t.Fatal(err)
		}
		if g.perGroup() != 0 {
			t.Errorf("sync %v: %v events per group before any", sync, g.perGroup())
		}
		m, err := measureWrites(context.Background(), g, 4, limits{duration: 50 * time.Millisecond, maxEvents: 400})
		if cerr := g.close(); cerr != nil {
			t.Fatal(cerr)
		}
		if err != nil {
			t.Fatal(err)
		}
		if g.events.Load() != m.events || g.perGroup() < 1 || g.perGroup() > 4 {
			t.Errorf("sync %v: %d events in %d groups (%.2f per group) for %d acknowledged; want every event counted, 1 to 4 per group",
				sync, g.events.Load(), g.groups.Load(), g.perGroup(), m.events)
		}
	}
}

// TestRenderSoak: the soak section gives the achieved request rate beside the one asked for,
// says that the RSS includes the load generator, and gives the second half's slopes.
func TestRenderSoak(t *testing.T) {
	s := &soakResult{workload: soakSteady, duration: 4 * time.Second, rate: 1000, clients: 16}
	for i := range 5 {
		s.samples = append(s.samples, soakSample{at: time.Duration(i) * time.Second, requests: int64(930 * i), head: int64(465 * i), rss: 1 << 26, heap: uint64(1<<22 + 40*465*i)})
	}
	var b strings.Builder
	renderResources(&b, results{soak: s})
	for _, want := range []string{"asking for 1000 requests/s together; they made 930 requests/s", "the load generator's clients included", "`debug.FreeOSMemory`", "live heap 40 B/event"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("soak section lacks %q:\n%s", want, b.String())
		}
	}
}

// TestAPICases runs every GraphQL workload briefly against a real loopback server; a GraphQL
// error in any response fails the case.
func TestAPICases(t *testing.T) {
	ctx := context.Background()
	for _, c := range apiCases() {
		t.Run(c.key, func(t *testing.T) {
			p := plannedAPI{c: c, clients: 3}
			m, err := runAPI(ctx, t.TempDir(), p, 50*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			if m.requests == 0 || m.p50 <= 0 || m.p99 < m.p50 {
				t.Errorf("got %d requests, p50 %s, p99 %s; want progress and p99 ≥ p50", m.requests, m.p50, m.p99)
			}
		})
	}
}

func TestMeasureRequests_failsOnGraphQLError(t *testing.T) {
	ctx := context.Background()
	a := startMemoryAPI(t)
	c := newGQLClient(a.url, 1)
	defer c.close()
	unknown := body(opPlaceOrder, map[string]any{"in": map[string]any{"restaurantId": "does-not-exist", "menuItemIds": []string{"m1"}}})
	_, err := measureRequests(ctx, c, 1, time.Second, func(int, int) []byte { return unknown })
	if err == nil || !strings.Contains(err.Error(), "NOT_FOUND") {
		t.Errorf("got error %v, want the NOT_FOUND response reported", err)
	}
}

func TestMeasureFanout(t *testing.T) {
	ctx := context.Background()
	a := startMemoryAPI(t)
	m, err := measureFanout(ctx, a, 5, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if m.events < minFanoutEvents || m.lastP50 <= 0 || m.lastP99 < m.lastP50 || m.eachP50 > m.lastP50 {
		t.Errorf("got %+v; want ≥ %d events, 0 < last p50 ≤ last p99, any-delivery p50 ≤ last-delivery p50", m, minFanoutEvents)
	}
}

func TestQuantile(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i + 1) // 1 … 100
	}
	tests := []struct {
		sorted []time.Duration
		q      float64
		want   time.Duration
	}{
		{nil, 0.5, 0},
		{[]time.Duration{7}, 0.99, 7},
		{[]time.Duration{1, 2}, 0.5, 1},
		{[]time.Duration{1, 2, 3}, 0.5, 2},
		{hundred, 0.5, 50},
		{hundred, 0.99, 99}, // not the maximum
		{hundred, 1, 100},
		{hundred, 0, 1},
	}
	for _, tt := range tests {
		if got := quantile(tt.sorted, tt.q); got != tt.want {
			t.Errorf("quantile(%d values, %v) = %v, want %v", len(tt.sorted), tt.q, got, tt.want)
		}
	}
}

func TestMeasureResources(t *testing.T) {
	r, err := measureResources(context.Background(), t.TempDir(), 5000, 300)
	if err != nil {
		t.Fatal(err)
	}
	if r.jsonlIndex <= 0 || r.commandIndex <= 0 || r.memoryStore <= r.jsonlIndex || r.idleSubMemory <= 0 || r.idleSubJSONL <= 0 {
		t.Errorf("got %+v; want positive sizes, the memory store holding more per event than the JSONL index", r)
	}
}

// The restart log holds the restaurants and two events per order, the saga's included, and
// every step is timed.
func TestMeasureRestart(t *testing.T) {
	r, err := measureRestart(context.Background(), t.TempDir(), 3000, 2)
	if err != nil {
		t.Fatal(err)
	}
	if r.events != 3000 || r.streams != 2000 || r.rounds != 2 {
		t.Errorf("restart log: %d events in %d streams, %d rounds; want 3000 events (1,000 restaurants, 1,000 orders placed and created) in 2000 streams, 2 rounds", r.events, r.streams, r.rounds)
	}
	if r.open <= 0 || r.catchUp <= 0 || r.readAll <= 0 {
		t.Errorf("restart steps: open %s, catch-up %s, ReadAll %s; want each timed", r.open, r.catchUp, r.readAll)
	}
	var b strings.Builder
	renderRestart(&b, r)
	if !strings.Contains(b.String(), "| open the log (`jsonl.Open`) |") || !strings.Contains(b.String(), "3,000 events in 2,000 streams") {
		t.Errorf("restart section:\n%s", b.String())
	}
}

func TestRunSoak(t *testing.T) {
	for _, w := range []string{soakSteady, soakMix} {
		t.Run(w, func(t *testing.T) {
			s, err := runSoak(context.Background(), t.TempDir(), w, 1500*time.Millisecond, 200, 4, filepath.Join(t.TempDir(), "heap.pprof"))
			if err != nil {
				t.Fatal(err)
			}
			if len(s.samples) < 2 || s.samples[len(s.samples)-1].requests == 0 || s.samples[len(s.samples)-1].rss == 0 || s.samples[len(s.samples)-1].head == 0 {
				t.Errorf("got samples %+v; want at least two, with requests, events and RSS", s.samples)
			}
		})
	}
	if _, err := runSoak(context.Background(), t.TempDir(), "nope", time.Second, 1, 1, ""); err == nil {
		t.Error("an unknown workload ran")
	}
}

func TestMutationBodies(t *testing.T) {
	m := newMutationBodies()
	for _, tc := range []struct {
		name      string
		got, want []byte
	}{
		{"createRestaurant", m.createRestaurant(3, 7), body(opCreateRestaurant, map[string]any{"in": createRestaurantInput("bench-c3-r7")})},
		{"placeOrder", m.placeOrder(12, 0), body(opPlaceOrder, map[string]any{"in": placeOrderInput("bench-c12-r0")})},
	} {
		if !bytes.Equal(tc.got, tc.want) {
			t.Errorf("%s: got %s, want %s", tc.name, tc.got, tc.want)
		}
	}
}

func TestConfig_selects(t *testing.T) {
	tests := []struct {
		only  string
		key   string
		alias []string
		want  bool
	}{
		{"", "memory", nil, true},
		{"", "", []string{"fanout"}, true},
		{"memory", "memory", nil, true},
		{"memory", "hallgren-memory", nil, true},
		{"memory", "map-mutex", nil, false},
		{"map-mutex,memory", "map-mutex", nil, true},
		{"map-mutex,memory", "memory", nil, true},
		{"map-mutex,memory", "jsonl-durable", nil, false},
		{"api", "", []string{"fanout"}, false},
		{"api,fanout", "", []string{"fanout"}, true},
		{"read", "sqlite", []string{"read"}, true},
		{"jsonl,", "memory", nil, false},
		{",", "memory", []string{"fanout"}, false},
		{"jsonl, memory", "memory", nil, true},
	}
	for _, tt := range tests {
		if got := (config{only: tt.only}).selects(tt.key, tt.alias...); got != tt.want {
			t.Errorf("-only %q selects(%q, %q) = %v, want %v", tt.only, tt.key, tt.alias, got, tt.want)
		}
	}
}
