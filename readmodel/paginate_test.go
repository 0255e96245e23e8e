package readmodel_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/readmodel"
)

// endCursors returns the EndCursor List issues for each order of w (pages of one, every
// order): the cursor that pages on after it.
func (w world) endCursors(t *testing.T) []string {
	t.Helper()
	var out []string
	after := ""
	for range w.all {
		p, err := w.orders.List(readmodel.OrderFilter{}, after, 1)
		if err != nil || len(p.Nodes) != 1 {
			t.Fatalf("List after %q: %+v, %v", after, p, err)
		}
		after = p.EndCursor
		out = append(out, after)
	}
	return out
}

// TestOrders_Paginate holds Paginate to a model, the filtered list in creation order: for
// random windows (after and before any order of the list, or none) and pages of the First
// or the Last of them, the nodes, each node's cursor (the EndCursor List issues for it),
// StartCursor, EndCursor, and both has-page flags as Page documents them.
func TestOrders_Paginate(t *testing.T) {
	for _, n := range []int{60, 300} {
		w := newWorld(t, 7, n)
		cursors := w.endCursors(t)
		rng := rand.New(rand.NewPCG(uint64(n), 2))
		for _, f := range w.filters {
			t.Run(fmt.Sprintf("%d orders, restaurant %q status %q", n, f.RestaurantID, f.Status), func(t *testing.T) {
				// The orders a cursor of this list may name: every order, or the restaurant's.
				var named []int
				for seq, o := range w.all {
					if f.RestaurantID == "" || o.RestaurantID == f.RestaurantID {
						named = append(named, seq)
					}
				}
				selected := func(seq int) bool {
					o := w.all[seq]
					return (f.RestaurantID == "" || o.RestaurantID == f.RestaurantID) && (f.Status == "" || o.Status == f.Status)
				}
				pick := func() (string, int, bool) { // a cursor, or none a third of the time
					if len(named) == 0 || rng.IntN(3) == 0 {
						return "", 0, false
					}
					seq := named[rng.IntN(len(named))]
					return cursors[seq], seq, true
				}
				for range 300 {
					var p readmodel.Paging
					var afterSeq, beforeSeq int
					var hasAfter, hasBefore bool
					p.After, afterSeq, hasAfter = pick()
					p.Before, beforeSeq, hasBefore = pick()
					size := []int{1, 3, 10, 100}[rng.IntN(4)]
					backward := rng.IntN(2) == 0
					if backward {
						p.Last = size
					} else {
						p.First = size
					}
					// The model: the window, and the selected orders on either side of it.
					var window []int
					before, after := false, false // selected orders at or before after's, at or after before's
					for seq := range w.all {
						if !selected(seq) {
							continue
						}
						// With after's order past before's, one may be both.
						atOrBeforeAfter, atOrAfterBefore := hasAfter && seq <= afterSeq, hasBefore && seq >= beforeSeq
						before, after = before || atOrBeforeAfter, after || atOrAfterBefore
						if !atOrBeforeAfter && !atOrAfterBefore {
							window = append(window, seq)
						}
					}
					page := window
					var wantNext, wantPrev bool
					if backward {
						if len(page) > size {
							page = page[len(page)-size:]
						}
						wantNext, wantPrev = after, len(window) > size
					} else {
						page = page[:min(size, len(page))]
						wantNext, wantPrev = len(window) > size, before
					}

					got, err := w.orders.Paginate(f, p)
					if err != nil {
						t.Fatalf("%+v: %v", p, err)
					}
					var gotSeqs []int
					for i, o := range got.Nodes {
						seq, _ := strconv.Atoi(o.ID[1:])
						gotSeqs = append(gotSeqs, seq)
						if !reflect.DeepEqual(o, w.all[seq]) {
							t.Fatalf("%+v: node %d is %+v, want %+v", p, i, o, w.all[seq])
						}
						if c := got.Cursor(i); c != cursors[seq] {
							t.Fatalf("%+v: node %d (%s) has cursor %q, want %q as List issues for it", p, i, o.ID, c, cursors[seq])
						}
					}
					if !reflect.DeepEqual(gotSeqs, page) && len(gotSeqs)+len(page) > 0 {
						t.Fatalf("%+v: got orders %v, want %v", p, gotSeqs, page)
					}
					if got.HasNextPage != wantNext || got.HasPreviousPage != wantPrev {
						t.Fatalf("%+v: hasNextPage %v, hasPreviousPage %v; want %v, %v", p, got.HasNextPage, got.HasPreviousPage, wantNext, wantPrev)
					}
					wantStart, wantEnd := "", ""
					if len(page) > 0 {
						wantStart, wantEnd = cursors[page[0]], cursors[page[len(page)-1]]
					}
					if got.StartCursor != wantStart || got.EndCursor != wantEnd {
						t.Fatalf("%+v: startCursor %q, endCursor %q; want %q, %q", p, got.StartCursor, got.EndCursor, wantStart, wantEnd)
					}
				}
			})
		}
	}
}

