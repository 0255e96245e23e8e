package readmodel

import (
	"fmt"
	"sync"
	"time"

	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
)

// Restaurant is a restaurant as the queries return it.
type Restaurant struct {
	ID      string
	Name    string
	Menu    restaurant.Menu
	Version store.Version // the restaurant stream's version: it changes with every restaurant event
	// Position is the log position of the restaurant's latest event that the state reflects.
	Position store.Position
	// CreatedAt is the time of the restaurant's creation, UpdatedAt that of its latest event
	// the state reflects (at Position; a placed order is one).
	CreatedAt, UpdatedAt time.Time
}

func (r Restaurant) clone() Restaurant {
	r.Menu = r.Menu.Clone()
	return r
}

// Restaurants is the restaurants read model. Create it with NewRestaurants.
type Restaurants struct {
	codec   restaurant.Codec
	decoded *eventsourcing.Decoded // events this process wrote, already decoded

	mu      sync.RWMutex
	byID    map[string]int   // id → index in list
	list    []Restaurant     // in creation order
	created []store.Position // of each restaurant in list, its RestaurantCreated's position
	last    store.Position   // of the latest restaurant event applied (Page.Position)
}

// NewRestaurants returns an empty restaurants read model.
func NewRestaurants(opts ...Option) *Restaurants {
	return &Restaurants{byID: make(map[string]int), decoded: collect(opts).decoded}
}

// Name returns "restaurants".
func (*Restaurants) Name() string { return "restaurants" }

// Apply folds one event of the log into the read model. It ignores events that are not
// restaurant events, and fails for a restaurant event whose body does not decode.
func (m *Restaurants) Apply(e store.Event) error {
	if !m.codec.Handles(e.Type) {
		return nil
	}
	ev, err := eventsourcing.DecodeEvent(m.decoded, eventsourcing.Codec[restaurant.Event](m.codec), e)
	if err != nil {
		return fmt.Errorf("readmodel: restaurants: event %d: %w", e.Position, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.last = e.Position
	switch ev := ev.(type) {
	case restaurant.RestaurantCreated:
		r := Restaurant{ID: ev.RestaurantID, Name: ev.Name, Menu: ev.Menu, Version: e.Version, Position: e.Position, CreatedAt: e.Time, UpdatedAt: e.Time}
		if i, ok := m.byID[ev.RestaurantID]; ok {
			r.CreatedAt = m.list[i].CreatedAt // created when it was first
			m.list[i] = r
			return nil
		}
		m.byID[ev.RestaurantID] = len(m.list)
		m.list = append(m.list, r)
		m.created = append(m.created, e.Position)
	case restaurant.RestaurantMenuChanged:
		if i, ok := m.byID[ev.RestaurantID]; ok {
			m.list[i].Menu = ev.Menu
			m.list[i].Version, m.list[i].Position, m.list[i].UpdatedAt = e.Version, e.Position, e.Time
		}
	case restaurant.RestaurantOrderPlaced:
		if i, ok := m.byID[ev.RestaurantID]; ok {
			m.list[i].Version, m.list[i].Position, m.list[i].UpdatedAt = e.Version, e.Position, e.Time
		}
	}
	return nil
}

// Get returns the restaurant with the given id.
func (m *Restaurants) Get(id string) (Restaurant, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	i, ok := m.byID[id]
	if !ok {
		return Restaurant{}, false
	}
	return m.list[i].clone(), true
}

// CheckCursor is Orders.CheckCursor for the restaurants' cursors.
func (m *Restaurants) CheckCursor(after string) error {
	_, err := m.CursorPosition(after)
	return err
}

// CursorPosition is Orders.CursorPosition for the restaurants' cursors.
func (m *Restaurants) CursorPosition(after string) (store.Position, error) {
	return checkCursor("restaurant", after)
}

// List returns up to first restaurants in creation order, after the one the cursor after
// names (from the start when after is empty): Paginate(Paging{After: after, First: first}).
func (m *Restaurants) List(after string, first int) (Page[Restaurant], error) {
	return m.Paginate(Paging{After: after, First: first})
}

// Paginate returns the page of restaurants, in creation order, that p selects. It fails
// with a *decider.ValidationError when p's page size is outside 1..MaxFirst or it sets both
// First and Last, and with a *CursorError (ErrBadCursor) for a cursor it did not issue.
func (m *Restaurants) Paginate(p Paging) (Page[Restaurant], error) {
	if err := p.check(); err != nil {
		return Page[Restaurant]{}, err
	}
	page, err := m.paginate(p)
	if err != nil {
		return Page[Restaurant]{}, err
	}
	page.setCursors() // outside the lock
	return page, nil
}

// paginate is Paginate under the read lock, once p is checked; it leaves the cursors unset.
func (m *Restaurants) paginate(p Paging) (Page[Restaurant], error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	// The window [lo, hi): the restaurants after After and before Before. at is Before's
	// (len(m.list) without Before): with Last, what follows the page, even when After's
	// restaurant comes after Before's and the window is empty.
	lo, hi, at := 0, len(m.list), len(m.list)
	if p.After != "" {
		seq, ok := m.seqOf(p.After)
		if !ok {
			return Page[Restaurant]{}, badCursor("after")
		}
		lo = seq + 1
	}
	if p.Before != "" {
		seq, ok := m.seqOf(p.Before)
		if !ok {
			return Page[Restaurant]{}, badCursor("before")
		}
		at, hi = seq, max(seq, lo)
	}
	start, end := lo, min(lo+p.First, hi)
	if p.Last != 0 {
		start, end = max(hi-p.Last, lo), hi
	}
	page := Page[Restaurant]{
		Nodes: make([]Restaurant, 0, end-start), TotalCount: len(m.list), Position: m.last, kind: "restaurant",
		refs: make([]cursorRef, 0, end-start),
	}
	if p.Last != 0 {
		page.HasPreviousPage, page.HasNextPage = start > lo, at < len(m.list)
	} else {
		page.HasPreviousPage, page.HasNextPage = start > 0, end < hi
	}
	for i := start; i < end; i++ {
		page.Nodes = append(page.Nodes, m.list[i].clone())
		page.refs = append(page.refs, cursorRef{seq: i, created: m.created[i], id: m.list[i].ID})
	}
	return page, nil
}

// seqOf returns the place in creation order of the restaurant the cursor names, when it is
// one this read model issued.
func (m *Restaurants) seqOf(cur string) (int, bool) {
	c, err := decodeCursor("restaurant", cur)
	if err != nil || c.seq >= len(m.list) || !c.matches(m.list[c.seq].ID, m.created[c.seq]) {
		return 0, false
	}
	return c.seq, true
}
