package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/eventgraph/eventgraph/playground"
	"github.com/eventgraph/eventgraph/service"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
	"github.com/eventgraph/eventgraph/store/memory"
	"github.com/eventgraph/eventgraph/store/postgres"
)

// Main is the server program: NewMain, then ParseFlags (or set Config), Run to
// start serving and Close to shut down. Tests drive it the same way main does.
type Main struct {
	Config Config
	// Stderr receives the logs (default os.Stderr).
	Stderr io.Writer
	// Logger is the server's logger; Run builds it from Config and Stderr when nil.
	Logger *slog.Logger

	store    store.Store
	svc      *service.Service
	srv      *http.Server
	ln       net.Listener
	streams  *streams
	cancel   context.CancelFunc // ends the service runner and the server's base context
	runDone  chan error         // the service runner's result
	serveErr chan error         // the HTTP server's result
	failed   chan error         // Failed's channel
	stopOnce sync.Once
	closeErr error
	// endDelay, closed, ends Close's --shutdown-delay early (tests).
	endDelay chan struct{}

	// requestStarted, when set before Run, is told of each request as it reaches the
	// handlers (tests: a request read just as Shutdown begins is dropped by net/http before
	// any handler runs, so a connection's StateActive does not mean the request is in flight).
	requestStarted func(*http.Request)
	// streamEnded, when set before Run, is told of each subscription stream's request once
	// its handler returned (tests: a stream the server cut off).
	streamEnded func(*http.Request)
	// streamsClosing, when set before Run, is told once Close has begun to end the streams.
	streamsClosing func()
	// jsonlOptions, when set before Run, are further options of the JSONL store (tests: faults).
	jsonlOptions []jsonl.Option
	// wrapStore, when set before Run, wraps the store once it is open (tests: a store that
	// stops answering).
	wrapStore func(store.Store) store.Store

	obs *observability // metrics, readiness, request logs (observe.go); see observability()
}

// NewMain returns a Main with the default configuration.
func NewMain() *Main {
	return &Main{Config: DefaultConfig(), Stderr: os.Stderr, failed: make(chan error, 2), endDelay: make(chan struct{})}
}

// ParseFlags sets m.Config from args (without the program name) and the
// environment read with getenv; see ParseConfig.
func (m *Main) ParseFlags(args []string, getenv func(string) string) error {
	c, err := ParseConfig(args, getenv)
	if err != nil {
		return err
	}
	m.Config = c
	return nil
}

// newLogger returns the logger Config asks for, writing to w.
func newLogger(c Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == LogJSON {
		return slog.New(requestIDHandler{slog.NewJSONHandler(w, opts)})
	}
	return slog.New(requestIDHandler{slog.NewTextHandler(w, opts)})
}

// openOptions are the options of each store, beyond those Config sets.
type openOptions struct {
	memory   []memory.Option
	postgres []postgres.Option
	jsonl    []jsonl.Option
}

// openStore opens the store Config asks for, with its options from opts.
func openStore(ctx context.Context, c Config, opts openOptions) (store.Store, error) {
	switch c.Store {
	case StoreMemory:
		return memory.New(opts.memory...), nil
	case StorePostgres:
		st, err := postgres.Open(ctx, c.PostgresURL, append([]postgres.Option{postgres.WithSchema(c.PostgresSchema)}, opts.postgres...)...)
		if err != nil {
			return nil, err
		}
		return st, nil
	case StoreJSONL:
		st, err := jsonl.OpenContext(ctx, c.DataDir, opts.jsonl...) // a signal stops a long open
		if err != nil {
			return nil, err
		}
		return st, nil
	}
	return nil, fmt.Errorf("unknown store %q", c.Store)
}

