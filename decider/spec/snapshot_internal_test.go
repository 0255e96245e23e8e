package spec

import (
	"math"
	"strings"
	"testing"
	"time"
)

// TestDeep_deterministic: two walks of one unchanged state render alike, also where map keys
// render alike (NaN keys, distinct pointers to equal values), which an unstable sort by key
// alone left in map iteration order: a spec then reported InitialState changed in place.
func TestDeep_deterministic(t *testing.T) {
	type k struct{ N int }
	states := map[string]any{
		"NaN keys":           map[float64]int{math.NaN(): 1, math.NaN(): 2, math.NaN(): 3},
		"pointer keys alike": map[*k]int{{1}: 1, {1}: 2, {1}: 3},
		"shared pointers":    func() any { p := &k{1}; return []*k{p, p, {1}} }(),
	}
	for name, s := range states {
		t.Run(name, func(t *testing.T) {
			first := takeSnapshot(s)
			for range 50 {
				if d := first.changedTo(takeSnapshot(s)); d != "" {
					t.Fatalf("an unchanged state walks differently:\n%s", d)
				}
			}
		})
	}
}

// TestDeep_cycles: a container that holds itself (a map or a slice through an interface, a
// pointer) is walked to the cycle and no further; only pointers were remembered, and a map
// holding itself overflowed the stack, killing the whole test binary.
func TestDeep_cycles(t *testing.T) {
	m := map[string]any{}
	m["self"] = m
	sl := []any{nil}
	sl[0] = sl
	type node struct{ Next *node }
	n := &node{}
	n.Next = n
	for name, v := range map[string]any{"map": m, "slice": sl, "pointer": n} {
		t.Run(name, func(t *testing.T) {
			if got := deep(v); !strings.Contains(got, "(cycle)") {
				t.Fatalf("walk:\n%s\nwant the cycle shown", got)
			}
		})
	}
}

// TestDeep_longerSliceOfOneArray: a slice that holds a longer slice of its own array is not
// a cycle: the longer one shows elements the shorter does not, and a fold that changed them
// in place would go unseen if the walk stopped there.
func TestDeep_longerSliceOfOneArray(t *testing.T) {
	type elem struct {
		Sub []elem
		N   int
	}
	arr := make([]elem, 2)
	arr[0].Sub = arr[:2]
	arr[1].N = 7
	if got := deep(arr[:1]); !strings.Contains(got, "state[0].Sub[1].N = 7") {
		t.Fatalf("walk:\n%s\nwant the longer slice's second element walked", got)
	}
}

// A time's zone is walked by its identity: its insides are a cache that reading a time in it
// fills (encoding a time.Local time for the first time set it up), so a spec whose state held
// such a time reported it changed in place when nothing had changed it.
func TestDeep_timeZoneByIdentity(t *testing.T) {
	loc := time.FixedZone("X", 3600)
	got := deep(struct{ At time.Time }{time.Unix(0, 0).In(loc)})
	if !strings.Contains(got, "*time.Location 0x") || strings.Contains(got, "cache") {
		t.Fatalf("deep walked into the time's zone:\n%s", got)
	}
}
