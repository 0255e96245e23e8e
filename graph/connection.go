package graph

import (
	"context"
	"errors"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/eventgraph/eventgraph/readmodel"
	"github.com/eventgraph/eventgraph/store"
)

// The arguments of the restaurants and orders connections, as Relay's Cursor Connections
// specification has them: first and after page forward (design.md's contract), last and
// before backward. The read models hold each list in creation order, with an index of
// each restaurant's orders and a set of the orders in each status, so that a page of the
// last nodes before a cursor is found as a page of the first after one is (readmodel.
// Orders.Paginate): neither reads the list up to the cursor.

// pageSizes checks first and last and returns the Paging they select, its cursors unset.
// first has a default (20) that gqlgen gives it when it is left out, so a page of last
// alone comes with first set: first is refused beside last only when the query gave it. A
// null first beside last is no first, as Relay's clients send it (first: $first, last:
// $last, one of them null); alone it is refused, as pageSize says.
func pageSizes(ctx context.Context, first, last *int) (readmodel.Paging, error) {
	if last == nil {
		n, err := pageSize(first, defaultPageSize, maxPageSize)
		return readmodel.Paging{First: n}, err
	}
	if first != nil && argumentGiven(ctx, "first") {
		return readmodel.Paging{}, badInput("last", "must not be given with first: give first (and after) to page forward, or last (and before) to page backward")
	}
	if *last < 1 || *last > maxPageSize {
		return readmodel.Paging{}, badInput("last", fmt.Sprintf("must be between 1 and %d, got %d", maxPageSize, *last))
	}
	return readmodel.Paging{Last: *last}, nil
}

// argumentGiven reports whether the field being resolved was given the argument: written
// in the query, as a literal or as a variable the request gave a value (or its operation a
// default). An argument left out, or given a variable left out, takes the schema's default.
func argumentGiven(ctx context.Context, name string) bool {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil {
		return true
	}
	arg := fc.Field.Arguments.ForName(name)
	switch {
	case arg == nil || arg.Value == nil:
		return false
	case arg.Value.Kind != ast.Variable:
		return true
	case !graphql.HasOperationContext(ctx):
		return true
	}
	_, ok := graphql.GetOperationContext(ctx).Variables[arg.Value.Raw]
	return ok
}

// cursorAt is a cursor argument and the log position of the node it names (0 when it
// names none, or does not say).
type cursorAt struct {
	field   string
	created store.Position
}

// pageCursors checks after and before, sets them in p, and returns where their nodes were
// created, for awaitCursor; position is the list's CursorPosition.
func pageCursors(p *readmodel.Paging, after, before *string, position func(string) (store.Position, error)) ([]cursorAt, error) {
	var at []cursorAt
	for _, c := range []struct {
		field string
		value *string
		set   *string
	}{{"after", after, &p.After}, {"before", before, &p.Before}} {
		if c.value == nil {
			continue
		}
		// An empty cursor is one the server never issues (an empty page's cursors are null).
		if *c.value == "" {
			return nil, &readmodel.CursorError{Field: c.field}
		}
		created, err := position(*c.value)
		if errors.Is(err, readmodel.ErrBadCursor) {
			return nil, &readmodel.CursorError{Field: c.field}
		}
		if err != nil {
			return nil, err
		}
		*c.set = *c.value
		at = append(at, cursorAt{c.field, created})
	}
	return at, nil
}

// selectsEdges reports whether the connection being resolved has its edges selected: they
// are built only then.
func selectsEdges(ctx context.Context) bool {
	if graphql.GetFieldContext(ctx) == nil {
		return true
	}
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		if f.Name == "edges" {
			return true
		}
	}
	return false
}
