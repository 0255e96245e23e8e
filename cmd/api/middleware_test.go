package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// errorBody is the GraphQL-style error response the middleware writes.
type errorBody struct {
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func decodeError(tb testing.TB, b []byte) errorBody {
	tb.Helper()
	var e errorBody
	if err := json.Unmarshal(b, &e); err != nil {
		tb.Fatalf("body %q is not a GraphQL error response: %v", b, err)
	}
	if len(e.Errors) != 1 {
		tb.Fatalf("body %q: %d errors, want 1", b, len(e.Errors))
	}
	return e
}

// echo answers with the length of the body it read.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	io.WriteString(w, strconv.Itoa(len(b)))
})

func TestLimitBody(t *testing.T) {
	const limit = 16
	tests := []struct {
		name    string
		body    string
		chunked bool // no Content-Length
		want    int
	}{
		{"a body under the limit passes", strings.Repeat("a", limit-1), false, http.StatusOK},
		{"a body at the limit passes", strings.Repeat("a", limit), false, http.StatusOK},
		{"a body over the limit is rejected", strings.Repeat("a", limit+1), false, http.StatusRequestEntityTooLarge},
		{"a chunked body at the limit passes", strings.Repeat("a", limit), true, http.StatusOK},
		{"a chunked body over the limit is rejected", strings.Repeat("a", limit+1), true, http.StatusRequestEntityTooLarge},
		{"no body passes", "", false, http.StatusOK},
	}
	srv := httptest.NewServer(limitBody(limit, echo))
	defer srv.Close()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader = strings.NewReader(tt.body)
			if tt.chunked {
				body = io.MultiReader(body) // hides the length: sent chunked
			}
			req, err := http.NewRequest(http.MethodPost, srv.URL, body)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d (body %q)", resp.StatusCode, tt.want, b)
			}
			if tt.want == http.StatusOK {
				if got, want := string(b), strconv.Itoa(len(tt.body)); got != want {
					t.Errorf("handler read a body of length %s, want %s", got, want)
				}
				return
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
			e := decodeError(t, b)
			if code := e.Errors[0].Extensions["code"]; code != "BAD_USER_INPUT" {
				t.Errorf("extensions.code %v, want BAD_USER_INPUT", code)
			}
		})
	}
}

func TestRecoverPanics(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(requestIDHandler{slog.NewTextHandler(&logs, nil)})
	h := withRequestID(recoverPanics(logger, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("secret internal detail")
	})))
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
	req.Header.Set("X-Request-Id", "panicking-1")
	h.ServeHTTP(rec, req)

	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", rec.Code)
	}
	body := rec.Body.String()
	for _, leak := range []string{"secret", "goroutine", ".go:"} {
		if strings.Contains(body, leak) {
			t.Errorf("response %q leaks %q", body, leak)
		}
	}
	ext := decodeError(t, rec.Body.Bytes()).Errors[0].Extensions
	if ext["code"] != "INTERNAL_SERVER_ERROR" || ext["requestId"] != "panicking-1" {
		t.Errorf("extensions %v, want code INTERNAL_SERVER_ERROR and requestId panicking-1", ext)
	}
	if !strings.Contains(logs.String(), "secret internal detail") || !strings.Contains(logs.String(), "stack=") ||
		!strings.Contains(logs.String(), "requestId=panicking-1") {
		t.Errorf("log %q: want the panic, its stack and the request's id", logs.String())
	}
}

// The panic's line bounds the request's method and path, which the client chooses, as the
// request's own line does.
func TestRecoverPanics_boundsMethodAndPath(t *testing.T) {
	var logs bytes.Buffer
	h := recoverPanics(slog.New(slog.NewTextHandler(&logs, nil)), http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("boom")
	}))
	r := httptest.NewRequest(http.MethodPost, "/"+strings.Repeat("p", 10_000), nil)
	r.Method = strings.Repeat("M", 10_000)
	h.ServeHTTP(httptest.NewRecorder(), r)
	line, _, _ := strings.Cut(logs.String(), " stack=")
	if !strings.Contains(line, "method="+strings.Repeat("M", maxMethodLength)+"…") || len(line) > 1000 {
		t.Errorf("logged %d bytes before the stack: %.300s…; want the method and path cut", len(line), line)
	}
}

func TestRecoverPanics_abortHandlerPassesThrough(t *testing.T) {
	h := recoverPanics(slog.New(slog.DiscardHandler), http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic(http.ErrAbortHandler)
	}))
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler", v)
		}
	}()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
}

