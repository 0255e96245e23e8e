package graph_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestValidation_repeatedResponseNames(t *testing.T) {
	e := newEnv(t)

	// Validation compares every two fields of one response name, and their selections:
	// 8,000 of them took 13 s, a core held past the request's deadline. (Documents of more
	// than 50,000 tokens are refused before validation now; 3,000 fit.)
	t.Run("thousands of fields of one name are refused at once", func(t *testing.T) {
		for field, n := range map[string]int{"a: status { head }": 3000, "__typename": 3000, "status { projections { name } projections { name } }": 3000} {
			query := "{ " + strings.Repeat(field+" ", n) + "}"
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			start := time.Now()
			r, err := e.client.Query(ctx, query, nil)
			cancel()
			if err != nil {
				t.Fatalf("%s ×%d: no answer after %v: %v", field, n, time.Since(start).Round(time.Millisecond), err)
			}
			if r.Code() != complexityCode || !strings.Contains(r.Err().Error(), "repeats response names") {
				t.Fatalf("%s ×%d: got %v, want %s for repeated names", field, n, r.Err(), complexityCode)
			}
		}
	})

	// Validation walks a fragment again from every operation and fragment that reaches it:
	// a chain of 10,000 fragments, 368 KB, held a core for 8 s (22 s before the overlap
	// rule's bound). Such a document is refused before it is parsed; one of 1,100 fits in
	// the token limit.
	t.Run("a document of thousands of definitions is refused unparsed", func(t *testing.T) {
		var chain strings.Builder
		chain.WriteString("{ ...F0 }")
		for i := range 1_100 {
			fmt.Fprintf(&chain, " fragment F%d on Query { ...F%d }", i, i+1)
		}
		chain.WriteString(" fragment F1100 on Query { status { head } }")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r, err := e.client.Query(ctx, chain.String(), nil)
		if err != nil {
			t.Fatalf("no answer: %v", err)
		}
		if r.Code() != complexityCode || !strings.Contains(r.Err().Error(), "more than 1000 operations and fragments") {
			t.Fatalf("got %v, want %s for the number of definitions", r.Err(), complexityCode)
		}
	})

	// The rule compares a fragment's fields again for each operation that spreads it, and
	// those under an inline fragment again for each fragment definition that spreads it:
	// 100 operations of one fragment of 1,000 "a: head" took 4 s, 400 of them 15 s.
	t.Run("fields of one name compared again at each spread are refused at once", func(t *testing.T) {
		var ops, frags strings.Builder
		ops.WriteString("fragment F on Query { status { " + strings.Repeat("a: head ", 1000) + "} }")
		frags.WriteString("{ ...F } fragment F on Query { ... { " + strings.Repeat("a: __typename ", 700) + "} }")
		for i := range 100 {
			fmt.Fprintf(&ops, " query Q%d { ...F }", i)
			fmt.Fprintf(&frags, " fragment G%d on Query { ...F }", i)
		}
		for _, query := range []string{ops.String(), frags.String()} {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			start := time.Now()
			r, err := e.client.Query(ctx, query, nil)
			cancel()
			if err != nil {
				t.Fatalf("%.40s: no answer after %v: %v", query, time.Since(start).Round(time.Millisecond), err)
			}
			if r.Code() != complexityCode {
				t.Fatalf("%.40s: got %v, want %s", query, r.Err(), complexityCode)
			}
		}
	})

	// The rule steps through every two fragment spreads of a selection set, even two of one
	// fragment: 120,000 "...F", 600 KB, held a core for 32 s.
	t.Run("thousands of spreads of one fragment are refused at once", func(t *testing.T) {
		query := "{ " + strings.Repeat("...F ", 20_000) + "} fragment F on Query { __typename }" // within the token limit
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		start := time.Now()
		r, err := e.client.Query(ctx, query, nil)
		if err != nil {
			t.Fatalf("no answer after %v: %v", time.Since(start).Round(time.Millisecond), err)
		}
		if r.Code() != complexityCode || !strings.Contains(r.Err().Error(), "repeats response names") {
			t.Fatalf("got %v, want %s for repeated names", r.Err(), complexityCode)
		}
	})

	// Validation walks a fragment from every operation and fragment definition that reaches
	// it, whatever its rules then find: 999 fragments, each spreading the next inside a
	// field, beside 60 fields of their own (935 KB), held a core for 8.7 s. With 2 fields of
	// their own they fit in the token limit and still make 2,000,000 visits.
	t.Run("a document whose walk would be long is refused unparsed", func(t *testing.T) {
		var doc strings.Builder
		doc.WriteString("{ ...F0 }")
		fields := ""
		for i := range 2 {
			fields += fmt.Sprintf(" a%d: __typename", i)
		}
		for i := range 998 {
			fmt.Fprintf(&doc, " fragment F%d on Query { status { ...F%d } %s }", i, i+1, fields)
		}
		doc.WriteString(" fragment F998 on Query { __typename }")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r, err := e.client.Query(ctx, doc.String(), nil)
		if err != nil {
			t.Fatalf("no answer: %v", err)
		}
		if r.Code() != complexityCode || !strings.Contains(r.Err().Error(), "validating the document would take") {
			t.Fatalf("got %v, want %s for the walk", r.Err(), complexityCode)
		}
	})

	t.Run("fields of one name that conflict are still refused", func(t *testing.T) {
		e.wantCode(t, "GRAPHQL_VALIDATION_FAILED", `{ a: status { head } ...F } fragment F on Query { a: restaurants { totalCount } }`, nil)
	})

	t.Run("a few repeats, through fragments, are served", func(t *testing.T) {
		e.must(t, `{ status { head } status { head projections { name } } ...S ...S } fragment S on Query { status { head } ... on Query { status { head } } }`, nil, nil)
		e.must(t, "{ "+strings.Repeat("__typename ", 500)+"}", nil, nil)
	})
}
