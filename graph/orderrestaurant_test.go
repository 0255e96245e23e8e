package graph_test

import (
	"testing"
)

// An order links to the restaurant it was placed at, as the read models hold it now, so that
// a list of orders across restaurants shows their names in one query (before, a client read
// restaurantId and asked for each restaurant again).
func TestOrder_restaurantIsTheOneItWasPlacedAt(t *testing.T) {
	e := newEnv(t)
	for _, id := range []string{"r1", "r2"} {
		e.must(t, `mutation($in: CreateRestaurantInput!) { createRestaurant(input: $in) { id } }`,
			map[string]any{"in": restaurantInput(id, "m1")}, nil)
	}
	for _, o := range []struct{ restaurant, order string }{{"r1", "o1"}, {"r2", "o2"}} {
		in := map[string]any{"restaurantId": o.restaurant, "orderId": o.order, "menuItemIds": []string{"m1"}}
		e.must(t, `mutation($in: PlaceOrderInput!) { placeOrder(input: $in) { id } }`, map[string]any{"in": in}, nil)
	}
	// A later change of r2 shows in its orders' restaurant: it is read as it is now.
	var changed struct{ ChangeRestaurantMenu struct{ Position int64 } }
	e.must(t, `mutation($in: ChangeRestaurantMenuInput!) { changeRestaurantMenu(input: $in) { position } }`,
		map[string]any{"in": map[string]any{"id": "r2", "menu": menu("m9")}}, &changed)

	var got struct {
		Orders struct {
			Nodes []struct {
				ID         string
				Restaurant *struct {
					ID      string
					Name    string
					Version int
					Menu    struct{ MenuItems []struct{ MenuItemID string } }
				}
			}
		}
	}
	e.must(t, `query($p: Int64) { orders(first: 10, minPosition: $p) { nodes { id restaurant { id name version menu { menuItems { menuItemId } } } } } }`,
		map[string]any{"p": changed.ChangeRestaurantMenu.Position}, &got)
	want := map[string]string{"o1": "r1", "o2": "r2"}
	if len(got.Orders.Nodes) != len(want) {
		t.Fatalf("got %d orders, want %d: %+v", len(got.Orders.Nodes), len(want), got.Orders.Nodes)
	}
	for _, o := range got.Orders.Nodes {
		r := o.Restaurant
		if r == nil || r.ID != want[o.ID] || r.Name == "" {
			t.Errorf("order %s: restaurant %+v, want %s with its name", o.ID, r, want[o.ID])
			continue
		}
		if r.ID == "r2" && (r.Version != 3 || len(r.Menu.MenuItems) != 1 || r.Menu.MenuItems[0].MenuItemID != "m9") {
			t.Errorf("order o2: restaurant %+v, want r2 as it is now: version 3, the menu of m9", r)
		}
	}
}
