package restaurant_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/decider/spec"
	"github.com/eventgraph/eventgraph/domain/restaurant"
)

func TestDecide_Validation(t *testing.T) {
	create := func(f func(c *restaurant.CreateRestaurant)) restaurant.Command {
		c := restaurant.CreateRestaurant{ID: "r1", Name: "Luigi's", Menu: menu()}
		f(&c)
		return c
	}
	withItem := func(f func(it *restaurant.MenuItem)) restaurant.Command {
		return create(func(c *restaurant.CreateRestaurant) {
			c.Menu = menuWith(func(m *restaurant.Menu) { f(&m.MenuItems[0]) })
		})
	}
	price := func(p string) restaurant.Command { return withItem(func(it *restaurant.MenuItem) { it.Price = p }) }
	place := func(f func(c *restaurant.PlaceOrder)) restaurant.Command {
		c := restaurant.PlaceOrder{ID: "r1", OrderID: "o1", MenuItemIDs: []string{"pizza"}}
		f(&c)
		return c
	}
	tests := []struct {
		name    string
		command restaurant.Command
		field   string // "" when the command is valid
	}{
		{"empty id", create(func(c *restaurant.CreateRestaurant) { c.ID = "" }), "id"},
		{"id of 64 characters", create(func(c *restaurant.CreateRestaurant) { c.ID = strings.Repeat("a", 64) }), ""},
		{"id of 65 characters", create(func(c *restaurant.CreateRestaurant) { c.ID = strings.Repeat("a", 65) }), "id"},
		{"id of every allowed character", create(func(c *restaurant.CreateRestaurant) { c.ID = "azAZ09_.:-" }), ""},
		{"id with a space", create(func(c *restaurant.CreateRestaurant) { c.ID = "r 1" }), "id"},
		{"id with a slash", create(func(c *restaurant.CreateRestaurant) { c.ID = "r/1" }), "id"},
		{"id with a non-ASCII letter", create(func(c *restaurant.CreateRestaurant) { c.ID = "café" }), "id"},
		{"empty name", create(func(c *restaurant.CreateRestaurant) { c.Name = "" }), "name"},
		{"blank name", create(func(c *restaurant.CreateRestaurant) { c.Name = " \t\n " }), "name"},
		{"name of 200 characters", create(func(c *restaurant.CreateRestaurant) { c.Name = strings.Repeat("é", 200) }), ""},
		{"name of 200 characters after trimming", create(func(c *restaurant.CreateRestaurant) { c.Name = "  " + strings.Repeat("é", 200) + "  " }), ""},
		{"name of 201 characters", create(func(c *restaurant.CreateRestaurant) { c.Name = strings.Repeat("é", 201) }), "name"},
		{"name of invalid UTF-8", create(func(c *restaurant.CreateRestaurant) { c.Name = "Lu\xffigi" }), "name"},
		{"name with a NUL", create(func(c *restaurant.CreateRestaurant) { c.Name = "Lu\x00igi" }), "name"},
		{"name with a line break inside", create(func(c *restaurant.CreateRestaurant) { c.Name = "Lu\nigi" }), "name"},
		{"name with a tab inside", create(func(c *restaurant.CreateRestaurant) { c.Name = "Lu\tigi" }), "name"},
		{"name with a C1 control", create(func(c *restaurant.CreateRestaurant) { c.Name = "Lu\u0085igi" }), "name"},
		{"name of a zero-width space", create(func(c *restaurant.CreateRestaurant) { c.Name = "\u200b" }), "name"},
		{"name of direction marks", create(func(c *restaurant.CreateRestaurant) { c.Name = "\u200f\u202e" }), "name"},
		{"name of a lone combining mark", create(func(c *restaurant.CreateRestaurant) { c.Name = "\u0301" }), "name"},
		{"name with a line separator inside", create(func(c *restaurant.CreateRestaurant) { c.Name = "Lu\u2028igi" }), "name"},
		{"name with a paragraph separator inside", create(func(c *restaurant.CreateRestaurant) { c.Name = "Lu\u2029igi" }), "name"},
		{"name of a Hangul filler", create(func(c *restaurant.CreateRestaurant) { c.Name = "\u3164" }), "name"},
		{"name of braille blanks", create(func(c *restaurant.CreateRestaurant) { c.Name = "\u2800\u2800" }), "name"},
		{"name with a Hangul filler beside letters", create(func(c *restaurant.CreateRestaurant) { c.Name = "Luigi\u3164" }), ""},
		{"name with a combining mark", create(func(c *restaurant.CreateRestaurant) { c.Name = "Cafe\u0301" }), ""},
		{"right-to-left name with a direction mark", create(func(c *restaurant.CreateRestaurant) { c.Name = "\u200fمطعم" }), ""},
		{"name of an emoji", create(func(c *restaurant.CreateRestaurant) { c.Name = "🍕" }), ""},
		{"name of punctuation", create(func(c *restaurant.CreateRestaurant) { c.Name = "!!!" }), ""},
		{"empty menu id", create(func(c *restaurant.CreateRestaurant) { c.Menu.MenuID = "" }), "menu.menuId"},
		{"menu id with a space", create(func(c *restaurant.CreateRestaurant) { c.Menu.MenuID = "m 1" }), "menu.menuId"},
		{"empty cuisine", create(func(c *restaurant.CreateRestaurant) { c.Menu.Cuisine = "" }), "menu.cuisine"},
		{"lower-case cuisine", create(func(c *restaurant.CreateRestaurant) { c.Menu.Cuisine = "italian" }), "menu.cuisine"},
		{"unknown cuisine", create(func(c *restaurant.CreateRestaurant) { c.Menu.Cuisine = "THAI" }), "menu.cuisine"},
		{"no menu items", create(func(c *restaurant.CreateRestaurant) { c.Menu.MenuItems = nil }), "menu.menuItems"},
		{"500 menu items", create(func(c *restaurant.CreateRestaurant) { c.Menu.MenuItems = items(500) }), ""},
		{"501 menu items", create(func(c *restaurant.CreateRestaurant) { c.Menu.MenuItems = items(501) }), "menu.menuItems"},
		{"duplicate menu item ids", create(func(c *restaurant.CreateRestaurant) { c.Menu.MenuItems[2].MenuItemID = "pizza" }), "menu.menuItems[2].menuItemId"},
		{"empty menu item id", withItem(func(it *restaurant.MenuItem) { it.MenuItemID = "" }), "menu.menuItems[0].menuItemId"},
		{"menu item id with a space", withItem(func(it *restaurant.MenuItem) { it.MenuItemID = "a b" }), "menu.menuItems[0].menuItemId"},
		{"blank menu item name", withItem(func(it *restaurant.MenuItem) { it.Name = "  " }), "menu.menuItems[0].name"},
		{"menu item name with a NUL", withItem(func(it *restaurant.MenuItem) { it.Name = "Pizza\x00" }), "menu.menuItems[0].name"},
		{"menu item name of a zero-width space", withItem(func(it *restaurant.MenuItem) { it.Name = "\u200b\u200b" }), "menu.menuItems[0].name"},
		{"menu item name of 201 characters", withItem(func(it *restaurant.MenuItem) { it.Name = strings.Repeat("ß", 201) }), "menu.menuItems[0].name"},
		{"the first invalid field is reported", create(func(c *restaurant.CreateRestaurant) { c.ID, c.Name = "", "" }), "id"},

		{"price 0", price("0"), ""},
		{"price 0.5", price("0.5"), ""},
		{"price 0.05", price("0.05"), ""},
		{"price 10", price("10"), ""},
		{"price 1.0", price("1.0"), ""},
		{"price 123456789.99", price("123456789.99"), ""},
		{"empty price", price(""), "menu.menuItems[0].price"},
		{"negative price", price("-1"), "menu.menuItems[0].price"},
		{"price with a plus sign", price("+1"), "menu.menuItems[0].price"},
		{"price with a leading zero", price("01"), "menu.menuItems[0].price"},
		{"price 00", price("00"), "menu.menuItems[0].price"},
		{"price ending in a point", price("1."), "menu.menuItems[0].price"},
		{"price starting with a point", price(".5"), "menu.menuItems[0].price"},
		{"price with three fraction digits", price("1.234"), "menu.menuItems[0].price"},
		{"price with ten integer digits", price("1234567890"), "menu.menuItems[0].price"},
		{"price with an exponent", price("1e3"), "menu.menuItems[0].price"},
		{"price with a comma", price("1,50"), "menu.menuItems[0].price"},
		{"price with spaces", price(" 1"), "menu.menuItems[0].price"},
		{"price with two points", price("1.2.3"), "menu.menuItems[0].price"},
		{"price in Arabic-Indic digits", price("٣"), "menu.menuItems[0].price"},

		{"change: invalid id", restaurant.ChangeRestaurantMenu{ID: "", Menu: menu()}, "id"},
		{"change: invalid menu", restaurant.ChangeRestaurantMenu{ID: "r1", Menu: menuWith(func(m *restaurant.Menu) { m.MenuItems[1].Price = "x" })}, "menu.menuItems[1].price"},

		{"place: empty restaurant id", place(func(c *restaurant.PlaceOrder) { c.ID = "" }), "restaurantId"},
		{"place: empty order id", place(func(c *restaurant.PlaceOrder) { c.OrderID = "" }), "orderId"},
		{"place: order id of 65 characters", place(func(c *restaurant.PlaceOrder) { c.OrderID = strings.Repeat("o", 65) }), "orderId"},
		{"place: no items", place(func(c *restaurant.PlaceOrder) { c.MenuItemIDs = nil }), "menuItemIds"},
		{"place: 100 items", place(func(c *restaurant.PlaceOrder) { c.MenuItemIDs = ids(100, "pizza") }), ""},
		{"place: 101 items", place(func(c *restaurant.PlaceOrder) { c.MenuItemIDs = ids(101, "pizza") }), "menuItemIds"},
		{"place: invalid item id", place(func(c *restaurant.PlaceOrder) { c.MenuItemIDs = []string{"pizza", "piz za"} }), "menuItemIds[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// For a change or an order the restaurant exists; for creation it does not.
			s := spec.For(t, restaurant.Decider())
			if _, creating := tt.command.(restaurant.CreateRestaurant); !creating {
				s = s.Given(created())
			}
			o := s.When(tt.command)
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

func TestNormalizeItems(t *testing.T) {
	in := []restaurant.MenuItem{
		{MenuItemID: "pizza", Name: " Pizza\t", Price: "8.99"},
		{MenuItemID: "water", Name: "Water", Price: "0"},
	}
	out, err := restaurant.NormalizeItems("items", in)
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Name != "Pizza" || out[1] != in[1] {
		t.Errorf("got %+v, want the names trimmed", out)
	}
	if in[0].Name != " Pizza\t" || &out[0] == &in[0] {
		t.Error("the input was changed or shared, want a copy")
	}
	in[1].Price = "1.999"
	_, err = restaurant.NormalizeItems("items", in)
	var verr *decider.ValidationError
	if !errors.As(err, &verr) || verr.Field != "items[1].price" {
		t.Errorf("err = %v, want a ValidationError naming items[1].price", err)
	}
}
