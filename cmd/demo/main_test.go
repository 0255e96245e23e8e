package main

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/service"
	"github.com/eventgraph/eventgraph/store/memory"
)

// newServer serves the GraphQL endpoint over a memory store on loopback. The
// returned stop shuts it down (it also runs when the test ends).
func newServer(tb testing.TB) (*httptest.Server, func()) {
	tb.Helper()
	st := memory.New()
	svc := service.New(st, service.WithLogger(slog.New(slog.DiscardHandler)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = svc.Run(ctx)
	}()
	mux := http.NewServeMux()
	mux.Handle("/graphql", graph.NewHandler(svc, graph.Config{}))
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.BaseContext = func(net.Listener) context.Context { return ctx }
	srv.Start()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			srv.Close()
			<-done
			st.Close()
		})
	}
	tb.Cleanup(stop)
	return srv, stop
}

func TestRun_followsAnOrderToPrepared(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	srv, stop := newServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var out strings.Builder
	transport := &http.Transport{}
	err := run(ctx, srv.URL+"/graphql", &http.Client{Transport: transport}, &out)
	transport.CloseIdleConnections()
	stop()
	if err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out.String())
	}
	goleak.VerifyNone(t, ignore)
	steps := []string{
		"1. createRestaurant demo-",
		"2. changeRestaurantMenu",
		"3. placeOrder → new order",
		"4. subscribed to orderChanged",
		"5. subscription: order", ": CREATED (version 1)",
		"6. markOrderAsPrepared",
		"7. subscription: order", ": PREPARED (version 2)",
		"8. query with minPosition",
		"Pizza Margherita 9.50", "Lasagne 11.00",
		"done",
	}
	got := out.String()
	for _, want := range steps {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

func TestRun_twiceOnOneServer(t *testing.T) {
	srv, _ := newServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := range 2 {
		var out strings.Builder
		if err := run(ctx, srv.URL+"/graphql", srv.Client(), &out); err != nil {
			t.Fatalf("run %d: %v\n%s", i+1, err, out.String())
		}
	}
}

func TestRun_fails(t *testing.T) {
	notGraphQL := httptest.NewServer(http.NotFoundHandler())
	defer notGraphQL.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	tests := []struct {
		name, url string
	}{
		{"no server listening", closed.URL + "/graphql"},
		{"not a GraphQL endpoint", notGraphQL.URL + "/graphql"},
		{"not an http URL", "ftp://127.0.0.1/graphql"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var out strings.Builder
			if err := run(ctx, tt.url, http.DefaultClient, &out); err == nil {
				t.Errorf("run: nil error, want one\n%s", out.String())
			}
		})
	}
}
