package graph

import (
	"context"
	"errors"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/eventgraph/eventgraph/service"
	"github.com/eventgraph/eventgraph/store"
)

// startHeadStat is the name under which subscriptionStart keeps a subscription's starting
// head in its operation's Stats.
const startHeadStat = "SubscriptionStartHead"

// subscriptionStart is the gqlgen extension that reads the log's head as a subscription is
// created, for the live subscriptions to start after (see liveHead): events and
// orderChanged(restaurantId:) without afterPosition.
//
// gqlgen creates each operation of a WebSocket connection as it reads the client's message,
// before it reads the next, but runs it on a goroutine of its own. A resolver that read the
// head as it ran raced with the operations the client sent after the subscription: a
// client that sent subscribe events, then a mutation, on one connection missed the
// mutation's event about every other time (the mutation committed before the subscription's
// goroutine read the head), and could not know when the subscription was live, as these
// subscriptions send nothing until a change. Read here, the head is the one of the moment
// the server took the subscription, in the order of the client's messages.
type subscriptionStart struct{ svc *service.Service }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = subscriptionStart{}

func (subscriptionStart) ExtensionName() string                   { return "SubscriptionStart" }
func (subscriptionStart) Validate(graphql.ExecutableSchema) error { return nil }

// subscriptionHeadWait bounds the head's read as a subscription is taken: it runs on the
// WebSocket's read loop, which answers nothing else meanwhile (pings, complete), so a store
// slow to answer (a database under load) would hold the whole connection up.
const subscriptionHeadWait = time.Second

// MutateOperationContext records the head for a subscription that starts live. A store that
// cannot tell its head in time fails the subscription, and the client subscribes again: read
// later, by the resolver, the head could be past a command the client sent after subscribing,
// whose event the subscription would then miss without a word.
func (s subscriptionStart) MutateOperationContext(ctx context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if op.Operation == nil || op.Operation.Operation != ast.Subscription || !startsLive(op) {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, subscriptionHeadWait)
	defer cancel()
	head, err := s.svc.Head(ctx)
	if err != nil {
		msg := "the event store could not tell where the log ends: subscribe again"
		if errors.Is(err, context.DeadlineExceeded) {
			msg = "the event store did not tell where the log ends in time: subscribe again"
		}
		return &gqlerror.Error{Message: msg, Extensions: internalExtensions(ctx)}
	}
	op.Stats.SetExtension(startHeadStat, head)
	return nil
}

// startsLive reports whether the subscription starts at the log's head: events without
// afterPosition, and orderChanged of a restaurant without afterPosition. The others send the current state first
// or replay from a position, and need no head. (A selection that is not a field, a
// fragment, is taken to.)
func startsLive(op *graphql.OperationContext) bool {
	given := func(f *ast.Field, name string) bool {
		a := f.Arguments.ForName(name)
		if a == nil || a.Value == nil {
			return false
		}
		v, err := a.Value.Value(op.Variables)
		return err != nil || v != nil
	}
	for _, sel := range op.Operation.SelectionSet {
		f, ok := sel.(*ast.Field)
		if !ok {
			return true
		}
		switch f.Name {
		case "events":
			if !given(f, "afterPosition") {
				return true
			}
		case "orderChanged":
			if given(f, "restaurantId") && !given(f, "afterPosition") {
				return true
			}
		}
	}
	return false
}

// liveHead returns the position a live subscription starts after: the head when its
// operation was created (see subscriptionStart), or else the head now.
func liveHead(ctx context.Context, svc *service.Service) (store.Position, error) {
	if graphql.HasOperationContext(ctx) {
		if head, ok := graphql.GetOperationContext(ctx).Stats.GetExtension(startHeadStat).(store.Position); ok {
			return head, nil
		}
	}
	return svc.Head(ctx)
}
