package graph

import (
	"math"

	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/graph/generated"
	"github.com/eventgraph/eventgraph/graph/model"
	"github.com/eventgraph/eventgraph/store"
)

// complexityRoot returns gqlgen's complexity functions. A list field costs its selection
// once per item it may hold, so that the limit bounds the size of the response and not
// only the number of fields asked for: a paged list (restaurants, orders, events) as many
// times as first (or last) asks for, and a list that is not paged as many times as the longest such
// list can be. Without that, a menu's 500 items cost as much as one, and a few hundred
// aliases of one restaurant's menu made a response of close to 100 MB.
//
// The lists that are not paged, and what bounds them:
//   - RestaurantMenu.menuItems: restaurant.MaxMenuItems, which every menu is checked against;
//   - Order.menuItems: restaurant.MaxOrderItems, which every order is checked against;
//   - Status.projections: processors, the projections and sagas the service runs (fixed
//     once it is built);
//   - CommandResult.events: the events of one command, which in this domain decides one
//     event, so gqlgen's default cost (1 + the selection's) already counts it in full.
//
// And fields that are not lists: Event.data (see eventDataCost); the eventId of a state or
// a page, read from the log (eventIDCost); and a filtered events page that the store cannot
// read without passing over events that do not match (see filteredEventsCost and eventReads).
func complexityRoot(processors int, reads eventReads) generated.ComplexityRoot {
	var c generated.ComplexityRoot
	c.Query.Restaurants = func(child int, first *int, _ *string, last *int, _ *string, _ *int64) int {
		return listCost(child, connectionLength(first, last))
	}
	c.Query.Orders = func(child int, _ *string, _ *model.OrderStatus, first *int, _ *string, last *int, _ *string, _ *int64) int {
		return listCost(child, connectionLength(first, last))
	}
	// An edge costs what its node costs (and its cursor, when selected): edges { node { … } }
	// costs what nodes { … } does, so that the page-size multiple above counts either alike.
	c.RestaurantEdge.Node = func(child int) int { return child }
	c.OrderEdge.Node = func(child int) int { return child }
	c.Query.Events = func(child int, _ *int64, streamID *string, types []string, first *int, _ *string) int {
		cost := listCost(child, pageLength(first, defaultEventPage, maxEventPage))
		if !reads.bounded(streamID != nil, types != nil) {
			cost = saturatingAdd(cost, filteredEventsCost)
		} else if streamID != nil {
			cost = saturatingAdd(cost, bisectionCost)
		}
		// Each type named is looked up for the page: PostgreSQL reads each by a query of
		// its own.
		return saturatingAdd(cost, typeCost*min(len(types), maxEventTypes+1))
	}
	c.RestaurantMenu.MenuItems = func(child int) int { return listCost(child, restaurant.MaxMenuItems) }
	c.Order.MenuItems = func(child int) int { return listCost(child, restaurant.MaxOrderItems) }
	c.Status.Projections = func(child int) int { return listCost(child, processors) }
	c.Event.Data = func(int) int { return eventDataCost }
	c.Order.EventID = func(int) int { return eventIDCost }
	c.Restaurant.EventID = func(int) int { return eventIDCost }
	c.OrderConnection.EventID = func(int) int { return eventIDCost }
	c.RestaurantConnection.EventID = func(int) int { return eventIDCost }
	return c
}

// costReadsArguments reports whether the cost function of object's field reads the
// field's arguments (see complexityRoot): the complexity limit builds the arguments of
// these fields alone, since a mutation's input, built only to be ignored, was a tenth of
// the limit's work. TestCostReadsArguments holds it to complexityRoot.
func costReadsArguments(object, field string) bool {
	return object == "Query" && (field == "restaurants" || field == "orders" || field == "events")
}

// eventDataCost is the cost of an event's data. An event's body may hold a whole menu (500
// items: ~110 KB, up to ~600 KB of escaped names) where another field holds a few bytes, so
// it counts as much as a small object: at the default limit a query may ask for the data of
// some 1,900 events, not of 50,000, while whole pages (first: 100) with every field of their
// events still fit, some fifteen of them. (The event costs were scaled with the default limit when it went from
// 20,000 to 50,000, so that they admit as much reading as before.)
const eventDataCost = 25

// filteredEventsCost is what a filtered events page costs beyond its items when the store
// cannot read just the matching events (see eventReads): the page then reads the log (or
// the stream) until it has found first matches, however far they are, up to the whole of
// it. Priced at 2 (one field, an id each), a request of 2,000 aliases of a filter that
// matched nothing read a log of 2,000 events 2,000 times; at this cost the default limit
// admits some 20 such scans.
const filteredEventsCost = 2500

// bisectionCost is what finding where a stream's page starts costs (see eventReads): a
// bisection of the stream's versions, reading one event a probe, about 20 for a stream of
// a million events, priced at 50.
const bisectionCost = 50

// typeCost is what each type named in an events filter costs a page: a lookup in the
// index, or for PostgreSQL a query. The resolver refuses more than maxEventTypes, but the
// limit is checked first, so a list of any length is priced as one just too long.
const typeCost = 25

// eventReads says which filtered events pages the store reads in work bounded by the page
// (the service's Events), so that they cost only their items.
type eventReads struct {
	// byType: the store reads the events of some types alone (store.TypeReader).
	byType bool
	// streamAt: the store tells a stream's version (store.StreamVersioner), so a page of
	// one stream's events after a position starts there, found by bisection, rather than at
	// the stream's first event.
	streamAt bool
}

// readsOf returns what st can read in work bounded by the page.
func readsOf(st store.Store) eventReads {
	_, byType := st.(store.TypeReader)
	_, streamAt := st.(store.StreamVersioner)
	return eventReads{byType: byType, streamAt: streamAt}
}

// bounded reports whether a page filtered by a stream, by types or both reads in work
// bounded by the page. With both it is not: the stream is read and its events of other
// types passed over.
func (r eventReads) bounded(byStream, byType bool) bool {
	switch {
	case byStream && byType:
		return false
	case byStream:
		return r.streamAt
	case byType:
		return r.byType
	}
	return true
}

// saturatingAdd is a+b for costs, at most math.MaxInt.
func saturatingAdd(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

// connectionLength is the most nodes a page of restaurants or orders holds: last nodes when
// last is given, else first (with first's default). A query that gives both is refused by
// the resolver, which reads nothing.
func connectionLength(first, last *int) int {
	if last != nil {
		return pageLength(last, defaultPageSize, maxPageSize)
	}
	return pageLength(first, defaultPageSize, maxPageSize)
}

// pageLength is the most items a page of first items holds: def when first is not given,
// and at most maxN (the resolver refuses anything larger).
func pageLength(first *int, def, maxN int) int {
	if first != nil && *first > 0 {
		return min(*first, maxN)
	}
	return def
}

// listCost is the cost of a list of at most n items whose selection costs child: the field
// itself, and the selection once per item. It saturates at math.MaxInt, as gqlgen's sums do,
// rather than overflow into a cost below the limit.
func listCost(child, n int) int {
	if n > 0 && child > (math.MaxInt-1)/n {
		return math.MaxInt
	}
	return 1 + n*child
}
