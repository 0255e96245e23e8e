package graph

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// CodeUnauthenticated is the extensions.code of an operation refused for want of a valid
// bearer token (see Config.AuthTokens). Over plain HTTP the response's status is 401.
const CodeUnauthenticated = "UNAUTHENTICATED"

// WebSocket close codes of a connection refused at connection_init: no token (4401) or a
// token that is not one of Config.AuthTokens (4403).
const (
	CloseUnauthorized = 4401
	CloseForbidden    = 4403
)

// authKey is the context key of a request's or WebSocket connection's *authState.
type authKey struct{}

// authState is what the server learned about the caller of one HTTP request or one
// WebSocket connection.
type authState struct {
	authenticated atomic.Bool            // a valid token was presented
	refused       atomic.Bool            // an operation was refused for want of one: answer 401
	refusal       atomic.Pointer[string] // the first refusal's message
}

func authFrom(ctx context.Context) *authState {
	st, _ := ctx.Value(authKey{}).(*authState)
	return st
}

// tokens holds the SHA-256 digests of the accepted bearer tokens. Comparing digests of
// equal length in constant time, always against every token, leaks neither a token's
// length nor how much of it matched.
type tokens struct{ digests [][sha256.Size]byte }

func newTokens(list []string) tokens {
	var t tokens
	for _, s := range list {
		if s != "" {
			t.digests = append(t.digests, sha256.Sum256([]byte(s)))
		}
	}
	return t
}

func (t tokens) enabled() bool { return len(t.digests) > 0 }

func (t tokens) valid(token string) bool {
	d := sha256.Sum256([]byte(token))
	match := 0
	for i := range t.digests {
		match |= subtle.ConstantTimeCompare(d[:], t.digests[i][:])
	}
	return match == 1
}

// bearer returns the token of an Authorization value "Bearer <token>" (the scheme is
// case-insensitive), or false for any other value.
func bearer(v string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// authenticate checks the Authorization header of every request when tokens are set. A
// request with an invalid one is refused at once with 401; one without goes on
// unauthenticated, and the authRequired extension refuses the operations that need a
// token (the response is then 401 too, for plain HTTP requests).
func authenticate(t tokens, next http.Handler) http.Handler {
	if !t.enabled() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &authState{}
		if h := r.Header.Get("Authorization"); h != "" {
			token, ok := bearer(h)
			if !ok || !t.valid(token) {
				writeUnauthenticated(w, r, "invalid bearer token")
				return
			}
			st.authenticated.Store(true)
		}
		r = r.WithContext(context.WithValue(r.Context(), authKey{}, st))
		if r.Header.Get("Upgrade") != "" {
			next.ServeHTTP(w, r) // a WebSocket: wsInit decides, the writer must stay hijackable
			return
		}
		next.ServeHTTP(&authWriter{ResponseWriter: w, r: r, st: st}, r)
	})
}

// writeUnauthenticated answers 401 with an UNAUTHENTICATED GraphQL error.
func writeUnauthenticated(w http.ResponseWriter, r *http.Request, message string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="eventgraph"`)
	writeJSONError(w, r, http.StatusUnauthorized, CodeUnauthenticated, message)
}

// authWriter turns the status of a response into 401 when an operation of the request was
// refused for want of a token. gqlgen writes such a refusal with status 200 (or 422), always
// after the refusal, so the status is still unwritten when the refusal is known.
//
// gqlgen's SSE transport answers a refused operation with an event stream that carries the
// refusal as its one event. A client that gets 401 reads no stream (EventSource, graphql-sse:
// it reads a failed response as JSON, if at all), so such a response is replaced by the same
// JSON 401 as an invalid token gets, and the stream's bytes are dropped. (gqlgen's SSE writes
// under a lock of its own, so the writer is not used concurrently.)
type authWriter struct {
	http.ResponseWriter
	r       *http.Request // the request answered, for its Accept header
	st      *authState
	wrote   bool
	discard bool // the response was replaced: drop what gqlgen writes
}

func (w *authWriter) WriteHeader(code int) {
	if w.wrote {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.wrote = true
	if !w.st.refused.Load() {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	if strings.HasPrefix(w.Header().Get("Content-Type"), "text/event-stream") {
		w.discard = true
		for _, h := range []string{"Cache-Control", "Connection"} { // set by gqlgen's SSE
			w.Header().Del(h)
		}
		writeUnauthenticated(w.ResponseWriter, w.r, *w.st.refusal.Load())
		return
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="eventgraph"`)
	w.ResponseWriter.WriteHeader(http.StatusUnauthorized)
}

