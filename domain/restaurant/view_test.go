package restaurant_test

import (
	"testing"

	"github.com/eventgraph/eventgraph/decider/spec"
	"github.com/eventgraph/eventgraph/domain/restaurant"
)

func TestView(t *testing.T) {
	v := restaurant.View()
	t.Run("no events: no restaurant", func(t *testing.T) {
		spec.ForView(t, v).Then(restaurant.Summary{})
	})
	t.Run("a created restaurant", func(t *testing.T) {
		spec.ForView(t, v).Given(created()).
			Then(restaurant.Summary{Exists: true, ID: "r1", Name: "Luigi's", Menu: menu()})
	})
	t.Run("a changed menu replaces the menu", func(t *testing.T) {
		spec.ForView(t, v).Given(created(), menuChanged()).
			Then(restaurant.Summary{Exists: true, ID: "r1", Name: "Luigi's", Menu: otherMenu()})
	})
	t.Run("placed orders are counted", func(t *testing.T) {
		p := item(menu(), "pizza")
		spec.ForView(t, v).Given(created(), placed("o1", p), menuChanged(), placed("o2", p, p)).
			Then(restaurant.Summary{Exists: true, ID: "r1", Name: "Luigi's", Menu: otherMenu(), Orders: 2})
	})
}

func TestView_SharesNoSlices(t *testing.T) {
	e := created()
	s := restaurant.View().Fold(e)
	e.Menu.MenuItems[0].Name = "changed"
	if s.Menu.MenuItems[0].Name != "Pizza" {
		t.Errorf("the summary changed with the event: %q", s.Menu.MenuItems[0].Name)
	}
}

func TestMenu_Item(t *testing.T) {
	if it, ok := menu().Item("pasta"); !ok || it.Price != "7.5" {
		t.Errorf("Item(pasta) = %+v, %v", it, ok)
	}
	if _, ok := menu().Item("sushi"); ok {
		t.Error("Item(sushi) found")
	}
	if restaurant.CloneItems(nil) != nil {
		t.Error("CloneItems(nil) != nil")
	}
}
