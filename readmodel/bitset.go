package readmodel

import "math/bits"

// bitset is a set of small non-negative integers (indexes into a list), a bit each: a
// status filter finds its orders by skipping 64 others at a step, where a scan of the
// orders themselves cost one step each, under the read lock that Apply waits for.
type bitset []uint64

// add puts i in the set.
func (b *bitset) add(i int) {
	w := i >> 6
	for len(*b) <= w {
		*b = append(*b, 0)
	}
	(*b)[w] |= 1 << (uint(i) & 63)
}

// remove takes i out of the set.
func (b bitset) remove(i int) {
	if w := i >> 6; w < len(b) {
		b[w] &^= 1 << (uint(i) & 63)
	}
}

// next returns the smallest member at or after i (i ≥ 0), or -1 when there is none.
func (b bitset) next(i int) int {
	w := i >> 6
	if w >= len(b) {
		return -1
	}
	if word := b[w] >> (uint(i) & 63); word != 0 {
		return i + bits.TrailingZeros64(word)
	}
	for w++; w < len(b); w++ {
		if b[w] != 0 {
			return w<<6 + bits.TrailingZeros64(b[w])
		}
	}
	return -1
}

// prev returns the largest member at or before i, or -1 when there is none (or i < 0).
func (b bitset) prev(i int) int {
	if i < 0 || len(b) == 0 {
		return -1
	}
	w := i >> 6
	if w >= len(b) {
		w, i = len(b)-1, len(b)<<6-1
	}
	if word := b[w] << (63 - uint(i)&63); word != 0 {
		return i - bits.LeadingZeros64(word)
	}
	for w--; w >= 0; w-- {
		if b[w] != 0 {
			return w<<6 + 63 - bits.LeadingZeros64(b[w])
		}
	}
	return -1
}
