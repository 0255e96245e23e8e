package graph

import (
	"bytes"
	"errors"
	"iter"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

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
	if !utf8.Valid(buf.Bytes()) {
		writeJSONError(w, r, http.StatusBadRequest, CodeBadRequest, notUTF8)
		return
	}
	var params graphql.RawParams
	if !decodeParams(buf.Bytes(), &params) {
		params = graphql.RawParams{}
		// As gqlgen decodes a body: encoding/json with UseNumber.
		if !decodeJSON(bytes.NewReader(buf.Bytes()), &params) {
			writeJSONError(w, r, http.StatusBadRequest, CodeBadRequest, notARequestBecause(buf.Bytes()))
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
		writeRequestError(ctx, w, contentType, exec.DispatchError(graphql.WithOperationContext(ctx, rc), opErr))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	writeResponse(ctx, w, responses(ctx))
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

// responseContentType chooses the response's media type, application/json or
// application/graphql-response+json, from the Accept header as HTTP content negotiation
// does (RFC 9110, 12.5.1): each type takes the quality of the most specific range that
// matches it (the type itself, application/*, */*), and the higher quality wins; between
// equal ones, the type whose range is listed first, and application/json when one wildcard
// range matches both. No Accept header means application/json (GraphQL over HTTP's legacy
// default, which curl and fetch rely on); an Accept that allows neither type,
// application/graphql-response+json (its default for a server that does not answer 406).
func responseContentType(r *http.Request) string {
	typ, _ := negotiate(r)
	return typ
}

// negotiate is responseContentType, also reporting whether the Accept header allows the
// type chosen (false for the default of a missing Accept header or one that allows neither).
func negotiate(r *http.Request) (string, bool) {
	accept := r.Header.Values("Accept")
	if strings.TrimSpace(strings.Join(accept, "")) == "" {
		return "application/json", false
	}
	plain := acceptance{q: -1}
	gql := acceptance{q: -1}
	for r := range acceptRanges(accept) {
		switch r.mediaType {
		case "application/json":
			plain.match(3, r.q, r.at)
		case graphQLResponseJSON:
			gql.match(3, r.q, r.at)
		case "application/*":
			plain.match(2, r.q, r.at)
			gql.match(2, r.q, r.at)
		case "*/*":
			plain.match(1, r.q, r.at)
			gql.match(1, r.q, r.at)
		}
	}
	switch {
	case plain.q <= 0 && gql.q <= 0:
		return graphQLResponseJSON, false
	case gql.q > plain.q || gql.q == plain.q && gql.at < plain.at:
		return graphQLResponseJSON, true
	}
	return "application/json", true
}

// mediaRange is one range of an Accept header: its media type (lower case, without
// parameters), its quality and its place in the header, counted from 1.
type mediaRange struct {
	mediaType string
	q         float64
	at        int
}

// acceptRanges yields the ranges of an Accept header's values (RFC 9110, 12.5.1), all of its
// lines read as one list: types in any case, parameters allowed, q 1 unless given. A range
// that does not parse, or whose q is not a quality value, is skipped but keeps its place.
func acceptRanges(accept []string) iter.Seq[mediaRange] {
	return func(yield func(mediaRange) bool) {
		at := 0
		for _, line := range accept {
			for part := range strings.SplitSeq(line, ",") {
				at++
				mediaType, params, err := mime.ParseMediaType(strings.TrimSpace(part))
				if err != nil {
					continue
				}
				q := 1.0
				if v, ok := params["q"]; ok {
					if q, ok = qvalue(v); !ok {
						continue
					}
				}
				if !yield(mediaRange{mediaType: mediaType, q: q, at: at}) {
					return
				}
			}
		}
	}
}

// qvalue parses a quality value as RFC 9110 (12.4.2) writes it: 0 or 1, with at most three
// decimals ("0.5", "1.000"), and reports whether v is one (ParseFloat alone would take "NaN",
// "1e-1" or "+.5").
func qvalue(v string) (float64, bool) {
	if len(v) == 0 || len(v) > 5 || v[0] != '0' && v[0] != '1' {
		return 0, false
	}
	if len(v) > 1 {
		if v[1] != '.' {
			return 0, false
		}
		for i := 2; i < len(v); i++ {
			if v[i] < '0' || v[i] > '9' || v[0] == '1' && v[i] != '0' {
				return 0, false
			}
		}
	}
	q, err := strconv.ParseFloat(v, 64)
	return q, err == nil
}

// acceptance is the quality an Accept header gives a media type: that of the most specific
// range matching it (q is -1 until one does), listed at position at.
type acceptance struct {
	specificity int
	q           float64
	at          int
}

// match takes a range of the given specificity, quality and position into account: a
// more specific range overrides a less specific one, and among ranges as specific the
// first listed counts.
func (a *acceptance) match(specificity int, q float64, at int) {
	if specificity > a.specificity {
		*a = acceptance{specificity: specificity, q: q, at: at}
	}
}
