package readmodel

import (
	"math/rand/v2"
	"testing"
)

func TestBitset_next(t *testing.T) {
	var b bitset
	for _, i := range []int{0, 5, 63, 64, 200} {
		b.add(i)
	}
	b.remove(5)
	b.remove(1000) // beyond the set: nothing to do
	tests := []struct{ from, want int }{
		{0, 0}, {1, 63}, {63, 63}, {64, 64}, {65, 200}, {128, 200}, {200, 200}, {201, -1}, {10000, -1},
	}
	for _, tt := range tests {
		if got := b.next(tt.from); got != tt.want {
			t.Errorf("next(%d) = %d, want %d", tt.from, got, tt.want)
		}
	}
	if got := (bitset(nil)).next(0); got != -1 {
		t.Errorf("empty set: next(0) = %d, want -1", got)
	}
}

func TestBitset_prev(t *testing.T) {
	var b bitset
	for _, i := range []int{0, 5, 63, 64, 200} {
		b.add(i)
	}
	b.remove(5)
	tests := []struct{ from, want int }{
		{-1, -1}, {0, 0}, {1, 0}, {62, 0}, {63, 63}, {64, 64}, {65, 64}, {199, 64}, {200, 200}, {255, 200}, {10000, 200},
	}
	for _, tt := range tests {
		if got := b.prev(tt.from); got != tt.want {
			t.Errorf("prev(%d) = %d, want %d", tt.from, got, tt.want)
		}
	}
	if got := (bitset(nil)).prev(5); got != -1 {
		t.Errorf("empty set: prev(5) = %d, want -1", got)
	}
}

// TestBitset_model holds the set, next and prev, to a map under random adds and removes over
// several words.
func TestBitset_model(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	var b bitset
	model := map[int]bool{}
	const span = 300
	for range 5000 {
		i := rng.IntN(span)
		if rng.IntN(3) == 0 {
			b.remove(i)
			delete(model, i)
		} else {
			b.add(i)
			model[i] = true
		}
		from := rng.IntN(span + 10)
		want := -1
		for j := from; j < span; j++ {
			if model[j] {
				want = j
				break
			}
		}
		if got := b.next(from); got != want {
			t.Fatalf("next(%d) = %d, want %d", from, got, want)
		}
		from = rng.IntN(span+10) - 5
		want = -1
		for j := min(from, span-1); j >= 0; j-- {
			if model[j] {
				want = j
				break
			}
		}
		if got := b.prev(from); got != want {
			t.Fatalf("prev(%d) = %d, want %d", from, got, want)
		}
	}
}
