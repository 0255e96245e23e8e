package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// IsEventStream reports whether r may be answered with a Server-Sent Events stream: a POST of
// JSON that accepts text/event-stream, or a GET that accepts text/event-stream and names no
// JSON type, as a browser's EventSource sends it (a GET that also accepts JSON gets a JSON
// answer). Accept is read with its quality values, in any case (see chooseStream): q=0 is not
// acceptable, and a wildcard does not name the stream. A POST that prefers JSON by its quality
// values counts too, since its subscription is streamed; its query gets JSON. A request with
// an Upgrade header is not one, unless the header offers only h2c, which the handler ignores
// (curl --http2 offers it on every http:// request). A server in front of the handler can
// tell such long-lived requests from others by it.
func IsEventStream(r *http.Request) bool {
	if offersUpgrade(r.Header) || r.Method != http.MethodPost && r.Method != http.MethodGet {
		return false
	}
	if chooseStream(r.Method, r.Header.Values("Accept")) == noStream {
		return false
	}
	return r.Method == http.MethodGet || mediaTypeIs(r.Header.Get("Content-Type"), "application/json")
}

// sseGETKey marks the context of an event stream a GET asked for (see streamFromGET).
type sseGETKey struct{}

// streamFromGET turns an event stream's GET into the POST gqlgen's SSE transport serves:
// the URL's query, operationName, variables and extensions become its JSON body. A GET
// may not carry a mutation (GraphQL over HTTP): one is answered 405 with Allow: POST here
// when its query names it, and refused by transportRules when only the server knows the
// query (a persisted query). It answers what it refuses itself and then returns false; a
// mutation it refuses is told to observer (when not nil), as the executor's refusal of a
// plain GET's is.
func streamFromGET(w http.ResponseWriter, r *http.Request, observer Observer) (*http.Request, bool) {
	params, ok := urlParams(w, r)
	if !ok {
		return nil, false
	}
	if namesMutation(params.Query, params.OperationName) {
		w.Header().Set("Allow", http.MethodPost)
		writeJSONError(w, r, http.StatusMethodNotAllowed, CodeBadRequest, getMutation)
		if observer != nil {
			// Observed as a mutation sent by a plain GET is, whose refusal gqlgen's
			// executor reports (transportRules).
			op := describeRaw(params.Query, params.OperationName)
			op.Codes = []string{CodeBadRequest}
			observer.OperationDone(r.Context(), op)
		}
		return nil, false
	}
	b, err := json.Marshal(params) // json.Number keeps each number as the URL wrote it
	if err != nil {                // decoded JSON encodes again: never
		writeJSONError(w, r, http.StatusBadRequest, CodeBadRequest, "the URL's parameters could not be read")
		return nil, false
	}
	post := r.Clone(context.WithValue(r.Context(), sseGETKey{}, true))
	post.Method = http.MethodPost
	post.Header.Set("Content-Type", "application/json")
	post.Header.Set("Content-Length", strconv.Itoa(len(b)))
	post.ContentLength = int64(len(b))
	post.Body = io.NopCloser(bytes.NewReader(b))
	return post, true
}

// getMutation is the refusal of a mutation sent with GET.
const getMutation = "GET serves queries only: send a mutation with POST"

// namesMutation reports whether the operation of query that a request with operationName
// would run is a mutation. A query that does not parse, or names no such operation, is
// left to the executor, which reports it.
func namesMutation(query, operationName string) bool {
	return operationOf(query, operationName) == ast.Mutation
}

// operationOf returns the kind of the operation of query that a request with operationName
// would run, or "" when query does not parse or names no such operation.
func operationOf(query, operationName string) ast.Operation {
	if query == "" {
		return ""
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, maxDocumentTokens)
	if err != nil {
		return ""
	}
	var op *ast.OperationDefinition
	if operationName == "" {
		if len(doc.Operations) == 1 {
			op = doc.Operations[0]
		}
	} else {
		op = doc.Operations.ForName(operationName)
	}
	if op == nil {
		return ""
	}
	return op.Operation
}

// mediaTypeIs reports whether the Content-Type header value names the media type want.
func mediaTypeIs(contentType, want string) bool {
	mediaType, _, err := mime.ParseMediaType(contentType)
	return err == nil && mediaType == want
}
