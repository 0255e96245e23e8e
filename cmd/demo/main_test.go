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

	"github.com/eventgraph/eventgraph/internal/leakcheck"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/service"
	"github.com/eventgraph/eventgraph/store/memory"
)

// newServer serves the GraphQL endpoint over a memory store on loopback; with tokens,
// mutations and subscriptions need one of them (as with the server's --auth-tokens). The
// returned stop shuts it down (it also runs when the test ends).
func newServer(tb testing.TB, tokens ...string) (*httptest.Server, func()) {
	tb.Helper()
	return newServerWith(tb, nil, tokens...)
}

// newServerWith is newServer with the endpoint wrapped by wrap, when not nil: a server that
// misbehaves in some way.
func newServerWith(tb testing.TB, wrap func(http.Handler) http.Handler, tokens ...string) (*httptest.Server, func()) {
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
	var h http.Handler = graph.NewHandler(svc, graph.Config{AuthTokens: tokens})
	if wrap != nil {
		h = wrap(h)
	}
	mux.Handle("/graphql", h)
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
	err := run(ctx, &client{url: srv.URL + "/graphql", http: &http.Client{Transport: transport}}, &out)
	transport.CloseIdleConnections()
	stop()
	if err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out.String())
	}
	leakcheck.VerifyNone(t, ignore)
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
		if err := run(ctx, &client{url: srv.URL + "/graphql", http: srv.Client()}, &out); err != nil {
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
			if err := run(ctx, &client{url: tt.url, http: http.DefaultClient}, &out); err == nil {
				t.Errorf("run: nil error, want one\n%s", out.String())
			}
		})
	}
}

// token is a bearer token of the servers the tests start with tokens.
const token = "demo-token-0123456789abcdef"

// env returns a getenv reading from vars.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestRun_withABearerToken(t *testing.T) {
	srv, _ := newServer(t, token)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	t.Run("the token goes with the mutations, queries and the subscription", func(t *testing.T) {
		var out strings.Builder
		if err := run(ctx, &client{url: srv.URL + "/graphql", token: token, http: srv.Client()}, &out); err != nil {
			t.Fatalf("run: %v\n%s", err, out.String())
		}
		if !strings.Contains(out.String(), "done") {
			t.Errorf("output lacks done:\n%s", out.String())
		}
	})
	t.Run("without a token the first mutation is refused", func(t *testing.T) {
		var out strings.Builder
		err := run(ctx, &client{url: srv.URL + "/graphql", http: srv.Client()}, &out)
		if err == nil || !strings.Contains(err.Error(), "UNAUTHENTICATED") {
			t.Errorf("run: %v, want UNAUTHENTICATED", err)
		}
	})
	t.Run("a subscription authenticates in its connection_init payload", func(t *testing.T) {
		c := &client{url: srv.URL + "/graphql", token: token, http: srv.Client()}
		sub, err := c.subscribe(ctx, `subscription { events { position } }`, nil)
		if err != nil {
			t.Fatalf("subscribe: %v", err)
		}
		sub.close()
		c.token = token[:len(token)-1] + "X"
		if sub, err := c.subscribe(ctx, `subscription { events { position } }`, nil); err == nil {
			sub.close()
			t.Error("subscribe with a wrong token: nil error, want the connection refused")
		}
	})
}

func TestRunMain(t *testing.T) {
	srv, _ := newServer(t, token)
	url := srv.URL + "/graphql"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	noServer := "http://" + l.Addr().String() + "/graphql" // nothing listens there once closed
	l.Close()
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		wantStatus int
		wantStderr string
	}{
		{"the token by flag", []string{"--url", url, "--token", token}, nil, 0, ""},
		{"the token by environment variable", []string{"--url", url}, map[string]string{"EVENTGRAPH_TOKEN": token}, 0, ""},
		{"the flag wins over the variable", []string{"--url", url, "--token", "wrong-token-0123456789abcdef"},
			map[string]string{"EVENTGRAPH_TOKEN": token}, 1, "UNAUTHENTICATED"},
		{"no token", []string{"--url", url}, nil, 1, "the server wants a token: give one of its --auth-tokens with --token or $EVENTGRAPH_TOKEN"},
		{"an extra argument", []string{"--url", url, "extra"}, nil, 2, `unexpected argument "extra"`},
		{"an unknown flag", []string{"--nope"}, nil, 2, "-nope"},
		{"help", []string{"-h"}, nil, 0, ""},
		{"a URL without http://", []string{"--url", "127.0.0.1:8080/graphql"}, nil, 2, "demo: --url: "},
		{"a URL of another scheme", []string{"--url", "localhost:8080/graphql"}, nil, 2, "want http or https"},
		{"no server at the URL", []string{"--url", noServer}, nil, 1, "is the server running at " + noServer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var stdout, stderr strings.Builder
			status := runMain(ctx, tt.args, env(tt.env), srv.Client(), &stdout, &stderr)
			if status != tt.wantStatus || !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("status %d, stderr %q: want %d and %q", status, stderr.String(), tt.wantStatus, tt.wantStderr)
			}
			if status == 2 && !strings.Contains(stderr.String(), "Usage: demo") {
				t.Errorf("stderr %q: want the usage", stderr.String())
			}
			if tt.name == "help" && (!strings.Contains(stdout.String(), "Usage: demo") || !strings.Contains(stdout.String(), "-token") || stderr.Len() != 0) {
				t.Errorf("stdout %q, stderr %q: want the usage on stdout only (to pipe into a pager)", stdout.String(), stderr.String())
			}
			if strings.Contains(stderr.String(), token) {
				t.Errorf("stderr %q shows the token", stderr.String())
			}
		})
	}
}
