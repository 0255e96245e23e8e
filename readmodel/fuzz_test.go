package readmodel_test

import (
	"encoding/base64"
	"errors"
	"strconv"
	"testing"

	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/readmodel"
)

// FuzzOrders_ListCursor: any cursor is either one the read model issued, or the first form
// of one (then the page starts right after that order), or rejected with ErrBadCursor;
// nothing panics.
func FuzzOrders_ListCursor(f *testing.F) {
	l := newLog(f)
	for i := range 5 {
		l.add(order.OrderCreated{OrderID: "o" + strconv.Itoa(i), RestaurantID: "r" + strconv.Itoa(i%2), MenuItems: []restaurant.MenuItem{pizza()}})
	}
	m := readmodel.NewOrders()
	apply(f, m, l.events)
	issued := map[string]string{} // cursor → the id of the order after it, or ""
	p, err := m.List(readmodel.OrderFilter{}, "", 1)
	for err == nil && p.EndCursor != "" {
		f.Add(p.EndCursor)
		c := p.EndCursor
		p, err = m.List(readmodel.OrderFilter{}, c, 1)
		issued[c] = ""
		if err == nil && len(p.Nodes) > 0 {
			issued[c] = p.Nodes[0].ID
		}
	}
	// Cursors of the first form ("c1", without the position) are still read: each order's
	// one spelling of it names that order as the issued cursor does.
	for i := range 5 {
		next := ""
		if i < 4 {
			next = "o" + strconv.Itoa(i+1)
		}
		c1 := base64.RawURLEncoding.EncodeToString([]byte("c1|order|" + strconv.Itoa(i) + "|o" + strconv.Itoa(i)))
		issued[c1] = next
		f.Add(c1)
	}
	f.Add("")
	f.Add("garbage")
	f.Fuzz(func(t *testing.T, cursor string) {
		p, err := m.List(readmodel.OrderFilter{}, cursor, 1)
		// CheckCursor refuses only what List refuses, and as List does.
		if cerr := m.CheckCursor(cursor); cerr != nil && (err == nil || !errors.Is(cerr, readmodel.ErrBadCursor)) {
			t.Errorf("CheckCursor(%q) = %v, but List gave %v", cursor, cerr, err)
		}
		next, known := issued[cursor]
		switch {
		case cursor == "":
			if err != nil || len(p.Nodes) != 1 || p.Nodes[0].ID != "o0" {
				t.Errorf("List from the start = %+v, %v", p, err)
			}
		case known:
			if err != nil {
				t.Errorf("an issued cursor was rejected: %v", err)
			} else if len(p.Nodes) > 0 && p.Nodes[0].ID != next {
				t.Errorf("after %q came %s, want %s", cursor, p.Nodes[0].ID, next)
			}
		case err == nil:
			t.Errorf("List(%q) accepted a cursor it did not issue: %+v", cursor, p)
		case !errors.Is(err, readmodel.ErrBadCursor):
			t.Errorf("List(%q) error = %v, want ErrBadCursor", cursor, err)
		}
	})
}
