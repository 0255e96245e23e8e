package eventsourcing

import (
	"fmt"
	"slices"
	"testing"
)

// held returns the ids d holds, oldest first, checking that its ring, map and byte count
// agree.
func held(t *testing.T, d *Decoded) []string {
	t.Helper()
	var ids []string
	bytes := 0
	for k := range d.count {
		i := (d.next - d.count + k + len(d.ids)) % len(d.ids)
		ids = append(ids, d.ids[i])
		bytes += d.sizes[i]
		if _, ok := d.byID[d.ids[i]]; !ok {
			t.Fatalf("%s is in the ring but not in the map", d.ids[i])
		}
	}
	if len(d.byID) != d.count || bytes != d.bytes {
		t.Fatalf("map holds %d, ring %d; bytes %d counted, %d held", len(d.byID), d.count, d.bytes, bytes)
	}
	return ids
}

func TestDecoded_bounds(t *testing.T) {
	tests := []struct {
		name  string
		size  int
		bytes int
		puts  []int // the encoded sizes of the events put, named e0, e1, ...
		want  []string
	}{
		{"within both bounds", 4, 100, []int{10, 20, 30}, []string{"e0", "e1", "e2"}},
		{"the count bound forgets the oldest", 2, 100, []int{10, 10, 10}, []string{"e1", "e2"}},
		{"the byte bound forgets the oldest", 16, 100, []int{30, 30, 30, 30}, []string{"e1", "e2", "e3"}},
		{"a large event forgets as many as it needs", 16, 100, []int{30, 30, 30, 90}, []string{"e3"}},
		{"exactly the byte bound is kept", 16, 100, []int{40, 100}, []string{"e1"}},
		{"an event over the byte bound is not kept, nor does it push others out", 16, 100, []int{30, 101, 30}, []string{"e0", "e2"}},
		{"many rounds of the ring", 3, 50, []int{20, 20, 20, 5, 5, 5, 40, 5, 5}, []string{"e6", "e7", "e8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoded(tt.size, WithDecodedBytes(tt.bytes))
			for i, n := range tt.puts {
				d.put(fmt.Sprint("e", i), i, n)
			}
			if got := held(t, d); !slices.Equal(got, tt.want) {
				t.Errorf("holds %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDecoded_zeroValueHasTheDefaultBounds(t *testing.T) {
	var d Decoded
	d.put("small", 1, 10)
	d.put("huge", 2, DefaultDecodedBytes+1)
	if got := held(t, &d); !slices.Equal(got, []string{"small"}) {
		t.Errorf("holds %v, want [small]", got)
	}
	if len(d.ids) != DefaultDecodedSize || d.maxBytes != DefaultDecodedBytes {
		t.Errorf("zero Decoded: %d slots, %d bytes; want %d, %d", len(d.ids), d.maxBytes, DefaultDecodedSize, DefaultDecodedBytes)
	}
}

func TestNewDecoded_boundsBelowOneAreTheDefaults(t *testing.T) {
	tests := []struct {
		name      string
		size      int
		opts      []DecodedOption
		wantSize  int
		wantBytes int
	}{
		{"no options", 8, nil, 8, DefaultDecodedBytes},
		{"size 0", 0, nil, DefaultDecodedSize, DefaultDecodedBytes},
		{"a negative size", -1, nil, DefaultDecodedSize, DefaultDecodedBytes},
		{"a byte bound", 8, []DecodedOption{WithDecodedBytes(100)}, 8, 100},
		{"a byte bound of 0", 8, []DecodedOption{WithDecodedBytes(0)}, 8, DefaultDecodedBytes},
		{"a negative byte bound", 8, []DecodedOption{WithDecodedBytes(-1)}, 8, DefaultDecodedBytes},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoded(tt.size, tt.opts...)
			if len(d.ids) != tt.wantSize || d.maxBytes != tt.wantBytes {
				t.Fatalf("NewDecoded: %d slots, %d bytes; want %d, %d", len(d.ids), d.maxBytes, tt.wantSize, tt.wantBytes)
			}
			d.put("e", 1, 10) // a bound of 0 would keep nothing; 0 slots would divide by zero
			if got := held(t, d); !slices.Equal(got, []string{"e"}) {
				t.Errorf("holds %v, want [e]", got)
			}
		})
	}
}
