package readmodel

import (
	"hash/maphash"
	"slices"

	"github.com/eventgraph/eventgraph/domain/restaurant"
)

// itemLists keeps one copy of each list of menu items the orders hold. A restarted server
// decodes every OrderCreated from its JSON, each item's three strings in allocations of their
// own, although a restaurant's orders hold a few dishes between them: at a million orders
// these copies were most of the read model's heap. Orders share a list: Order.clone copies it
// before a caller sees it, and nothing changes one in place.
//
// Lists are found by a hash of their items, so that a list costs a word of key however long
// its strings: a load whose orders rarely repeat a list keeps little more than it did before.
type itemLists struct {
	seed maphash.Seed
	hash func(l *itemLists, items []restaurant.MenuItem) uint64 // a field so that a test can force collisions
	// hashItem hashes one item, a field for the same reason.
	hashItem func(l *itemLists, it restaurant.MenuItem) uint64
	lists    map[uint64][]restaurant.MenuItem // by hash
	// items finds, by a hash of an item, the one copy of it: an element of a list kept
	// before. A word a value, not a copy of the item's strings' headers in key and value
	// (three times an item's size, most of a load's cost when no two orders share an item).
	items map[uint64]*restaurant.MenuItem
}

func newItemLists() *itemLists {
	return &itemLists{seed: maphash.MakeSeed(), hash: (*itemLists).hashOf, hashItem: (*itemLists).hashOfItem, lists: make(map[uint64][]restaurant.MenuItem), items: make(map[uint64]*restaurant.MenuItem)}
}

// get returns the kept list equal to items, keeping a copy of items first if there is none.
// An empty list is returned as it is.
func (l *itemLists) get(items []restaurant.MenuItem) []restaurant.MenuItem {
	if len(items) == 0 {
		return items
	}
	h := l.hash(l, items)
	kept, ok := l.lists[h]
	if ok && slices.Equal(kept, items) {
		return kept
	}
	kept = make([]restaurant.MenuItem, len(items))
	for i, it := range items {
		kept[i] = it
		ih := l.hashItem(l, it)
		if one, ok := l.items[ih]; !ok {
			l.items[ih] = &kept[i]
		} else if *one == it { // else an item whose hash another has keeps its strings
			kept[i] = *one
		}
	}
	if !ok { // a list whose hash another list has (one in 2⁶⁴) shares only its items
		l.lists[h] = kept
	}
	return kept
}

// hashOfItem hashes an item's strings.
func (l *itemLists) hashOfItem(it restaurant.MenuItem) uint64 { return maphash.Comparable(l.seed, it) }

// hashOf hashes the items' strings, each with its length, so that strings which run together
// alike in two lists do not make them hash alike.
func (l *itemLists) hashOf(items []restaurant.MenuItem) uint64 {
	var h maphash.Hash
	h.SetSeed(l.seed)
	for _, it := range items {
		for _, s := range [...]string{it.MenuItemID, it.Name, it.Price} {
			_ = h.WriteByte(byte(len(s))) // with the content, tells lengths apart well enough to hash
			_, _ = h.WriteString(s)
		}
	}
	return h.Sum64()
}
