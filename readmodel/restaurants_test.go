package readmodel_test

import (
	"encoding/base64"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/eventsourcing/projectionspec"
	"github.com/eventgraph/eventgraph/readmodel"
)

func TestRestaurants_Apply(t *testing.T) {
	l := newLog(t)
	l.add(restaurant.RestaurantCreated{RestaurantID: "r1", Name: "Luigi's", Menu: menu("m1")})
	l.add(restaurant.RestaurantCreated{RestaurantID: "r2", Name: "Mario's", Menu: menu("m2")})
	l.add(restaurant.RestaurantOrderPlaced{RestaurantID: "r1", OrderID: "o1", MenuItems: []restaurant.MenuItem{pizza()}})
	l.add(order.OrderCreated{OrderID: "o1", RestaurantID: "r1", MenuItems: []restaurant.MenuItem{pizza()}})
	l.raw("other-1", "SomethingElse", []byte(`{"x":1}`))
	changed := menu("m3")
	changed.Cuisine = restaurant.French
	l.add(restaurant.RestaurantMenuChanged{RestaurantID: "r1", Menu: changed})

	m := readmodel.NewRestaurants()
	if m.Name() != "restaurants" {
		t.Errorf("Name() = %q", m.Name())
	}
	apply(t, m, l.events)

	t.Run("a restaurant reflects every event of its stream", func(t *testing.T) {
		got, ok := m.Get("r1")
		want := readmodel.Restaurant{ID: "r1", Name: "Luigi's", Menu: changed, Version: 3, Position: 6, CreatedAt: l.events[0].Time, UpdatedAt: l.events[5].Time}
		if !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("Get(r1) = %+v, %v; want %+v", got, ok, want)
		}
	})
	t.Run("an untouched restaurant keeps version 1", func(t *testing.T) {
		got, ok := m.Get("r2")
		if !ok || got.Version != 1 || got.Menu.MenuID != "m2" {
			t.Errorf("Get(r2) = %+v, %v", got, ok)
		}
	})
	t.Run("a page reflects the restaurant events up to the last", func(t *testing.T) {
		// The menu change at 6; the OrderCreated at 4 and the other event at 5 are not the
		// read model's.
		if p, err := m.List("", 1); err != nil || p.Position != 6 {
			t.Errorf("List: Position %d (%v), want 6", p.Position, err)
		}
		if p, err := readmodel.NewRestaurants().List("", 1); err != nil || p.Position != 0 {
			t.Errorf("List of an empty read model: Position %d (%v), want 0", p.Position, err)
		}
	})
	t.Run("a missing restaurant is not found", func(t *testing.T) {
		if got, ok := m.Get("o1"); ok {
			t.Errorf("Get(o1) = %+v, want not found", got)
		}
	})
	t.Run("Get returns a copy", func(t *testing.T) {
		got, _ := m.Get("r1")
		got.Menu.MenuItems[0].Name = "changed"
		if again, _ := m.Get("r1"); again.Menu.MenuItems[0].Name != "Pizza" {
			t.Errorf("the read model changed with a returned value: %q", again.Menu.MenuItems[0].Name)
		}
	})
	t.Run("events for a restaurant never created are ignored", func(t *testing.T) {
		l2 := newLog(t)
		l2.add(restaurant.RestaurantMenuChanged{RestaurantID: "ghost", Menu: menu("m")})
		l2.add(restaurant.RestaurantOrderPlaced{RestaurantID: "ghost", OrderID: "o", MenuItems: []restaurant.MenuItem{pizza()}})
		m2 := readmodel.NewRestaurants()
		apply(t, m2, l2.events)
		if _, ok := m2.Get("ghost"); ok {
			t.Error("a ghost restaurant appeared")
		}
	})
}

// TestRestaurants_DuplicateCreate: a log may hold a second RestaurantCreated in a stream
// (events no decider checked); the restaurant is still listed once, in its first place, and
// reads as the decider's fold of its stream does: the later creation's name and menu.
func TestRestaurants_DuplicateCreate(t *testing.T) {
	l := newLog(t)
	l.add(restaurant.RestaurantCreated{RestaurantID: "r1", Name: "Luigi's", Menu: menu("m1")})
	l.add(restaurant.RestaurantCreated{RestaurantID: "r2", Name: "Mario's", Menu: menu("m2")})
	again := restaurant.RestaurantCreated{RestaurantID: "r1", Name: "Luigi's again", Menu: menu("m3")}
	l.add(again)
	m := readmodel.NewRestaurants()
	apply(t, m, l.events)
	p, err := m.List("", 10)
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, r := range p.Nodes {
		listed = append(listed, r.ID)
	}
	if want := []string{"r1", "r2"}; !reflect.DeepEqual(listed, want) || p.TotalCount != 2 {
		t.Errorf("listed %v (total %d), want %v (total 2)", listed, p.TotalCount, want)
	}
	// Created when it was first: a later creation is a change.
	want := readmodel.Restaurant{ID: "r1", Name: again.Name, Menu: again.Menu, Version: 2, Position: 3, CreatedAt: l.events[0].Time, UpdatedAt: l.events[2].Time}
	if got, ok := m.Get("r1"); !ok || !reflect.DeepEqual(got, want) {
		t.Errorf("Get(r1) = %+v, %v; want %+v", got, ok, want)
	}
}

