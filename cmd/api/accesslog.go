package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/playground"
)

// quietRoutes are logged at debug level: probes and scrapes would drown the other lines.
var quietRoutes = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// maxNotedOperations bounds the operations one request's log line lists (a WebSocket
// connection may run many).
const maxNotedOperations = 8

// maxNameLength bounds an operation name in the log (the client chooses it).
const maxNameLength = 100

// logRequests logs one line per HTTP request when it ends — method, path (never the query
// string), status, duration, bytes written, remote address, and for GraphQL the operation
// name, type, root field and error codes — and counts it in the metrics by route. Headers
// (Authorization among them), variables and payloads are never logged. Probes and scrapes
// (/healthz, /readyz, /metrics) are logged at debug level, server errors (5xx, and GraphQL
// operations that failed with INTERNAL_SERVER_ERROR, which GraphQL answers with 200) at warn.
// A WebSocket connection's line (status 101) is written when the connection closes, with
// the operations that ended by then; an operation that ends after it gets a "graphql
// operation" line of its own.
func (o *observability) logRequests(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		note := &requestNote{remote: r.RemoteAddr}
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), noteKey{}, note)))
		d := time.Since(start)
		status := rec.status()
		route := routeOf(r)
		o.metrics.ObserveHTTP(r.Method, metricRoute(r, route), status, d)

		level := requestLevel(route, status, note.failedInternally())
		if !logger.Enabled(r.Context(), level) {
			note.markLogged()
			return
		}
		attrs := []slog.Attr{
			slog.String("method", truncate(r.Method, maxMethodLength)),
			slog.Any("path", shown(truncate(r.URL.Path, maxPathLength))),
			slog.Int("status", status),
			slog.Duration("duration", d),
		}
		if status != http.StatusSwitchingProtocols {
			// A WebSocket's messages go over the hijacked connection, which the recorder
			// does not see: it would say 0 bytes however many were sent.
			attrs = append(attrs, slog.Int64("bytes", rec.bytes()))
		}
		attrs = append(attrs, slog.String("remote", r.RemoteAddr))
		opAttrs := note.seal()
		if len(opAttrs) == 0 {
			// A request refused before any operation ran (a 4xx of the endpoint's own: wrong
			// method or media type, a body over the limit, a missing token) names its code
			// from the error body, as an operation's line does.
			if codes := rec.errorCodes(); codes != "" {
				opAttrs = []slog.Attr{slog.String("codes", codes)}
			}
		}
		attrs = append(attrs, opAttrs...)
		logger.LogAttrs(r.Context(), level, "request", attrs...)
	})
}

// requestLevel is the level of a request's line: warn for a server error (a 5xx, or an
// operation that failed internally), debug for probes and scrapes, info for the rest.
// /readyz's 503 while the read models catch up is its answer, not a failure: a load
// balancer polling through a long replay would otherwise fill the log with warnings.
func requestLevel(route string, status int, failedInternally bool) slog.Level {
	switch {
	case route == "/readyz" && status == http.StatusServiceUnavailable:
		return slog.LevelDebug
	case status >= 500, failedInternally:
		return slog.LevelWarn
	case quietRoutes[route]:
		return slog.LevelDebug
	}
	return slog.LevelInfo
}

// routes are the paths of the server's routes, as metric labels.
var routes = map[string]bool{"/graphql": true, "/healthz": true, "/readyz": true, "/metrics": true, "/": true}

// routeOf returns the route that served r: its path when it is one of routes, the assets'
// prefix for the playground's assets, or "other"; a small fixed set, fit for a metric label.
func routeOf(r *http.Request) string {
	switch p := r.URL.Path; {
	case routes[p]:
		return p
	case strings.HasPrefix(p, playground.AssetsPrefix):
		return playground.AssetsPrefix
	}
	return "other"
}

// streamRoute is the route label of a subscription stream on /graphql (a WebSocket or an SSE
// request): its duration is the stream's lifetime, which in /graphql's series would make the
// latency of queries and mutations read as minutes.
const streamRoute = graphPath + ":stream"

// metricRoute is r's route as a metric label: route, or streamRoute for a stream.
func metricRoute(r *http.Request, route string) string {
	if route == graphPath && isStream(r) {
		return streamRoute
	}
	return route
}

// noteKey is the context key of a request's *requestNote.
type noteKey struct{}

// noteFrom returns the request note in ctx, or nil.
func noteFrom(ctx context.Context) *requestNote {
	n, _ := ctx.Value(noteKey{}).(*requestNote)
	return n
}

