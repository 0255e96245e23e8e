package readmodel

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
)

// Order is an order as the queries return it.
type Order struct {
	ID           string
	RestaurantID string
	MenuItems    []restaurant.MenuItem
	Status       order.Status
	Version      store.Version // the order stream's version
	// Position is the log position of the order's latest event that the state reflects: a
	// subscriber of a restaurant's order changes resumes after the last one it received.
	Position store.Position
	// CreatedAt is the time of the order's first event (its OrderCreated), UpdatedAt that of
	// the latest one the state reflects (at Position): a dashboard shows how long an order
	// has waited without reading its events.
	CreatedAt, UpdatedAt time.Time
}

func (o Order) clone() Order {
	o.MenuItems = restaurant.CloneItems(o.MenuItems)
	return o
}

// OrderFilter selects orders; a zero field selects every order.
type OrderFilter struct {
	RestaurantID string
	Status       order.Status
}

// orderList is a list of orders in creation order (by index into Orders.list) with the
// number of its orders in each status and, for each status, the set of its orders (by
// index into seqs) in that status. A restaurant's list also holds the events of its
// orders, in log order (see Orders.RestaurantEvents).
type orderList struct {
	id     string // the restaurant's id ("" for the list of every order), which its orders share
	seqs   []int
	counts map[order.Status]int
	status map[order.Status]*bitset
	events []orderEvent
}

// orderEvent is an event of the order at index seq of Orders.list, at position pos.
type orderEvent struct {
	pos store.Position
	seq int
}

// OrderEvent locates an event of an order in the log.
type OrderEvent struct {
	OrderID  string
	Position store.Position
}

// setStatus moves the order at index i of seqs from status from (none when "") to status to.
func (l *orderList) setStatus(i int, from, to order.Status) {
	if from != "" {
		l.counts[from]--
		l.status[from].remove(i)
	}
	l.counts[to]++
	set := l.status[to]
	if set == nil {
		set = new(bitset)
		l.status[to] = set
	}
	set.add(i)
}

func newOrderList(id string) *orderList {
	return &orderList{id: id, counts: make(map[order.Status]int), status: make(map[order.Status]*bitset)}
}

// Orders is the orders read model. Create it with NewOrders.
type Orders struct {
	codec   order.Codec
	decoded *eventsourcing.Decoded // events this process wrote, already decoded

	mu           sync.RWMutex
	byID         map[string]int   // id → index in list
	list         []Order          // in creation order
	created      []store.Position // of each order in list, its OrderCreated's position
	last         store.Position   // of the latest order event applied (Page.Position)
	all          *orderList       // every order: seqs[i] == i
	byRestaurant map[string]*orderList
	items        *itemLists // the menu item lists of the orders in list
}

// NewOrders returns an empty orders read model.
func NewOrders(opts ...Option) *Orders {
	return &Orders{
		byID: make(map[string]int), all: newOrderList(""), byRestaurant: make(map[string]*orderList), items: newItemLists(),
		decoded: collect(opts).decoded,
	}
}

// Name returns "orders".
func (*Orders) Name() string { return "orders" }

