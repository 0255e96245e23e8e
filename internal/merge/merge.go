// Package merge merges sorted lists, for the stores' readers of several event types: each
// type's positions are in log order, and the events of several types are read in log order
// too.
package merge

import (
	"cmp"
	"iter"
	"slices"
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

// Intersect yields, in ascending order, the values of the sorted list l that are also in one
// of the sorted lists, once each. It walks the shorter side, the lists merged (their part within l's
// span) or l, and looks each value up in the other by bisection, so a short list against
// long ones (a stream's few events of a type among a log's many), or the other way round,
// costs about the shorter's length.
func Intersect[T cmp.Ordered](l []T, lists [][]T) iter.Seq[T] {
	return func(yield func(T) bool) {
		if len(l) == 0 {
			return
		}
		within := make([][]T, 0, len(lists))
		n := 0
		for _, x := range lists {
			lo, _ := slices.BinarySearch(x, l[0])
			hi, found := slices.BinarySearch(x, l[len(l)-1])
			if found {
				hi++
			}
			if lo < hi {
				within = append(within, x[lo:hi])
				n += hi - lo
			}
		}
		if n <= len(l) {
			var last T
			yielded := false
			for v := range Ascending(within) {
				if yielded && v == last {
					continue // in two of the lists: once
				}
				if _, ok := slices.BinarySearch(l, v); ok {
					if !yield(v) {
						return
					}
					last, yielded = v, true
				}
			}
			return
		}
		for _, v := range l {
			for _, x := range within {
				if _, ok := slices.BinarySearch(x, v); ok {
					if !yield(v) {
						return
					}
					break
				}
			}
		}
	}
}
