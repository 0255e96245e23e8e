// Package merge merges sorted lists, for the stores' readers of several event types: each
// type's positions are in log order, and the events of several types are read in log order
// too.
package merge

import (
	"cmp"
	"iter"
)

// Ascending yields the elements of lists, each sorted in ascending order, in ascending
// order. The lists are few (the types a client names), so it picks the smallest head by
// looking at each.
func Ascending[T cmp.Ordered](lists [][]T) iter.Seq[T] {
	return func(yield func(T) bool) {
		lists := append([][]T(nil), lists...) // the caller's headers stay as they are
		for {
			next := -1
			for i, l := range lists {
				if len(l) > 0 && (next < 0 || l[0] < lists[next][0]) {
					next = i
				}
			}
			if next < 0 || !yield(lists[next][0]) {
				return
			}
			lists[next] = lists[next][1:]
		}
	}
}

// After returns the part of the sorted list l after v.
func After[T cmp.Ordered](l []T, v T) []T {
	lo, hi := 0, len(l)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if l[mid] <= v {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return l[lo:]
}
