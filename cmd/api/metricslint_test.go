package main

import (
	"net/http"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"

	"github.com/eventgraph/eventgraph/graph/graphtest"
)

// servedFamily is a metric family as the server serves it: its type, in the README's
// spelling (counter, gauge, histogram, summary), and its label names (le and quantile
// left out).
type servedFamily struct {
	typ    string
	labels []string
}

// trafficServer starts a server on the JSONL store (the only one that reports the store_
// families), sends it traffic that gives every family of eventgraph a sample — commands
// that succeed and fail, a query, an open subscription, probes — and returns it with the
// subscription still open.
func trafficServer(tb testing.TB) *Main {
	tb.Helper()
	m, _ := startMain(tb, "--store", "jsonl", "--data", tb.TempDir())
	awaitReady(tb, m)
	c := newClient(tb, m.URL()+"/graphql")
	gql(tb, c, createRestaurant, map[string]any{"in": map[string]any{"id": "r1", "name": "Trattoria", "menu": menu("pasta")}})
	if resp, err := c.Query(testCtx(tb), createRestaurant, map[string]any{"in": map[string]any{"id": "r1", "name": "Again", "menu": menu("pasta")}}); err != nil || resp.Code() != "ALREADY_EXISTS" {
		tb.Fatalf("second createRestaurant: %v %v, want ALREADY_EXISTS", resp, err)
	}
	placed := decode[struct{ PlaceOrder result }](tb, gql(tb, c, placeOrder, map[string]any{
		"in": map[string]any{"restaurantId": "r1", "orderId": "o1", "menuItemIds": []string{"pasta"}},
	})).PlaceOrder
	gql(tb, c, `query($p: Int64) { order(id: "o1", minPosition: $p) { id } }`, map[string]any{"p": placed.Position})
	sub, err := c.SubscribeWS(testCtx(tb), graphtest.TransportWS, `subscription { events(afterPosition: 0) { position } }`, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { sub.Close() })
	if _, err := sub.Next(testCtx(tb)); err != nil {
		tb.Fatal(err)
	}
	httpGet(tb, m.URL()+"/healthz")
	httpGet(tb, m.URL()+"/metrics")
	// The subscribers report the events they read once they are done with a run of them.
	awaitMetricThat(tb, m, `eventgraph_store_read_events_total{source="cache"}`, "> 0", func(v float64) bool { return v > 0 })
	return m
}

// servedFamilies gathers m's registry, as /metrics serves it, and returns its families of
// eventgraph (without the prefix eventgraph_) and all families' names.
func servedFamilies(tb testing.TB, m *Main) (ours map[string]servedFamily, all []string) {
	tb.Helper()
	mfs, err := m.observability().metrics.Registry().Gather()
	if err != nil {
		tb.Fatal(err)
	}
	ours = map[string]servedFamily{}
	for _, mf := range mfs {
		all = append(all, mf.GetName())
		name, ok := strings.CutPrefix(mf.GetName(), "eventgraph_")
		if !ok {
			continue
		}
		f := servedFamily{typ: strings.ToLower(mf.GetType().String())}
		for _, metric := range mf.GetMetric() {
			for _, l := range metric.GetLabel() {
				if !slices.Contains(f.labels, l.GetName()) {
					f.labels = append(f.labels, l.GetName())
				}
			}
		}
		sort.Strings(f.labels)
		ours[name] = f
	}
	return ours, all
}

// TestMetrics_lint runs client_golang's metrics linter (promlint: units, _total on counters
// only, HELP texts, snake_case, no type in the name) over every family the real server
// serves, its own and the Go and process collectors', after traffic that gave each family
// the README lists a sample (a family without one is not served, so not linted). A name the
// linter flags that the README documents is not renamed (dashboards and alerts use it): it
// goes in allowed, with the reason. There is none today.
func TestMetrics_lint(t *testing.T) {
	m := trafficServer(t)
	allowed := map[string]string{ // family: why its name stays
	}
	ours, _ := servedFamilies(t, m)
	documented, _ := readmeMetrics(t)
	for name := range documented {
		if _, ok := ours[name]; !ok {
			t.Errorf("eventgraph_%s has no sample: not linted", name)
		}
	}
	mfs, err := m.observability().metrics.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	problems, err := promlint.NewWithMetricFamilies(mfs).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if _, ok := allowed[p.Metric]; ok {
			continue
		}
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
}

