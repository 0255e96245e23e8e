package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/metrics"
	"github.com/eventgraph/eventgraph/service"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// observability is the server's metrics, readiness and request logging: one per Main,
// created by Main.observability before the store is opened.
type observability struct {
	metrics *metrics.Metrics

	svc       *service.Service // set by routes
	ready     chan struct{}    // closed once the read models caught up after start-up
	readyOnce sync.Once
	leaving   atomic.Bool // set when shutdown begins: /readyz answers 503 from then on

	// Test hooks, set before Run.
	tick      <-chan time.Time                                        // replay progress ticks (default: every second)
	onCommand func(context.Context, eventsourcing.CommandObservation) // called after each command is counted
	// restampNow spaces the warnings of appends held behind the log (default time.Now).
	restampNow func() time.Time
}

// replayProgressEvery is how often a progress line is logged while the log is replayed.
const replayProgressEvery = time.Second

func newObservability() *observability {
	return &observability{
		metrics: metrics.New(metrics.WithOutcome(graph.ErrorCode), metrics.WithCommands(service.CommandTypes(), graph.CommandErrorCodes()),
			metrics.WithOperations(watchedOperations()), metrics.WithSubscriptions(graph.SubscriptionFields()),
			metrics.WithRequests(watchedRequests())),
		ready: make(chan struct{}),
	}
}

// watchedOperations returns the outcomes of GraphQL operations, by type, that
// graphql_operations_total exports at 0 from the start, so that rate() and increase() see the
// first of each: success, internal errors, refusals for want of a token (a WebSocket
// connection refused at connection_init has no type: "unknown"), and subscribers cut off for
// not reading (graph.CodeSlowConsumer), which the README's alerts watch.
func watchedOperations() map[string][]string {
	return map[string][]string{
		"query":        {metrics.OutcomeOK, graph.CodeInternal, graph.CodeUnauthenticated},
		"mutation":     {metrics.OutcomeOK, graph.CodeInternal, graph.CodeUnauthenticated},
		"subscription": {metrics.OutcomeOK, graph.CodeInternal, graph.CodeUnauthenticated, graph.CodeSlowConsumer},
		"unknown":      {graph.CodeUnauthenticated},
	}
}

// watchedRequests returns the routes, with their methods, and the server errors that
// http_requests_total exports at 0 from the start, so that rate() and increase() see the
// first: the API's requests and its streams (a WebSocket's upgrade is a GET; an SSE stream
// a GET or a POST), with 500 (a panic the server recovered, a response it could not encode)
// and 503 (shutting down).
func watchedRequests() (routes map[string][]string, codes []int) {
	both := []string{http.MethodGet, http.MethodPost}
	return map[string][]string{graphPath: both, streamRoute: both},
		[]int{http.StatusInternalServerError, http.StatusServiceUnavailable}
}

// observability returns m's observability, creating it on first use.
func (m *Main) observability() *observability {
	if m.obs == nil {
		m.obs = newObservability()
	}
	return m.obs
}

// Ready returns a channel that is closed once the projections and sagas have caught up
// with the log as it was at start-up; /readyz answers 200 from then on.
func (m *Main) Ready() <-chan struct{} { return m.observability().ready }

// storeOptions returns the JSONL store's options that feed the metrics and warn of appends
// held behind the log's last event (see restampObserver); calling it exports the store's
// metric families (see metrics.Metrics.StoreObserver).
func (o *observability) storeOptions(logger *slog.Logger) []jsonl.Option {
	return []jsonl.Option{jsonl.WithObserver(o.metrics.StoreObserver()), jsonl.WithRestampObserver(o.restampObserver(logger))}
}

// restampObserver returns the function to pass to a store's WithRestampObserver, which
// counts its appends held behind the log's last event and warns of them on logger (see
// restampWarner); calling it exports store_restamped_appends_total.
func (o *observability) restampObserver(logger *slog.Logger) func(lead time.Duration) {
	now := o.restampNow
	if now == nil {
		now = time.Now
	}
	w := &restampWarner{count: o.metrics.RestampObserver(), logger: logger, now: now}
	return w.observe
}

// serviceOptions returns the service's options that feed the metrics.
func (o *observability) serviceOptions() []service.Option {
	return []service.Option{service.WithCommandObserver(o.observeCommand)}
}

func (o *observability) observeCommand(ctx context.Context, c eventsourcing.CommandObservation) {
	o.metrics.ObserveCommand(ctx, c)
	if o.onCommand != nil {
		o.onCommand(ctx, c)
	}
}

// isReady reports whether the read models caught up after start-up: the start-up latch,
// one of the things notReady checks.
func (o *observability) isReady() bool {
	select {
	case <-o.ready:
		return true
	default:
		return false
	}
}

// routes adds /metrics and /readyz to mux and starts exporting svc's progress and
// readiness (notReady, as /readyz answers).
func (o *observability) routes(mux *http.ServeMux, svc *service.Service) error {
	o.svc = svc
	if err := o.metrics.WatchProgress(svc); err != nil {
		return err
	}
	if err := o.metrics.WatchStates(svc); err != nil {
		return err
	}
	if err := o.metrics.WatchReady(func(ctx context.Context) bool { return o.notReady(ctx) == "" }); err != nil {
		return err
	}
	mux.Handle("GET /metrics", o.metrics.Handler())
	mux.HandleFunc("GET /readyz", o.readyz)
	return nil
}

// graphObserver is the graph.Observer of the server: it counts operations and open
// subscriptions and notes each operation on its HTTP request's log line. A subscription
// whose stream the server cut off for a slow client (see streamWriter) gets
// graph.CodeSlowConsumer among its codes, so its line and outcome say so.
type graphObserver struct {
	m      *metrics.Metrics
	logger *slog.Logger
}

var _ graph.Observer = graphObserver{}

// graphObserver returns the observer to set as graph.Config.Observer.
func (o *observability) graphObserver(logger *slog.Logger) graph.Observer {
	return graphObserver{m: o.metrics, logger: logger}
}

func (g graphObserver) OperationDone(ctx context.Context, op graph.Operation) {
	if errors.Is(context.Cause(ctx), errSlowConsumer) {
		op.Codes = append(slices.Clip(op.Codes), graph.CodeSlowConsumer)
	}
	typ := op.Type
	if typ == "" {
		typ = "unknown"
	}
	outcome := metrics.OutcomeOK
	if len(op.Codes) > 0 {
		outcome = op.Codes[0]
	}
	g.m.ObserveOperation(typ, outcome, op.Duration)
	if n := noteFrom(ctx); n != nil && !n.addOperation(op) {
		logOperation(ctx, g.logger, n.remote, op)
	}
}

func (g graphObserver) SubscriptionStarted(_ context.Context, field string) func() {
	return g.m.SubscriptionStarted(field)
}