// TestRestaurants_spec: the read model's rules as given-when-then specs, fed the log as a
// store hands it to the server's runner.
func TestRestaurants_spec(t *testing.T) {
	type got struct {
		Restaurant readmodel.Restaurant
		Found      bool
	}
	get := func(id string) func(*readmodel.Restaurants) got {
		return func(m *readmodel.Restaurants) got { r, ok := m.Get(id); return got{r, ok} }
	}
	newRestaurants := func() *readmodel.Restaurants { return readmodel.NewRestaurants() }
	created := restaurant.RestaurantCreated{RestaurantID: "r1", Name: "Luigi's", Menu: menu("m1")}
	r1 := projectionspec.For(t, newRestaurants, restaurant.Codec{}, get("r1")).Given(restaurant.StreamID("r1"), created)
	t.Run("an order placed raises the restaurant's version", func(t *testing.T) {
		placed := restaurant.RestaurantOrderPlaced{RestaurantID: "r1", OrderID: "o1", MenuItems: []restaurant.MenuItem{pizza()}}
		r1.In(t).Given(restaurant.StreamID("r1"), placed).
			Then(got{readmodel.Restaurant{ID: "r1", Name: "Luigi's", Menu: menu("m1"), Version: 2, Position: 2, CreatedAt: specTime(1), UpdatedAt: specTime(2)}, true})
	})
	t.Run("other events leave it as it was", func(t *testing.T) {
		others := r1.In(t).Given(restaurant.StreamID("r2"), restaurant.RestaurantCreated{RestaurantID: "r2", Name: "Mario's", Menu: menu("m2")})
		projectionspec.WithCodec(others, order.Codec{}).
			Given(order.StreamID("o1"), order.OrderCreated{OrderID: "o1", RestaurantID: "r1", MenuItems: []restaurant.MenuItem{pizza()}}).
			GivenRaw("audit-1", "AuditNoted", []byte(`{"by":"ops"}`)).
			Then(got{readmodel.Restaurant{ID: "r1", Name: "Luigi's", Menu: menu("m1"), Version: 1, Position: 1, CreatedAt: specTime(1), UpdatedAt: specTime(1)}, true})
	})
	t.Run("a menu changed for a restaurant never created is ignored", func(t *testing.T) {
		projectionspec.For(t, newRestaurants, restaurant.Codec{}, get("ghost")).
			Given(restaurant.StreamID("ghost"), restaurant.RestaurantMenuChanged{RestaurantID: "ghost", Menu: menu("m")}).
			Then(got{})
	})
}

func TestRestaurants_ApplyBadBody(t *testing.T) {
	l := newLog(t)
	e := l.raw("restaurant-r1", "RestaurantCreated", []byte(`{"restaurantId": 7}`))
	if err := readmodel.NewRestaurants().Apply(e); err == nil {
		t.Error("Apply of an undecodable restaurant event succeeded")
	}
}

func TestRestaurants_List(t *testing.T) {
	l := newLog(t)
	var want []string
	for i := range 7 {
		id := "r" + strconv.Itoa(i)
		want = append(want, id)
		l.add(restaurant.RestaurantCreated{RestaurantID: id, Name: "R", Menu: menu("m")})
		l.add(order.OrderCreated{OrderID: "o" + strconv.Itoa(i), RestaurantID: id, MenuItems: []restaurant.MenuItem{pizza()}})
	}
	m := readmodel.NewRestaurants()
	apply(t, m, l.events)

	for _, first := range []int{1, 2, 3, 6, 7, 100} {
		t.Run("pages of "+strconv.Itoa(first), func(t *testing.T) {
			var got []string
			after := ""
			for pages := 0; ; pages++ {
				if pages > len(want) {
					t.Fatal("too many pages")
				}
				p, err := m.List(after, first)
				if err != nil {
					t.Fatal(err)
				}
				if p.TotalCount != len(want) {
					t.Errorf("TotalCount = %d, want %d", p.TotalCount, len(want))
				}
				if len(p.Nodes) > first {
					t.Fatalf("%d nodes on a page of %d", len(p.Nodes), first)
				}
				for _, r := range p.Nodes {
					got = append(got, r.ID)
				}
				if !p.HasNextPage {
					break
				}
				after = p.EndCursor
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("listed %v, want %v", got, want)
			}
		})
	}
	t.Run("the last cursor gives an empty page", func(t *testing.T) {
		p, err := m.List("", 7)
		if err != nil {
			t.Fatal(err)
		}
		end, err := m.List(p.EndCursor, 5)
		if err != nil || len(end.Nodes) != 0 || end.HasNextPage || end.EndCursor != "" || end.TotalCount != 7 {
			t.Errorf("List(end) = %+v, %v; want an empty last page", end, err)
		}
	})
	t.Run("an empty read model lists nothing", func(t *testing.T) {
		p, err := readmodel.NewRestaurants().List("", 20)
		if err != nil || len(p.Nodes) != 0 || p.HasNextPage || p.EndCursor != "" || p.TotalCount != 0 {
			t.Errorf("List = %+v, %v", p, err)
		}
	})
}

