package eventsourcing_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/eventsourcing"
)

// TestFingerprint_formula pins the formula: fingerprints are stored in logs, so a change
// would make every stored command id look reused.
func TestFingerprint_formula(t *testing.T) {
	items := []restaurant.MenuItem{{MenuItemID: "m1", Name: "Pizza <b>", Price: "9.50"}}
	for _, cmd := range []any{
		addToCounter{ID: "a", N: 2},
		&addToCounter{ID: "p", N: -1},
		order.CreateOrder{ID: "o1", RestaurantID: "r1", MenuItems: items},
		restaurant.PlaceOrder{ID: "r1", OrderID: "o1", MenuItemIDs: []string{"m1", "m1"}},
		&restaurant.PlaceOrder{ID: "r2", OrderID: "o2"},
		(*restaurant.PlaceOrder)(nil), // json.Marshal writes null; AppendJSON would panic
		restaurant.CreateRestaurant{},
		map[string]int{"x": 1},
		nil,
	} {
		b, err := json.Marshal(cmd)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(append([]byte(fmt.Sprintf("%T\n", cmd)), b...))
		want := hex.EncodeToString(sum[:])
		got, err := eventsourcing.Fingerprint(cmd)
		if err != nil || got != want {
			t.Errorf("Fingerprint(%#v) = %q, %v; want %q", cmd, got, err, want)
		}
	}
	// A value computed by the first release, so that the formula cannot drift together with
	// the test above.
	const first = "64c8abeb67645387155f410c1a49b8aae8e82af83dfdf4555f29d59a44d3c34f"
	if got, _ := eventsourcing.Fingerprint(addToCounter{ID: "a", N: 2}); got != first {
		t.Errorf("Fingerprint(addToCounter{a 2}) = %s, want %s", got, first)
	}
}

// loudCommand writes its own JSON, different from json.Marshal's on purpose, to show that
// Fingerprint hashes what a JSONAppender writes.
type loudCommand struct{ ID string }

func (loudCommand) AppendJSON(b []byte) []byte { return append(b, `"loud"`...) }

func TestFingerprint_usesJSONAppender(t *testing.T) {
	sum := sha256.Sum256([]byte("eventsourcing_test.loudCommand\n\"loud\""))
	want := hex.EncodeToString(sum[:])
	for range 2 { // the second time with a reused buffer
		if got, err := eventsourcing.Fingerprint(loudCommand{ID: "x"}); err != nil || got != want {
			t.Errorf("Fingerprint(loudCommand) = %q, %v; want %q", got, err, want)
		}
	}
}

func TestFingerprint_unencodable(t *testing.T) {
	if _, err := eventsourcing.Fingerprint(func() {}); err == nil {
		t.Fatal("a func has a fingerprint")
	}
}

func BenchmarkFingerprint(b *testing.B) {
	cmd := order.CreateOrder{ID: "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b", RestaurantID: "r0-12", MenuItems: []restaurant.MenuItem{
		{MenuItemID: "m1", Name: "Pizza Margherita", Price: "9.50"},
		{MenuItemID: "m2", Name: "Tiramisu", Price: "5.00"},
	}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := eventsourcing.Fingerprint(cmd); err != nil {
			b.Fatal(err)
		}
	}
}
