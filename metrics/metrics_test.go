package metrics_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/metrics"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// scrape serves m's metrics over HTTP and returns every sample of the text format, keyed
// by its name and labels as written ("eventgraph_commands_total{outcome=\"ok\",type=\"T\"}").
func scrape(tb testing.TB, m *metrics.Metrics) map[string]float64 {
	tb.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		tb.Fatalf("GET /metrics: %d %s", rec.Code, rec.Body)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			tb.Fatalf("sample %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// want checks samples against the wanted values.
func want(tb testing.TB, got map[string]float64, wanted map[string]float64) {
	tb.Helper()
	for k, w := range wanted {
		v, ok := got[k]
		if !ok {
			tb.Errorf("no sample %s", k)
		} else if v != w {
			tb.Errorf("%s = %v, want %v", k, v, w)
		}
	}
}

var errRejected = errors.New("rejected")

func TestMetrics_ObserveCommand(t *testing.T) {
	m := metrics.New(metrics.WithOutcome(func(_ context.Context, err error) string {
		if errors.Is(err, errRejected) {
			return "ALREADY_EXISTS"
		}
		return "INTERNAL_SERVER_ERROR"
	}))
	ctx := context.Background()
	for _, o := range []eventsourcing.CommandObservation{
		{Type: "CreateRestaurant", Duration: time.Millisecond},
		{Type: "CreateRestaurant", Duration: 2 * time.Millisecond},
		{Type: "CreateRestaurant", Duration: time.Millisecond, Duplicate: true},
		{Type: "CreateRestaurant", Duration: time.Millisecond, Err: fmt.Errorf("wrapped: %w", errRejected)},
		{Type: "PlaceOrder", Duration: time.Millisecond, Err: errors.New("disk on fire")},
	} {
		m.ObserveCommand(ctx, o)
	}
	want(t, scrape(t, m), map[string]float64{
		`eventgraph_commands_total{outcome="ok",type="CreateRestaurant"}`:                            2,
		`eventgraph_commands_total{outcome="duplicate",type="CreateRestaurant"}`:                     1,
		`eventgraph_commands_total{outcome="ALREADY_EXISTS",type="CreateRestaurant"}`:                1,
		`eventgraph_commands_total{outcome="INTERNAL_SERVER_ERROR",type="PlaceOrder"}`:               1,
		`eventgraph_command_duration_seconds_count{outcome="ok",type="CreateRestaurant"}`:            2,
		`eventgraph_command_duration_seconds_sum{outcome="ok",type="CreateRestaurant"}`:              0.003,
		`eventgraph_command_duration_seconds_bucket{outcome="ok",type="CreateRestaurant",le="+Inf"}`: 2,
	})
}

func TestMetrics_defaultOutcome(t *testing.T) {
	m := metrics.New()
	m.ObserveCommand(context.Background(), eventsourcing.CommandObservation{Type: "X", Err: errRejected})
	want(t, scrape(t, m), map[string]float64{`eventgraph_commands_total{outcome="error",type="X"}`: 1})
}

func TestMetrics_StoreObserver(t *testing.T) {
	m := metrics.New()
	o := m.StoreObserver()
	o.Appended(3, 2*time.Millisecond, nil)
	o.Appended(1, time.Millisecond, nil)
	o.Appended(1, time.Millisecond, &store.ConflictError{Stream: "s", Expected: 0, Actual: 1})
	o.Appended(1, time.Millisecond, fmt.Errorf("x: %w", store.ErrInvalid))
	o.Appended(1, time.Millisecond, errors.New("disk full"))
	o.Synced(2, 4, 3*time.Millisecond, nil)
	o.Synced(1, 1, time.Millisecond, errors.New("EIO"))
	ro, ok := o.(jsonl.ReadObserver)
	if !ok {
		t.Fatalf("StoreObserver %T is not a jsonl.ReadObserver", o)
	}
	ro.Read(5, 0)
	ro.Read(0, 2)
	ro.Read(1, 0)
	want(t, scrape(t, m), map[string]float64{
		`eventgraph_store_appends_total{outcome="ok"}`:       2,
		`eventgraph_store_appends_total{outcome="conflict"}`: 1,
		`eventgraph_store_appends_total{outcome="invalid"}`:  1,
		`eventgraph_store_appends_total{outcome="error"}`:    1,
		`eventgraph_store_append_duration_seconds_count`:     2,
		`eventgraph_store_append_events_sum`:                 4,
		`eventgraph_store_append_events_bucket{le="1"}`:      1,
		`eventgraph_store_append_events_bucket{le="4"}`:      2,
		`eventgraph_store_fsync_duration_seconds_count`:      1,
		`eventgraph_store_fsync_duration_seconds_sum`:        0.003,
		`eventgraph_store_fsync_events_sum`:                  4,
		`eventgraph_store_fsync_errors_total`:                1,
		`eventgraph_store_read_events_total{source="cache"}`: 6,
		`eventgraph_store_read_events_total{source="file"}`:  2,
	})
}

// The store's families are exported only once StoreObserver is attached: a server on a
// store that reports nothing to it (memory, PostgreSQL) exported them as zeros, which a
// dashboard read as "no writes".
func TestMetrics_StoreObserver_familiesOnlyOnceAttached(t *testing.T) {
	families := func(m *metrics.Metrics) []string {
		t.Helper()
		mfs, err := m.Registry().Gather()
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, mf := range mfs {
			if strings.HasPrefix(mf.GetName(), "eventgraph_store_") {
				names = append(names, mf.GetName())
			}
		}
		return names
	}
	m := metrics.New()
	if got := families(m); len(got) != 0 {
		t.Errorf("without a store observer: families %v, want none", got)
	}
	m.StoreObserver()
	m.StoreObserver() // a second call registers nothing twice
	wantFamilies := []string{
		"eventgraph_store_append_duration_seconds", "eventgraph_store_append_events", "eventgraph_store_appends_total",
		"eventgraph_store_fsync_duration_seconds", "eventgraph_store_fsync_errors_total", "eventgraph_store_fsync_events",
		"eventgraph_store_read_events_total",
	}
	if got := families(m); strings.Join(got, " ") != strings.Join(wantFamilies, " ") {
		t.Errorf("with a store observer: families %v, want %v", got, wantFamilies)
	}
}

// Every outcome of an append is exported at 0 from the start: a failure counted in a series
// that appeared with it, at 1, is invisible to rate() and increase(), so an alert on failed
// appends missed the first one (a disk that just filled up).
func TestMetrics_StoreObserver_outcomesStartAtZero(t *testing.T) {
	m := metrics.New()
	o := m.StoreObserver()
	got := scrape(t, m)
	want(t, got, map[string]float64{
		`eventgraph_store_appends_total{outcome="ok"}`:       0,
		`eventgraph_store_appends_total{outcome="conflict"}`: 0,
		`eventgraph_store_appends_total{outcome="invalid"}`:  0,
		`eventgraph_store_appends_total{outcome="closed"}`:   0,
		`eventgraph_store_appends_total{outcome="error"}`:    0,
		`eventgraph_store_fsync_errors_total`:                0,
	})
	o.Appended(1, time.Millisecond, errors.New("no space left on device"))
	want(t, scrape(t, m), map[string]float64{`eventgraph_store_appends_total{outcome="error"}`: 1})
}

// WithCommands exports each command's outcomes at 0 from the start, as for appends: the first
// internal error of a command, counted in a series that appeared with it, at 1, was
// invisible to rate() and increase().
func TestMetrics_WithCommands_outcomesStartAtZero(t *testing.T) {
	m := metrics.New(metrics.WithCommands([]string{"PlaceOrder"}, []string{"NOT_FOUND", "INTERNAL_SERVER_ERROR"}))
	want(t, scrape(t, m), map[string]float64{
		`eventgraph_commands_total{outcome="ok",type="PlaceOrder"}`:                    0,
		`eventgraph_commands_total{outcome="duplicate",type="PlaceOrder"}`:             0,
		`eventgraph_commands_total{outcome="NOT_FOUND",type="PlaceOrder"}`:             0,
		`eventgraph_commands_total{outcome="INTERNAL_SERVER_ERROR",type="PlaceOrder"}`: 0,
	})
}

// progress is a fixed metrics.Progress.
type progress struct {
	head    store.Position
	headErr error
	status  []eventsourcing.ProcessorStatus
}

func (p progress) Head(context.Context) (store.Position, error) { return p.head, p.headErr }
func (p progress) Status() []eventsourcing.ProcessorStatus      { return p.status }

func TestMetrics_WatchProgress(t *testing.T) {
	m := metrics.New()
	p := progress{head: 10, status: []eventsourcing.ProcessorStatus{
		{Name: "restaurants", Kind: eventsourcing.KindProjection, Position: 10},
		{Name: "orders", Kind: eventsourcing.KindProjection, Position: 4, Failures: 1, Stopped: true},
		{Name: "order-creation", Kind: eventsourcing.KindSaga, Position: 7, Retries: 3, Failures: 2, Rejections: 5, CheckpointHeld: true},
		{Name: "bonus", Kind: eventsourcing.KindSaga, Position: 10},
	}}
	if err := m.WatchProgress(p); err != nil {
		t.Fatal(err)
	}
	want(t, scrape(t, m), map[string]float64{
		`eventgraph_head_position`: 10,
		`eventgraph_projection_position{kind="projection",name="restaurants"}`:   10,
		`eventgraph_projection_lag_events{kind="projection",name="restaurants"}`: 0,
		`eventgraph_projection_position{kind="projection",name="orders"}`:        4,
		`eventgraph_projection_lag_events{kind="projection",name="orders"}`:      6,
		`eventgraph_projection_stopped{kind="projection",name="orders"}`:         1,
		`eventgraph_projection_stopped{kind="projection",name="restaurants"}`:    0,
		`eventgraph_projection_failures_total{name="orders"}`:                    1,
		`eventgraph_projection_lag_events{kind="saga",name="order-creation"}`:    3,
		`eventgraph_saga_retries_total{name="order-creation"}`:                   3,
		`eventgraph_saga_failures_total{name="order-creation"}`:                  2,
		`eventgraph_saga_rejections_total{name="order-creation"}`:                5,
		`eventgraph_saga_checkpoint_held{name="order-creation"}`:                 1,
		`eventgraph_saga_checkpoint_held{name="bonus"}`:                          0,
	})
	if err := m.WatchProgress(p); err == nil {
		t.Error("a second WatchProgress succeeded, want an error")
	}
}

func TestMetrics_WatchProgress_headFails(t *testing.T) {
	m := metrics.New()
	if err := m.WatchProgress(progress{headErr: store.ErrClosed, status: []eventsourcing.ProcessorStatus{
		{Name: "restaurants", Kind: eventsourcing.KindProjection, Position: 2},
	}}); err != nil {
		t.Fatal(err)
	}
	got := scrape(t, m)
	want(t, got, map[string]float64{`eventgraph_projection_position{kind="projection",name="restaurants"}`: 2})
	for _, k := range []string{`eventgraph_head_position`, `eventgraph_projection_lag_events{kind="projection",name="restaurants"}`} {
		if _, ok := got[k]; ok {
			t.Errorf("sample %s served although the head could not be read", k)
		}
	}
}

func TestMetrics_graphQLAndHTTP(t *testing.T) {
	m := metrics.New()
	doneA := m.SubscriptionStarted("events")
	doneB := m.SubscriptionStarted("events")
	m.SubscriptionStarted("orderChanged")
	doneA()
	m.ObserveOperation("mutation", "ok", time.Millisecond)
	m.ObserveOperation("query", "BAD_USER_INPUT", time.Millisecond)
	m.ObserveHTTP(http.MethodPost, "/graphql", 200, time.Millisecond)
	m.ObserveHTTP(http.MethodPost, "/graphql", 200, time.Millisecond)
	m.ObserveHTTP(http.MethodGet, "/healthz", 200, time.Millisecond)
	want(t, scrape(t, m), map[string]float64{
		`eventgraph_graphql_subscriptions{kind="events"}`:                                          1,
		`eventgraph_graphql_subscriptions{kind="orderChanged"}`:                                    1,
		`eventgraph_graphql_operations_total{outcome="ok",type="mutation"}`:                        1,
		`eventgraph_graphql_operations_total{outcome="BAD_USER_INPUT",type="query"}`:               1,
		`eventgraph_graphql_operation_duration_seconds_count{outcome="ok",type="mutation"}`:        1,
		`eventgraph_http_requests_total{code="200",method="POST",route="/graphql"}`:                2,
		`eventgraph_http_request_duration_seconds_count{code="200",method="GET",route="/healthz"}`: 1,
	})
	doneB()
	want(t, scrape(t, m), map[string]float64{`eventgraph_graphql_subscriptions{kind="events"}`: 0})
}

// Methods a client makes up are one series, not one each.
func TestMetrics_HTTPMethodsAreBounded(t *testing.T) {
	m := metrics.New()
	for _, method := range []string{"XXXX", "FOO", strings.Repeat("Y", 4096), "get"} {
		m.ObserveHTTP(method, "/healthz", 405, time.Millisecond)
	}
	m.ObserveHTTP(http.MethodOptions, "/graphql", 204, time.Millisecond)
	got := scrape(t, m)
	want(t, got, map[string]float64{
		`eventgraph_http_requests_total{code="405",method="OTHER",route="/healthz"}`:   4,
		`eventgraph_http_requests_total{code="204",method="OPTIONS",route="/graphql"}`: 1,
	})
	for k := range got {
		if strings.Contains(k, "XXXX") || strings.Contains(k, "FOO") || strings.Contains(k, `"get"`) {
			t.Errorf("a series for a made-up method: %s", k)
		}
	}
}

func TestMetrics_WatchReady(t *testing.T) {
	m := metrics.New()
	ready := false
	if err := m.WatchReady(func(ctx context.Context) bool {
		// A readiness check may ask the store, at every scrape: a store that does not
		// answer must not hold the scrape.
		if _, ok := ctx.Deadline(); !ok {
			t.Error("the readiness check got a context without a deadline")
		}
		return ready
	}); err != nil {
		t.Fatal(err)
	}
	want(t, scrape(t, m), map[string]float64{`eventgraph_ready`: 0})
	ready = true
	want(t, scrape(t, m), map[string]float64{`eventgraph_ready`: 1})
}

func TestNew_runtimeCollectorsAndOwnRegistry(t *testing.T) {
	a, b := metrics.New(), metrics.New()
	a.ObserveHTTP(http.MethodGet, "/", 200, time.Millisecond)
	got := scrape(t, b)
	if _, ok := got[`go_goroutines`]; !ok {
		t.Error("no go_goroutines sample: the Go collector is missing")
	}
	if _, ok := got[`process_start_time_seconds`]; !ok {
		t.Error("no process_start_time_seconds sample: the process collector is missing")
	}
	for k := range got {
		if strings.HasPrefix(k, "eventgraph_http_requests_total") {
			t.Errorf("%s served by another Metrics: registries are shared", k)
		}
	}
}

// Duration histograms have buckets twice apart at most, from 100µs to minutes: four apart, a
// p99 interpolated in a bucket read up to three times the real one, and subscriptions of
// minutes all fell past the last bucket at 26 s.
func TestMetrics_durationBuckets(t *testing.T) {
	m := metrics.New()
	m.ObserveCommand(context.Background(), eventsourcing.CommandObservation{Type: "X", Duration: time.Millisecond})
	mfs, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "eventgraph_command_duration_seconds" {
			continue
		}
		var bounds []float64
		for _, b := range mf.GetMetric()[0].GetHistogram().GetBucket() {
			bounds = append(bounds, b.GetUpperBound())
		}
		if len(bounds) == 0 || bounds[0] > 0.0001 || bounds[len(bounds)-1] < 120 {
			t.Fatalf("buckets %v: want 100µs to at least 2 minutes", bounds)
		}
		for i := 1; i < len(bounds); i++ {
			if bounds[i] > 2.0001*bounds[i-1] {
				t.Errorf("buckets %v and %v are more than twice apart", bounds[i-1], bounds[i])
			}
		}
		return
	}
	t.Fatal("no eventgraph_command_duration_seconds family")
}

// WithOperations exports the outcomes it is given at 0 from the start, as WithCommands does.
func TestMetrics_WithOperations_outcomesStartAtZero(t *testing.T) {
	m := metrics.New(metrics.WithOperations(map[string][]string{
		"subscription": {metrics.OutcomeOK, "SLOW_CONSUMER"},
		"unknown":      {"UNAUTHENTICATED"},
	}))
	want(t, scrape(t, m), map[string]float64{
		`eventgraph_graphql_operations_total{outcome="ok",type="subscription"}`:            0,
		`eventgraph_graphql_operations_total{outcome="SLOW_CONSUMER",type="subscription"}`: 0,
		`eventgraph_graphql_operations_total{outcome="UNAUTHENTICATED",type="unknown"}`:    0,
	})
	m.ObserveOperation("subscription", "SLOW_CONSUMER", time.Second)
	want(t, scrape(t, m), map[string]float64{`eventgraph_graphql_operations_total{outcome="SLOW_CONSUMER",type="subscription"}`: 1})
}

// WithRequests exports each route's methods with each code at 0 from the start, and
// ObserveHTTP counts into the same series.
func TestMetrics_WithRequests_codesStartAtZero(t *testing.T) {
	m := metrics.New(metrics.WithRequests(map[string][]string{"/graphql": {"GET", "POST"}}, []int{500, 503}))
	want(t, scrape(t, m), map[string]float64{
		`eventgraph_http_requests_total{code="500",method="GET",route="/graphql"}`:  0,
		`eventgraph_http_requests_total{code="503",method="GET",route="/graphql"}`:  0,
		`eventgraph_http_requests_total{code="500",method="POST",route="/graphql"}`: 0,
		`eventgraph_http_requests_total{code="503",method="POST",route="/graphql"}`: 0,
	})
	m.ObserveHTTP("POST", "/graphql", 503, time.Millisecond)
	want(t, scrape(t, m), map[string]float64{
		`eventgraph_http_requests_total{code="503",method="POST",route="/graphql"}`: 1,
		`eventgraph_http_requests_total{code="500",method="POST",route="/graphql"}`: 0,
	})
}

// WithSubscriptions exports each kind's gauge at 0 from the start.
func TestMetrics_WithSubscriptions_kindsStartAtZero(t *testing.T) {
	m := metrics.New(metrics.WithSubscriptions([]string{"events", "orderChanged"}))
	want(t, scrape(t, m), map[string]float64{
		`eventgraph_graphql_subscriptions{kind="events"}`:       0,
		`eventgraph_graphql_subscriptions{kind="orderChanged"}`: 0,
	})
	done := m.SubscriptionStarted("events")
	want(t, scrape(t, m), map[string]float64{`eventgraph_graphql_subscriptions{kind="events"}`: 1})
	done()
}
