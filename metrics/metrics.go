package metrics

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// namespace prefixes every metric of eventgraph.
const namespace = "eventgraph"

// Outcomes that are not error codes.
const (
	OutcomeOK        = "ok"
	OutcomeDuplicate = "duplicate"
	OutcomeError     = "error"
)

var (
	// latencyBuckets span 100µs to 210s, twice apart: four apart, a p99 interpolated in a
	// bucket was up to three times the real one (2 ms read as 6.4 ms), and minutes-long
	// subscriptions all fell past the last bucket at 26s.
	latencyBuckets = prometheus.ExponentialBuckets(0.0001, 2, 22)
	// sizeBuckets span 1 to 512 events, twice apart.
	sizeBuckets = prometheus.ExponentialBuckets(1, 2, 10)
)

// Option configures Metrics.
type Option func(*Metrics)

// WithOutcome sets how a failed command's error, returned in the command's context, becomes
// its outcome label, e.g. the API's error code ("NOT_FOUND"; see graph.ErrorCode). It must
// return a value from a small fixed set. The default labels every failure OutcomeError.
func WithOutcome(f func(context.Context, error) string) Option {
	return func(m *Metrics) {
		if f != nil {
			m.outcome = f
		}
	}
}

// WithCommands exports commands_total at 0, from the start, for each of the command types
// with the outcomes ok and duplicate and each of failures (the error codes its WithOutcome
// gives): a series that first appears at 1 shows no increase, so an alert on the rate of a
// kind of failure missed its first occurrence. A command or outcome not listed is still
// counted, from its first occurrence.
func WithCommands(types, failures []string) Option {
	return func(m *Metrics) {
		for _, t := range types {
			for _, o := range append([]string{OutcomeOK, OutcomeDuplicate}, failures...) {
				m.commands.WithLabelValues(t, o)
			}
		}
	}
}

// WithOperations exports graphql_operations_total at 0, from the start, for each operation
// type in outcomes with each of its outcomes (e.g. "subscription": OutcomeOK and
// "SLOW_CONSUMER"): as for WithCommands, an alert on the rate of an outcome would miss its
// first occurrence in a series that appeared with it. Others are still counted, from their
// first occurrence.
func WithOperations(outcomes map[string][]string) Option {
	return func(m *Metrics) {
		for typ, outs := range outcomes {
			for _, o := range outs {
				m.operations.WithLabelValues(typ, o)
			}
		}
	}
}

// WithRequests exports http_requests_total at 0, from the start, for each route with each of
// its methods and each of codes (e.g. "/graphql": GET and POST, with 500 and 503): as for
// WithCommands, an alert on the rate of server errors would miss the first in a series that
// appeared with it. Methods are labelled as ObserveHTTP labels them. Other requests are
// still counted, from their first occurrence.
func WithRequests(routes map[string][]string, codes []int) Option {
	return func(m *Metrics) {
		for route, methods := range routes {
			for _, method := range methods {
				for _, code := range codes {
					m.requests.WithLabelValues(methodLabel(method), route, strconv.Itoa(code))
				}
			}
		}
	}
}

// WithSubscriptions exports graphql_subscriptions at 0, from the start, for each of kinds
// (the schema's subscription root fields): absent until the first subscription, the gauge
// reads as no data rather than none open. Another kind is still counted, from its first.
func WithSubscriptions(kinds []string) Option {
	return func(m *Metrics) {
		for _, k := range kinds {
			m.subscriptions.WithLabelValues(k)
		}
	}
}

// Metrics holds eventgraph's metrics in a registry of its own. Its methods are safe for
// concurrent use.
type Metrics struct {
	reg     *prometheus.Registry
	outcome func(context.Context, error) string

	commands       *prometheus.CounterVec
	commandSeconds *prometheus.HistogramVec

	// The store's families are registered by StoreObserver, once: a server on a store that
	// reports nothing to it would export them as zeros, read as "no writes".
	storeOnce     sync.Once
	appends       *prometheus.CounterVec
	appendsOK     prometheus.Counter // appends{outcome="ok"}, looked up once
	appendSeconds prometheus.Histogram
	appendEvents  prometheus.Histogram
	fsyncSeconds  prometheus.Histogram
	fsyncEvents   prometheus.Histogram
	fsyncErrors   prometheus.Counter
	reads         *prometheus.CounterVec
	readsCache    prometheus.Counter // reads{source="cache"}
	readsFile     prometheus.Counter // reads{source="file"}

	// store_restamped_appends_total, registered by RestampObserver, once (see there).
	restampOnce sync.Once
	restamped   prometheus.Counter

	subscriptions *prometheus.GaugeVec
	operations    *prometheus.CounterVec
	opSeconds     *prometheus.HistogramVec
	requests      *prometheus.CounterVec
	reqSeconds    *prometheus.HistogramVec
}

