package graph_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/graph"
)

// A number literal that its custom scalar cannot hold is refused by validation, on every
// transport, and a WebSocket keeps serving: gqlgen's argument reading panicked on it, which
// closed the whole connection.
func TestNumbersInRange_SubscriptionsOverEveryTransport(t *testing.T) {
	e := newEnv(t)
	e.create(t, restaurantInput("r1", "a"))
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			sub := e.subscribe(t, tr, `subscription { events(afterPosition: 99999999999999999999) { id } }`, nil)
			ctx := testContext(t)
			r, err := sub.Next(ctx)
			if err != nil {
				t.Fatalf("next: %v", err)
			}
			if r.Code() != "GRAPHQL_VALIDATION_FAILED" || !strings.Contains(r.Err().Error(), "Int64 cannot represent 99999999999999999999") {
				t.Fatalf("got %s %v, want GRAPHQL_VALIDATION_FAILED naming the literal", r.Data, r.Err())
			}
			if _, err := sub.Next(ctx); !errors.Is(err, io.EOF) {
				t.Fatalf("after the error: %v, want io.EOF", err)
			}
		})
	}
}

func TestNumbersInRange_TheLargestInt64IsAccepted(t *testing.T) {
	e := newEnv(t)
	// Read as written: refused only for lying beyond the log's head.
	ge := e.wantCode(t, graph.CodeBadUserInput, `{ events(afterPosition: 9223372036854775807) { id } }`, nil)
	if !strings.Contains(ge.Message, "is 9223372036854775807, beyond the log's head") {
		t.Fatalf("got %q, want it to name 9223372036854775807 beyond the log's head", ge.Message)
	}
}

// TestCustomScalarLiterals: a literal of Int64 is read at validation as a variable is read:
// a whole number, a string of digits or null (the argument is nullable) passes; a number with
// a fraction or an exponent (1.0 and 1e2 too, as for a variable: a review found those
// literals taken) is refused with its location, before anything runs.
func TestCustomScalarLiterals(t *testing.T) {
	e := newEnv(t)
	e.create(t, restaurantInput("r1", "a"))
	for _, lit := range []string{`1`, `"1"`, `null`} {
		e.must(t, `{ restaurant(id: "r1", minPosition: `+lit+`) { id } }`, nil, nil)
	}
	for _, lit := range []string{`1.5`, `1.0`, `1e2`, `"+1"`} {
		r := e.do(t, `{ restaurant(id: "r1", minPosition: `+lit+`) { id } }`, nil)
		if r.Code() != "GRAPHQL_VALIDATION_FAILED" || len(r.Errors[0].Locations) == 0 || r.Data != nil {
			t.Fatalf("%s: got %s %+v; want GRAPHQL_VALIDATION_FAILED with a location and no data", lit, r.Data, r.Errors)
		}
		// Quoted as written: the value read (1 for 1.0) named a number the client never wrote.
		if lit != `"+1"` && !strings.Contains(r.Errors[0].Message, "not a number written with a fraction or an exponent ("+lit+")") {
			t.Errorf("%s: %q, want the refusal to say the literal, as written, has a fraction or an exponent", lit, r.Errors[0].Message)
		}
	}
}
