package restaurant_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/domain/restaurant"
)

// FuzzValidatePrice checks the hand-written price check against the documented pattern.
func FuzzValidatePrice(f *testing.F) {
	pattern := regexp.MustCompile(`^(0|[1-9][0-9]{0,8})(\.[0-9]{1,2})?$`)
	for _, s := range []string{"0", "8.99", "01", "1.", ".5", "123456789.99", "1234567890", "1.234", "-1", "", "٣", "0.0", "9\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, price string) {
		want := pattern.MatchString(price)
		got := restaurant.ValidatePrice("price", price) == nil
		if got != want {
			t.Errorf("ValidatePrice(%q) accepts = %v, the pattern says %v", price, got, want)
		}
	})
}

// FuzzValidateID checks the id check against the documented pattern.
func FuzzValidateID(f *testing.F) {
	pattern := regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)
	for _, s := range []string{"r1", "", "a b", "é", "x:y.z-_", "a\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if got, want := restaurant.ValidateID("id", id) == nil, pattern.MatchString(id); got != want {
			t.Errorf("ValidateID(%q) accepts = %v, the pattern says %v", id, got, want)
		}
	})
}

// FuzzCreateRestaurant: any input is either accepted with its names trimmed and within the
// limits, or rejected with a *decider.ValidationError; nothing panics.
func FuzzCreateRestaurant(f *testing.F) {
	f.Add("r1", "Luigi's", "m1", "ITALIAN", "pizza", " Pizza ", "8.99")
	f.Add("", "", "", "", "", "", "")
	f.Add("r1", "\xff", "m", "THAI", "a b", "\u00a0", "1.999")
	f.Fuzz(func(t *testing.T, id, name, menuID, cuisine, itemID, itemName, price string) {
		c := restaurant.CreateRestaurant{ID: id, Name: name, Menu: restaurant.Menu{
			MenuID: menuID, Cuisine: restaurant.Cuisine(cuisine),
			MenuItems: []restaurant.MenuItem{{MenuItemID: itemID, Name: itemName, Price: price}},
		}}
		events, err := restaurant.Decider().Decide(c, restaurant.State{})
		if err != nil {
			var ve *decider.ValidationError
			if !errors.As(err, &ve) || len(events) != 0 {
				t.Fatalf("Decide = %v, %v; want a validation error and no events", events, err)
			}
			return
		}
		e := events[0].(restaurant.RestaurantCreated)
		if e.Name != strings.TrimSpace(name) || e.Menu.MenuItems[0].Name != strings.TrimSpace(itemName) || e.Menu.MenuItems[0].Price != price {
			t.Errorf("accepted %+v from %+v", e, c)
		}
		if n := utf8.RuneCountInString(e.Name); n < 1 || n > restaurant.MaxNameLength {
			t.Errorf("accepted a name of %d characters", n)
		}
	})
}