// New returns Metrics with a new registry holding eventgraph's families and the Go runtime
// and process collectors.
func New(opts ...Option) *Metrics {
	m := &Metrics{
		reg:     prometheus.NewRegistry(),
		outcome: func(context.Context, error) string { return OutcomeError },
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "commands_total",
			Help: "Commands handled, by command type and outcome (ok, duplicate, or the error code).",
		}, []string{"type", "outcome"}),
		commandSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "command_duration_seconds", Buckets: latencyBuckets,
			Help: "How long handling a command took, waiting for its stream and retries included.",
		}, []string{"type", "outcome"}),
		appends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "store_appends_total",
			Help: "Appends to the event log by outcome (ok, conflict, invalid, closed, error).",
		}, []string{"outcome"}),
		appendSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Name: "store_append_duration_seconds", Buckets: latencyBuckets,
			Help: "Latency of committed appends, the group commit's write and fsync included.",
		}),
		appendEvents: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Name: "store_append_events", Buckets: sizeBuckets,
			Help: "Events per committed append.",
		}),
		fsyncSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Name: "store_fsync_duration_seconds", Buckets: latencyBuckets,
			Help: "Latency of each group commit's fsync of the log.",
		}),
		fsyncEvents: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Name: "store_fsync_events", Buckets: sizeBuckets,
			Help: "Events made durable per fsync (the group commit's batch size).",
		}),
		fsyncErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "store_fsync_errors_total",
			Help: "Failed fsyncs of the log.",
		}),
		reads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "store_read_events_total",
			Help: "Events the log's subscribers and full reads got, by source: the tail cache of recent events, or read back from the file.",
		}, []string{"source"}),
		subscriptions: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: namespace, Name: "graphql_subscriptions",
			Help: "Open GraphQL subscriptions by root field.",
		}, []string{"kind"}),
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "graphql_operations_total",
			Help: "GraphQL operations by type and outcome (ok, or the first error code).",
		}, []string{"type", "outcome"}),
		opSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "graphql_operation_duration_seconds", Buckets: latencyBuckets,
			Help: "Duration of GraphQL operations (of a subscription: how long it stayed open).",
		}, []string{"type", "outcome"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "http_requests_total",
			Help: "HTTP requests by method, route and status code.",
		}, []string{"method", "route", "code"}),
		reqSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "http_request_duration_seconds", Buckets: latencyBuckets,
			Help: "Duration of HTTP requests (of a WebSocket or SSE stream: how long it stayed open).",
		}, []string{"method", "route", "code"}),
	}
	m.restamped = newRestamped()
	m.appendsOK = m.appends.WithLabelValues(OutcomeOK)
	m.readsCache, m.readsFile = m.reads.WithLabelValues("cache"), m.reads.WithLabelValues("file")
	for _, o := range opts {
		o(m)
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.commands, m.commandSeconds,
		m.subscriptions, m.operations, m.opSeconds, m.requests, m.reqSeconds,
	)
	return m
}

// Registry returns the registry holding the metrics, to add more or to gather them.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus exposition format (mount it at /metrics). A
// collector that fails is left out of the scrape; the rest is still served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorHandling:     promhttp.ContinueOnError,
		EnableOpenMetrics: true,
	})
}

// ObserveHTTP counts a served HTTP request. route must come from a small fixed set (the
// server's routes), never from the raw path. A method other than HTTP's standard ones is
// counted as "OTHER": a client chooses the method, and each new label value would be a new
// series kept for the life of the process.
func (m *Metrics) ObserveHTTP(method, route string, code int, d time.Duration) {
	method = methodLabel(method)
	c := strconv.Itoa(code)
	m.requests.WithLabelValues(method, route, c).Inc()
	m.reqSeconds.WithLabelValues(method, route, c).Observe(d.Seconds())
}

// ObserveOperation counts a finished GraphQL operation of the type ("query", "mutation",
// "subscription", or "unknown" when it did not parse) with its outcome (OutcomeOK or an
// error code) and duration.
func (m *Metrics) ObserveOperation(opType, outcome string, d time.Duration) {
	m.operations.WithLabelValues(opType, outcome).Inc()
	m.opSeconds.WithLabelValues(opType, outcome).Observe(d.Seconds())
}

// SubscriptionStarted counts an open subscription of the kind (its root field) and returns
// the function to call once when it ends.
func (m *Metrics) SubscriptionStarted(kind string) (done func()) {
	g := m.subscriptions.WithLabelValues(kind)
	g.Inc()
	return g.Dec
}

// WatchReady exports ready at every scrape as eventgraph_ready: 1 when it reports true, else
// 0. ready must say what the server's readiness check says (not merely whether start-up
// finished), so that an alert on the gauge agrees with a load balancer's probe. It may ask
// the store: it gets a context that ends after scrapeTimeout. It fails when called twice.
func (m *Metrics) WatchReady(ready func(ctx context.Context) bool) error {
	return m.reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: namespace, Name: "ready",
		Help: "1 while the server is ready to serve (what its readiness check, /readyz, answers 200 for), else 0.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
		defer cancel()
		if ready(ctx) {
			return 1
		}
		return 0
	}))
}

// methodLabel returns method when it is one of HTTP's standard methods, else "OTHER".
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return method
	}
	return "OTHER"
}
