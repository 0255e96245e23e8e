package main

import (
	"encoding/json"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/graph/graphtest"
)

// readmeOperation is a GraphQL request of the README.
type readmeOperation struct {
	Query     string
	Variables map[string]any
}

// readmeOperations returns the GraphQL operations of the README's "Example operations", in
// the order a reader meets them: the query of each curl body (-d '{...}' or
// --data-urlencode 'query=...') and each line of a graphql block (less its # comment).
func readmeOperations(tb testing.TB) []readmeOperation {
	tb.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		tb.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, "\n## Example operations\n")
	end := strings.Index(text, "\nMore operations to paste are in")
	if start < 0 || end < start {
		tb.Fatal("README: no section Example operations ending with More operations to paste")
	}
	var ops []readmeOperation
	curlBody := regexp.MustCompile(`(?s)-d '(\{.*?\})'`)
	urlQuery := regexp.MustCompile(`--data-urlencode '(query=[^']*)'`)
	for i, block := range strings.Split(text[start:end], "```")[1:] {
		if i%2 == 1 { // between two blocks
			continue
		}
		lang, body, _ := strings.Cut(block, "\n")
		switch lang {
		case "sh":
			for _, m := range curlBody.FindAllStringSubmatch(body, -1) {
				var req readmeOperation
				if err := json.Unmarshal([]byte(m[1]), &req); err != nil || req.Query == "" {
					tb.Fatalf("README: a curl body that is not a GraphQL request: %v\n%s", err, m[1])
				}
				ops = append(ops, req)
			}
			for _, m := range urlQuery.FindAllStringSubmatch(body, -1) {
				v, err := url.ParseQuery(m[1])
				if err != nil {
					tb.Fatal(err)
				}
				ops = append(ops, readmeOperation{Query: v.Get("query")})
			}
		case "graphql":
			for _, line := range strings.Split(body, "\n") {
				if op, _, _ := strings.Cut(line, "   #"); strings.TrimSpace(op) != "" {
					ops = append(ops, readmeOperation{Query: strings.TrimSpace(op)})
				}
			}
		}
	}
	return ops
}

// TestREADME_exampleOperations runs the README's example operations verbatim, in order, as a
// reader pasting them would: each query and mutation must answer without an error, and each
// subscription must deliver data once an order is placed after them all (the live ones see
// it; the others start with the history or the current state). An afterPosition the reader's
// log has not reached was BAD_USER_INPUT.
func TestREADME_exampleOperations(t *testing.T) {
	m, _ := startMain(t, "--store", "memory")
	c := newClient(t, m.URL()+"/graphql")
	ctx := testCtx(t)
	ops := readmeOperations(t)
	if len(ops) < 10 {
		t.Fatalf("found %d operations in the README's Example operations, want at least 10", len(ops))
	}
	type delivery struct {
		r   *graphtest.Response
		err error
	}
	subs := map[string]chan delivery{} // each subscription's first message
	kinds := map[string]int{}
	for _, req := range ops {
		op := req.Query
		if !strings.HasPrefix(op, "subscription") {
			gql(t, c, op, req.Variables)
			continue
		}
		s, err := c.SubscribeWS(ctx, graphtest.TransportWS, op, req.Variables)
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		defer s.Close()
		first := make(chan delivery, 1)
		go func() {
			r, err := s.Next(ctx)
			first <- delivery{r, err}
		}()
		subs[op] = first
		f := rootFieldRe.FindStringSubmatch(op)
		if f == nil {
			t.Fatalf("%s: no root field", op)
		}
		kinds[f[1]]++
		// The live ones see what comes after they start: wait until the server counts this
		// one live, or it answers (with the history, or refusing it).
		key := `eventgraph_graphql_subscriptions{kind="` + f[1] + `"}`
		for live := false; !live; {
			select {
			case d := <-first:
				if d.err != nil {
					t.Fatalf("%s: %v", op, d.err)
				}
				if len(d.r.Errors) > 0 {
					t.Fatalf("%s: %v", op, d.r.Errors)
				}
				first <- d // kept for the check below
				live = true
			case <-ctx.Done():
				t.Fatalf("%s: not started: %s = %v", op, key, scrapeMetrics(t, m)[key])
			case <-time.After(10 * time.Millisecond):
				live = scrapeMetrics(t, m)[key] >= float64(kinds[f[1]])
			}
		}
	}
	if len(subs) == 0 {
		t.Fatal("no subscription in the README's Example operations")
	}
	gql(t, c, `mutation { placeOrder(input: {restaurantId: "r1", menuItemIds: ["m2"]}) { id } }`, nil)
	for op, first := range subs {
		var d delivery
		select {
		case d = <-first:
		case <-ctx.Done():
			t.Fatalf("%s: nothing delivered", op)
		}
		if d.err != nil {
			t.Errorf("%s: %v", op, d.err)
			continue
		}
		if len(d.r.Errors) > 0 || len(d.r.Data) == 0 {
			t.Errorf("%s: data %s, errors %v", op, d.r.Data, d.r.Errors)
		}
	}
}
