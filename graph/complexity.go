package graph

import (
	"math"

	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/graph/generated"
	"github.com/eventgraph/eventgraph/graph/model"
)

// complexityRoot returns gqlgen's complexity functions. A list field costs its selection
// once per item it may hold, so that the limit bounds the size of the response and not
// only the number of fields asked for: a paged list (restaurants, orders, events) as many
// times as first asks for, and a list that is not paged as many times as the longest such
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
// And one field that is not a list: Event.data (see eventDataCost); and the filtered events
// page, whose reading is not bounded by first (see filteredEventsCost).
func complexityRoot(processors int) generated.ComplexityRoot {
	var c generated.ComplexityRoot
	c.Query.Restaurants = func(child int, first *int, _ *string, _ *int64) int {
		return listCost(child, pageLength(first, defaultPageSize, maxPageSize))
	}
	c.Query.Orders = func(child int, _ *string, _ *model.OrderStatus, first *int, _ *string, _ *int64) int {
		return listCost(child, pageLength(first, defaultPageSize, maxPageSize))
	}
	c.Query.Events = func(child int, _ *int64, streamID *string, types []string, first *int) int {
		cost := listCost(child, pageLength(first, defaultEventPage, maxEventPage))
		if streamID != nil || types != nil {
			cost = saturatingAdd(cost, filteredEventsCost)
		}
		return cost
	}
	c.RestaurantMenu.MenuItems = func(child int) int { return listCost(child, restaurant.MaxMenuItems) }
	c.Order.MenuItems = func(child int) int { return listCost(child, restaurant.MaxOrderItems) }
	c.Status.Projections = func(child int) int { return listCost(child, processors) }
	c.Event.Data = func(int) int { return eventDataCost }
	return c
}

// eventDataCost is the cost of an event's data. An event's body may hold a whole menu (500
// items: ~110 KB, up to ~600 KB of escaped names) where another field holds a few bytes, so
// it counts as much as a small object: at the default limit a query may ask for the data of
// some 1,800 events, not of 20,000, while a whole page (first: 1000) with every field of its
// events still fits.
const eventDataCost = 10

// filteredEventsCost is what a filtered events page costs beyond its items. Without a filter
// a page reads first events; with one it reads the log (or the stream) until it has found
// first matches, however far they are, up to the whole of it. Priced at 2 (one field, an id
// each), a request of 2,000 aliases of a filter that matched nothing read a log of 2,000
// events 2,000 times; at this cost the default limit admits some 20 such scans.
const filteredEventsCost = 1000

// saturatingAdd is a+b for costs, at most math.MaxInt.
func saturatingAdd(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
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
