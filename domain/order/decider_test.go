package order_test

import (
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/decider/spec"
	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/domain/restaurant"
)

func TestCreateOrder(t *testing.T) {
	d := order.Decider()
	t.Run("a new order is created with its items", func(t *testing.T) {
		spec.For(t, d).When(createOrder()).Then(created())
	})
	t.Run("item names are stored trimmed", func(t *testing.T) {
		c := createOrder()
		c.MenuItems[2].Name = " Water\t"
		spec.For(t, d).When(c).Then(created())
	})
	t.Run("an item name a menu of an earlier release holds is ordered as it is", func(t *testing.T) {
		// Releases before 2026-12-04 took menu item names that restaurant.NormalizeName now
		// refuses as input; a placement from such a menu after an upgrade must create its order.
		for _, name := range []string{"Pizza\tMargherita", "Pizza\u2028Margherita", "nul\x00", "\u200b"} {
			c := createOrder()
			c.MenuItems[0].Name = " " + name + " "
			want := created()
			want.MenuItems[0].Name = name
			spec.For(t, d).When(c).Then(want)
		}
	})
	t.Run("an existing order is not created again", func(t *testing.T) {
		spec.For(t, d).Given(created()).When(createOrder()).
			ThenError(&decider.AlreadyExistsError{Entity: "order", ID: "o1"})
	})
	t.Run("nor after it was prepared", func(t *testing.T) {
		spec.For(t, d).Given(created(), prepared()).When(createOrder()).ThenError(decider.ErrAlreadyExists)
	})
	t.Run("invalid input is rejected before existence", func(t *testing.T) {
		c := createOrder()
		c.MenuItems = nil
		spec.For(t, d).Given(created()).When(c).ThenInvalid("menuItems")
	})
	t.Run("an invalid item price is rejected before existence", func(t *testing.T) {
		c := createOrder()
		c.MenuItems[2].Price = "1.999"
		spec.For(t, d).Given(created()).When(c).ThenInvalid("menuItems[2].price")
	})
}

func TestMarkOrderAsPrepared(t *testing.T) {
	d := order.Decider()
	t.Run("a created order is prepared", func(t *testing.T) {
		spec.For(t, d).Given(created()).When(order.MarkOrderAsPrepared{ID: "o1"}).Then(prepared())
	})
	t.Run("a missing order is not found", func(t *testing.T) {
		spec.For(t, d).When(order.MarkOrderAsPrepared{ID: "o1"}).
			ThenError(&decider.NotFoundError{Entity: "order", ID: "o1"})
	})
	t.Run("a prepared order is not prepared again", func(t *testing.T) {
		spec.For(t, d).Given(created(), prepared()).When(order.MarkOrderAsPrepared{ID: "o1"}).
			ThenError(&order.AlreadyPreparedError{OrderID: "o1"})
		spec.For(t, d).Given(created(), prepared()).When(order.MarkOrderAsPrepared{ID: "o1"}).
			ThenError(order.ErrAlreadyPrepared)
	})
	t.Run("invalid input is rejected before existence", func(t *testing.T) {
		spec.For(t, d).When(order.MarkOrderAsPrepared{ID: ""}).ThenInvalid("id")
	})
	t.Run("invalid input is rejected before being prepared", func(t *testing.T) {
		spec.For(t, d).Given(created(), prepared()).When(order.MarkOrderAsPrepared{ID: "o/1"}).ThenInvalid("id")
	})
	t.Run("existence is checked before being prepared", func(t *testing.T) {
		// A stream holding OrderPrepared without OrderCreated: the order does not exist.
		spec.For(t, d).Given(prepared()).When(order.MarkOrderAsPrepared{ID: "o1"}).
			ThenError(&decider.NotFoundError{Entity: "order", ID: "o1"})
	})
}

func TestDecide_UnknownCommand(t *testing.T) {
	spec.For(t, order.Decider()).When(nil).ThenError(decider.ErrInvalid)
	spec.For(t, order.Decider()).When(&order.MarkOrderAsPrepared{ID: "o1"}).ThenError(decider.ErrInvalid)
}

func TestDecide_Validation(t *testing.T) {
	create := func(f func(c *order.CreateOrder)) order.Command {
		c := createOrder()
		f(&c)
		return c
	}
	many := func(n int) []restaurant.MenuItem {
		out := make([]restaurant.MenuItem, n)
		for i := range out {
			out[i] = pizza()
		}
		return out
	}
	tests := []struct {
		name    string
		command order.Command
		field   string // "" when the command is valid
	}{
		{"empty id", create(func(c *order.CreateOrder) { c.ID = "" }), "id"},
		{"id of 65 characters", create(func(c *order.CreateOrder) { c.ID = strings.Repeat("x", 65) }), "id"},
		{"id with a space", create(func(c *order.CreateOrder) { c.ID = "o 1" }), "id"},
		{"empty restaurant id", create(func(c *order.CreateOrder) { c.RestaurantID = "" }), "restaurantId"},
		{"no items", create(func(c *order.CreateOrder) { c.MenuItems = []restaurant.MenuItem{} }), "menuItems"},
		{"100 items", create(func(c *order.CreateOrder) { c.MenuItems = many(100) }), ""},
		{"101 items", create(func(c *order.CreateOrder) { c.MenuItems = many(101) }), "menuItems"},
		{"invalid item id", create(func(c *order.CreateOrder) { c.MenuItems[1].MenuItemID = "" }), "menuItems[1].menuItemId"},
		{"blank item name", create(func(c *order.CreateOrder) { c.MenuItems[0].Name = " " }), "menuItems[0].name"},
		{"invalid price", create(func(c *order.CreateOrder) { c.MenuItems[2].Price = "1.999" }), "menuItems[2].price"},
		{"prepare: id of 65 characters", order.MarkOrderAsPrepared{ID: strings.Repeat("x", 65)}, "id"},
		{"prepare: id with a slash", order.MarkOrderAsPrepared{ID: "a/b"}, "id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := spec.For(t, order.Decider()).When(tt.command)
			if tt.field != "" {
				o.ThenInvalid(tt.field)
				return
			}
			if o.Err() != nil || len(o.Events()) != 1 {
				t.Errorf("got %v, %v; want one event", o.Events(), o.Err())
			}
		})
	}
}
