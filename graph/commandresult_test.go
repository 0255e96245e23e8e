package graph_test

import (
	"context"
	"testing"
)

// entityFields selects what a client cache keeps of the entities a command wrote.
const entityFields = `id version position
	restaurant { id name version position menu { menuId cuisine menuItems { menuItemId name price } } }
	order { id restaurantId status version position menuItems { menuItemId name price } }`

type entityResult struct {
	ID         string `json:"id"`
	Version    int    `json:"version"`
	Position   int64  `json:"position"`
	Restaurant *struct {
		ID       string `json:"id"`
		Version  int    `json:"version"`
		Position int64  `json:"position"`
		Menu     struct {
			MenuID    string `json:"menuId"`
			MenuItems []struct {
				MenuItemID string `json:"menuItemId"`
				Price      string `json:"price"`
			} `json:"menuItems"`
		} `json:"menu"`
	} `json:"restaurant"`
	Order *struct {
		ID           string `json:"id"`
		RestaurantID string `json:"restaurantId"`
		Status       string `json:"status"`
		Version      int    `json:"version"`
		Position     int64  `json:"position"`
		MenuItems    []struct {
			MenuItemID string `json:"menuItemId"`
		} `json:"menuItems"`
	} `json:"order"`
}

// A client cache (Apollo's InMemoryCache, urql's Graphcache) updates an entity from a
// mutation's payload only when the payload holds it, by __typename and id: without
// CommandResult.restaurant and .order, every mutation needed a refetch to show its effect.
func TestCommandResult_CarriesTheEntitiesItWrote(t *testing.T) {
	e := newEnv(t)
	var created struct{ CreateRestaurant entityResult }
	e.must(t, `mutation($in: CreateRestaurantInput!) { createRestaurant(input: $in) { `+entityFields+` } }`,
		map[string]any{"in": restaurantInput("r1", "m1", "m2")}, &created)
	var elsewhere struct{ CreateRestaurant entityResult }
	e.must(t, `mutation($in: CreateRestaurantInput!) { createRestaurant(input: $in) { `+entityFields+` } }`,
		map[string]any{"in": restaurantInput("r2", "m1")}, &elsewhere)

	t.Run("createRestaurant gives the restaurant and no order", func(t *testing.T) {
		r := created.CreateRestaurant
		if r.Restaurant == nil || r.Restaurant.ID != "r1" || r.Restaurant.Version != 1 || r.Restaurant.Position != r.Position || len(r.Restaurant.Menu.MenuItems) != 2 {
			t.Fatalf("got restaurant %+v, want r1 at version 1, position %d, with 2 items", r.Restaurant, r.Position)
		}
		if r.Restaurant.Menu.MenuID == "" {
			t.Error("got no generated menuId: the client cannot know it but from the payload")
		}
		if r.Order != nil {
			t.Errorf("got order %+v, want null", r.Order)
		}
	})

	t.Run("changeRestaurantMenu gives the restaurant with its new menu and version", func(t *testing.T) {
		var out struct{ ChangeRestaurantMenu entityResult }
		in := map[string]any{"id": "r1", "expectedVersion": 1, "menu": menu("m3")}
		e.must(t, `mutation($in: ChangeRestaurantMenuInput!) { changeRestaurantMenu(input: $in) { `+entityFields+` } }`,
			map[string]any{"in": in}, &out)
		r := out.ChangeRestaurantMenu
		if r.Restaurant == nil || r.Restaurant.Version != 2 || r.Restaurant.Version != r.Version || len(r.Restaurant.Menu.MenuItems) != 1 || r.Restaurant.Menu.MenuItems[0].MenuItemID != "m3" {
			t.Fatalf("got restaurant %+v, want version 2 with the one item m3", r.Restaurant)
		}
		if r.Order != nil {
			t.Errorf("got order %+v, want null", r.Order)
		}
	})

	var placed entityResult
	t.Run("placeOrder gives the order the saga created and the restaurant's new version", func(t *testing.T) {
		var out struct{ PlaceOrder entityResult }
		in := map[string]any{"restaurantId": "r1", "orderId": "o1", "menuItemIds": []string{"m3", "m3"}}
		e.must(t, `mutation($in: PlaceOrderInput!) { placeOrder(input: $in) { `+entityFields+` } }`, map[string]any{"in": in}, &out)
		placed = out.PlaceOrder
		if placed.Restaurant == nil || placed.Restaurant.ID != "r1" || placed.Restaurant.Version != 3 {
			t.Fatalf("got restaurant %+v, want r1 at version 3 (the placement is its event)", placed.Restaurant)
		}
		if o := placed.Order; o == nil || o.ID != "o1" || o.RestaurantID != "r1" || o.Status != "CREATED" || o.Version != 1 || len(o.MenuItems) != 2 {
			t.Fatalf("got order %+v, want o1 of r1, CREATED at version 1, with 2 items", o)
		}
	})

	t.Run("markOrderAsPrepared gives the order and no restaurant", func(t *testing.T) {
		var out struct{ MarkOrderAsPrepared entityResult }
		e.must(t, `mutation($in: MarkOrderAsPreparedInput!) { markOrderAsPrepared(input: $in) { `+entityFields+` } }`,
			map[string]any{"in": map[string]any{"id": "o1", "expectedVersion": 1}}, &out)
		r := out.MarkOrderAsPrepared
		if r.Order == nil || r.Order.Status != "PREPARED" || r.Order.Version != 2 || r.Order.Position != r.Position {
			t.Fatalf("got order %+v, want PREPARED at version 2, position %d", r.Order, r.Position)
		}
		if r.Restaurant != nil {
			t.Errorf("got restaurant %+v, want null", r.Restaurant)
		}
	})

	t.Run("placeOrder of an orderId another restaurant has gives no order", func(t *testing.T) {
		var out struct{ PlaceOrder entityResult }
		in := map[string]any{"restaurantId": "r2", "orderId": "o1", "menuItemIds": []string{"m1"}}
		e.must(t, `mutation($in: PlaceOrderInput!) { placeOrder(input: $in) { `+entityFields+` } }`, map[string]any{"in": in}, &out)
		if r := out.PlaceOrder; r.Order != nil || r.Restaurant == nil || r.Restaurant.ID != "r2" {
			t.Fatalf("got order %+v and restaurant %+v, want no order (o1 is r1's) and r2", r.Order, r.Restaurant)
		}
	})
}

// A mutation in flight as the server drains for shutdown (its body still arriving, or its
// command retrying) writes past the head Drain read: its restaurant and order are still read
// once the read models, which run on until the requests have finished, process its position.
func TestCommandResult_entitiesOfAMutationThatWritesWhileTheServerDrains(t *testing.T) {
	e := newEnv(t)
	e.create(t, restaurantInput("r1", "m1"))
	e.svc.Drain(context.Background())
	var out struct{ PlaceOrder entityResult }
	in := map[string]any{"restaurantId": "r1", "orderId": "o1", "menuItemIds": []string{"m1"}}
	e.must(t, `mutation($in: PlaceOrderInput!) { placeOrder(input: $in) { `+entityFields+` } }`, map[string]any{"in": in}, &out)
	if r := out.PlaceOrder; r.Restaurant == nil || r.Restaurant.Version != 2 || r.Order == nil || r.Order.ID != "o1" {
		t.Fatalf("got restaurant %+v and order %+v, want r1 at version 2 and o1", r.Restaurant, r.Order)
	}
}
