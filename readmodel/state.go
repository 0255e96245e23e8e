package readmodel

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"

	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/internal/binstate"
	"github.com/eventgraph/eventgraph/store"
)

// The revisions of the read models' states (see eventsourcing.StatefulProjection): change
// one whenever its state's fields, or what Apply makes of an event, change.
const (
	RestaurantsStateRevision = "restaurants/1"
	OrdersStateRevision      = "orders/1"
)

var (
	_ eventsourcing.StatefulProjection = (*Restaurants)(nil)
	_ eventsourcing.StatefulProjection = (*Orders)(nil)
)

// maxItems bounds the lists a state holds, read back: a longer one is damage.
const maxItems = math.MaxInt32

// StateRevision returns RestaurantsStateRevision.
func (*Restaurants) StateRevision() string { return RestaurantsStateRevision }

// WriteState writes every restaurant, in creation order, with the position of its creation
// and of the latest restaurant event applied (see eventsourcing.StatefulProjection). The
// restaurants' cursors name places in that order, so those given out before a restart page
// the same after it.
func (m *Restaurants) WriteState(w io.Writer) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	bw := binstate.NewWriter(w)
	bw.Int(int64(m.last))
	bw.Uint(uint64(len(m.list)))
	for i, r := range m.list {
		bw.String(r.ID)
		bw.String(r.Name)
		writeMenu(bw, r.Menu)
		bw.Int(int64(r.Version))
		bw.Int(int64(r.Position))
		bw.Time(r.CreatedAt)
		bw.Time(r.UpdatedAt)
		bw.Int(int64(m.created[i]))
	}
	return bw.Flush()
}

// ReadState replaces the read model with the state r holds (see
// eventsourcing.StatefulProjection); on error it changes nothing.
func (m *Restaurants) ReadState(r io.Reader) error {
	br := binstate.NewReader(r)
	last := store.Position(br.Int())
	n := br.Count(maxItems)
	byID := make(map[string]int, br.Prealloc(n))
	list := make([]Restaurant, 0, br.Prealloc(n))
	created := make([]store.Position, 0, br.Prealloc(n))
	for i := 0; i < n && br.Err() == nil; i++ {
		r := Restaurant{ID: br.String(), Name: br.String(), Menu: readMenu(br)}
		r.Version, r.Position = store.Version(br.Int()), store.Position(br.Int())
		r.CreatedAt, r.UpdatedAt = br.Time(), br.Time()
		byID[r.ID] = i
		list = append(list, r)
		created = append(created, store.Position(br.Int()))
	}
	br.End()
	if err := br.Err(); err != nil {
		return fmt.Errorf("readmodel: restaurants: read state: %w", err)
	}
	if len(byID) != len(list) {
		return fmt.Errorf("readmodel: restaurants: read state: %w: a restaurant id listed twice", binstate.ErrDamaged)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.byID, m.list, m.created, m.last = byID, list, created, last
	return nil
}

func writeMenu(w *binstate.Writer, menu restaurant.Menu) {
	w.String(menu.MenuID)
	w.String(string(menu.Cuisine))
	writeItems(w, menu.MenuItems)
}

func readMenu(r *binstate.Reader) restaurant.Menu {
	return restaurant.Menu{MenuID: r.String(), Cuisine: restaurant.Cuisine(r.String()), MenuItems: readItems(r)}
}

func writeItems(w *binstate.Writer, items []restaurant.MenuItem) {
	w.Uint(uint64(len(items)))
	for _, it := range items {
		w.String(it.MenuItemID)
		w.String(it.Name)
		w.String(it.Price)
	}
}

// readItems reads a list writeItems wrote; an empty one is nil.
func readItems(r *binstate.Reader) []restaurant.MenuItem {
	n := r.Count(maxItems)
	if n == 0 {
		return nil
	}
	items := make([]restaurant.MenuItem, 0, r.Prealloc(n))
	for i := 0; i < n && r.Err() == nil; i++ {
		items = append(items, restaurant.MenuItem{MenuItemID: r.String(), Name: r.String(), Price: r.String()})
	}
	return items
}

// StateRevision returns OrdersStateRevision.
func (*Orders) StateRevision() string { return OrdersStateRevision }

// WriteState writes every order, in creation order, with the position of its creation,
// the position of the latest order event applied, and each restaurant's order events (see
// eventsourcing.StatefulProjection and RestaurantEvents). The lists by restaurant and
// status are made again from the orders when the state is read back. Cursors name places
// in creation order, so those given out before a restart page the same after it.
func (m *Orders) WriteState(w io.Writer) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	bw := binstate.NewWriter(w)
	bw.Int(int64(m.last))
	bw.Uint(uint64(len(m.list)))
	for i, o := range m.list {
		bw.String(o.ID)
		bw.String(o.RestaurantID)
		writeItems(bw, o.MenuItems)
		bw.String(string(o.Status))
		bw.Int(int64(o.Version))
		bw.Int(int64(o.Position))
		bw.Time(o.CreatedAt)
		bw.Time(o.UpdatedAt)
		bw.Int(int64(m.created[i]))
	}
	bw.Uint(uint64(len(m.byRestaurant)))
	// In the order of their ids, so that the same read model always writes the same bytes.
	for _, id := range slices.Sorted(maps.Keys(m.byRestaurant)) {
		r := m.byRestaurant[id]
		bw.String(id)
		bw.Uint(uint64(len(r.events)))
		var pos store.Position
		for _, e := range r.events {
			bw.Int(int64(e.pos - pos)) // a restaurant's events are in log order: small steps
			bw.Uint(uint64(e.seq))
			pos = e.pos
		}
	}
	return bw.Flush()
}

