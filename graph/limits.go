package graph

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Error codes of the operation limits.
const (
	// CodeDepthLimitExceeded refuses an operation nested deeper than Config.MaxDepth.
	CodeDepthLimitExceeded = "DEPTH_LIMIT_EXCEEDED"
	// CodeSubscriptionLimitExceeded refuses a subscription beyond
	// Config.MaxSubscriptionsPerConnection on one WebSocket connection, or beyond
	// Config.MaxSubscriptions on the endpoint.
	CodeSubscriptionLimitExceeded = "SUBSCRIPTION_LIMIT_EXCEEDED"
	// CodeOperationLimitExceeded refuses an operation beyond Config.MaxOperationsPerConnection
	// running at once on one WebSocket connection.
	CodeOperationLimitExceeded = "OPERATION_LIMIT_EXCEEDED"
)

// depthLimit is the gqlgen extension that refuses, before execution, operations whose
// selections nest deeper than max. A top-level field has depth 1; fragments count as the
// fields they contain; introspection (__schema, __type) is not counted, as it is switched
// on and off on its own (Config.DisableIntrospection).
type depthLimit struct{ max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = depthLimit{}

func (depthLimit) ExtensionName() string                   { return "DepthLimit" }
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (d depthLimit) MutateOperationContext(_ context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if op.Operation == nil {
		return nil
	}
	got := selectionDepth(op.Operation.SelectionSet, map[string]int{})
	if got <= d.max {
		return nil
	}
	return &gqlerror.Error{
		Message:    fmt.Sprintf("operation has depth %d, which exceeds the limit of %d", got, d.max),
		Extensions: map[string]any{"code": CodeDepthLimitExceeded, "depth": got, "limit": d.max},
	}
}

// selectionDepth returns the depth of set. fragments memoises each named fragment's depth,
// so fragments spread many times cost one walk each (validation has already refused cycles).
func selectionDepth(set ast.SelectionSet, fragments map[string]int) int {
	deepest := 0
	for _, sel := range set {
		d := 0
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" {
				continue
			}
			d = 1 + selectionDepth(s.SelectionSet, fragments)
		case *ast.InlineFragment:
			d = selectionDepth(s.SelectionSet, fragments)
		case *ast.FragmentSpread:
			if s.Definition == nil {
				continue
			}
			var ok bool
			if d, ok = fragments[s.Name]; !ok {
				fragments[s.Name] = 0 // guards against a cycle validation missed
				d = selectionDepth(s.Definition.SelectionSet, fragments)
				fragments[s.Name] = d
			}
		}
		deepest = max(deepest, d)
	}
	return deepest
}

// connKey is the context key of a WebSocket connection's *subscriptionSlots, set by wsInit.
type connKey struct{}

// subscriptionSlots counts live subscriptions: those of one WebSocket connection, or of
// the whole endpoint; ready to use once limit is set.
type subscriptionSlots struct {
	limit int // <= 0: no limit

	mu       sync.Mutex
	active   int
	released chan struct{} // closed at the next release; nil while nobody waits for one
}

// releaseWait is how long a subscription at the limit waits for a slot to be released
// before it is refused. gqlgen cancels a stopped or replaced subscription when it reads the
// client's message, but the slot is released asynchronously (see InterceptOperation), so a
// client that stops one and starts another at once may otherwise find it still taken.
const releaseWait = 250 * time.Millisecond

// acquire takes a slot, waiting up to wait for a release while all are taken. It reports
// false when no slot came free in time or ctx ended first.
func (c *subscriptionSlots) acquire(ctx context.Context, wait time.Duration) bool {
	released, ok := c.take()
	if ok {
		return true
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for {
		select {
		case <-released:
		case <-ctx.Done():
			return false
		}
		if released, ok = c.take(); ok { // another waiter may have taken the slot
			return true
		}
	}
}

// take takes a slot if one is free; otherwise it returns a channel closed at the next
// release.
func (c *subscriptionSlots) take() (released <-chan struct{}, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.active < c.limit {
		c.active++
		return nil, true
	}
	if c.released == nil {
		c.released = make(chan struct{})
	}
	return c.released, false
}

// release frees a slot taken by acquire and wakes those waiting for one.
func (c *subscriptionSlots) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.active--
	if c.released != nil {
		close(c.released)
		c.released = nil
	}
}

// subscriptionLimit is the gqlgen extension that refuses a subscription beyond the limit
// of its WebSocket connection, or beyond the endpoint's limit (any transport). A
// subscription counts until its context ends (the client stops it, it completes, or the
// connection closes). One at a limit waits up to releaseWait for a slot, so that replacing
// a subscription is not refused.
//
// Free slots are taken as the operation is created, in the order the client sent its
// operations: gqlgen reads a connection's messages one at a time and creates each operation
// before it reads the next, but runs each on a goroutine of its own, so slots taken as the
// operations run would go to whichever ran first, refusing the first operation sent as often
// as the second. An operation that finds no free slot waits for one as it runs, so that the
// client's messages that free one (a complete sent right after it) are read meanwhile.
type subscriptionLimit struct {
	server *subscriptionSlots // the endpoint's; nil: no server-wide limit
	held   *sync.Map          // *graphql.OperationContext → *heldSlots, until the operation runs
}