// readmeMetrics returns the rows of the README's metrics table (under "Operations:
// metrics, logs, health"), by name (without the prefix eventgraph_), and the text of that
// section.
func readmeMetrics(tb testing.TB) (rows map[string]servedFamily, section string) {
	tb.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		tb.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Operations: metrics, logs, health\n")
	if !ok {
		tb.Fatal("README: no section Operations: metrics, logs, health")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	row := regexp.MustCompile("^\\| `([a-z_]+)` \\| ([a-z]+) \\|([^|]*)\\|")
	rows = map[string]servedFamily{}
	for line := range strings.SplitSeq(section, "\n") {
		mm := row.FindStringSubmatch(line)
		if mm == nil {
			continue
		}
		f := servedFamily{typ: mm[2]}
		for l := range strings.SplitSeq(mm[3], ",") {
			if l = strings.Trim(strings.TrimSpace(l), "`"); l != "" {
				f.labels = append(f.labels, l)
			}
		}
		sort.Strings(f.labels)
		rows[mm[1]] = f
	}
	if len(rows) == 0 {
		tb.Fatal("README: no metrics table")
	}
	return rows, section
}

// TestMetrics_asDocumented compares the README's metrics table with what /metrics serves:
// every family the server serves is in the table, and every row is served, with the type and
// labels it gives. Every eventgraph_ metric the section's examples (alerts, PromQL) name is
// one the server serves.
func TestMetrics_asDocumented(t *testing.T) {
	m := trafficServer(t)
	served, all := servedFamilies(t, m)
	documented, section := readmeMetrics(t)
	for name, f := range served {
		d, ok := documented[name]
		switch {
		case !ok:
			t.Errorf("eventgraph_%s (%s, labels %v) is served but not in the README's table", name, f.typ, f.labels)
		case d.typ != f.typ || !slices.Equal(d.labels, f.labels):
			t.Errorf("eventgraph_%s is served as a %s with labels %v; the README says a %s with labels %v", name, f.typ, f.labels, d.typ, d.labels)
		}
	}
	for name := range documented {
		if _, ok := served[name]; !ok {
			t.Errorf("the README's table lists %s, which /metrics does not serve", name)
		}
	}
	for _, name := range regexp.MustCompile(`\beventgraph_[a-z_]+`).FindAllString(section, -1) {
		if name == "eventgraph_" {
			continue // "Every family is prefixed eventgraph_"
		}
		base := name
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if b, ok := strings.CutSuffix(name, suffix); ok && served[strings.TrimPrefix(b, "eventgraph_")].typ == "histogram" {
				base = b
			}
		}
		if !slices.Contains(all, base) {
			t.Errorf("the README's Operations section names %s, which /metrics does not serve", name)
		}
	}
}

// No string a client chooses becomes a label value: operation names, root fields a document
// names but the schema lacks (a subscription refused by validation included), ids, methods,
// paths and outcome codes all stay out of /metrics, each label keeping to its small fixed set.
func TestMetrics_clientStringsAreNoLabels(t *testing.T) {
	m, _ := startMain(t, "--store", "memory")
	c := newClient(t, m.URL()+"/graphql")
	const mark = "ClientChosen"
	for _, q := range []string{
		`query ` + mark + `Op { status { head } }`,
		`query { ` + mark + `Field }`,
		`subscription ` + mark + `Sub { ` + mark + `Root }`,
		`{ restaurant(id: "` + mark + `Id") { id } }`,
	} {
		if _, err := c.Query(testCtx(t), q, nil); err != nil {
			t.Fatal(err)
		}
	}
	if sub, err := c.SubscribeWS(testCtx(t), graphtest.TransportWS, `subscription `+mark+`Ws { `+mark+`Root }`, nil); err == nil {
		if resp, err := sub.Next(testCtx(t)); err == nil && resp.Code() != "GRAPHQL_VALIDATION_FAILED" {
			t.Errorf("a subscription to a root field the schema lacks: %v, want GRAPHQL_VALIDATION_FAILED", resp)
		}
		sub.Close()
	}
	for _, path := range []string{"/" + mark + "Path", "/graphql/" + mark} {
		httpGet(t, m.URL()+path)
	}
	req, err := http.NewRequestWithContext(testCtx(t), mark+"METHOD", m.URL()+"/graphql", nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := httpClient(t).Do(req); err == nil {
		resp.Body.Close()
	}
	_, body := httpGet(t, m.URL()+"/metrics")
	if i := strings.Index(strings.ToLower(string(body)), strings.ToLower(mark)); i >= 0 {
		j := strings.LastIndexByte(string(body[:i]), '\n')
		t.Errorf("/metrics serves a client's string: %.200s", body[j+1:])
	}
}