// ReadState replaces the read model with the state r holds (see
// eventsourcing.StatefulProjection); on error it changes nothing.
func (m *Orders) ReadState(r io.Reader) error {
	br := binstate.NewReader(r)
	fresh := NewOrders()
	fresh.last = store.Position(br.Int())
	n := br.Count(maxItems)
	fresh.byID = make(map[string]int, br.Prealloc(n))
	fresh.list = make([]Order, 0, br.Prealloc(n))
	fresh.created = make([]store.Position, 0, br.Prealloc(n))
	fresh.all.seqs = make([]int, 0, br.Prealloc(n))
	for seq := 0; seq < n && br.Err() == nil; seq++ {
		o := Order{ID: br.String(), RestaurantID: br.String()}
		o.MenuItems = fresh.items.get(readItems(br))
		o.Status = order.Status(br.String())
		o.Version, o.Position = store.Version(br.Int()), store.Position(br.Int())
		o.CreatedAt, o.UpdatedAt = br.Time(), br.Time()
		created := store.Position(br.Int())
		if br.Err() != nil {
			break
		}
		if _, dup := fresh.byID[o.ID]; dup {
			return fmt.Errorf("readmodel: orders: read state: %w: order %q listed twice", binstate.ErrDamaged, o.ID)
		}
		l := fresh.byRestaurant[o.RestaurantID]
		if l == nil {
			l = newOrderList(o.RestaurantID)
			fresh.byRestaurant[o.RestaurantID] = l
		}
		o.RestaurantID = l.id
		fresh.byID[o.ID] = seq
		fresh.list = append(fresh.list, o)
		fresh.created = append(fresh.created, created)
		// The lists by restaurant and status, as Apply made them.
		l.seqs = append(l.seqs, seq)
		l.setStatus(len(l.seqs)-1, "", order.Created)
		fresh.all.seqs = append(fresh.all.seqs, seq)
		fresh.all.setStatus(seq, "", order.Created)
		if o.Status != order.Created {
			l.setStatus(len(l.seqs)-1, order.Created, o.Status)
			fresh.all.setStatus(seq, order.Created, o.Status)
		}
	}
	lists := br.Count(maxItems)
	for i := 0; i < lists && br.Err() == nil; i++ {
		id := br.String()
		events := br.Count(maxItems)
		l := fresh.byRestaurant[id]
		if br.Err() == nil && l == nil && events > 0 {
			return fmt.Errorf("readmodel: orders: read state: %w: events of restaurant %q, which has no order", binstate.ErrDamaged, id)
		}
		var pos store.Position
		for j := 0; j < events && br.Err() == nil; j++ {
			pos += store.Position(br.Int())
			seq := br.Count(len(fresh.list) - 1)
			if br.Err() == nil {
				l.events = append(l.events, orderEvent{pos: pos, seq: seq})
			}
		}
	}
	br.End()
	if err := br.Err(); err != nil {
		return fmt.Errorf("readmodel: orders: read state: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.byID, m.list, m.created, m.last = fresh.byID, fresh.list, fresh.created, fresh.last
	m.all, m.byRestaurant, m.items = fresh.all, fresh.byRestaurant, fresh.items
	return nil
}