// A backward page: Last from the end of the list, then Last before each page's StartCursor,
// lists every order in creation order, and each page after its EndCursor resumes there.
func TestOrders_PaginateBackward(t *testing.T) {
	w := newWorld(t, 42, 300)
	for _, f := range w.filters {
		want := ids(w.want(f))
		var got []string
		before := ""
		for pages := 0; ; pages++ {
			if pages > len(w.all) {
				t.Fatal("too many pages")
			}
			p, err := w.orders.Paginate(f, readmodel.Paging{Before: before, Last: 7})
			if err != nil {
				t.Fatal(err)
			}
			got = append(ids(p.Nodes), got...)
			if pages > 0 && !p.HasNextPage {
				t.Fatalf("%+v: a page before another says no page follows it", f)
			}
			if !p.HasPreviousPage {
				break
			}
			before = p.StartCursor
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%+v: listed backward %v, want %v", f, got, want)
		}
	}
}

func TestOrders_PaginateErrors(t *testing.T) {
	l := newLog(t)
	for i, r := range []string{"r1", "r2"} {
		l.add(order.OrderCreated{OrderID: "o" + strconv.Itoa(i), RestaurantID: r, MenuItems: []restaurant.MenuItem{pizza()}})
	}
	m := readmodel.NewOrders()
	apply(t, m, l.events)
	r2, err := m.List(readmodel.OrderFilter{RestaurantID: "r2"}, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		p     readmodel.Paging
		field string
	}{
		{"first and last", readmodel.Paging{First: 1, Last: 1}, "last"},
		{"neither", readmodel.Paging{}, "first"},
		{"first over the largest page", readmodel.Paging{First: 101}, "first"},
		{"last over the largest page", readmodel.Paging{Last: 101}, "last"},
		{"last negative", readmodel.Paging{Last: -1}, "last"},
	} {
		_, err := m.Paginate(readmodel.OrderFilter{}, tt.p)
		var v *decider.ValidationError
		if !errors.As(err, &v) || v.Field != tt.field || !errors.Is(err, decider.ErrInvalid) {
			t.Errorf("%s: error %v, want a ValidationError of %s", tt.name, err, tt.field)
		}
	}
	for _, tt := range []struct {
		name  string
		p     readmodel.Paging
		field string
	}{
		{"a made-up before", readmodel.Paging{Before: "x", Last: 1}, "before"},
		{"before of another restaurant's list", readmodel.Paging{Before: r2.EndCursor, Last: 1}, "before"},
		{"after of another restaurant's list", readmodel.Paging{After: r2.EndCursor, First: 1}, "after"},
	} {
		_, err := m.Paginate(readmodel.OrderFilter{RestaurantID: "r1"}, tt.p)
		var c *readmodel.CursorError
		if !errors.As(err, &c) || c.Field != tt.field || !errors.Is(err, readmodel.ErrBadCursor) || !errors.Is(err, decider.ErrInvalid) {
			t.Errorf("%s: error %v, want a CursorError of %s", tt.name, err, tt.field)
		}
	}
}