// Run opens the store, starts the service (its read models rebuild from the
// start of the log) and the HTTP server, and returns once the server listens.
// ctx bounds only the start-up; the server runs until Close. Run logs the
// address it listens on; Addr returns it.
func (m *Main) Run(ctx context.Context) (err error) {
	if err := m.Config.validate(); err != nil {
		return err
	}
	if m.Stderr == nil {
		m.Stderr = os.Stderr
	}
	if m.Logger == nil {
		m.Logger = newLogger(m.Config, m.Stderr)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var opts openOptions
	switch m.Config.Store {
	case StoreJSONL:
		// Only the JSONL store reports appends, fsyncs and reads: attaching the observer
		// exports its metrics, which on another store would stay zeros ("no writes").
		opts.jsonl = append(m.observability().storeOptions(m.Logger), m.jsonlOptions...)
	case StoreMemory, StorePostgres:
		// They report appends held behind the log's last event, as the JSONL store does.
		restamped := m.observability().restampObserver(m.Logger)
		opts.memory = []memory.Option{memory.WithRestampObserver(restamped)}
		opts.postgres = []postgres.Option{postgres.WithRestampObserver(restamped)}
	}
	st, err := openStore(ctx, m.Config, opts)
	if err != nil {
		return storeError(m.Config, err)
	}
	if l, ok := st.(*jsonl.Store); ok {
		logRecovery(m.Logger, l.Recovery())
	}
	if m.wrapStore != nil {
		st = m.wrapStore(st)
	}
	defer func() {
		if err != nil {
			st.Close()
		}
	}()
	h, err := m.handler(st)
	if err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if n := m.Config.MaxConnections; n > 0 {
		ln = newLimitListener(ln, n)
	}

	base, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m.store, m.ln, m.cancel = st, ln, cancel
	m.runDone = make(chan error, 1)
	m.serveErr = make(chan error, 1)
	go func() {
		err := m.runService(base)
		if err != nil && base.Err() == nil {
			m.failed <- fmt.Errorf("service runner: %w", err)
		}
		m.runDone <- err
	}()
	m.srv = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: m.Config.ReadHeaderTimeout, // ReadTimeout and WriteTimeout: see deadlines
		IdleTimeout:       m.Config.IdleTimeout,
		BaseContext:       func(net.Listener) context.Context { return base },
		ConnContext:       withConn, // deadlines sizes a stream's send buffer
		ErrorLog:          slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn),
	}
	go func() {
		err := m.srv.Serve(ln)
		if !errors.Is(err, http.ErrServerClosed) {
			m.failed <- fmt.Errorf("http server: %w", err)
		}
		m.serveErr <- err
	}()
	attrs := []any{"addr", ln.Addr().String(), "url", browseURL(ln.Addr()), "store", m.Config.Store}
	switch m.Config.Store {
	case StoreJSONL:
		attrs = append(attrs, "data", m.Config.DataDir)
	case StorePostgres:
		attrs = append(attrs, "schema", m.Config.PostgresSchema) // never the URL: it may hold a password
	}
	m.Logger.Info("listening", attrs...)
	logSecurity(m.Logger, m.Config)
	if m.Config.Playground && !m.Config.Introspection {
		m.Logger.Warn("the playground needs introspection, which --introspection=false turns off")
	}
	return nil
}

// stateInterval is the service's state interval for --state-interval: 0 (off) is < 0 there.
func stateInterval(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// graphPath is the GraphQL endpoint's route.
const graphPath = "/graphql"

// handler builds the service over st and the server's routes.
func (m *Main) handler(st store.Store) (http.Handler, error) {
	obs := m.observability()
	m.svc = service.New(st, append([]service.Option{
		service.WithLogger(m.Logger),
		service.WithConsistencyTimeout(m.Config.ConsistencyTimeout),
		service.WithMaxRetries(m.Config.MaxRetries),
		service.WithSnapshots(m.Config.SnapshotEvery),
		service.WithStateInterval(stateInterval(m.Config.StateInterval)),
		service.WithStateEvery(m.Config.StateEvery),
	}, obs.serviceOptions()...)...)
	m.streams = newStreams()
	m.streams.ended = m.streamEnded
	m.streams.closing = m.streamsClosing
	mux := http.NewServeMux()
	mux.Handle(graphPath, m.streams.wrap(graphHandler(m.svc, m.Config, m.Logger, obs.graphObserver(m.Logger))))
	mux.HandleFunc("GET /healthz", obs.healthz)
	if m.Config.Playground {
		pg, err := playground.New(graphPath)
		if err != nil {
			return nil, err
		}
		mux.Handle("/", pg)
	}
	if err := obs.routes(mux, m.svc); err != nil {
		return nil, err
	}
	// guardHost inside deadlines: a refused request's unread body is then read away within
	// the read deadline.
	h := withRequestID(withTraceparent(obs.logRequests(m.Logger, deadlines(m.Config.SecurityConfig,
		guardHost(m.Config.Addr, m.Config.AllowedOrigins, recoverPanics(m.Logger, limitBody(m.Config.MaxBodyBytes, mux)))))))
	if started := m.requestStarted; started != nil {
		next := h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			started(r)
			next.ServeHTTP(w, r)
		})
	}
	return h, nil
}

// Addr returns the address the server listens on, or nil before Run.
func (m *Main) Addr() net.Addr {
	if m.ln == nil {
		return nil
	}
	return m.ln.Addr()
}

// URL returns the server's base URL, e.g. "http://127.0.0.1:8080", or "" before Run.
func (m *Main) URL() string {
	if m.ln == nil {
		return ""
	}
	return "http://" + m.ln.Addr().String()
}

// Failed returns a channel that receives an error if the HTTP server or the
// service runner stops on its own; the caller should then Close.
func (m *Main) Failed() <-chan error { return m.failed }