func TestStreams_closeEndsStreamsOnly(t *testing.T) {
	s := newStreams()
	started := make(chan struct{}, 1)
	handlerDone := make(chan struct{})
	h := s.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(handlerDone)
		started <- struct{}{}
		<-r.Context().Done()
	}))
	streamDone := make(chan struct{})
	go func() {
		defer close(streamDone)
		req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
		req.Header.Set("Accept", "text/event-stream")
		req.Header.Set("Content-Type", "application/json")
		h.ServeHTTP(httptest.NewRecorder(), req)
	}()
	<-started

	// A plain request's context is not the streams' context.
	plain := httptest.NewRequest(http.MethodPost, "/graphql", nil)
	var plainCtx context.Context
	s.wrap(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { plainCtx = r.Context() })).
		ServeHTTP(httptest.NewRecorder(), plain)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case <-handlerDone:
	default:
		t.Fatal("Close returned before the stream handler did")
	}
	<-streamDone // the goroutine serving it ends too
	if plainCtx.Err() != nil {
		t.Errorf("plain request's context ended: %v", plainCtx.Err())
	}

	// After Close, a new stream is refused.
	req := httptest.NewRequest(http.MethodGet, "/graphql", nil)
	for k, v := range handshake("websocket") {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("stream after Close: status %d, want 503", rec.Code)
	}
}

func TestIsStream(t *testing.T) {
	ws := func(upgrade string) map[string]string { return handshake(upgrade) }
	sse := map[string]string{"Accept": "text/event-stream", "Content-Type": "application/json"}
	tests := []struct {
		name   string
		method string
		body   string
		header map[string]string
		want   bool
	}{
		{"a WebSocket upgrade", http.MethodGet, "", ws("WebSocket"), true},
		{"an SSE request", http.MethodPost, "{}", sse, true},
		{"an SSE request with a charset", http.MethodPost, "{}", map[string]string{"Accept": "text/event-stream", "Content-Type": "application/json; charset=utf-8"}, true},
		{"a plain POST", http.MethodPost, "{}", map[string]string{"Accept": "application/json"}, false},
		// The WebSocket library upgrades when "websocket" is one of the Upgrade header's
		// tokens: such a request is a stream too (no request deadline, ended at shutdown).
		{"a WebSocket upgrade among other protocols", http.MethodGet, "", ws("websocket, foo"), true},
		{"a WebSocket upgrade after another protocol", http.MethodGet, "", ws("foo,WEBSOCKET"), true},
		{"another upgrade", http.MethodGet, "", ws("h2c"), false},
		{"a protocol named like one", http.MethodGet, "", ws("websockets"), false},
		// What no handshake is must keep its deadlines: a body that never comes, or an
		// answer the client never reads, would otherwise hold the connection forever.
		{"an Upgrade header on a POST", http.MethodPost, "", ws("websocket"), false},
		{"an Upgrade header on a GET with a body", http.MethodGet, "x", ws("websocket"), false},
		{"a GET that accepts an event stream (EventSource)", http.MethodGet, "", map[string]string{"Accept": "text/event-stream"}, true},
		{"a GET that accepts an event stream and JSON", http.MethodGet, "", map[string]string{"Accept": "text/event-stream, application/json"}, false},
		{"a handshake the endpoint refuses (no key)", http.MethodGet, "", map[string]string{"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13"}, false},
		{"a handshake to another route", http.MethodGet, "", ws("websocket"), false},
		{"an event stream asked of another route", http.MethodGet, "", map[string]string{"Accept": "text/event-stream"}, false},
		{"an SSE request to another route", http.MethodPost, "{}", sse, false},
		{"an event stream asked for with a form", http.MethodPost, "a=b", map[string]string{"Accept": "text/event-stream", "Content-Type": "application/x-www-form-urlencoded"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			path := "/graphql"
			if strings.Contains(tt.name, "another route") {
				path = "/metrics"
			}
			r := httptest.NewRequest(tt.method, path, body)
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			if got := isStream(r); got != tt.want {
				t.Errorf("isStream = %v, want %v", got, tt.want)
			}
		})
	}
}

// handshake is the headers of a WebSocket handshake whose Upgrade header is upgrade.
func handshake(upgrade string) map[string]string {
	return map[string]string{"Upgrade": upgrade, "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
		"Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
}