// TestRestaurants_Paginate holds Paginate to the list in creation order for every window
// (after and before any restaurant, or none) and page size of the First or the Last.
func TestRestaurants_Paginate(t *testing.T) {
	l := newLog(t)
	const n = 7
	for i := range n {
		l.add(restaurant.RestaurantCreated{RestaurantID: "r" + strconv.Itoa(i), Name: "R", Menu: menu("m")})
	}
	m := readmodel.NewRestaurants()
	apply(t, m, l.events)
	var cursors []string // List's EndCursor for each restaurant
	for after := ""; len(cursors) < n; {
		p, err := m.List(after, 1)
		if err != nil {
			t.Fatal(err)
		}
		after = p.EndCursor
		cursors = append(cursors, after)
	}
	for a := -1; a < n; a++ { // -1: no after
		for b := -1; b < n; b++ { // -1: no before
			for _, size := range []int{1, 2, 3, 100} {
				for _, backward := range []bool{false, true} {
					p := readmodel.Paging{First: size}
					if backward {
						p = readmodel.Paging{Last: size}
					}
					lo, hi := 0, n
					if a >= 0 {
						p.After, lo = cursors[a], a+1
					}
					if b >= 0 {
						p.Before, hi = cursors[b], max(b, lo)
					}
					start, end := lo, min(lo+size, hi)
					wantPrev, wantNext := start > 0, end < hi
					if backward {
						start, end = max(hi-size, lo), hi
						// Before's restaurant follows the page, even past after's.
						wantPrev, wantNext = start > lo, b >= 0
					}
					got, err := m.Paginate(p)
					if err != nil {
						t.Fatalf("%+v: %v", p, err)
					}
					if len(got.Nodes) != end-start || got.HasNextPage != wantNext || got.HasPreviousPage != wantPrev || got.TotalCount != n {
						t.Fatalf("%+v: %d nodes, next %v, previous %v; want %d, %v, %v", p, len(got.Nodes), got.HasNextPage, got.HasPreviousPage, end-start, wantNext, wantPrev)
					}
					for i, r := range got.Nodes {
						if want := "r" + strconv.Itoa(start+i); r.ID != want || got.Cursor(i) != cursors[start+i] {
							t.Fatalf("%+v: node %d is %s with cursor %q, want %s with %q", p, i, r.ID, got.Cursor(i), want, cursors[start+i])
						}
					}
					if start < end && (got.StartCursor != cursors[start] || got.EndCursor != cursors[end-1]) ||
						start == end && (got.StartCursor != "" || got.EndCursor != "") {
						t.Fatalf("%+v: startCursor %q, endCursor %q", p, got.StartCursor, got.EndCursor)
					}
				}
			}
		}
	}
	for _, tt := range []struct {
		p     readmodel.Paging
		field string
	}{
		{readmodel.Paging{Before: "x", Last: 1}, "before"},
		{readmodel.Paging{After: "x", Last: 1}, "after"},
		{readmodel.Paging{Before: cursors[0] + "A", First: 1}, "before"},
	} {
		_, err := m.Paginate(tt.p)
		var c *readmodel.CursorError
		if !errors.As(err, &c) || c.Field != tt.field || !errors.Is(err, readmodel.ErrBadCursor) {
			t.Errorf("%+v: error %v, want a CursorError of %s", tt.p, err, tt.field)
		}
	}
	if _, err := m.Paginate(readmodel.Paging{First: 1, Last: 1}); !errors.Is(err, decider.ErrInvalid) {
		t.Errorf("first and last: error %v, want invalid", err)
	}
}