func (w *authWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.discard {
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

// Flush keeps Server-Sent Events working (gqlgen asserts http.Flusher).
func (w *authWriter) Flush() {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *authWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// wsInit returns the WebSocket connection_init handler: it gives the connection its
// subscription counter and, when tokens are set, requires a valid token, taken from the
// init payload ({"Authorization": "Bearer <token>"} or {"authToken": "<token>"}) or else
// the upgrade request's Authorization header. A connection without one is closed with
// 4401, one with an invalid token with 4403; either refusal is reported to observer, when
// set, as an Operation without a Type whose Codes are [CodeUnauthenticated]: no operation
// ran, so a client that never gets in would otherwise leave no trace in the logs and
// metrics but a status 101.
func wsInit(t tokens, maxSubscriptions int, observer Observer) transport.WebsocketInitFunc {
	refused := func(ctx context.Context) {
		if observer != nil {
			observer.OperationDone(ctx, Operation{Codes: []string{CodeUnauthenticated}})
		}
	}
	return func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		ctx = context.WithValue(ctx, connKey{}, &subscriptionSlots{limit: maxSubscriptions})
		if !t.enabled() {
			return ctx, nil, nil
		}
		st := authFrom(ctx)
		if st == nil { // not behind authenticate: refuse rather than let anyone in
			st = &authState{}
			ctx = context.WithValue(ctx, authKey{}, st)
		}
		token, present := initToken(payload)
		switch {
		case present && !t.valid(token):
			refused(ctx)
			ctx = transport.WithWebsocketCloseCode(ctx, CloseForbidden)
			ctx = transport.AppendCloseReason(ctx, "Forbidden: invalid bearer token")
			return ctx, nil, errors.New(CodeUnauthenticated + ": invalid bearer token")
		case present:
			st.authenticated.Store(true)
		case !st.authenticated.Load():
			refused(ctx)
			ctx = transport.WithWebsocketCloseCode(ctx, CloseUnauthorized)
			ctx = transport.AppendCloseReason(ctx, "Unauthorized: bearer token required")
			return ctx, nil, errors.New(CodeUnauthenticated + `: bearer token required in the connection_init payload ({"Authorization": "Bearer <token>"})`)
		}
		return ctx, nil, nil
	}
}

// initToken returns the token of a connection_init payload, and whether one was given.
func initToken(p transport.InitPayload) (string, bool) {
	if v := p.Authorization(); v != "" {
		if token, ok := bearer(v); ok {
			return token, true
		}
		return "", true // present but malformed: invalid
	}
	if v := p.GetString("authToken"); v != "" {
		return v, true
	}
	return "", false
}

// authRequired is the gqlgen extension that refuses, before execution, mutations and
// subscriptions (and queries too when queries is set) of callers without a valid token.
type authRequired struct {
	queries bool
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = authRequired{}

func (authRequired) ExtensionName() string                   { return "AuthRequired" }
func (authRequired) Validate(graphql.ExecutableSchema) error { return nil }

func (a authRequired) MutateOperationContext(ctx context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if op.Operation == nil || (op.Operation.Operation == ast.Query && !a.queries) {
		return nil
	}
	st := authFrom(ctx)
	if st != nil && st.authenticated.Load() {
		return nil
	}
	what := "every mutation and subscription"
	if a.queries {
		what = "every operation"
	}
	msg := "authentication required: " + what + " needs an Authorization: Bearer <token> header"
	if st != nil {
		st.refusal.CompareAndSwap(nil, &msg)
		st.refused.Store(true)
	}
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": CodeUnauthenticated}}
}
