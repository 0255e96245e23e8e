package graph

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator"
)

// maxVariableErrors bounds the variables' errors one response reports, as graphql-js does
// (its maxErrors, 50): a document may declare thousands of variables.
const maxVariableErrors = 50

// maxErrors bounds the errors of one operation's refusal (validation's, the variables'):
// validation reports each unknown field, argument or variable of a document, and a
// response of thousands of errors helps no one. The first maxErrors are kept, and one more
// says how many were left out.
const maxErrors = 100

// everyVariable is a transport whose executor reports every variable that cannot be read,
// not only the first: gqlparser's coercion (run by gqlgen's executor) and variableTypes
// both stop at the first, so a client with three bad variables met them one request at a
// time. The others are looked for only once a variable was refused, so a request whose
// variables fit pays nothing for it.
//
// It also builds the operation contexts of cached documents itself (see cachedOperations).
type everyVariable struct {
	graphql.Transport
	types  *variableTypes
	cached *cachedOperations
}

func (t everyVariable) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	t.Transport.Do(w, r, everyVariableExecutor{GraphExecutor: exec, types: t.types, cached: t.cached})
}

type everyVariableExecutor struct {
	graphql.GraphExecutor
	types  *variableTypes
	cached *cachedOperations
}

func (x everyVariableExecutor) CreateOperationContext(ctx context.Context, params *graphql.RawParams) (*graphql.OperationContext, gqlerror.List) {
	rc, errs, ok := x.cached.create(ctx, params)
	if !ok {
		rc, errs = x.GraphExecutor.CreateOperationContext(ctx, params)
		x.cached.learn(rc)
	}
	if len(errs) > maxErrors {
		return rc, fewerErrors(errs)
	}
	if len(errs) != 1 || !isVariableError(errs[0]) || rc == nil || rc.Operation == nil || x.types.schema == nil {
		return rc, errs
	}
	if all := x.types.all(rc.Operation, params.Variables); len(all) > 1 {
		return rc, all
	}
	return rc, errs
}

// fewerErrors returns the first maxErrors of errs and one that says how many more there were,
// with the code of the last kept.
func fewerErrors(errs gqlerror.List) gqlerror.List {
	kept := slices.Clone(errs[:maxErrors])
	more := &gqlerror.Error{Message: fmt.Sprintf("%d more errors not shown: this response holds the first %d", len(errs)-maxErrors, maxErrors)}
	if code, ok := errs[maxErrors-1].Extensions["code"]; ok {
		more.Extensions = map[string]any{"code": code}
	}
	return append(kept, more)
}

// isVariableError reports whether e is a variable's refusal, gqlparser's or variableTypes'.
func isVariableError(e *gqlerror.Error) bool {
	return len(e.Path) >= 2 && e.Path[0] == ast.PathName("variable") && e.Extensions["code"] == errcode.ValidationFailed
}

// all checks each of op's variables on its own, as gqlparser and then check do for all of
// them, and returns the refusals in the order the variables are declared (at most
// maxVariableErrors of them).
func (v *variableTypes) all(op *ast.OperationDefinition, vars map[string]any) gqlerror.List {
	var errs gqlerror.List
	for _, d := range op.VariableDefinitions {
		if len(errs) == maxVariableErrors {
			break
		}
		one := &ast.OperationDefinition{VariableDefinitions: ast.VariableDefinitionList{d}}
		coerced, err := validator.VariableValues(v.schema, one, vars)
		if err != nil {
			if gqlErr, ok := err.(*gqlerror.Error); ok {
				errcode.Set(gqlErr, errcode.ValidationFailed) // as gqlgen's executor marks it
				errs = append(errs, gqlErr)
			}
			continue
		}
		value, ok := coerced[d.Variable]
		if !ok {
			continue
		}
		if where, err := v.check(d.Type, value); err != nil {
			errs = append(errs, variableError(d, where, err))
		}
	}
	return errs
}

// variableError is check's refusal of variable d's value, with the path gathered from the
// failing value outwards. It takes the shape of gqlparser's own refusal (the presenter makes
// both BAD_USER_INPUT: see variableRefusal), so that a transport answers both alike: a
// graphql-ws error message, not a next with errors.
func variableError(d *ast.VariableDefinition, where ast.Path, err error) *gqlerror.Error {
	where = append(where, ast.PathName(d.Variable), ast.PathName("variable"))
	slices.Reverse(where)
	return &gqlerror.Error{
		Message:    err.Error(),
		Path:       where,
		Extensions: map[string]any{"code": errcode.ValidationFailed},
	}
}