func TestRestaurants_ListErrors(t *testing.T) {
	l := newLog(t)
	for i := range 3 {
		l.add(restaurant.RestaurantCreated{RestaurantID: "r" + strconv.Itoa(i), Name: "R", Menu: menu("m")})
	}
	m := readmodel.NewRestaurants()
	apply(t, m, l.events)
	p, err := m.List("", 1)
	if err != nil {
		t.Fatal(err)
	}
	valid := p.EndCursor
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	raw, _ := base64.RawURLEncoding.DecodeString(valid)
	// The cursor the read model issued names r0 at place 0, created at some position: the
	// same place and id at another position, or at none (0), is a cursor it did not issue.
	parts := strings.Split(string(raw), "|")
	if len(parts) != 5 || parts[2] != "0" || parts[4] != "r0" {
		t.Fatalf("issued cursor %q: want c2|restaurant|0|<position>|r0", raw)
	}
	created, _ := strconv.Atoi(parts[3])
	withPosition := func(p int) string {
		return enc(strings.Join([]string{parts[0], parts[1], parts[2], strconv.Itoa(p), parts[4]}, "|"))
	}

	for _, first := range []int{0, -1, 101} {
		if _, err := m.List("", first); !errors.Is(err, decider.ErrInvalid) {
			t.Errorf("List(first=%d) error = %v, want ErrInvalid", first, err)
		}
	}
	tests := []struct {
		name, cursor string
	}{
		{"garbage", "not a cursor!"},
		{"base64 of garbage", enc("hello")},
		{"a tampered id", enc("c1|restaurant|0|r2")},
		{"a tampered place", enc("c1|restaurant|1|r0")},
		{"a place past the end", enc("c1|restaurant|9|r9")},
		{"a negative place", enc("c1|restaurant|-1|r0")},
		{"a place with a leading zero", enc("c1|restaurant|00|r0")},
		{"no id", enc("c1|restaurant|0|")},
		{"an order cursor", enc("c1|order|0|r0")},
		{"another version", enc("c2|restaurant|0|r0")},
		{"a tampered position", withPosition(created + 1)},
		{"position 0", withPosition(0)},
		{"a place beyond int32", enc("c1|restaurant|4294967296|r0")}, // on 32-bit, int() would wrap it to 0
		{"padded base64", base64.URLEncoding.EncodeToString(raw) + "=="},
		{"a truncated cursor", valid[:len(valid)-2]},
	}
	malformed := map[string]bool{ // what CheckCursor tells without reading a restaurant
		"garbage": true, "base64 of garbage": true, "a negative place": true, "a place with a leading zero": true,
		"no id": true, "an order cursor": true, "another version": true, "padded base64": true, "a truncated cursor": true,
		"position 0": true, "a place beyond int32": true,
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := m.List(tt.cursor, 10)
			if !errors.Is(err, readmodel.ErrBadCursor) || !errors.Is(err, decider.ErrInvalid) {
				t.Errorf("List(%q) error = %v, want ErrBadCursor wrapping ErrInvalid", tt.cursor, err)
			}
			if err := m.CheckCursor(tt.cursor); malformed[tt.name] != errors.Is(err, readmodel.ErrBadCursor) {
				t.Errorf("CheckCursor(%q) = %v; malformed: %v", tt.cursor, err, malformed[tt.name])
			}
		})
	}
	if _, err := m.List(valid, 10); err != nil {
		t.Errorf("a cursor the read model issued was rejected: %v", err)
	}
	if err := m.CheckCursor(valid); err != nil {
		t.Errorf("CheckCursor of a cursor the read model issued: %v", err)
	}
	if err := m.CheckCursor(""); err != nil {
		t.Errorf("CheckCursor of no cursor: %v", err)
	}
}

// specTime is the time projectionspec gives the event at position n.
func specTime(n int) time.Time { return time.Date(2000, 1, 1, 0, 0, n, 0, time.UTC) }
