package graph

import (
	"context"
	"errors"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/eventgraph/eventgraph/service"
	"github.com/eventgraph/eventgraph/store"
)

// eventIDLoader reads, for one operation, the ids of the events its pages' nodes reflect
// (their eventId), many at once: a page registers its nodes' positions when it is made, and
// the first eventId asked for reads the ids at every position registered and not read yet,
// in one read of the store (store.EventIDsReader, PostgreSQL's); the others wait for that
// read and share its outcome, an error included (a failing database is asked once, not once
// a node). A position no page registered starts a read of its own (with whatever pages
// registered meanwhile and no read has taken), at once, beside the reads in flight. Without it a page of n nodes with eventId selected costs n
// reads, each a round trip to the database.
//
// Why pages register, rather than a dataloader gathering the keys asked for in a short
// wait: gqlgen resolves a list's fields concurrently, with no signal that every sibling
// has asked, so a wait would delay every such query and batch only what came within it.
// A page knows its nodes before any of them is resolved.
type eventIDLoader struct {
	svc *service.Service

	mu      sync.Mutex
	pending []store.Position            // registered, not read yet
	batch   map[store.Position]*idBatch // the read of each position asked for
}

// idBatch is one read of ids; its waiters share its outcome, an error included.
type idBatch struct {
	done chan struct{}
	ids  map[store.Position]string
	err  error
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
	l := &eventIDLoader{svc: x.svc, batch: make(map[store.Position]*idBatch)}
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
		if _, read := l.batch[p]; !read && p > 0 {
			l.pending = append(l.pending, p)
		}
	}
}

// errReadPanicked is the error of the fields that waited for a read of ids that panicked.
var errReadPanicked = errors.New("graph: the read of event ids they waited for panicked")

// get returns the id of the event at p, and false when the log holds none there: from the
// read that has it, or read now with every position registered and not read yet.
func (l *eventIDLoader) get(ctx context.Context, p store.Position) (string, bool, error) {
	l.mu.Lock()
	b, ok := l.batch[p]
	if !ok {
		b = &idBatch{done: make(chan struct{})}
		ps := []store.Position{p}
		l.batch[p] = b
		for _, q := range l.pending {
			if _, read := l.batch[q]; !read {
				l.batch[q] = b
				ps = append(ps, q)
			}
		}
		l.pending = nil
		l.mu.Unlock()
		// Its waiters are released however the read ends: a panic (which gqlgen turns into
		// this field's error) leaves them errReadPanicked rather than waiting for ever.
		b.err = errReadPanicked
		func() {
			defer close(b.done)
			b.ids, b.err = l.svc.EventIDsAt(ctx, ps)
		}()
	} else {
		l.mu.Unlock()
	}
	select {
	case <-b.done:
	case <-ctx.Done():
		return "", false, ctx.Err()
	}
	if b.err != nil {
		return "", false, b.err
	}
	id := b.ids[p]
	return id, id != "", nil
}

// registerPage registers with the operation's loader, if any, the positions of a page's
// nodes when they select eventId, and the page's own when it does: only those, so that
// another eventId of the query does not read ids no field asks for.
func registerPage[N any](ctx context.Context, nodes []N, position func(N) int64, page int64) {
	l := loaderFrom(ctx)
	if l == nil {
		return
	}
	var ps []store.Position
	if selectsInNodes(ctx, "eventId") {
		ps = make([]store.Position, 0, len(nodes)+1)
		for _, n := range nodes {
			ps = append(ps, store.Position(position(n)))
		}
	}
	if selects(ctx, "eventId") {
		ps = append(ps, store.Position(page))
	}
	l.register(ps...)
}

// selectsInNodes reports whether the connection being resolved selects the field at path
// (from a node on) in its nodes or its edges' nodes, fragments included.
func selectsInNodes(ctx context.Context, path ...string) bool {
	return selects(ctx, append([]string{"nodes"}, path...)...) || selects(ctx, append([]string{"edges", "node"}, path...)...)
}

// selects reports whether the field being resolved selects the field at path below it,
// fragments included.
func selects(ctx context.Context, path ...string) bool {
	if !graphql.HasOperationContext(ctx) || graphql.GetFieldContext(ctx) == nil {
		return false
	}
	op := graphql.GetOperationContext(ctx)
	var in func(fields []graphql.CollectedField, path []string) bool
	in = func(fields []graphql.CollectedField, path []string) bool {
		for _, f := range fields {
			if f.Name == path[0] && (len(path) == 1 || in(graphql.CollectFields(op, f.Selections, nil), path[1:])) {
				return true
			}
		}
		return false
	}
	return in(graphql.CollectFieldsCtx(ctx, nil), path)
}