// Close shuts the server down gracefully: it stops accepting connections, ends
// every subscription stream (WebSocket and SSE), answers at once the queries that
// wait for a position beyond the log's head (see service.Service.Drain), lets
// in-flight requests finish for up to Config.ShutdownTimeout, then stops the service runner and closes
// the store (the JSONL log is synced and closed). Calling it again returns the
// first result; calling it without Run does nothing.
func (m *Main) Close() error {
	m.stopOnce.Do(func() { m.closeErr = m.shutdown() })
	return m.closeErr
}

func (m *Main) shutdown() error {
	if m.srv == nil {
		return nil
	}
	m.observability().leaving.Store(true)
	if d := m.Config.ShutdownDelay; d > 0 {
		// Serve on while /readyz answers 503, so that a load balancer takes the server out
		// of rotation before its listener closes (a connection refused mid-rotation is a
		// failed request for someone).
		m.Logger.Info("shutdown delayed: /readyz answers 503 meanwhile", "shutdown_delay", d.String())
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-m.endDelay:
			t.Stop()
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
	defer cancel()
	var errs []error
	shutdownDone := make(chan error, 1)
	go func() { shutdownDone <- m.srv.Shutdown(ctx) }() // stops accepting at once
	// The streams end once the queries and mutations running on them have answered, so they
	// close beside the drain below, which answers the queries among them that wait.
	streamsDone := make(chan error, 1)
	go func() { streamsDone <- m.streams.Close(ctx) }()
	// A query in flight that waits for a position beyond the head would wait out its
	// consistency timeout: no request can write that position now. Drain asks the store
	// for its head, which a database that hangs would not answer: bounded, so the rest of
	// the shutdown keeps its time (Drain then ends every wait for what is not processed yet).
	drainCtx, cancelDrain := context.WithTimeout(ctx, storeCheckTimeout)
	m.svc.Drain(drainCtx)
	cancelDrain()
	if err := <-streamsDone; err != nil {
		// A stream still open after the timeout (a subscriber that stopped reading, its
		// write waiting; an operation that outlasts it) is cut off, as requests in flight
		// are: the shutdown did what it was configured to do.
		m.Logger.Warn("subscription streams still open after the shutdown timeout were cut off", "shutdown_timeout", m.Config.ShutdownTimeout.String())
	}
	if err := <-shutdownDone; errors.Is(err, context.DeadlineExceeded) {
		// Requests still in flight (a client that stalls sending its body, a slow answer)
		// are cut off: the shutdown did what it was configured to do, so it is no failure.
		m.Logger.Warn("requests still in flight after the shutdown timeout were cut off", "shutdown_timeout", m.Config.ShutdownTimeout.String())
		m.srv.Close()
	} else if err != nil {
		errs = append(errs, fmt.Errorf("drain requests: %w", err))
		m.srv.Close()
	}
	<-m.serveErr
	m.cancel() // ends anything left of the requests, and the service runner
	if err := m.awaitRunner(ctx); err != nil && !errors.Is(err, context.Canceled) {
		errs = append(errs, fmt.Errorf("service runner: %w", err))
	}
	if err := m.closeStore(ctx); err != nil {
		errs = append(errs, fmt.Errorf("close store: %w", err))
	}
	return errors.Join(errs...)
}

// awaitRunner waits for the service runner to return (see awaitBounded). The runner waits
// for the saga's commands in flight and saves its checkpoints, and a store whose disk hangs
// answers neither (a JSONL append waits for its fsync whatever its context): the shutdown
// then logs it and goes on to close the store, which fails what still waits, rather than
// hang for good.
func (m *Main) awaitRunner(ctx context.Context) error {
	return m.awaitBounded(ctx, m.runDone, "the service runner did not stop in time (a saga command or checkpoint waits for the store); closing the store under it")
}

// closeStore closes the store (see awaitBounded): a database that hangs must not hold the
// exit past what an orchestrator allows (pgx's pool waits up to a minute for a ping it gave
// up on). What the store acknowledged is durable already; a close that does not end in
// time is logged, and the process exits without it.
func (m *Main) closeStore(ctx context.Context) error {
	done := make(chan error, 1)
	go func() { done <- m.store.Close() }()
	return m.awaitBounded(ctx, done, "the event store did not close in time; exiting without waiting for it")
}

// awaitBounded returns what done yields, waiting until ctx's deadline but at least
// minStoreClose; past that it logs late and returns nil.
func (m *Main) awaitBounded(ctx context.Context, done <-chan error, late string) error {
	wait := minStoreClose
	if deadline, ok := ctx.Deadline(); ok {
		wait = max(wait, time.Until(deadline))
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		m.Logger.Warn(late, "waited", wait.Round(time.Millisecond).String())
		return nil
	}
}

// minStoreClose is the least time shutdown gives the store to close, even when the shutdown
// timeout is spent.
const minStoreClose = time.Second

// browseURL is the URL to open for a server listening on addr: on every interface (":8080",
// "0.0.0.0:8080", "[::]:8080") that is localhost's, as "http://[::]:8080/" opens nowhere.
func browseURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String() + "/"
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}