// requestNote collects what the GraphQL layer reports about a request, for its log line.
type requestNote struct {
	remote string

	mu     sync.Mutex
	ops    []graph.Operation
	n      int  // operations reported, including those not kept
	logged bool // the request's line is written
}

// addOperation notes op for the request's line; it reports false when that line is already
// written (a WebSocket's operations outlive its upgrade request), so op needs its own.
func (n *requestNote) addOperation(op graph.Operation) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.logged {
		return false
	}
	n.n++
	if len(n.ops) < maxNotedOperations {
		n.ops = append(n.ops, op)
	}
	return true
}

// failedInternally reports whether a noted operation failed with INTERNAL_SERVER_ERROR: a
// server error, though GraphQL answers it with HTTP 200, so it is logged as a 5xx is.
func (n *requestNote) failedInternally() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, op := range n.ops {
		if slices.Contains(op.Codes, graph.CodeInternal) {
			return true
		}
	}
	return false
}

func (n *requestNote) markLogged() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.logged = true
}

// logOperation logs op in a line of its own: an operation over a WebSocket connection,
// whose upgrade request was logged when the connection opened.
func logOperation(ctx context.Context, logger *slog.Logger, remote string, op graph.Operation) {
	level := slog.LevelInfo
	if slices.Contains(op.Codes, graph.CodeInternal) {
		level = slog.LevelWarn
	}
	if !logger.Enabled(ctx, level) {
		return
	}
	attrs := append([]slog.Attr{slog.String("remote", remote), slog.Duration("duration", op.Duration)}, operationAttrs(op)...)
	logger.LogAttrs(ctx, level, "graphql operation", attrs...)
}

// operationAttrs returns the log attributes of op: type, name, root field, error codes.
func operationAttrs(op graph.Operation) []slog.Attr {
	attrs := []slog.Attr{slog.String("opType", orUnknown(op.Type))}
	if op.Name != "" {
		attrs = append(attrs, slog.Any("op", shown(truncate(op.Name, maxNameLength))))
	}
	if op.Field != "" {
		// Truncated as names are: a document refused by validation may name any field.
		attrs = append(attrs, slog.String("field", truncate(op.Field, maxNameLength)))
	}
	if len(op.Codes) > 0 {
		attrs = append(attrs, slog.String("codes", strings.Join(op.Codes, ",")))
	}
	return attrs
}

// seal returns the log attributes of the noted operations — for one, its name, type, root
// field and error codes; for several, their count and each one's summary — and marks the
// request's line as written: operations reported from now on get lines of their own.
func (n *requestNote) seal() []slog.Attr {
	n.mu.Lock()
	defer n.mu.Unlock()
	// Sealed in the same critical section that reads the operations, so an operation that
	// ends while the line is being written is either on it or gets a line of its own.
	n.logged = true
	switch n.n {
	case 0:
		return nil
	case 1:
		return operationAttrs(n.ops[0])
	}
	summaries := make(opSummaries, len(n.ops))
	for i, op := range n.ops {
		s := orUnknown(op.Type)
		if op.Field != "" {
			s += " " + truncate(op.Field, maxNameLength)
		}
		if op.Name != "" {
			s += " (" + summaryName(op.Name) + ")"
		}
		if len(op.Codes) > 0 {
			s += " " + strings.Join(op.Codes, ",")
		}
		summaries[i] = s
	}
	return []slog.Attr{slog.Int("operations", n.n), slog.Any("ops", summaries)}
}

// summaryName returns an operation's name for its summary, cut at maxNameLength: as it is
// when it is a GraphQL name, else quoted. The client's operationName is any string when the
// document holds no operation by that name; unquoted, it could close its parenthesis and
// forge the codes of its operation ("x) INTERNAL_SERVER_ERROR") or the summaries of others.
func summaryName(name string) string {
	if isGraphQLName(name) {
		return truncate(name, maxNameLength)
	}
	return strconv.Quote(truncate(name, maxNameLength))
}

