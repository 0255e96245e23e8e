package graph_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/graph/graphtest"
	"github.com/eventgraph/eventgraph/service"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

// env is one API server over real loopback HTTP: a memory store, a running service and
// graph.NewHandler at /graphql.
type env struct {
	store  *memory.Store
	svc    *service.Service
	srv    *httptest.Server
	client *graphtest.Client
	http   *http.Client
}

type envOption struct {
	svc    []service.Option
	cfg    graph.Config
	wrap   func(store.Store) store.Store   // what the service sees instead of the memory store
	served func(*http.Request)             // told of each request the handler has returned from
	around func(http.Handler) http.Handler // middleware in front of the handler
}

// newEnv starts a server; everything it starts is stopped when the test ends.
func newEnv(tb testing.TB, opts ...func(*envOption)) *env {
	tb.Helper()
	var o envOption
	for _, f := range opts {
		f(&o)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	o.svc = append([]service.Option{service.WithLogger(logger)}, o.svc...)
	if o.cfg.Logger == nil {
		o.cfg.Logger = logger
	}
	st := memory.New()
	var seen store.Store = st
	if o.wrap != nil {
		seen = o.wrap(st)
	}
	svc := service.New(seen, o.svc...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()

	var h http.Handler = graph.NewHandler(svc, o.cfg)
	if o.around != nil {
		h = o.around(h)
	}
	if served := o.served; served != nil {
		inner := h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			inner.ServeHTTP(w, r)
			served(r)
		})
	}
	mux := http.NewServeMux()
	mux.Handle("/graphql", h)
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.BaseContext = func(net.Listener) context.Context { return ctx } // ends hijacked WebSockets
	srv.Start()
	hc := &http.Client{Transport: &http.Transport{}}
	e := &env{store: st, svc: svc, srv: srv, http: hc, client: graphtest.New(srv.URL+"/graphql", graphtest.WithHTTPClient(hc))}
	tb.Cleanup(func() {
		cancel()
		srv.CloseClientConnections()
		srv.Close()
		hc.CloseIdleConnections()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, store.ErrClosed) {
			tb.Errorf("service Run: %v", err)
		}
		_ = st.Close()
	})
	return e
}

// withHandler returns an env over e's service and store whose endpoint is configured by cfg
// (its Logger left nil: e's service's), served until the test ends.
func (e *env) withHandler(tb testing.TB, cfg graph.Config) *env {
	tb.Helper()
	mux := http.NewServeMux()
	mux.Handle("/graphql", graph.NewHandler(e.svc, cfg))
	srv := httptest.NewServer(mux)
	hc := &http.Client{Transport: &http.Transport{}}
	tb.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
		hc.CloseIdleConnections()
	})
	return &env{store: e.store, svc: e.svc, srv: srv, http: hc, client: graphtest.New(srv.URL+"/graphql", graphtest.WithHTTPClient(hc))}
}

func withService(opts ...service.Option) func(*envOption) {
	return func(o *envOption) { o.svc = append(o.svc, opts...) }
}

func withStore(wrap func(store.Store) store.Store) func(*envOption) {
	return func(o *envOption) { o.wrap = wrap }
}

func withConfig(cfg graph.Config) func(*envOption) {
	return func(o *envOption) { o.cfg = cfg }
}

// withServed has f told of each request once the handler returned from it: for a
// WebSocket, once the connection was torn down.
func withServed(f func(*http.Request)) func(*envOption) {
	return func(o *envOption) { o.served = f }
}

// withMiddleware puts mw in front of the handler, as a server of its own would.
func withMiddleware(mw func(http.Handler) http.Handler) func(*envOption) {
	return func(o *envOption) { o.around = mw }
}

func testContext(tb testing.TB) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

