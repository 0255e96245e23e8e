package graph

import (
	"fmt"

	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/graph/model"
	"github.com/eventgraph/eventgraph/readmodel"
	"github.com/eventgraph/eventgraph/service"
	"github.com/eventgraph/eventgraph/store"
)

// This file is the one place where domain, read-model and store types are mapped to and
// from the GraphQL models (nothing is autobound).

func toRestaurant(r readmodel.Restaurant) *model.Restaurant {
	return &model.Restaurant{ID: r.ID, Name: r.Name, Menu: toMenu(r.Menu), Version: int(r.Version), Position: int64(r.Position), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func toMenu(m restaurant.Menu) *model.RestaurantMenu {
	return &model.RestaurantMenu{MenuID: m.MenuID, Cuisine: model.Cuisine(m.Cuisine), MenuItems: toMenuItems(m.MenuItems)}
}

func toMenuItems(items []restaurant.MenuItem) []*model.MenuItem {
	out := make([]*model.MenuItem, len(items))
	for i, it := range items {
		out[i] = &model.MenuItem{MenuItemID: it.MenuItemID, Name: it.Name, Price: it.Price}
	}
	return out
}

func toOrder(o readmodel.Order) *model.Order {
	return &model.Order{
		ID:           o.ID,
		RestaurantID: o.RestaurantID,
		MenuItems:    toMenuItems(o.MenuItems),
		Status:       model.OrderStatus(o.Status),
		Version:      int(o.Version),
		Position:     int64(o.Position),
		CreatedAt:    o.CreatedAt,
		UpdatedAt:    o.UpdatedAt,
	}
}

// toRestaurantConnection converts a page; its edges only when withEdges.
func toRestaurantConnection(p readmodel.Page[readmodel.Restaurant], withEdges bool) *model.RestaurantConnection {
	nodes, edges := convertPage(p, toRestaurant, withEdges, func(cursor string, n *model.Restaurant) *model.RestaurantEdge {
		return &model.RestaurantEdge{Cursor: cursor, Node: n}
	})
	return &model.RestaurantConnection{Nodes: nodes, Edges: edges, PageInfo: toPageInfo(p.HasNextPage, p.HasPreviousPage, p.StartCursor, p.EndCursor), TotalCount: p.TotalCount, Position: int64(p.Position)}
}

// toOrderConnection is toRestaurantConnection for orders.
func toOrderConnection(p readmodel.Page[readmodel.Order], withEdges bool) *model.OrderConnection {
	nodes, edges := convertPage(p, toOrder, withEdges, func(cursor string, n *model.Order) *model.OrderEdge {
		return &model.OrderEdge{Cursor: cursor, Node: n}
	})
	return &model.OrderConnection{Nodes: nodes, Edges: edges, PageInfo: toPageInfo(p.HasNextPage, p.HasPreviousPage, p.StartCursor, p.EndCursor), TotalCount: p.TotalCount, Position: int64(p.Position)}
}

// convertPage converts a page's nodes, and makes their edges only when withEdges: each
// cursor is encoded for its edge, which a query that selects no edges would pay for in
// vain. Edges are an empty list, not null, when not made (the field is non-null).
func convertPage[T, N, E any](p readmodel.Page[T], node func(T) *N, withEdges bool, edge func(cursor string, n *N) *E) ([]*N, []*E) {
	nodes := make([]*N, len(p.Nodes))
	for i, t := range p.Nodes {
		nodes[i] = node(t)
	}
	edges := make([]*E, 0)
	if withEdges {
		edges = make([]*E, len(nodes))
		for i, n := range nodes {
			edges[i] = edge(p.Cursor(i), n)
		}
	}
	return nodes, edges
}

// toPageInfo converts a page's place in its list; an empty cursor (an empty page's) is null.
func toPageInfo(hasNext, hasPrevious bool, startCursor, endCursor string) *model.PageInfo {
	pi := &model.PageInfo{HasNextPage: hasNext, HasPreviousPage: hasPrevious}
	if startCursor != "" {
		pi.StartCursor = &startCursor
	}
	if endCursor != "" {
		pi.EndCursor = &endCursor
	}
	return pi
}

func toEvent(e store.Event) *model.Event {
	data := model.JSON(e.Data)
	if len(data) == 0 {
		data = model.JSON("null")
	}
	return &model.Event{
		ID:       e.ID,
		Position: int64(e.Position),
		StreamID: e.StreamID,
		Version:  int(e.Version),
		Type:     e.Type,
		Time:     e.Time,
		Data:     data,
		Meta:     e.Metadata, // encoded by the metadata field, when selected
	}
}

func toEvents(es []store.Event) []*model.Event {
	out := make([]*model.Event, len(es))
	for i, e := range es {
		out[i] = toEvent(e)
	}
	return out
}

// toCommandResult reports a command's result; id is the entity the command addressed.
func toCommandResult(id string, r eventsourcing.Result) *model.CommandResult {
	return &model.CommandResult{
		ID:        id,
		StreamID:  r.StreamID,
		Version:   int(r.Version),
		Position:  int64(r.Position),
		Written:   r.Events,
		Duplicate: r.Duplicate,
	}
}

func toStatus(head store.Position, ps []eventsourcing.ProcessorStatus, states eventsourcing.StatesStatus) *model.Status {
	out := &model.Status{Head: int64(head), Projections: make([]*model.ProjectionStatus, len(ps))}
	if states.Kept {
		out.ReadModelStates = &model.ReadModelStates{Position: int64(states.Position), LoadedPosition: int64(states.Loaded),
			Bytes: states.Bytes, Saves: int(states.Saves), Failures: int(states.Failures)}
		if !states.SavedAt.IsZero() {
			at := states.SavedAt.UTC()
			out.ReadModelStates.SavedAt = &at
		}
	}
	for i, p := range ps {
		out.Projections[i] = &model.ProjectionStatus{
			Name: p.Name, Position: int64(p.Position), Kind: p.Kind,
			Failures: int(p.Failures), Retries: int(p.Retries), Stopped: p.Stopped, CheckpointHeld: p.CheckpointHeld,
		}
	}
	return out
}

// fromMenuInput maps a menu input to the domain's menu; an omitted menuId is generated
// (derived from the command id when there is one).
func fromMenuInput(field string, in *model.RestaurantMenuInput, commandID *string) (restaurant.Menu, error) {
	if in == nil {
		return restaurant.Menu{}, badInput(field, "is required")
	}
	menuID, _, err := optionalID(field+".menuId", in.MenuID, "menu", commandID)
	if err != nil {
		return restaurant.Menu{}, err
	}
	items := make([]restaurant.MenuItem, len(in.MenuItems))
	for i, it := range in.MenuItems {
		if it == nil {
			continue
		}
		items[i] = restaurant.MenuItem{MenuItemID: it.MenuItemID, Name: it.Name, Price: it.Price}
	}
	return restaurant.Menu{MenuID: menuID, Cuisine: restaurant.Cuisine(in.Cuisine), MenuItems: items}, nil
}

func fromOrderStatus(s *model.OrderStatus) order.Status {
	if s == nil {
		return ""
	}
	return order.Status(*s)
}

func fromEventFilter(streamID *string, types []string) (service.EventFilter, error) {
	f := service.EventFilter{Types: types}
	if len(types) > maxEventTypes {
		// Each type is looked up on every page, and a list of thousands made one request
		// cost as much as thousands.
		return f, badInput("types", fmt.Sprintf("must name at most %d types, got %d", maxEventTypes, len(types)))
	}
	if streamID != nil {
		if *streamID == "" {
			return f, badInput("streamId", "must not be empty (omit it for every stream)")
		}
		f.StreamID = *streamID
	}
	return f, nil
}
