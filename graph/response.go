package graph

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// requestErrorStatus is the HTTP status of a GET or POST whose request failed before
// execution (parsing, validation, variable coercion, an extension's refusal), following
// GraphQL over HTTP:
//
//   - application/json: 200, as that media type's legacy clients expect a GraphQL
//     response with any status they can read as one (gqlgen sends 422);
//   - application/graphql-response+json: 400, as a response without data must have a 4xx;
//   - either way, a body without a query (nor a persisted query's hash) is no GraphQL
//     request at all: 400;
//   - either way, a persisted query the server does not know or keep: 200, as Apollo
//     Server sends it. Apollo's persisted-query link stops sending hashes for good after a
//     400 or 500, and it is about to send the query in full.
//
// Layers above may still change it: 401 for a missing token (authWriter), 405 for a
// mutation over GET (getWriter).
func requestErrorStatus(contentType string, errs gqlerror.List) int {
	for _, e := range errs {
		switch e.Extensions["code"] {
		case CodePersistedQueryNotFound, CodePersistedQueryNotSupported:
			return http.StatusOK
		}
		if e.Message == noOperation {
			return http.StatusBadRequest
		}
	}
	if contentType == graphQLResponseJSON {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// noOperation is gqlgen's message for a request without a query.
const noOperation = "no operation provided"

// writeRequestError answers a request that failed before execution with resp, the
// executor's DispatchError, and the status requestErrorStatus chooses.
func writeRequestError(ctx context.Context, w http.ResponseWriter, contentType string, resp *graphql.Response) {
	w.WriteHeader(requestErrorStatus(contentType, resp.Errors))
	writeResponse(ctx, w, resp)
}

// writeResponse writes a GraphQL response. One without data (a request that failed before
// execution) has no data entry, as the GraphQL specification asks; gqlgen writes "data":
// null, which to a client reads as an execution that produced null. ctx is the request's:
// an INTERNAL_SERVER_ERROR names its id (see WithRequestID).
func writeResponse(ctx context.Context, w http.ResponseWriter, resp *graphql.Response) {
	if resp == nil {
		// gqlgen ends the stream without a response when ctx ended before the operation ran
		// (the client went away, or the server shuts down): CANCELED, as an operation that
		// ctx's end stopped midway is. It has no data, which application/graphql-response+json
		// must answer with a 4xx or 5xx (GraphQL over HTTP): 503, the server did not run it
		// (a client still there when the request's deadline passed first may try again).
		if w.Header().Get("Content-Type") == graphQLResponseJSON {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		resp = &graphql.Response{Errors: gqlerror.List{{Message: canceledMessage, Extensions: map[string]any{"code": CodeCanceled}}}}
	}
	var v any = resp
	if resp.Data == nil {
		v = responseWithoutData{Errors: resp.Errors, Label: resp.Label, Path: resp.Path, HasNext: resp.HasNext, Extensions: resp.Extensions}
	}
	b, err := json.Marshal(v)
	if err != nil {
		// Only data that is not JSON fails, which the executor never makes; gqlgen panics.
		writeErrorExtensions(w, w.Header().Get("Content-Type"), http.StatusInternalServerError, internalExtensions(ctx), "the response could not be encoded")
		return
	}
	_, _ = w.Write(b)
}

// responseWithoutData is graphql.Response without its data entry.
type responseWithoutData struct {
	Errors     gqlerror.List  `json:"errors,omitempty"`
	Label      string         `json:"label,omitempty"`
	Path       ast.Path       `json:"path,omitempty"`
	HasNext    *bool          `json:"hasNext,omitempty"`
	Extensions map[string]any `json:"extensions,omitempty"`
}
