package graph_test

import (
	"testing"
)

// TestMutations_VersionConflictSaysWhereToReadTheEntity: after a VERSION_CONFLICT a client
// reads the entity again to decide anew, and the read models may lag behind the log that
// refused the command. extensions.position, the log's head once the conflict was found, is
// the minPosition that reads the entity at actualVersion (or later), as a mutation's
// position is for its own write.
func TestMutations_VersionConflictSaysWhereToReadTheEntity(t *testing.T) {
	e := newEnv(t)
	e.create(t, restaurantInput("r1", "m1"))
	var changed struct{ ChangeRestaurantMenu result }
	e.must(t, changeMenu, map[string]any{"in": map[string]any{"id": "r1", "expectedVersion": 1, "menu": menu("m2")}}, &changed)
	placed := e.place(t, map[string]any{"restaurantId": "r1", "orderId": "o1", "menuItemIds": []string{"m2"}})
	e.must(t, `query($p: Int64) { order(id: "o1", minPosition: $p) { id } }`, map[string]any{"p": placed.Position}, nil)

	t.Run("a restaurant's", func(t *testing.T) {
		got := e.wantCode(t, "VERSION_CONFLICT", changeMenu, map[string]any{"in": map[string]any{"id": "r1", "expectedVersion": 1, "menu": menu("m3")}})
		pos, ok := got.Extensions["position"].(float64)
		if !ok || int64(pos) < placed.Position {
			t.Fatalf("extensions %v: want a position at or after %d, the restaurant's last event", got.Extensions, placed.Position)
		}
		if got.Extensions["actualVersion"] != float64(3) {
			t.Fatalf("extensions %v: want actualVersion 3", got.Extensions)
		}
		var read struct{ Restaurant struct{ Version int } }
		e.must(t, `query($p: Int64) { restaurant(id: "r1", minPosition: $p) { version } }`, map[string]any{"p": pos}, &read)
		if read.Restaurant.Version != 3 {
			t.Errorf("read with minPosition %v: version %d, want 3", pos, read.Restaurant.Version)
		}
	})
	t.Run("an order's", func(t *testing.T) {
		got := e.wantCode(t, "VERSION_CONFLICT", markPrepared, map[string]any{"in": map[string]any{"id": "o1", "expectedVersion": 5}})
		if pos, ok := got.Extensions["position"].(float64); !ok || int64(pos) <= placed.Position {
			t.Fatalf("extensions %v: want a position after %d, where the saga created the order", got.Extensions, placed.Position)
		}
	})
}
