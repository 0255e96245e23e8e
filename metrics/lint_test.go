package metrics_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/metrics"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// full returns Metrics with every family of eventgraph registered and given a sample: each
// hook attached, each observed once.
func full(tb testing.TB) *metrics.Metrics {
	tb.Helper()
	m := metrics.New(metrics.WithCommands([]string{"PlaceOrder"}, []string{"NOT_FOUND"}))
	ctx := context.Background()
	m.ObserveCommand(ctx, eventsourcing.CommandObservation{Type: "PlaceOrder", Duration: time.Millisecond})
	o := m.StoreObserver()
	o.Appended(1, time.Millisecond, nil)
	o.Appended(1, time.Millisecond, errors.New("disk full"))
	o.Synced(1, 1, time.Millisecond, nil)
	o.(jsonl.ReadObserver).Read(1, 1)
	m.RestampObserver()(2 * metrics.RestampThreshold)
	if err := m.WatchProgress(progress{head: 2, status: []eventsourcing.ProcessorStatus{
		{Name: "orders", Kind: eventsourcing.KindProjection, Position: 1},
		{Name: "order-creation", Kind: eventsourcing.KindSaga, Position: 2},
	}}); err != nil {
		tb.Fatal(err)
	}
	if err := m.WatchReady(func(context.Context) bool { return true }); err != nil {
		tb.Fatal(err)
	}
	states := &statesSource{}
	states.set(eventsourcing.StatesStatus{Kept: true, Position: 1, Saves: 1})
	if err := m.WatchStates(states); err != nil {
		tb.Fatal(err)
	}
	m.SubscriptionStarted("events")
	m.ObserveOperation("query", metrics.OutcomeOK, time.Millisecond)
	m.ObserveHTTP(http.MethodPost, "/graphql", http.StatusOK, time.Millisecond)
	return m
}

// Every family of a Metrics with all its hooks attached passes client_golang's linter
// (promlint: base units, _total on counters only, HELP texts, snake_case), as do the Go and
// process collectors it includes.
func TestMetrics_lint(t *testing.T) {
	mfs, err := full(t).Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	problems, err := promlint.NewWithMetricFamilies(mfs).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
}

// The package comment lists every family, with its labels, and no other.
func TestMetrics_asDocumented(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	_, list, ok := strings.Cut(string(src), "The families")
	if !ok {
		t.Fatal("doc.go: no list of the families")
	}
	documented := map[string][]string{}
	entry := regexp.MustCompile(`(?m)^//\t([a-z_]+)(?:\{([a-z_,]+)\})? `)
	for _, mm := range entry.FindAllStringSubmatch(list, -1) {
		var labels []string
		if mm[2] != "" {
			labels = strings.Split(mm[2], ",")
		}
		sort.Strings(labels)
		documented[mm[1]] = labels
	}
	mfs, err := full(t).Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	served := map[string][]string{}
	for _, mf := range mfs {
		name, ok := strings.CutPrefix(mf.GetName(), "eventgraph_")
		if !ok {
			continue
		}
		var labels []string
		for _, metric := range mf.GetMetric() {
			for _, l := range metric.GetLabel() {
				if !slices.Contains(labels, l.GetName()) {
					labels = append(labels, l.GetName())
				}
			}
		}
		sort.Strings(labels)
		served[name] = labels
	}
	for name, labels := range served {
		if d, ok := documented[name]; !ok || !slices.Equal(d, labels) {
			t.Errorf("eventgraph_%s{%s} is served; the package comment lists it as %v (listed: %v)", name, strings.Join(labels, ","), d, ok)
		}
	}
	for name := range documented {
		if _, ok := served[name]; !ok {
			t.Errorf("the package comment lists %s, which is not served", name)
		}
	}
}
