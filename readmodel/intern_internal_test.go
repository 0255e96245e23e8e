package readmodel

import (
	"runtime"
	"slices"
	"strconv"
	"testing"
	"unsafe"

	"github.com/eventgraph/eventgraph/domain/restaurant"
)

// Lists whose strings run together alike are kept apart, and each comes back equal to what
// was given, also when every list hashes alike.
func TestItemLists_keysDoNotCollide(t *testing.T) {
	t.Run("hashed", func(t *testing.T) { testItemListsApart(t, newItemLists(), true) })
	t.Run("colliding", func(t *testing.T) {
		l := newItemLists()
		l.hash = func(*itemLists, []restaurant.MenuItem) uint64 { return 1 }
		l.hashItem = func(*itemLists, restaurant.MenuItem) uint64 { return 1 }
		testItemListsApart(t, l, false)
	})
}

func testItemListsApart(t *testing.T, l *itemLists, each bool) {
	lists := [][]restaurant.MenuItem{
		{{MenuItemID: "ab", Name: "c", Price: "1"}},
		{{MenuItemID: "a", Name: "bc", Price: "1"}},
		{{MenuItemID: "a", Name: "b", Price: "c1"}},
		{{MenuItemID: "a", Name: "b", Price: "1"}, {MenuItemID: "c", Name: "d", Price: "2"}},
		{{MenuItemID: "a", Name: "b", Price: "1c"}, {MenuItemID: "", Name: "d", Price: "2"}},
		{{MenuItemID: "\x01a", Name: "", Price: ""}},
		{{MenuItemID: "", Name: "\x01a", Price: ""}},
	}
	for range 2 {
		for _, items := range lists {
			if got := l.get(slices.Clone(items)); !slices.Equal(got, items) {
				t.Errorf("get(%q) = %q", items, got)
			}
		}
	}
	if each && len(l.lists) != len(lists) {
		t.Errorf("%d lists kept, want %d", len(l.lists), len(lists))
	}
}

// Equal lists, and equal items in different lists, share one copy of their strings: the
// point of keeping them (a decoded event's strings are its own).
func TestItemLists_share(t *testing.T) {
	decode := func(id, name, price string) restaurant.MenuItem { // fresh strings, as a decoder makes
		return restaurant.MenuItem{MenuItemID: string([]byte(id)), Name: string([]byte(name)), Price: string([]byte(price))}
	}
	l := newItemLists()
	a := l.get([]restaurant.MenuItem{decode("m1", "Pizza", "9.50")})
	b := l.get([]restaurant.MenuItem{decode("m1", "Pizza", "9.50")})
	c := l.get([]restaurant.MenuItem{decode("m2", "Water", "1"), decode("m1", "Pizza", "9.50")})
	if &a[0] != &b[0] {
		t.Error("two equal lists are kept twice")
	}
	for _, it := range []restaurant.MenuItem{b[0], c[1]} {
		if unsafe.StringData(it.Name) != unsafe.StringData(a[0].Name) || unsafe.StringData(it.MenuItemID) != unsafe.StringData(a[0].MenuItemID) || unsafe.StringData(it.Price) != unsafe.StringData(a[0].Price) {
			t.Errorf("%q does not share the strings of the first %q", it, a[0])
		}
	}
	if got := l.get(nil); got != nil {
		t.Errorf("get(nil) = %q", got)
	}
}

// Keeping lists costs a few words a list beside the lists themselves, also when no two lists
// share an item (a load of orders that each order dishes of their own): the map that finds
// an item's one copy held two copies of each item's three string headers, and such a load
// kept 1,389 bytes an order in BenchmarkOrdersMemoryDistinctItems instead of 753 without
// the lists (836 now).
func TestItemLists_distinctItemsCostLittle(t *testing.T) {
	const n = 20000
	lists := make([][]restaurant.MenuItem, n)
	for i := range lists {
		lists[i] = []restaurant.MenuItem{{MenuItemID: strconv.Itoa(i), Name: "dish " + strconv.Itoa(i), Price: "1"}}
	}
	kept := make([][]restaurant.MenuItem, n)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	l := newItemLists()
	for i, items := range lists {
		kept[i] = l.get(items)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(l)
	runtime.KeepAlive(lists)
	// Each list's own copy of its item is 48 bytes; the rest is the maps.
	perList := (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / n
	t.Logf("%.0f bytes a list of one item", perList)
	if perList > 48+100 {
		t.Errorf("a list of one item of its own costs %.0f bytes, want at most %d (its copy, and the maps' few words)", perList, 48+100)
	}
}
