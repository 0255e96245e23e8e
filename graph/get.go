package graph

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// getTransport is gqlgen's GET transport with the statuses of GraphQL over HTTP
// (requestErrorStatus) and responses without a data entry when there is no data, as
// postTransport answers a POST. Variables and extensions that are not JSON objects get 400
// BAD_REQUEST; transportRules refuses anything but a query.
type getTransport struct{ transport.GET }

func (getTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	start := graphql.Now()
	params, ok := urlParams(w, r)
	if !ok {
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	ctx := r.Context()
	contentType := responseContentType(r)
	w.Header().Set("Content-Type", contentType)
	rc, opErr := exec.CreateOperationContext(ctx, params)
	if opErr != nil {
		// A mutation whose variables do not fit, or that does not validate, is still a
		// mutation: GET refuses it as transportRules refuses one that validates (405),
		// before anything else is said of it (it was answered 200 or 400 with the
		// variables' or validation's errors).
		if operationOf(params.Query, params.OperationName) == ast.Mutation {
			if gw, ok := ctx.Value(getWriterKey{}).(*getWriter); ok {
				gw.notQuery = true
			}
			opErr = gqlerror.List{{Message: getMutation, Extensions: map[string]any{"code": CodeBadRequest}}}
		}
		writeRequestError(ctx, w, contentType, exec.DispatchError(graphql.WithOperationContext(ctx, rc), opErr))
		return
	}
	if rc.Operation == nil || rc.Operation.Operation != ast.Query {
		// transportRules refused it already; this holds without it too.
		w.Header().Set("Allow", http.MethodPost)
		writeJSONError(w, r, http.StatusMethodNotAllowed, CodeBadRequest, getMutation)
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	writeResponse(ctx, w, responses(ctx))
}

// urlParams reads a GET's request from its URL: query, operationName, and variables and
// extensions, which must be JSON objects (decoded as gqlgen decodes a body: numbers kept as
// written). It answers a URL it cannot read with 400 BAD_REQUEST and then returns false.
func urlParams(w http.ResponseWriter, r *http.Request) (*graphql.RawParams, bool) {
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		writeJSONError(w, r, http.StatusBadRequest, CodeBadRequest, "the URL's query string could not be parsed")
		return nil, false
	}
	params := &graphql.RawParams{Query: query.Get("query"), OperationName: query.Get("operationName")}
	for _, p := range []struct {
		name string
		dst  *map[string]any
	}{{"variables", &params.Variables}, {"extensions", &params.Extensions}} {
		if v := query.Get(p.name); v != "" && !decodeJSON(strings.NewReader(v), p.dst) {
			writeJSONError(w, r, http.StatusBadRequest, CodeBadRequest, "the "+p.name+" parameter must be a JSON object")
			return nil, false
		}
	}
	return params, true
}
