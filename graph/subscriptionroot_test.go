package graph_test

import (
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/internal/syncbuf"
)

// TestSingleSubscriptionRoot: a subscription selects one root field, counted by response
// key through fragments, with no @skip or @include in its root selection; else validation
// refuses it, on every transport, and it is the client's error, not the server's. gqlparser
// counted root fields by name, so two aliases of one field passed validation and failed as
// they ran: INTERNAL_SERVER_ERROR, logged as a server fault (found by review).
func TestSingleSubscriptionRoot(t *testing.T) {
	logs := &syncbuf.Buffer{}
	e := newEnv(t, withConfig(graph.Config{Logger: slog.New(slog.NewTextHandler(logs, nil))}))
	e.create(t, restaurantInput("r1", "a"))
	refused := []struct{ name, query, message string }{
		{"two aliases of one field", `subscription { a: events(afterPosition: 0) { id } b: events(afterPosition: 0) { id } }`,
			"Anonymous Subscription must select only one top level field."},
		{"a second field in an inline fragment", `subscription S { events(afterPosition: 0) { id } ... on Subscription { again: events { id } } }`,
			`Subscription "S" must select only one top level field.`},
		{"a second field in a fragment", `subscription { events(afterPosition: 0) { id } ...F } fragment F on Subscription { other: events { id } }`,
			"Anonymous Subscription must select only one top level field."},
		{"@skip on the root field", `subscription { events(afterPosition: 0) @skip(if: true) { id } }`,
			"Anonymous Subscription must not use @skip in its top level selection."},
		{"@include on a root fragment", `subscription($s: Boolean = false) { ... @include(if: $s) { events { id } } }`,
			"Anonymous Subscription must not use @include in its top level selection."},
		{"__typename", `subscription { __typename }`,
			"Anonymous Subscription must not select an introspection top level field."},
	}
	for _, tr := range transports {
		for _, tt := range refused {
			t.Run(tr+": "+tt.name, func(t *testing.T) {
				sub := e.subscribe(t, tr, tt.query, nil)
				ctx := testContext(t)
				r, err := sub.Next(ctx)
				if err != nil {
					t.Fatalf("next: %v", err)
				}
				if r.Code() != "GRAPHQL_VALIDATION_FAILED" || !strings.Contains(r.Err().Error(), tt.message) {
					t.Fatalf("got %s %v, want GRAPHQL_VALIDATION_FAILED: %s", r.Data, r.Err(), tt.message)
				}
				if _, err := sub.Next(ctx); !errors.Is(err, io.EOF) {
					t.Fatalf("after the error: %v, want io.EOF", err)
				}
			})
		}
		t.Run(tr+": one root field, aliased, through a fragment, is served", func(t *testing.T) {
			sub := e.subscribe(t, tr, `subscription { ...F } fragment F on Subscription { first: events(afterPosition: 0) { streamId } }`, nil)
			r, err := sub.Next(testContext(t))
			if err != nil || r.Err() != nil || !strings.Contains(string(r.Data), `{"first":{"streamId":"restaurant-r1"}}`) {
				t.Fatalf("got %s %v (%v), want the first event under its alias", r.Data, r.Err(), err)
			}
		})
	}
	// Each refusal was answered before its stream ended, after it was logged (if at all).
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("a client's invalid subscription was logged as a server error:\n%s", logs.String())
	}
}