// isGraphQLName reports whether s is a GraphQL name, /[_A-Za-z][_0-9A-Za-z]*/, as the name of
// an operation in a document is.
func isGraphQLName(s string) bool {
	for i, c := range []byte(s) {
		if c != '_' && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return s != ""
}

// shown is a string the client chose, a request's path or an operation's name, as a log
// attribute's value: each format writes it so that every character of it shows as itself.
// The JSON format escapes control characters but writes format characters as they are, so
// a right-to-left override (U+202E) in a path made a log viewer or a terminal show the rest
// of the line reversed, and zero-width characters made two different paths look alike.
type shown string

// MarshalJSON, for the JSON format, writes s as a JSON string, quoted inside it when a
// character does not show (see visible).
func (s shown) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // as slog's JSON handler writes a string
	if err := enc.Encode(visible(string(s))); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// MarshalText, for the text format, returns s as it is: that format quotes a value holding
// a character that does not show itself, as visible does (quoted again, it came out as
// "\"/x\\u202egnp.exe\"").
func (s shown) MarshalText() ([]byte, error) { return []byte(s), nil }

// visible returns s as it is when every character of it shows as itself, else quoted (as
// strconv.Quote does: a character that does not show is escaped, \u202e).
func visible(s string) string {
	for _, c := range s {
		if !unicode.IsPrint(c) || c == utf8.RuneError {
			return strconv.Quote(s)
		}
	}
	return s
}

// opSummaries are the summaries of a line's operations: a JSON array in the JSON format; in
// the text format, where a list's elements would stand side by side, separated by "; ".
type opSummaries []string

func (s opSummaries) MarshalText() ([]byte, error) { return []byte(strings.Join(s, "; ")), nil }

func (s opSummaries) MarshalJSON() ([]byte, error) { return json.Marshal([]string(s)) }

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// maxPathLength bounds the characters of a request's path a log line holds: a path may be
// as long as the server's header limit (1 MB), and log pipelines split or drop lines over
// 16–256 KB.
const maxPathLength = 256

// maxMethodLength bounds the characters of a request's method a log line holds: the client
// chooses it, and net/http takes any token up to its header limit. HTTP's own methods, and
// WebDAV's, are far shorter.
const maxMethodLength = 32

// maxErrorBody bounds the bytes of an error response a recorder keeps for its codes: the
// endpoint's refusals are a single short error.
const maxErrorBody = 2048

// recorder records a response's status and size, and the start of a JSON error response's
// body (errorCodes). It passes Flush (Server-Sent Events) and Hijack (WebSocket) through,
// and Unwrap lets http.ResponseController reach the server's writer.
type recorder struct {
	http.ResponseWriter
	mu      sync.Mutex // Write may race with the log line of a hijacked connection
	code    int
	written int64
	errBody []byte // the start of a 4xx or 5xx JSON body
}

func (r *recorder) WriteHeader(code int) {
	r.mu.Lock()
	if r.code == 0 {
		r.code = code
	}
	r.mu.Unlock()
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	n, err := r.ResponseWriter.Write(p)
	r.mu.Lock()
	if r.code == 0 {
		r.code = http.StatusOK
	}
	if r.code >= 400 && len(r.errBody) < maxErrorBody && strings.Contains(r.Header().Get("Content-Type"), "json") {
		r.errBody = append(r.errBody, p[:min(n, maxErrorBody-len(r.errBody))]...)
	}
	r.written += int64(n)
	r.mu.Unlock()
	return n, err
}

// errorCodes returns the extensions.code of each error in a JSON error response's body,
// comma-separated, or "" for any other response.
func (r *recorder) errorCodes() string {
	r.mu.Lock()
	body := r.errBody
	r.mu.Unlock()
	if len(body) == 0 {
		return ""
	}
	var resp struct {
		Errors []struct {
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &resp) != nil {
		return ""
	}
	var codes []string
	for _, e := range resp.Errors {
		if e.Extensions.Code != "" && len(codes) < maxNotedOperations {
			codes = append(codes, truncate(e.Extensions.Code, maxNameLength))
		}
	}
	return strings.Join(codes, ",")
}

// Flush sends buffered data to the client, when the underlying writer can.
func (r *recorder) Flush() {
	_ = http.NewResponseController(r.ResponseWriter).Flush()
}

// FlushError flushes the response and returns the error of a flush that failed, which
// recorder's Flush (an http.Flusher's) leaves out: without it, streamWriter never saw a
// flush fail, and could not tell a client cut off for not reading small events.
func (r *recorder) FlushError() error {
	return http.NewResponseController(r.ResponseWriter).Flush()
}

// Hijack takes the connection over (WebSocket), when the underlying writer can.
func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(r.ResponseWriter).Hijack()
	if err == nil {
		r.mu.Lock()
		if r.code == 0 {
			r.code = http.StatusSwitchingProtocols
		}
		r.mu.Unlock()
	}
	return conn, rw, err
}

// Unwrap returns the underlying writer, for http.ResponseController.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// status returns the response's status: 200 when the handler wrote nothing, as net/http
// then sends.
func (r *recorder) status() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.code == 0 {
		return http.StatusOK
	}
	return r.code
}

func (r *recorder) bytes() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.written
}

var _ interface {
	http.Flusher
	http.Hijacker
} = (*recorder)(nil)
