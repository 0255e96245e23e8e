package main

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/internal/clocktest"
	"github.com/eventgraph/eventgraph/internal/syncbuf"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// restampLine is how the warning of appends held behind the log's last event begins.
const restampLine = `msg="the clock reads behind the log's last event`

// manualClock is a clock that moves only when told to.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// A server whose clock was stepped a day forward by mistake and then corrected stamps the
// appends after it with the day-ahead time until the clock catches up: it counts them in
// eventgraph_store_restamped_appends_total and warns, once, then at most once a minute with
// the count held since. Appends on a clock that moves on, or stepped forward, are neither
// counted nor logged.
func TestMain_restampedAppends(t *testing.T) {
	const day = 24 * time.Hour
	var step atomic.Int64 // how far the server's system clock is stepped
	lines := &manualClock{now: time.Now()}
	m := NewMain()
	logs := &syncbuf.Buffer{}
	m.Stderr = logs
	if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0", "--store", "jsonl", "--data", t.TempDir()}, env(nil)); err != nil {
		t.Fatal(err)
	}
	m.jsonlOptions = []jsonl.Option{jsonl.WithClock(func() time.Time { return clocktest.Stepped(time.Now(), time.Duration(step.Load())) })}
	m.observability().restampNow = lines.Now
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("Run: %v", err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	awaitReady(t, m)
	c := newClient(t, m.URL()+"/graphql")
	n := 0
	create := func() {
		t.Helper()
		n++
		gql(t, c, createRestaurant, map[string]any{"in": map[string]any{"name": "Trattoria", "menu": menu("pasta")}})
	}
	check := func(restamped float64, warnings ...string) {
		t.Helper()
		if v := sample(t, scrapeMetrics(t, m), `eventgraph_store_restamped_appends_total`); v != restamped {
			t.Errorf("after %d appends: eventgraph_store_restamped_appends_total = %v, want %v", n, v, restamped)
		}
		var got []string
		for line := range strings.SplitSeq(logs.String(), "\n") {
			if strings.Contains(line, restampLine) {
				got = append(got, line)
			}
		}
		if len(got) != len(warnings) {
			t.Fatalf("after %d appends: warnings %q, want %d", n, got, len(warnings))
		}
		for i, w := range warnings {
			if !strings.Contains(got[i], "level=WARN") || !strings.Contains(got[i], w) {
				t.Errorf("warning %d: %s, want a WARN line with %s", i, got[i], w)
			}
		}
	}

	create()
	create()
	step.Store(int64(day)) // stepped a day forward by mistake: the appends are dated by it
	create()
	check(0)
	step.Store(0) // corrected: each append is held at the day-ahead time
	create()
	check(1, "appends=1 ")
	create()
	create()
	check(3, "appends=1 ") // within the minute: counted, not logged
	lines.Advance(restampLogEvery)
	create()
	check(4, "appends=1 ", "appends=3 ") // a minute on: one line for the three since the first
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if strings.Contains(line, restampLine) && !strings.Contains(line, " lead=23h59m") {
			t.Errorf("warning %s: want the lead, a little under a day", line)
		}
	}
}
