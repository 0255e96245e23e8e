package graph

import (
	"bytes"
	"io"
	"net/http"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// eventStreamType is the media type of a Server-Sent Events stream.
const eventStreamType = "text/event-stream"

// streamChoice is how a request's Accept header has it answered: with a Server-Sent Events
// stream or with JSON.
type streamChoice uint8

const (
	noStream             streamChoice = iota // JSON: the stream is not acceptable, or not chosen
	stream                                   // a stream
	streamIfSubscription                     // a stream for a subscription, which JSON cannot carry; else JSON
)

// chooseStream decides, from a request's method and the values of its Accept header, whether
// it is answered with a Server-Sent Events stream. The header is read as negotiate reads it
// (RFC 9110, 12.5.1): types in any case, parameters allowed, each range's quality (q=0 is
// "not acceptable"), and the first listed of two ranges for one type. It is the one place that
// decides, so that the routing, the stream's guard and servers in front of the handler
// (IsEventStream) agree; gqlgen's SSE transport looks for the string text/event-stream
// instead, and agreeAccept makes the header say to it what was decided here.
//
// The stream must be named: a wildcard (*/*, text/*) never selects it, as a client that takes
// anything expects one response, not a stream it has to read event by event. Wildcards do not
// count on the JSON side either, which keeps every ordinary header answered as before: only
// application/json and application/graphql-response+json, named, weigh against the stream.
//
//   - A GET is a stream only when it names no JSON type with q > 0: a browser's EventSource
//     sends Accept: text/event-stream alone, and a GET that names JSON is a fetch.
//   - A POST is a stream when the stream's quality is at least that of the JSON types (a tie
//     is a stream, as graphql-sse clients that list both expect); when a JSON type is
//     preferred, only a subscription is streamed, since JSON cannot carry one.
func chooseStream(method string, accept []string) streamChoice {
	if !mentionsEventStream(accept) { // most requests: nothing to parse
		return noStream
	}
	sse := acceptance{q: -1}
	plain := acceptance{q: -1}
	gql := acceptance{q: -1}
	for r := range acceptRanges(accept) {
		switch r.mediaType {
		case eventStreamType:
			sse.match(1, r.q, r.at)
		case "application/json":
			plain.match(1, r.q, r.at)
		case graphQLResponseJSON:
			gql.match(1, r.q, r.at)
		}
	}
	jsonQ := max(plain.q, gql.q)
	switch {
	case sse.q <= 0:
		return noStream
	case method == http.MethodGet:
		if jsonQ > 0 {
			return noStream
		}
		return stream
	case jsonQ > sse.q:
		return streamIfSubscription
	}
	return stream
}

// mentionsEventStream reports whether the Accept header's values hold "event-stream" in any
// case: chooseStream parses only those.
func mentionsEventStream(accept []string) bool {
	for _, line := range accept {
		if strings.Contains(strings.ToLower(line), "event-stream") { // no copy without upper case
			return true
		}
	}
	return false
}

// postStream decides whether the POST r is answered with a Server-Sent Events stream
// (chooseStream). Of one streamed only if it carries a subscription, it reads the body to
// tell, and puts it back; a body it cannot read it answers (413 or 400) and returns ok false.
// An operation whose kind the body does not show (a persisted query's hash alone, a query
// that does not parse) gets JSON, which the client prefers.
func postStream(w http.ResponseWriter, r *http.Request) (sse, ok bool) {
	switch chooseStream(r.Method, r.Header.Values("Accept")) {
	case noStream:
		return false, true
	case stream:
		return true, true
	}
	if !mediaTypeIs(r.Header.Get("Content-Type"), "application/json") {
		return false, true // no transport takes it: refused with 415
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		refuseBody(w, r, err)
		return false, false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var req struct {
		Query         string `json:"query"`
		OperationName string `json:"operationName"`
	}
	if !decodeJSON(bytes.NewReader(body), &req) {
		return false, true // the POST transport refuses it
	}
	return operationOf(req.Query, req.OperationName) == ast.Subscription, true
}

// agreeAccept returns r with an Accept header that gqlgen's SSE transport reads as sse says.
// That transport takes a POST whose first Accept line holds the string text/event-stream,
// with no regard to case, quality or the other lines: when it would decide otherwise, the
// lines are joined into one, and each text/event-stream range is written in lower case if
// sse, else in upper case, which the transport's test misses and HTTP reads the same (media
// types are case-insensitive), so that negotiate and chooseStream still read what was sent.
func agreeAccept(r *http.Request, sse bool) *http.Request {
	if strings.Contains(r.Header.Get("Accept"), eventStreamType) == sse {
		return r
	}
	accept := strings.Join(r.Header.Values("Accept"), ", ")
	if sse {
		parts := strings.Split(accept, ",")
		for i, part := range parts {
			base, params, hasParams := strings.Cut(part, ";")
			if strings.EqualFold(strings.TrimSpace(base), eventStreamType) {
				parts[i] = " " + eventStreamType
				if hasParams {
					parts[i] += ";" + params
				}
			}
		}
		accept = strings.TrimSpace(strings.Join(parts, ","))
	} else {
		accept = strings.ReplaceAll(accept, eventStreamType, strings.ToUpper(eventStreamType))
	}
	r = r.Clone(r.Context())
	r.Header.Set("Accept", accept)
	return r
}
