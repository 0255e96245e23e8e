package readmodel

import (
	"encoding/binary"

	"github.com/eventgraph/eventgraph/domain/restaurant"
)

// itemLists keeps one copy of each list of menu items the orders hold. A restarted server
// decodes every OrderCreated from its JSON, each item's three strings in allocations of their
// own, although a restaurant's orders hold a few dishes between them: at a million orders
// these copies were most of the read model's heap. Orders share a list: Order.clone copies it
// before a caller sees it, and nothing changes one in place.
type itemLists struct {
	lists map[string][]restaurant.MenuItem            // by key
	items map[restaurant.MenuItem]restaurant.MenuItem // the one copy of each item in lists
	key   []byte                                      // scratch: the key of the list looked up
}

func newItemLists() *itemLists {
	return &itemLists{lists: make(map[string][]restaurant.MenuItem), items: make(map[restaurant.MenuItem]restaurant.MenuItem)}
}

// get returns the kept list equal to items, keeping a copy of items first if there is none.
// An empty list is returned as it is.
func (l *itemLists) get(items []restaurant.MenuItem) []restaurant.MenuItem {
	if len(items) == 0 {
		return items
	}
	// Each string is prefixed with its length, so that no two lists have one key.
	k := l.key[:0]
	for _, it := range items {
		for _, s := range [...]string{it.MenuItemID, it.Name, it.Price} {
			k = binary.AppendUvarint(k, uint64(len(s)))
			k = append(k, s...)
		}
	}
	l.key = k
	if kept, ok := l.lists[string(k)]; ok {
		return kept
	}
	kept := make([]restaurant.MenuItem, len(items))
	for i, it := range items {
		one, ok := l.items[it]
		if !ok {
			one = it
			l.items[it] = it
		}
		kept[i] = one
	}
	l.lists[string(k)] = kept
	return kept
}
