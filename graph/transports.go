package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// transportKind is what transportRules needs to know of the gqlgen transport that serves a
// request (a WebSocket is marked by markWebSocket).
type transportKind uint8

const (
	kindNone  transportKind = iota // no transport takes the request
	kindOther                      // WebSocket, OPTIONS or POST
	kindSSE
	kindGET
)

// transportKey is the context key of a request's transportKind.
type transportKey struct{}

func transportFrom(ctx context.Context) transportKind {
	k, _ := ctx.Value(transportKey{}).(transportKind)
	return k
}

// allowedMethods is what the endpoint serves, for the Allow header of a 405.
const allowedMethods = "OPTIONS, GET, POST"

// maxQuotedMethod bounds the characters of a request's method that a 405's message quotes:
// the client chooses it, and net/http takes any token up to its header limit (1 MB), which
// the refusal echoed whole, and an access log that keeps the start of an error body to name
// its code could not parse it.
const maxQuotedMethod = 32

// quotedMethod returns r's method for an error message, cut at maxQuotedMethod characters
// (a method is a token: ASCII).
func quotedMethod(r *http.Request) string {
	if len(r.Method) > maxQuotedMethod {
		return r.Method[:maxQuotedMethod] + "…"
	}
	return r.Method
}

// routeTransports finds the transport that will serve a request, the way gqlgen's server does
// (the first of transports that supports it), and notes GET and SSE in the request's context
// for transportRules. Whether a POST is a Server-Sent Events stream it decides by the Accept
// header's quality values (postStream), and makes gqlgen's SSE transport agree (agreeAccept).
// It answers what gqlgen would refuse without an error code: a request no transport takes
// (405 for another method, 415 for a POST that is not JSON), a request with an Upgrade header
// that is no valid WebSocket handshake (see refuseHandshake), each with extensions.code
// BAD_REQUEST (getTransport refuses a GET's variables or extensions that are
// not JSON objects), and it marks every GET's answer as not to be cached.
//
// A body over limit bytes is refused with 413 and BAD_USER_INPUT when its Content-Length says
// so, and the body of a Server-Sent Events request is checked here: gqlgen's SSE transport
// would log a body that is not a GraphQL request, whole, with the standard library's logger.
func routeTransports(transports []graphql.Transport, limit int64, observer Observer, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > limit {
			writeTooLarge(w, r, limit)
			return
		}
		if r.Method == http.MethodGet && IsEventStream(r) {
			// An EventSource's GET: served by the SSE transport as the POST it stands for
			// (which marks its stream no-cache). A refusal is a GET's answer: not cached.
			w.Header().Set("Cache-Control", "no-store")
			post, ok := streamFromGET(w, r, observer)
			if !ok {
				return
			}
			r = post
		}
		sse := false
		if r.Method == http.MethodPost && r.Header.Get("Upgrade") == "" {
			// Decided once, by the Accept header's quality values (chooseStream), and told
			// to gqlgen's SSE transport, which only looks for the string text/event-stream.
			var ok bool
			if sse, ok = postStream(w, r); !ok {
				return
			}
			r = agreeAccept(r, sse)
		}
		if r.Method == http.MethodPost && r.Header.Get("Content-Type") == "application/json" &&
			r.Header.Get("Upgrade") == "" && !sse {
			// The common case, which only the POST transport takes: served without the
			// search below, or a context of its own (transportRules reads no mark as POST).
			next.ServeHTTP(w, r)
			return
		}
		if r.Method == http.MethodHead {
			// gqlgen's Options transport answers it 405 without the Allow header a 405 needs.
			w.Header().Set("Allow", allowedMethods)
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		if r.Header.Get("Upgrade") != "" && refuseHandshake(w, r) {
			// gqlgen hands every request with an Upgrade header to its WebSocket transport,
			// whose refusal quotes (and logs) the request's headers.
			return
		}
		kind := kindNone
		for _, t := range transports {
			if t.Supports(r) {
				kind = kindOf(t)
				break
			}
		}
		switch kind {
		case kindNone: // the WebSocket transport takes every request with an Upgrade header
			switch {
			case r.Method != http.MethodPost && r.Method != http.MethodGet:
				w.Header().Set("Allow", allowedMethods)
				writeJSONError(w, r, http.StatusMethodNotAllowed, CodeBadRequest,
					"method "+quotedMethod(r)+" not allowed: send queries with GET or POST, mutations with POST, subscriptions over a WebSocket or Server-Sent Events")
			default:
				writeJSONError(w, r, http.StatusUnsupportedMediaType, CodeBadRequest,
					"a POST needs Content-Type: application/json (a JSON object with a \"query\" string)")
			}
			return
		case kindSSE:
			body, err := io.ReadAll(r.Body)
			if err != nil {
				refuseBody(w, r, err)
				return
			}
			if !utf8.Valid(body) {
				writeJSONError(w, r, http.StatusBadRequest, CodeBadRequest, notUTF8)
				return
			}
			if !isGraphQLRequest(body) {
				writeJSONError(w, r, http.StatusBadRequest, CodeBadRequest, notARequestBecause(body))
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		case kindGET:
			// A GET's answer reads live data (and may be a refusal): no cache may keep it,
			// a browser's heuristic one included, or a client would read a stale answer
			// after its own write. (A POST's is not stored without an explicit lifetime.)
			w.Header().Set("Cache-Control", "no-store")
		}
		if kind == kindGET || kind == kindSSE {
			r = r.WithContext(context.WithValue(r.Context(), transportKey{}, kind))
		}
		if kind == kindGET {
			gw := &getWriter{ResponseWriter: w}
			r = r.WithContext(context.WithValue(r.Context(), getWriterKey{}, gw))
			w = gw
		}
		next.ServeHTTP(w, r)
	})
}

