package eventsourcing

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
)

// ErrNoRoute is returned by Router.Dispatch for a command that no route takes.
var ErrNoRoute = errors.New("eventsourcing: no route for the command")

// Router dispatches commands of several aggregates, each to the function routed for its type:
// a saga's dispatch function when its commands address more than one aggregate (a Handler's
// Handle each), or an application's single entry point for commands. Make it with NewRouter,
// add routes with Route before use; Dispatch is safe for concurrent use.
type Router struct {
	routes []route
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
// implements it. It panics when C is routed already: a wiring mistake.
func Route[C any](r *Router, handle func(context.Context, C, Meta) (Result, error)) {
	typ := reflect.TypeFor[C]()
	if handle == nil {
		panic(fmt.Sprintf("eventsourcing: Route of %v: a nil function", typ))
	}
	for _, o := range r.routes {
		if o.typ == typ {
			panic(fmt.Sprintf("eventsourcing: Route: %v is routed twice", typ))
		}
	}
	r.routes = append(r.routes, route{typ: typ, handle: func(ctx context.Context, cmd any, m Meta) (Result, error) {
		return handle(ctx, cmd.(C), m)
	}})
	r.byType.Clear() // a type found without a route, or under an interface's, may have one now
}

// Dispatch sends cmd to the function routed for its type: the route of its very type, else
// the one interface route it implements. A command that no route takes, or that implements
// the interfaces of two routes and has no route of its own, is an error wrapping
// ErrNoRoute, and nothing is dispatched.
func (r *Router) Dispatch(ctx context.Context, cmd any, m Meta) (Result, error) {
	typ := reflect.TypeOf(cmd)
	if typ == nil {
		return Result{}, fmt.Errorf("%w: a nil command", ErrNoRoute)
	}
	found, ok := r.byType.Load(typ)
	if !ok {
		found, _ = r.byType.LoadOrStore(typ, r.find(typ))
	}
	if err, ok := found.(error); ok {
		return Result{}, err
	}
	return found.(*route).handle(ctx, cmd, m)
}

// find returns the route of commands of type typ, or why there is none.
func (r *Router) find(typ reflect.Type) any {
	for i := range r.routes {
		if r.routes[i].typ == typ {
			return &r.routes[i]
		}
	}
	var match *route
	for i := range r.routes {
		o := &r.routes[i]
		if o.typ.Kind() == reflect.Interface && typ.Implements(o.typ) {
			if match != nil {
				return fmt.Errorf("%w: %v implements both %v and %v (route %v itself)", ErrNoRoute, typ, match.typ, o.typ, typ)
			}
			match = o
		}
	}
	if match == nil {
		return fmt.Errorf("%w: %v", ErrNoRoute, typ)
	}
	return match
}

// DispatchTo returns r.Dispatch as the dispatch function of a saga whose commands are Cs
// (see NewSaga).
func DispatchTo[C any](r *Router) func(context.Context, C, Meta) (Result, error) {
	return func(ctx context.Context, c C, m Meta) (Result, error) { return r.Dispatch(ctx, c, m) }
}
