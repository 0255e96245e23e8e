package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/graph/model"
	"github.com/eventgraph/eventgraph/readmodel"
	"github.com/eventgraph/eventgraph/service"
	"github.com/eventgraph/eventgraph/store"
)

// Error codes of the API, sent as extensions.code. gqlgen adds GRAPHQL_PARSE_FAILED,
// GRAPHQL_VALIDATION_FAILED and COMPLEXITY_LIMIT_EXCEEDED itself.
const (
	CodeBadUserInput          = "BAD_USER_INPUT"
	CodeNotFound              = "NOT_FOUND"
	CodeAlreadyExists         = "ALREADY_EXISTS"
	CodeMenuItemsNotAvailable = "MENU_ITEMS_NOT_AVAILABLE"
	CodeOrderAlreadyPrepared  = "ORDER_ALREADY_PREPARED"
	CodeVersionConflict       = "VERSION_CONFLICT"
	CodeCommandIDReused       = "COMMAND_ID_REUSED"
	CodeConsistencyTimeout    = "CONSISTENCY_TIMEOUT"
	// CodeResponseTooLarge marks an events field of a query whose events, with those of the
	// query's other events fields, pass Config.MaxEventsBytes.
	CodeResponseTooLarge = "RESPONSE_TOO_LARGE"
	CodeInternal         = "INTERNAL_SERVER_ERROR"
	// CodeBadRequest marks a request this endpoint does not serve as sent: a body that is
	// not a GraphQL request, variables that are not a JSON object, a method or content type
	// no transport takes, a mutation over GET, a subscription over plain POST or GET.
	CodeBadRequest = "BAD_REQUEST"
	// CodeCanceled marks an operation that failed because its request or subscription ended
	// first: the client went away, stopped the subscription, or its connection closed. The
	// server did not fail, and the client does not read the answer; logs and metrics see it.
	CodeCanceled = "CANCELED"
	// CodeNotExecuted marks a root mutation field that was not run, and so wrote nothing,
	// because an earlier one of the same request failed (see serialMutations), as
	// graphql-js stops a mutation at its first failed field.
	CodeNotExecuted = "NOT_EXECUTED"
)

// canceledMessage is the message of a CANCELED error.
const canceledMessage = "the operation was canceled"

// internalMessage is all a client learns about an unexpected failure.
const internalMessage = "internal server error"

// presenter maps every error a resolver returns to a GraphQL error with extensions.code.
// It is the one place where domain, application and store errors meet the transport.
type presenter struct{ logger *slog.Logger }

func (p presenter) present(ctx context.Context, err error) *gqlerror.Error {
	if gqlErr, ok := errors.AsType[*gqlerror.Error](err); ok && gqlErr.Err == nil {
		if _, coded := gqlErr.Extensions["code"]; !coded {
			return badRequest(gqlErr) // a transport's refusal of the request itself
		}
		if gqlErr.Rule == fieldComparisonLimit { // validation's, refused for its cost
			out := *gqlErr
			out.Extensions = map[string]any{"code": CodeComplexityLimitExceeded}
			return &out
		}
		if v, ok := variableRefusal(gqlErr); ok {
			return v
		}
		if gqlErr.Message == "operation  not found" { // gqlgen's, for an operationName left out
			out := *gqlErr
			out.Message = "the document holds several operations: name the one to run in operationName"
			return &out
		}
		return gqlErr // gqlgen's own (parse, validation, complexity) or already presented
	}
	gqlErr := graphql.DefaultErrorPresenter(ctx, err)
	code, message, ext := classifyIn(ctx, err)
	if v, ok := errors.AsType[*decider.ValidationError](err); ok && isMutation(ctx) && !strings.HasPrefix(v.Field, "input") {
		// A command names its fields as the domain knows them; the client wrote them inside
		// the mutation's input argument, as the graph layer's own checks say.
		v = &decider.ValidationError{Field: "input." + v.Field, Reason: v.Reason}
		message, ext["field"] = v.Error(), v.Field
	}
	switch code {
	case CodeCanceled:
		p.logger.DebugContext(ctx, "graphql: operation canceled", "path", gqlErr.Path.String(), "err", err)
	case CodeInternal:
		p.logger.ErrorContext(ctx, "graphql: internal error", "path", gqlErr.Path.String(), "err", err)
	}
	out := &gqlerror.Error{
		Err:        err,
		Message:    message,
		Path:       gqlErr.Path,
		Locations:  gqlErr.Locations,
		Extensions: map[string]any{"code": code},
	}
	if code == CodeInternal {
		out.Extensions = internalExtensions(ctx)
	}
	for k, v := range ext {
		out.Extensions[k] = v
	}
	return out
}

// isMutation reports whether ctx is a mutation's.
func isMutation(ctx context.Context) bool {
	if !graphql.HasOperationContext(ctx) {
		return false
	}
	op := graphql.GetOperationContext(ctx).Operation
	return op != nil && op.Operation == ast.Mutation
}