func kindOf(t graphql.Transport) transportKind {
	switch t.(type) {
	case transport.SSE:
		return kindSSE
	case getTransport:
		return kindGET
	}
	return kindOther
}

// writeTooLarge answers a body over the limit with 413 and BAD_USER_INPUT.
func writeTooLarge(w http.ResponseWriter, r *http.Request, limit int64) {
	writeJSONError(w, r, http.StatusRequestEntityTooLarge, CodeBadUserInput, fmt.Sprintf("request body too large: the limit is %d bytes", limit))
}

// decodeJSON decodes the JSON value r holds into v as gqlgen decodes requests (numbers
// kept as written) and reports whether it could. Unlike gqlgen, it refuses anything but
// white space after the value: a body of two requests run one after the other would
// otherwise run the first alone, as if it were the whole body, and a client that glued them
// by mistake would never learn that the second was dropped.
func decodeJSON(r io.Reader, v any) bool {
	d := json.NewDecoder(r)
	d.UseNumber()
	if d.Decode(v) != nil {
		return false
	}
	_, err := d.Token()
	return err == io.EOF
}

// isGraphQLRequest reports whether body decodes as gqlgen decodes a request's body: one JSON
// object whose query and operationName are strings and whose variables and extensions are
// objects (each may be absent or null).
func isGraphQLRequest(body []byte) bool {
	var req struct {
		Query         string         `json:"query"`
		OperationName string         `json:"operationName"`
		Variables     map[string]any `json:"variables"`
		Extensions    map[string]any `json:"extensions"`
	}
	return decodeJSON(bytes.NewReader(body), &req)
}

// notUTF8 refuses a body that is not UTF-8, as JSON must be (RFC 8259). encoding/json
// would read each invalid byte as U+FFFD, and a name sent in Latin-1 ("Caf\xe9") was
// written to the log as "Caf\ufffd" without a word to the client.
const notUTF8 = "the body is not valid UTF-8: send JSON in UTF-8"

// notARequest is the message for a body that is not a GraphQL request.
const notARequest = `the body is not a GraphQL request: a JSON object with a "query" string, and optionally "operationName" (a string), "variables" and "extensions" (objects)`

