package eventsourcing

import (
	"fmt"
	"strings"
	"testing"
)

func TestStreamNumbers(t *testing.T) {
	long := strings.Repeat("l", streamChunk+1)
	tests := []struct {
		name string
		hash func(string) uint64 // nil: the default
		ids  []string
	}{
		{"distinct ids", nil, []string{"a", "b", "order-1", "c"}},
		{"ids whose hashes collide", func(string) uint64 { return 1 }, []string{"a", "b", "order-1", "c"}},
		{"ids that fill chunks, and one longer than a chunk", nil, chunkFillers(long)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStreamNumbers()
			if tt.hash != nil {
				s.hash = tt.hash
			}
			for round := range 2 { // the second round finds the ids numbered in the first
				for i, id := range tt.ids {
					// A copy, so that a match cannot come from sharing the caller's string.
					if n := s.number(strings.Clone(id)); n != i {
						t.Fatalf("round %d: number(%.20s…) = %d, want %d", round, id, n, i)
					}
				}
			}
			for i, id := range tt.ids {
				if got := s.id(i); got != id {
					t.Fatalf("id(%d) = %.20s… (%d bytes), want %.20s… (%d bytes)", i, got, len(got), id, len(id))
				}
			}
		})
	}
}

// chunkFillers returns ids that do not fit in one chunk, with long among them.
func chunkFillers(long string) []string {
	var ids []string
	for i := 0; i < 2*streamChunk/40; i++ {
		ids = append(ids, fmt.Sprintf("order-%034d", i))
		if i == streamChunk/40 {
			ids = append(ids, long)
		}
	}
	return ids
}
