package graph

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/eventgraph/eventgraph/service"
	"github.com/eventgraph/eventgraph/store"
)

// eventIDLoader reads, for one operation, the ids of the events its pages' nodes reflect
// (their eventId), many at once: a page registers its nodes' positions when it is made, and
// the first eventId asked for reads the ids at every position registered and not read yet,
// in one read of the store (store.EventIDsReader, PostgreSQL's); the others then find
// theirs read. Without it a page of n nodes with eventId selected costs n reads, each a
// round trip to the database.
//
// Why pages register, rather than a dataloader gathering the keys asked for in a short
// wait: gqlgen resolves a list's fields concurrently, with no signal that every sibling
// has asked, so a wait would delay every such query and batch only what came within it.
// A page knows its nodes before any of them is resolved.
type eventIDLoader struct {
	svc *service.Service
	sem chan struct{} // held by the read in flight; its waiters then find their ids read

	mu      sync.Mutex
	pending []store.Position          // registered, not read yet
	ids     map[store.Position]string // read: "" where the log holds no event
}

type eventIDLoaderKey struct{}

// eventIDBatches is the extension that gives each query an eventIDLoader, on a store that
// reads many ids at once (service.BatchesEventIDs); on another it adds nothing, and each
// eventId reads its own (an index lookup in memory). A subscription needs none (its changes
// bring their event's id), nor does a mutation (its results have no eventId).
type eventIDBatches struct{ svc *service.Service }

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = eventIDBatches{}

func (eventIDBatches) ExtensionName() string                   { return "EventIDBatches" }
func (eventIDBatches) Validate(graphql.ExecutableSchema) error { return nil }

func (x eventIDBatches) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	if op := graphql.GetOperationContext(ctx).Operation; op == nil || op.Operation != ast.Query {
		return next(ctx)
	}
	l := &eventIDLoader{svc: x.svc, sem: make(chan struct{}, 1), ids: make(map[store.Position]string)}
	return next(context.WithValue(ctx, eventIDLoaderKey{}, l))
}

// loaderFrom returns the operation's eventIDLoader, nil when it has none.
func loaderFrom(ctx context.Context) *eventIDLoader {
	l, _ := ctx.Value(eventIDLoaderKey{}).(*eventIDLoader)
	return l
}

// register notes positions whose ids the operation may ask for; a nil loader ignores them.
func (l *eventIDLoader) register(ps ...store.Position) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, p := range ps {
		if _, read := l.ids[p]; !read && p > 0 {
			l.pending = append(l.pending, p)
		}
	}
}

// get returns the id of the event at p, and false when the log holds none there: read
// before, or read now with every position registered and not read yet.
func (l *eventIDLoader) get(ctx context.Context, p store.Position) (string, bool, error) {
	select {
	case l.sem <- struct{}{}:
	case <-ctx.Done():
		return "", false, ctx.Err()
	}
	defer func() { <-l.sem }()
	l.mu.Lock()
	if id, read := l.ids[p]; read {
		l.mu.Unlock()
		return id, id != "", nil
	}
	ps := []store.Position{p}
	asked := map[store.Position]bool{p: true}
	for _, q := range l.pending { // a position may be registered by several pages
		if _, read := l.ids[q]; !read && !asked[q] {
			asked[q] = true
			ps = append(ps, q)
		}
	}
	l.pending = nil
	l.mu.Unlock()
	got, err := l.svc.EventIDsAt(ctx, ps)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.pending = append(l.pending, ps...) // for the next to try
		return "", false, err
	}
	for _, q := range ps {
		l.ids[q] = got[q]
	}
	return got[p], got[p] != "", nil
}

// registerPage registers the positions of a page's nodes and its own with the operation's
// loader, if any.
func registerPage[N any](ctx context.Context, nodes []N, position func(N) int64, page int64) {
	l := loaderFrom(ctx)
	if l == nil {
		return
	}
	ps := make([]store.Position, 0, len(nodes)+1)
	for _, n := range nodes {
		ps = append(ps, store.Position(position(n)))
	}
	l.register(append(ps, store.Position(page))...)
}

// selectsInNodes reports whether the connection being resolved selects the field at path
// (from a node on) in its nodes or its edges' nodes, fragments included.
func selectsInNodes(ctx context.Context, path ...string) bool {
	if !graphql.HasOperationContext(ctx) || graphql.GetFieldContext(ctx) == nil {
		return false
	}
	op := graphql.GetOperationContext(ctx)
	var selects func(fields []graphql.CollectedField, path []string) bool
	selects = func(fields []graphql.CollectedField, path []string) bool {
		for _, f := range fields {
			if f.Name == path[0] && (len(path) == 1 || selects(graphql.CollectFields(op, f.Selections, nil), path[1:])) {
				return true
			}
		}
		return false
	}
	fields := graphql.CollectFieldsCtx(ctx, nil)
	return selects(fields, append([]string{"nodes"}, path...)) || selects(fields, append([]string{"edges", "node"}, path...))
}