// Apply folds one event of the log into the read model. It ignores events that are not
// order events, and fails for an order event whose body does not decode.
func (m *Orders) Apply(e store.Event) error {
	if !m.codec.Handles(e.Type) {
		return nil
	}
	ev, err := eventsourcing.DecodeEvent(m.decoded, eventsourcing.Codec[order.Event](m.codec), e)
	if err != nil {
		return fmt.Errorf("readmodel: orders: event %d: %w", e.Position, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.last = e.Position
	switch ev := ev.(type) {
	case order.OrderCreated:
		if seq, ok := m.byID[ev.OrderID]; ok {
			// An order stream starts with its one OrderCreated: a second one changes
			// nothing here, but is one of the order's events.
			m.addEvent(seq, e)
			return nil
		}
		r := m.byRestaurant[ev.RestaurantID]
		if r == nil {
			r = newOrderList(ev.RestaurantID)
			m.byRestaurant[ev.RestaurantID] = r
		}
		seq := len(m.list)
		m.byID[ev.OrderID] = seq
		m.list = append(m.list, Order{ID: ev.OrderID, RestaurantID: r.id, MenuItems: m.items.get(ev.MenuItems), Status: order.Created, Version: e.Version, Position: e.Position, CreatedAt: e.Time, UpdatedAt: e.Time})
		m.created = append(m.created, e.Position)
		r.seqs = append(r.seqs, seq)
		r.setStatus(len(r.seqs)-1, "", order.Created)
		m.addEvent(seq, e)
		m.all.seqs = append(m.all.seqs, seq)
		m.all.setStatus(seq, "", order.Created)
	case order.OrderPrepared:
		seq, ok := m.byID[ev.OrderID]
		if !ok {
			return nil
		}
		m.addEvent(seq, e)
		o := &m.list[seq]
		if o.Status != order.Prepared {
			r := m.byRestaurant[o.RestaurantID]
			r.setStatus(sort.SearchInts(r.seqs, seq), o.Status, order.Prepared)
			m.all.setStatus(seq, o.Status, order.Prepared)
			o.Status = order.Prepared
		}
		o.Version, o.Position, o.UpdatedAt = e.Version, e.Position, e.Time
	}
	return nil
}

// addEvent records e, an event of the order at index seq of m.list, among the events of
// the order's restaurant, when it is in the order's stream (as every event the order's
// command handler writes is).
func (m *Orders) addEvent(seq int, e store.Event) {
	o := &m.list[seq]
	prefix := order.StreamID("")
	if len(e.StreamID) != len(prefix)+len(o.ID) || !strings.HasPrefix(e.StreamID, prefix) || e.StreamID[len(prefix):] != o.ID {
		return // not order.StreamID(o.ID), tested without making it
	}
	r := m.byRestaurant[o.RestaurantID]
	r.events = append(r.events, orderEvent{pos: e.Position, seq: seq})
}

// RestaurantEvents returns, in log order, up to max events of the restaurant's orders with
// positions after after and up to upTo: every event in an order's stream that the read
// model applied to an order of the restaurant (an order's OrderCreated, its OrderPrepared).
// A caller pages with the last one's Position as after. It finds them in the restaurant's
// own list, by bisection: a restaurant's order changes since a position are found without
// reading the order events of the whole log.
func (m *Orders) RestaurantEvents(restaurantID string, after, upTo store.Position, max int) []OrderEvent {
	m.mu.RLock()
	defer m.mu.RUnlock()
	r := m.byRestaurant[restaurantID]
	if r == nil || max < 1 {
		return nil
	}
	i := sort.Search(len(r.events), func(i int) bool { return r.events[i].pos > after })
	var out []OrderEvent
	for ; i < len(r.events) && r.events[i].pos <= upTo && len(out) < max; i++ {
		out = append(out, OrderEvent{OrderID: m.list[r.events[i].seq].ID, Position: r.events[i].pos})
	}
	return out
}

// Get returns the order with the given id.
func (m *Orders) Get(id string) (Order, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	i, ok := m.byID[id]
	if !ok {
		return Order{}, false
	}
	return m.list[i].clone(), true
}

// RestaurantOf returns the id of the restaurant the order was placed at, without copying the
// order as Get does: a subscriber to one restaurant's order changes asks it of every order
// event of every restaurant.
func (m *Orders) RestaurantOf(id string) (string, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	i, ok := m.byID[id]
	if !ok {
		return "", false
	}
	return m.list[i].RestaurantID, true
}

// CheckCursor fails with ErrBadCursor when after is not empty and not of the form List's
// cursors have. It reads no order: a caller checks its input with it before waiting for the
// read model to catch up, so that a malformed cursor is not answered by a timeout.
func (m *Orders) CheckCursor(after string) error {
	_, err := m.CursorPosition(after)
	return err
}

// CursorPosition checks after as CheckCursor does, and returns the log position the read
// model must have processed for List to find the order it names (0 when it names none, or
// is of the first form, which does not say): a caller waits for it (a server replaying its
// log after a restart has not reached every order a client was shown before). A position
// beyond the log's head is one no server of this log issued.
func (m *Orders) CursorPosition(after string) (store.Position, error) {
	return checkCursor("order", after)
}

// List returns up to first orders that match f, in creation order, after the one the
// cursor after names (from the start when after is empty): Paginate(f, Paging{After: after,
// First: first}).
func (m *Orders) List(f OrderFilter, after string, first int) (Page[Order], error) {
	return m.Paginate(f, Paging{After: after, First: first})
}

// Paginate returns the page of the orders that match f, in creation order, that p selects.
// It fails with a *decider.ValidationError when p's page size is outside 1..MaxFirst or it
// sets both First and Last, and with a *CursorError (ErrBadCursor) for a cursor it did not
// issue, or issued for another restaurant's list. A cursor names an order's place in
// creation order, not the filter it was listed with: it pages any list that holds the order.
//
// A restaurant's orders are read from an index, not by scanning every order, and a status
// filter reads the orders in that status from a set of them, not by testing each order; a
// page of the Last before a cursor costs what a page of the First after it does.
func (m *Orders) Paginate(f OrderFilter, p Paging) (Page[Order], error) {
	if err := p.check(); err != nil {
		return Page[Order]{}, err
	}
	page, err := m.paginate(f, p)
	if err != nil {
		return Page[Order]{}, err
	}
	page.setCursors() // outside the lock
	return page, nil
}

// paginate is Paginate under the read lock, once p is checked; it leaves the cursors unset.
func (m *Orders) paginate(f OrderFilter, p Paging) (Page[Order], error) {
	m.mu.RLock()
	defer m.mu.RUnlock()

	// The candidates: indexes into m.list, in creation order.
	l := m.all
	if f.RestaurantID != "" {
		l = m.byRestaurant[f.RestaurantID]
		if l == nil {
			l = newOrderList(f.RestaurantID)
		}
	}
	n, total := len(l.seqs), len(l.seqs)
	// next and prev return the first candidate at or after i, and the last at or before
	// it, that f selects, or -1.
	next := func(i int) int {
		if i >= n {
			return -1
		}
		return i
	}
	prev := func(i int) int {
		return min(i, n-1)
	}
	if f.Status != "" {
		total = l.counts[f.Status]
		set := l.status[f.Status]
		if set == nil {
			set = new(bitset)
		}
		next, prev = set.next, set.prev
	}

	// The window [lo, hi) of candidates: those created after After's order and before
	// Before's. at is where Before's order is (n without Before): with Last, what follows
	// the page, even when After's order comes after Before's and the window is empty.
	lo, hi, at := 0, n, n
	if p.After != "" {
		seq, ok := m.seqOf(l, p.After)
		if !ok {
			return Page[Order]{}, badCursor("after")
		}
		lo = sort.SearchInts(l.seqs, seq+1)
	}
	if p.Before != "" {
		seq, ok := m.seqOf(l, p.Before)
		if !ok {
			return Page[Order]{}, badCursor("before")
		}
		at = sort.SearchInts(l.seqs, seq)
		hi = max(at, lo)
	}

	page := Page[Order]{Nodes: []Order{}, TotalCount: total, Position: m.last, kind: "order"}
	add := func(i int) {
		seq := l.seqs[i]
		page.Nodes = append(page.Nodes, m.list[seq].clone())
		page.refs = append(page.refs, cursorRef{seq: seq, created: m.created[seq], id: m.list[seq].ID})
	}
	if p.Last == 0 {
		i := next(lo)
		for ; i >= 0 && i < hi && len(page.Nodes) < p.First; i = next(i + 1) {
			add(i)
		}
		page.HasNextPage = i >= 0 && i < hi
		page.HasPreviousPage = prev(lo-1) >= 0
		return page, nil
	}
	i := prev(hi - 1)
	for ; i >= lo && len(page.Nodes) < p.Last; i = prev(i - 1) {
		add(i)
	}
	slices.Reverse(page.Nodes)
	slices.Reverse(page.refs)
	page.HasPreviousPage = i >= lo
	page.HasNextPage = next(at) >= 0
	return page, nil
}

// seqOf returns the place in creation order of the order the cursor names, when it is one
// this read model issued and l, a restaurant's list, holds it.
func (m *Orders) seqOf(l *orderList, cur string) (int, bool) {
	c, err := decodeCursor("order", cur)
	if err != nil || c.seq >= len(m.list) || !c.matches(m.list[c.seq].ID, m.created[c.seq]) {
		return 0, false
	}
	if l.id != "" && m.list[c.seq].RestaurantID != l.id {
		return 0, false
	}
	return c.seq, true
}