// classifyIn is classify for an error of an operation running in ctx: an error that ctx's
// end caused (a client gone, a shutdown) is CANCELED, not INTERNAL_SERVER_ERROR. A
// context.Canceled while ctx is live came from inside (a store's own cancellation), which
// is the server's failure. The presenter and ErrorCode (metrics) both decide so here.
func classifyIn(ctx context.Context, err error) (code, message string, ext map[string]any) {
	code, message, ext = classify(err)
	if code == CodeInternal && errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return CodeCanceled, canceledMessage, ext
	}
	return code, message, ext
}

// classify returns the code, the client-facing message and extra extensions for err.
func classify(err error) (code, message string, ext map[string]any) {
	if v, ok := errors.AsType[*decider.ValidationError](err); ok {
		return CodeBadUserInput, v.Error(), map[string]any{"field": v.Field}
	}
	if m, ok := errors.AsType[*restaurant.MenuItemsNotAvailableError](err); ok {
		return CodeMenuItemsNotAvailable, m.Error(), map[string]any{"missingMenuItemIds": m.Missing}
	}
	if b, ok := errors.AsType[*service.ReadBudgetError](err); ok {
		return CodeResponseTooLarge, fmt.Sprintf("the events of this query pass the %d bytes one response may hold: "+
			"ask for them in fewer events fields (pages end early to fit), and page on with afterPosition", b.Budget), nil
	}
	if c, ok := errors.AsType[*store.ConflictError](err); ok {
		ext := map[string]any{"streamId": c.Stream, "expectedVersion": int64(c.Expected), "actualVersion": int64(c.Actual)}
		if s, ok := errors.AsType[*conflictSeen](err); ok {
			ext["position"] = int64(s.head) // pass it as minPosition to read the entity at actualVersion
		}
		return CodeVersionConflict, fmt.Sprintf("version conflict on stream %q: expected version %d, actual %d", c.Stream, c.Expected, c.Actual), ext
	}
	switch {
	case errors.Is(err, readmodel.ErrBadCursor):
		field := "after"
		if c, ok := errors.AsType[*readmodel.CursorError](err); ok {
			field = c.Field
		}
		return CodeBadUserInput, "invalid " + field + ": not a cursor this server issued for this list", map[string]any{"field": field}
	case errors.Is(err, decider.ErrInvalid), errors.Is(err, model.ErrInvalidScalar):
		return CodeBadUserInput, domainMessage(err, "invalid input"), nil
	case errors.Is(err, decider.ErrNotFound):
		return CodeNotFound, domainMessage(err, "not found"), nil
	case errors.Is(err, decider.ErrAlreadyExists):
		return CodeAlreadyExists, domainMessage(err, "already exists"), nil
	case errors.Is(err, restaurant.ErrMenuItemsNotAvailable):
		return CodeMenuItemsNotAvailable, "menu items not available", map[string]any{"missingMenuItemIds": []string{}}
	case errors.Is(err, order.ErrAlreadyPrepared):
		return CodeOrderAlreadyPrepared, domainMessage(err, "order already prepared"), nil
	case errors.Is(err, store.ErrConflict):
		return CodeVersionConflict, "version conflict", nil
	case errors.Is(err, eventsourcing.ErrCommandIDReused):
		return CodeCommandIDReused, "commandId was already used with a different command", nil
	case errors.Is(err, eventsourcing.ErrDraining):
		return CodeConsistencyTimeout, "the server is shutting down and its read models have not reached the position waited for (minPosition, or a mutation's own); retry", nil
	case errors.Is(err, eventsourcing.ErrConsistencyTimeout):
		return CodeConsistencyTimeout, "the read models did not reach the position waited for (minPosition, or a mutation's own) in time; retry later", nil
	}
	return CodeInternal, internalMessage, nil
}

// domainMessage returns the message of the domain error in err's chain (the innermost error
// that is not just a wrapper added by the application layer), or fallback.
func domainMessage(err error, fallback string) string {
	if e, ok := errors.AsType[*decider.NotFoundError](err); ok {
		return e.Error()
	}
	if e, ok := errors.AsType[*decider.AlreadyExistsError](err); ok {
		return e.Error()
	}
	if e, ok := errors.AsType[*order.AlreadyPreparedError](err); ok {
		return e.Error()
	}
	if e, ok := errors.AsType[*model.ScalarError](err); ok {
		return e.Error()
	}
	return fallback
}

// badInput is an argument the GraphQL layer rejects itself (e.g. first out of range).
func badInput(field, reason string) error {
	return &decider.ValidationError{Field: field, Reason: reason}
}

// recover turns a panic in a resolver into INTERNAL_SERVER_ERROR, logging the real cause.
func (p presenter) recover(ctx context.Context, v any) error {
	p.logger.ErrorContext(ctx, "graphql: panic in resolver", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	return &gqlerror.Error{Message: internalMessage, Extensions: internalExtensions(ctx)}
}