// postRaw sends body by POST with the headers (Content-Type application/json unless given)
// and returns the response and its body.
func (e *env) postRaw(tb testing.TB, body string, header map[string]string) (*http.Response, []byte) {
	tb.Helper()
	req, err := http.NewRequestWithContext(testContext(tb), http.MethodPost, e.srv.URL+"/graphql", strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := e.http.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp, b
}

// post is postRaw with the body decoded as a GraphQL response.
func (e *env) post(tb testing.TB, body string, header map[string]string) (*http.Response, *graphtest.Response) {
	tb.Helper()
	resp, b := e.postRaw(tb, body, header)
	var r graphtest.Response
	if err := json.Unmarshal(b, &r); err != nil {
		tb.Fatalf("status %d: the body %q is not a GraphQL response: %v", resp.StatusCode, b, err)
	}
	return resp, &r
}

// do runs an operation and returns the response; a transport failure fails the test.
func (e *env) do(tb testing.TB, query string, vars map[string]any) *graphtest.Response {
	tb.Helper()
	r, err := e.client.Query(testContext(tb), query, vars)
	if err != nil {
		tb.Fatalf("query failed: %v", err)
	}
	return r
}

// must runs an operation that must succeed and decodes its data into v (when not nil).
func (e *env) must(tb testing.TB, query string, vars map[string]any, v any) {
	tb.Helper()
	r := e.do(tb, query, vars)
	if err := r.Err(); err != nil {
		tb.Fatalf("operation failed: %v\n%s", err, query)
	}
	if v != nil {
		if err := json.Unmarshal(r.Data, v); err != nil {
			tb.Fatalf("decode %s: %v", r.Data, err)
		}
	}
}

// wantCode runs an operation that must fail with code and returns the first error.
func (e *env) wantCode(tb testing.TB, code, query string, vars map[string]any) graphtest.Error {
	tb.Helper()
	r := e.do(tb, query, vars)
	if len(r.Errors) == 0 {
		tb.Fatalf("got data %s, want error %s", r.Data, code)
	}
	if got := r.Code(); got != code {
		tb.Fatalf("got error code %q (%v), want %q", got, r.Err(), code)
	}
	return r.Errors[0]
}

func (e *env) head(tb testing.TB) store.Position {
	tb.Helper()
	h, err := e.store.Head(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// result is a CommandResult as the API returns it.
type result struct {
	ID        string  `json:"id"`
	StreamID  string  `json:"streamId"`
	Version   int     `json:"version"`
	Position  int64   `json:"position"`
	Events    []event `json:"events"`
	Duplicate bool    `json:"duplicate"`
}

type event struct {
	ID       string            `json:"id"`
	Position int64             `json:"position"`
	StreamID string            `json:"streamId"`
	Version  int               `json:"version"`
	Type     string            `json:"type"`
	Time     time.Time         `json:"time"`
	Data     json.RawMessage   `json:"data"`
	Metadata map[string]string `json:"metadata"`
}

const resultFields = `id streamId version position duplicate events { id position streamId version type time data metadata }`

const createRestaurant = `mutation($in: CreateRestaurantInput!) { createRestaurant(input: $in) { ` + resultFields + ` } }`
const changeMenu = `mutation($in: ChangeRestaurantMenuInput!) { changeRestaurantMenu(input: $in) { ` + resultFields + ` } }`
const placeOrder = `mutation($in: PlaceOrderInput!) { placeOrder(input: $in) { ` + resultFields + ` } }`
const markPrepared = `mutation($in: MarkOrderAsPreparedInput!) { markOrderAsPrepared(input: $in) { ` + resultFields + ` } }`

func menu(items ...string) map[string]any {
	var list []map[string]any
	for i, id := range items {
		list = append(list, map[string]any{"menuItemId": id, "name": "Dish " + id, "price": fmt.Sprintf("%d.50", i+1)})
	}
	return map[string]any{"cuisine": "ITALIAN", "menuItems": list}
}

// createRestaurantInput returns the input of a restaurant with the given id and menu items.
func restaurantInput(id string, items ...string) map[string]any {
	in := map[string]any{"name": "Trattoria " + id, "menu": menu(items...)}
	if id != "" {
		in["id"] = id
	}
	return in
}

func (e *env) create(tb testing.TB, in map[string]any) result {
	tb.Helper()
	var out struct{ CreateRestaurant result }
	e.must(tb, createRestaurant, map[string]any{"in": in}, &out)
	return out.CreateRestaurant
}

func (e *env) place(tb testing.TB, in map[string]any) result {
	tb.Helper()
	var out struct{ PlaceOrder result }
	e.must(tb, placeOrder, map[string]any{"in": in}, &out)
	return out.PlaceOrder
}
