package readmodel_test

import (
	"encoding/json"
	"fmt"

	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/readmodel"
	"github.com/eventgraph/eventgraph/store"
)

// Orders are fed from the log and listed a page at a time; EndCursor asks for the next page.
func ExampleOrders_List() {
	orders := readmodel.NewOrders()
	items := []restaurant.MenuItem{{MenuItemID: "pizza", Name: "Pizza", Price: "8.99"}}
	for i, e := range []order.Event{
		order.OrderCreated{OrderID: "o1", RestaurantID: "r1", MenuItems: items},
		order.OrderCreated{OrderID: "o2", RestaurantID: "r2", MenuItems: items},
		order.OrderCreated{OrderID: "o3", RestaurantID: "r1", MenuItems: items},
		order.OrderPrepared{OrderID: "o1"},
	} {
		typ, data, _ := order.Codec{}.Encode(e)
		version := store.Version(1)
		if typ == "OrderPrepared" {
			version = 2
		}
		if err := orders.Apply(store.Event{Position: store.Position(i + 1), Version: version, Type: typ, Data: json.RawMessage(data)}); err != nil {
			fmt.Println(err)
			return
		}
	}

	f := readmodel.OrderFilter{RestaurantID: "r1"}
	page, _ := orders.List(f, "", 1)
	fmt.Println(page.Nodes[0].ID, page.Nodes[0].Status, page.HasNextPage, page.TotalCount)
	page, _ = orders.List(f, page.EndCursor, 1)
	fmt.Println(page.Nodes[0].ID, page.Nodes[0].Status, page.HasNextPage, page.TotalCount)
	_, err := orders.List(f, "made-up", 1)
	fmt.Println(err)
	// Output:
	// o1 PREPARED true 2
	// o3 CREATED false 2
	// bad cursor in after: invalid input
}
