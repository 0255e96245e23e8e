package eventsourcing

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
)

// ErrNoRoute is returned by Router.Dispatch for a command that no route takes.
var ErrNoRoute = errors.New("eventsourcing: no route for the command")

// Router dispatches commands of several aggregates, each to the function routed for its type:
// a saga's dispatch function when its commands address more than one aggregate (a Handler's
// Handle each), or an application's single entry point for commands. Make it with NewRouter,
// add routes with Route; Route and Dispatch are safe for concurrent use.
type Router struct {
	mu     sync.RWMutex // over routes, and over byType's filling: see Dispatch
	routes []*route
	byType sync.Map // reflect.Type of a command → *route, or an error
}

// route is a function for the commands whose type is typ or, for an interface, implements it.
type route struct {
	typ    reflect.Type
	handle func(context.Context, any, Meta) (Result, error)
}

// NewRouter returns a router without routes.
func NewRouter() *Router { return &Router{} }

// Route routes the commands of type C to handle. C is a command type, or an interface that
// an aggregate's commands implement (a Handler's C), which takes every command of a type that
// implements it. It panics when C is routed already or handle is nil: a wiring mistake.
func Route[C any](r *Router, handle func(context.Context, C, Meta) (Result, error)) {
	typ := reflect.TypeFor[C]()
	if handle == nil {
		panic(fmt.Sprintf("eventsourcing: Route of %v: a nil function", typ))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, o := range r.routes {
		if o.typ == typ {
			panic(fmt.Sprintf("eventsourcing: Route: %v is routed twice", typ))
		}
	}
	r.routes = append(r.routes, &route{typ: typ, handle: func(ctx context.Context, cmd any, m Meta) (Result, error) {
		return handle(ctx, cmd.(C), m)
	}})
	r.byType.Clear() // a type found without a route, or under an interface's, may have one now
}

// Dispatch sends cmd to the function routed for its type: the route of its very type, else
// the route of the narrowest interface it implements (one whose interface implements every
// other's it matches, as an interface that embeds another does). A command that no route
// takes, or whose interface routes have no narrowest, is an error wrapping ErrNoRoute, and
// nothing is dispatched; so is a pointer to a command whose type has a route of its own.
func (r *Router) Dispatch(ctx context.Context, cmd any, m Meta) (Result, error) {
	typ := reflect.TypeOf(cmd)
	if typ == nil {
		return Result{}, fmt.Errorf("%w: a nil command", ErrNoRoute)
	}
	found, ok := r.byType.Load(typ)
	if !ok {
		// Found and stored under the read lock, so that a Route, which clears what is
		// stored, cannot come between and leave a stale answer behind.
		r.mu.RLock()
		found = r.find(typ)
		r.byType.Store(typ, found)
		r.mu.RUnlock()
	}
	if err, ok := found.(error); ok {
		return Result{}, err
	}
	return found.(*route).handle(ctx, cmd, m)
}

// find returns the route of commands of type typ, or why there is none.
func (r *Router) find(typ reflect.Type) any {
	var matches []*route
	for _, o := range r.routes {
		switch {
		case o.typ == typ:
			return o
		case o.typ.Kind() == reflect.Interface && typ.Implements(o.typ):
			matches = append(matches, o)
		}
	}
	if typ.Kind() == reflect.Pointer && slices.ContainsFunc(r.routes, func(o *route) bool { return o.typ == typ.Elem() }) {
		// A pointer to a routed command is a slip: an interface route it matches would take
		// it past its value's own route, to a decider that switches on values.
		return fmt.Errorf("%w: %v (%v is routed: dispatch the value, not a pointer to it)", ErrNoRoute, typ, typ.Elem())
	}
	if len(matches) == 0 {
		return fmt.Errorf("%w: %v", ErrNoRoute, typ)
	}
	for _, m := range matches {
		narrowest := true
		for _, o := range matches {
			narrowest = narrowest && m.typ.Implements(o.typ)
		}
		if narrowest {
			return m
		}
	}
	return fmt.Errorf("%w: %v implements both %v and %v, neither of which implements the other (route %v itself)", ErrNoRoute, typ, matches[0].typ, matches[1].typ, typ)
}

// DispatchTo returns r.Dispatch as the dispatch function of a saga whose commands are Cs
// (see NewSaga).
func DispatchTo[C any](r *Router) func(context.Context, C, Meta) (Result, error) {
	return func(ctx context.Context, c C, m Meta) (Result, error) { return r.Dispatch(ctx, c, m) }
}
