package graph

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/transport"
)

// postTransport is gqlgen's POST transport with a faster body decoder in front: a body that
// decodeParams takes is served here, the way transport.POST serves it; any other body, and
// a body that could not be read, goes to transport.POST itself.
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
	_, err := buf.ReadFrom(r.Body)
	var params graphql.RawParams
	if err != nil || !decodeParams(buf.Bytes(), &params) {
		// gqlgen reads what was read, then the same error, and answers as it does.
		rest := io.Reader(bytes.NewReader(buf.Bytes()))
		if err != nil {
			rest = io.MultiReader(rest, errReader{err})
		}
		r.Body = io.NopCloser(rest)
		t.POST.Do(w, r, exec)
		return
	}
	ctx := r.Context()
	contentType := responseContentType(r)
	w.Header().Add("Content-Type", contentType)
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	rc, opErr := exec.CreateOperationContext(ctx, &params)
	if opErr != nil {
		if errcode.GetErrorKind(opErr) == errcode.KindProtocol {
			if contentType == graphQLResponseJSON {
				w.WriteHeader(http.StatusBadRequest)
			} else {
				w.WriteHeader(http.StatusUnprocessableEntity)
			}
		}
		writeResponse(w, exec.DispatchError(graphql.WithOperationContext(ctx, rc), opErr))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	writeResponse(w, responses(ctx))
}

// errReader fails every read with err.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

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

// writeResponse writes a response as transport.POST does.
func writeResponse(w http.ResponseWriter, resp *graphql.Response) {
	b, err := json.Marshal(resp)
	if err != nil {
		// Only data that is not JSON fails, which the executor never makes; gqlgen panics.
		writeError(w, w.Header().Get("Content-Type"), http.StatusInternalServerError, CodeInternal, "the response could not be encoded")
		return
	}
	_, _ = w.Write(b)
}
