package graph_test

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestValidation_repeatedResponseNames(t *testing.T) {
	e := newEnv(t)

	// Validation compares every two fields of one response name, and their selections:
	// 8,000 of them took 13 s, a core held past the request's deadline.
	t.Run("thousands of fields of one name are refused at once", func(t *testing.T) {
		for _, field := range []string{"a: status { head }", "__typename", "status { projections { name } projections { name } }"} {
			query := "{ " + strings.Repeat(field+" ", 8000) + "}"
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			start := time.Now()
			r, err := e.client.Query(ctx, query, nil)
			cancel()
			if err != nil {
				t.Fatalf("%s ×8000: no answer after %v: %v", field, time.Since(start).Round(time.Millisecond), err)
			}
			if r.Code() != complexityCode {
				t.Fatalf("%s ×8000: got %v, want %s", field, r.Err(), complexityCode)
			}
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