func newSubscriptionLimit(server int) subscriptionLimit {
	return subscriptionLimit{server: &subscriptionSlots{limit: server}, held: new(sync.Map)}
}

// heldSlots are the slots an operation took when it was created.
type heldSlots struct {
	release func()      // frees them
	stop    func() bool // stops freeing them when the request (connection) ends: it runs
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
	graphql.OperationInterceptor
} = subscriptionLimit{}

func (subscriptionLimit) ExtensionName() string                   { return "SubscriptionLimit" }
func (subscriptionLimit) Validate(graphql.ExecutableSchema) error { return nil }

// limits returns the slots a subscription in ctx needs.
func (l subscriptionLimit) limits(ctx context.Context) []*subscriptionSlots {
	var out []*subscriptionSlots
	if c, _ := ctx.Value(connKey{}).(*subscriptionSlots); c != nil && c.limit > 0 {
		out = append(out, c)
	}
	if l.server != nil && l.server.limit > 0 {
		out = append(out, l.server)
	}
	return out
}

// MutateOperationContext takes the slots of a subscription as it is created, when they are
// free. It must be the last extension that may refuse an operation, or an operation refused
// after it would hold its slots until its request (WebSocket connection) ends.
func (l subscriptionLimit) MutateOperationContext(ctx context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if op.Operation == nil || op.Operation.Operation != ast.Subscription {
		return nil
	}
	limits := l.limits(ctx)
	for i, c := range limits {
		if _, ok := c.take(); !ok {
			releaseAll(limits[:i])
			return nil // it waits as it runs
		}
	}
	if len(limits) == 0 {
		return nil
	}
	h := &heldSlots{release: onceReleasing(limits)}
	l.held.Store(op, h)
	h.stop = context.AfterFunc(ctx, func() { // it never ran
		if _, ok := l.held.LoadAndDelete(op); ok {
			h.release()
		}
	})
	return nil
}

// InterceptOperation takes the slots a subscription did not find free as it was created,
// waiting up to releaseWait for each, and hands them over to its context: they are freed
// when its stream ends (before the transport sends complete, so a client that saw complete
// may subscribe again at once), or at the latest when its context ends.
func (l subscriptionLimit) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	op := graphql.GetOperationContext(ctx)
	if op == nil || op.Operation == nil || op.Operation.Operation != ast.Subscription {
		return next(ctx)
	}
	var release func()
	if v, ok := l.held.LoadAndDelete(op); ok {
		h := v.(*heldSlots)
		h.stop()
		release = h.release
	} else {
		limits := l.limits(ctx)
		if len(limits) == 0 {
			return next(ctx)
		}
		for i, c := range limits {
			if c.acquire(ctx, releaseWait) {
				continue
			}
			releaseAll(limits[:i])
			if ctx.Err() != nil {
				// Stopped, or its connection closed, while it waited: there is nobody to answer.
				return func(context.Context) *graphql.Response { return nil }
			}
			msg := fmt.Sprintf("too many subscriptions on this server: the limit is %d; try again later", c.limit)
			if c != l.server {
				msg = fmt.Sprintf("too many subscriptions on this connection: the limit is %d; stop one or open another connection", c.limit)
			}
			return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{
				Message:    msg,
				Extensions: map[string]any{"code": CodeSubscriptionLimitExceeded, "limit": c.limit},
			}}})
		}
		release = onceReleasing(limits)
	}
	context.AfterFunc(ctx, release)
	responses := next(ctx)
	return func(ctx context.Context) *graphql.Response {
		r := responses(ctx)
		if r == nil {
			release()
		}
		return r
	}
}

// releaseAll frees a slot of each.
func releaseAll(limits []*subscriptionSlots) {
	for _, c := range limits {
		c.release()
	}
}

// onceReleasing returns a function that frees a slot of each the first time it is called.
func onceReleasing(limits []*subscriptionSlots) func() {
	var once sync.Once
	return func() { once.Do(func() { releaseAll(limits) }) }
}

// noIntrospection is the gqlgen extension that refuses, before execution, operations that
// ask for __schema or __type when introspection is off (gqlgen itself would fail them in
// the resolver, as an internal error).
type noIntrospection struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = noIntrospection{}

func (noIntrospection) ExtensionName() string                   { return "NoIntrospection" }
func (noIntrospection) Validate(graphql.ExecutableSchema) error { return nil }

func (noIntrospection) MutateOperationContext(_ context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if op.Operation == nil || !asksIntrospection(op.Operation.SelectionSet, map[string]bool{}) {
		return nil
	}
	return &gqlerror.Error{
		Message:    "introspection is disabled on this server",
		Extensions: map[string]any{"code": errcode.ValidationFailed},
	}
}

// asksIntrospection reports whether the root selections (through fragments) hold
// __schema or __type. seen holds the fragments already searched (each once: a fragment
// spread many times must not cost a walk per spread).
func asksIntrospection(set ast.SelectionSet, seen map[string]bool) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" {
				return true
			}
		case *ast.InlineFragment:
			if asksIntrospection(s.SelectionSet, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Definition == nil || seen[s.Name] {
				continue
			}
			seen[s.Name] = true
			if asksIntrospection(s.Definition.SelectionSet, seen) {
				return true
			}
		}
	}
	return false
}
