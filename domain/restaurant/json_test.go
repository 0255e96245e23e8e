package restaurant_test

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/domain/internal/jsonw/jsonwtest"
	"github.com/eventgraph/eventgraph/domain/restaurant"
)

// jsonValues returns every command and event of the package (and the menu types and the
// state) built from a, b and c, with n menu items and n orders: none (a nil slice) when n is 0, an empty one when n
// is negative.
func jsonValues(a, b, c string, n int) []jsonwtest.Appender {
	var items []restaurant.MenuItem
	var ids []string
	if n < 0 {
		items, ids = []restaurant.MenuItem{}, []string{}
	}
	for i := range n {
		items = append(items, restaurant.MenuItem{MenuItemID: a + strconv.Itoa(i), Name: b, Price: c})
		ids = append(ids, c+strconv.Itoa(i))
	}
	menu := restaurant.Menu{MenuID: a, Cuisine: restaurant.Cuisine(b), MenuItems: items}
	var orders restaurant.OrderSet
	for i := range n {
		orders.Add(strings.ReplaceAll(c, " ", "_") + strconv.Itoa(i)) // an id the text can hold
	}
	return []jsonwtest.Appender{
		restaurant.StateFields{Exists: n > 0, ID: a, Name: b, Menu: menu, Orders: orders},
		restaurant.MenuItem{MenuItemID: a, Name: b, Price: c},
		menu,
		restaurant.CreateRestaurant{ID: a, Name: b, Menu: menu},
		restaurant.ChangeRestaurantMenu{ID: c, Menu: menu},
		restaurant.PlaceOrder{ID: a, OrderID: b, MenuItemIDs: ids},
		restaurant.RestaurantCreated{RestaurantID: a, Name: c, Menu: menu},
		restaurant.RestaurantMenuChanged{RestaurantID: b, Menu: menu},
		restaurant.RestaurantOrderPlaced{RestaurantID: a, OrderID: c, MenuItems: items},
	}
}

// A command's fingerprint hashes its JSON, and the events are stored as it: the hand-written
// encodings must be json.Marshal's, byte for byte.
func TestAppendJSON_likeMarshal(t *testing.T) { jsonwtest.Check(t, jsonValues) }

func TestCodec_EncodeLikeMarshal(t *testing.T) {
	for _, v := range jsonValues("r1", "Pizza <b>", "o\u20291", 2) {
		e, ok := v.(restaurant.Event)
		if !ok {
			continue
		}
		typ, data, err := restaurant.Codec{}.Encode(e)
		want, _ := json.Marshal(e)
		if err != nil || typ != e.EventType() || !bytes.Equal(data, want) {
			t.Errorf("Encode(%T) = %q, %s, %v; want %q, %s", e, typ, data, err, e.EventType(), want)
		}
	}
}

func FuzzAppendJSON(f *testing.F) { jsonwtest.Fuzz(f, jsonValues) }
