package graph

import (
	"bytes"
	"errors"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
)

// postTransport is gqlgen's POST transport with a faster body decoder (decodeParams) and the
// statuses of GraphQL over HTTP (requestErrorStatus); a body decodeParams does not take is
// decoded as gqlgen decodes it (encoding/json with UseNumber).
type postTransport struct {
	transport.POST
	bodies sync.Pool // of *bytes.Buffer; a body's strings are copied out of it
}

func newPostTransport() *postTransport {
	return &postTransport{bodies: sync.Pool{New: func() any { return new(bytes.Buffer) }}}
}

// maxPooledBody bounds the body buffers kept for reuse.
const maxPooledBody = 64 << 10

func (t *postTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	start := graphql.Now()
	buf := t.bodies.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBody {
			buf.Reset()
			t.bodies.Put(buf)
		}
	}()
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(r.Body); err != nil {
		refuseBody(w, r, err)
		return
	}
	var params graphql.RawParams
	if !decodeParams(buf.Bytes(), &params) {
		params = graphql.RawParams{}
		// As gqlgen decodes a body: encoding/json with UseNumber.
		if !decodeJSON(bytes.NewReader(buf.Bytes()), &params) {
			writeJSONError(w, r, http.StatusBadRequest, CodeBadRequest, notARequest)
			return
		}
	}
	ctx := r.Context()
	contentType := responseContentType(r)
	w.Header().Add("Content-Type", contentType)
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	rc, opErr := exec.CreateOperationContext(ctx, &params)
	if opErr != nil {
		writeRequestError(w, contentType, exec.DispatchError(graphql.WithOperationContext(ctx, rc), opErr))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	writeResponse(w, responses(ctx))
}

// refuseBody answers a request whose body could not be read: 413 when it is over the
// handler's limit (a body sent without its length), else 400.
func refuseBody(w http.ResponseWriter, r *http.Request, err error) {
	if tooLarge, ok := errors.AsType[*http.MaxBytesError](err); ok {
		writeTooLarge(w, r, tooLarge.Limit)
		return
	}
	writeJSONError(w, r, http.StatusBadRequest, CodeBadRequest, "the body could not be read")
}

const graphQLResponseJSON = "application/graphql-response+json"

// responseContentType chooses the response's media type from the Accept header as
// transport.POST does (with no ResponseHeaders and application/json by default).
func responseContentType(r *http.Request) string {
	accept := r.Header.Get("Accept")
	if accept == "" {
		return "application/json"
	}
	for part := range strings.SplitSeq(accept, ",") {
		mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mediaType {
		case "*/*", "application/*", "application/json":
			return "application/json"
		case graphQLResponseJSON:
			return graphQLResponseJSON
		}
	}
	return graphQLResponseJSON
}