// notARequestBecause is notARequest for body, naming the member of a JSON object that is of
// the wrong kind: a client that sends variables as a string of JSON (a common mistake) is
// told so, not given the general shape alone.
func notARequestBecause(body []byte) string {
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		return notARequest
	}
	for _, m := range []struct{ name, kind string }{{"query", "a string"}, {"operationName", "a string"}, {"variables", "an object"}, {"extensions", "an object"}} {
		v := bytes.TrimSpace(members[m.name])
		if len(v) == 0 || string(v) == "null" {
			continue
		}
		switch first := v[0]; {
		case m.kind == "a string" && first == '"', m.kind == "an object" && first == '{':
			continue
		case m.kind == "an object" && first == '"':
			return fmt.Sprintf(`the body is not a GraphQL request: %q must be a JSON object, not a string (send the object itself, not its JSON text)`, m.name)
		}
		return fmt.Sprintf(`the body is not a GraphQL request: %q must be %s`, m.name, m.kind)
	}
	return notARequest
}

// transportRules is the gqlgen extension that refuses, with BAD_REQUEST, an operation its
// transport cannot carry: anything but a query over GET (gqlgen's own refusal has no code),
// and a subscription over plain POST or GET, which gqlgen would hold open until the first
// event and then answer with that one event.
type transportRules struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = transportRules{}

func (transportRules) ExtensionName() string                   { return "TransportRules" }
func (transportRules) Validate(graphql.ExecutableSchema) error { return nil }

func (transportRules) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if rc.Operation == nil {
		return nil
	}
	kind := transportFrom(ctx) // GET or SSE; a WebSocket is marked by markWebSocket
	ws := isWebSocket(ctx)
	switch op := rc.Operation.Operation; {
	case kind == kindGET && op != ast.Query:
		if gw, ok := ctx.Value(getWriterKey{}).(*getWriter); ok {
			gw.notQuery = true
		}
		msg := getMutation
		if op == ast.Subscription {
			msg = "GET serves queries only: " + subscriptionTransports
		}
		return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": CodeBadRequest}}
	case kind == kindSSE && op == ast.Mutation && ctx.Value(sseGETKey{}) != nil:
		// A persisted query's: streamFromGET refused those whose text the request carried.
		return &gqlerror.Error{Message: getMutation, Extensions: map[string]any{"code": CodeBadRequest}}
	case op == ast.Subscription && !ws && kind != kindSSE:
		return &gqlerror.Error{Message: subscriptionTransports, Extensions: map[string]any{"code": CodeBadRequest}}
	}
	return nil
}

// badRequest gives a code to an error gqlgen's transports report without one. Their only
// such errors are refusals of the request itself; the one for a body that is not a GraphQL
// request quotes the whole body and Go's type names, so it is replaced.
func badRequest(err *gqlerror.Error) *gqlerror.Error {
	out := *err
	out.Extensions = map[string]any{"code": CodeBadRequest}
	for k, v := range err.Extensions {
		out.Extensions[k] = v
	}
	if strings.HasPrefix(err.Message, "json request body could not be decoded") || strings.HasPrefix(err.Message, "could not get json request body") {
		out.Message = notARequest
	}
	return &out
}

// subscriptionTransports says how to send a subscription.
const subscriptionTransports = "a subscription needs a WebSocket (graphql-transport-ws or graphql-ws) or Server-Sent Events (a POST with Accept: text/event-stream, or a GET whose Accept names text/event-stream and no JSON type)"

// getWriterKey is the context key of a GET request's *getWriter.
type getWriterKey struct{}

// getWriter answers a GET that carries a mutation or a subscription with 405 Method Not
// Allowed and Allow: POST, as GraphQL over HTTP requires; gqlgen answers transportRules'
// refusal with 200. transportRules, which runs in the request's goroutine before anything is
// written, marks the refusal.
type getWriter struct {
	http.ResponseWriter
	notQuery bool
	wrote    bool
}

func (w *getWriter) WriteHeader(code int) {
	if !w.wrote && w.notQuery {
		w.Header().Set("Allow", http.MethodPost)
		code = http.StatusMethodNotAllowed
	}
	w.wrote = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *getWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *getWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
