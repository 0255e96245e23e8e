package order_test

import (
	"testing"

	"github.com/eventgraph/eventgraph/decider/spec"
	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/domain/restaurant"
)

func TestSaga(t *testing.T) {
	s := order.Saga()
	menu := restaurant.Menu{MenuID: "m1", Cuisine: restaurant.Italian, MenuItems: []restaurant.MenuItem{pizza(), water()}}
	t.Run("a placed order becomes CreateOrder with the items as placed", func(t *testing.T) {
		spec.ForSaga(t, s).
			When(restaurant.RestaurantOrderPlaced{RestaurantID: "r1", OrderID: "o1", MenuItems: []restaurant.MenuItem{pizza(), pizza(), water()}}).
			Then(createOrder())
	})
	t.Run("a created restaurant causes nothing", func(t *testing.T) {
		spec.ForSaga(t, s).When(restaurant.RestaurantCreated{RestaurantID: "r1", Name: "Luigi's", Menu: menu}).Then()
	})
	t.Run("a changed menu causes nothing", func(t *testing.T) {
		spec.ForSaga(t, s).When(restaurant.RestaurantMenuChanged{RestaurantID: "r1", Menu: menu}).Then()
	})
}

func TestSaga_CopiesItems(t *testing.T) {
	e := restaurant.RestaurantOrderPlaced{RestaurantID: "r1", OrderID: "o1", MenuItems: []restaurant.MenuItem{pizza()}}
	cmds := order.Saga().React(e)
	e.MenuItems[0].Name = "changed"
	if got := cmds[0].(order.CreateOrder).MenuItems[0].Name; got != "Pizza" {
		t.Errorf("the command changed with the event: %q", got)
	}
}

// The saga's command is accepted by the order decider: placing and creating agree.
func TestSaga_CommandIsAccepted(t *testing.T) {
	placed := restaurant.RestaurantOrderPlaced{RestaurantID: "r1", OrderID: "o1", MenuItems: []restaurant.MenuItem{pizza(), pizza(), water()}}
	for _, c := range order.Saga().React(placed) {
		spec.For(t, order.Decider()).When(c).Then(created())
	}
}
