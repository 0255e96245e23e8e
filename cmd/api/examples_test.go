package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/graph/graphtest"
)

// examplesDir holds the operations users paste into the playground.
var examplesDir = filepath.Join("..", "..", "examples")

// operation is one named operation of an examples file.
type operation struct {
	name, text string
}

var (
	operationStartRe = regexp.MustCompile(`^(query|mutation|subscription) (\w+)`)
	rootFieldRe      = regexp.MustCompile(`\{\s*(\w+)`) // an operation's first root field
)

// operations returns the operations of an examples file in order: each starts
// with a line "query|mutation|subscription Name" and ends with a line "}".
func operations(tb testing.TB, file string) []operation {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(examplesDir, file))
	if err != nil {
		tb.Fatal(err)
	}
	var ops []operation
	var cur []string
	name := ""
	for _, line := range strings.Split(string(b), "\n") {
		if m := operationStartRe.FindStringSubmatch(line); m != nil {
			name, cur = m[2], nil
		}
		if name == "" {
			continue
		}
		cur = append(cur, line)
		if line == "}" {
			ops = append(ops, operation{name: name, text: strings.Join(cur, "\n")})
			name = ""
		}
	}
	if len(ops) == 0 {
		tb.Fatalf("%s: no operations", file)
	}
	return ops
}

// TestExamples runs every example operation against a server, in the order a
// user would: subscriptions first (in the background), then the mutations,
// queries and rejected commands.
func TestExamples(t *testing.T) {
	m, _ := startMain(t, "--store", "memory")
	c := newClient(t, m.URL()+"/graphql")
	ctx := testCtx(t)

	subs := map[string]*graphtest.Subscription{}
	kinds := map[string]int{} // subscriptions by root field
	for _, op := range operations(t, "subscriptions.graphql") {
		s, err := c.SubscribeWS(ctx, graphtest.TransportWS, op.text, nil)
		if err != nil {
			t.Fatalf("subscription %s: %v", op.name, err)
		}
		defer s.Close()
		subs[op.name] = s
		f := rootFieldRe.FindStringSubmatch(op.text)
		if f == nil {
			t.Fatalf("subscription %s: no root field", op.name)
		}
		kinds[f[1]]++
	}
	// The server starts a subscription after SubscribeWS returns, and some of
	// these see only what comes after their start: wait until it reports them
	// all started (graphql_subscriptions counts one once it is live).
	for kind, n := range kinds {
		awaitMetric(t, m, `eventgraph_graphql_subscriptions{kind="`+kind+`"}`, float64(n))
	}

	mutations := operations(t, "mutations.graphql")
	names := make([]string, len(mutations))
	for i, op := range mutations {
		names[i] = op.name
		// As a user would, wait until the read models and the saga have caught
		// up with the mutation (PlaceOrder's saga creates the order that
		// MarkOrderAsPrepared needs).
		res := decode[map[string]struct{ Position int64 }](t, gql(t, c, op.text, nil))
		for _, r := range res {
			gql(t, c, `query($p: Int64) { restaurants(first: 1, minPosition: $p) { totalCount } }`, map[string]any{"p": r.Position})
		}
	}
	if want := "CreateRestaurant ChangeRestaurantMenu PlaceOrder MarkOrderAsPrepared"; strings.Join(names, " ") != want {
		t.Errorf("mutations %v, want %s", names, want)
	}

	// Every subscription sees something of what the mutations did.
	for name, s := range subs {
		r, err := s.Next(ctx)
		if err != nil {
			t.Errorf("subscription %s: %v", name, err)
			continue
		}
		if len(r.Errors) > 0 || len(r.Data) == 0 {
			t.Errorf("subscription %s: %s %v", name, r.Data, r.Errors)
		}
	}

	for _, op := range operations(t, "queries.graphql") {
		t.Run("query "+op.name, func(t *testing.T) {
			data := gql(t, c, op.text, nil)
			if strings.Contains(string(data), ":null}") {
				t.Errorf("%s: %s, want the entity the mutations created", op.name, data)
			}
		})
	}

	wantCodes := map[string]string{
		"MenuItemNotAvailable":    "MENU_ITEMS_NOT_AVAILABLE",
		"RestaurantNotFound":      "NOT_FOUND",
		"RestaurantAlreadyExists": "ALREADY_EXISTS",
		"VersionConflict":         "VERSION_CONFLICT",
		"OrderAlreadyPrepared":    "ORDER_ALREADY_PREPARED",
		"BadInput":                "BAD_USER_INPUT",
		"CommandIDReused":         "COMMAND_ID_REUSED",
	}
	errOps := operations(t, "errors.graphql")
	if len(errOps) != len(wantCodes) {
		t.Errorf("errors.graphql has %d operations, want %d", len(errOps), len(wantCodes))
	}
	for _, op := range errOps {
		t.Run("rejected "+op.name, func(t *testing.T) {
			resp, err := c.Query(ctx, op.text, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := resp.Code(), wantCodes[op.name]; got != want {
				t.Errorf("code %q, want %q (%v)", got, want, resp.Errors)
			}
		})
	}
}
