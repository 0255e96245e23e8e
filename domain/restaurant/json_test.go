package restaurant_test

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/eventgraph/eventgraph/domain/restaurant"
)

type jsonAppender interface{ AppendJSON(b []byte) []byte }

// jsonValues returns every command and event of the package (and the menu types) built
// from a, b and c, with n menu items: none (a nil slice) when n is 0, an empty one when n
// is negative.
func jsonValues(a, b, c string, n int) []jsonAppender {
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
	return []jsonAppender{
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

// checkLikeMarshal fails unless v.AppendJSON appends what json.Marshal returns for v.
func checkLikeMarshal(t *testing.T, v jsonAppender) {
	t.Helper()
	want, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.AppendJSON([]byte("prefix")); !bytes.Equal(got, append([]byte("prefix"), want...)) {
		t.Errorf("%T.AppendJSON = %s\njson.Marshal   = %s", v, got[len("prefix"):], want)
	}
}

// A command's fingerprint hashes its JSON, and the events are stored as it: the hand-written
// encodings must be json.Marshal's, byte for byte.
func TestAppendJSON_likeMarshal(t *testing.T) {
	for _, s := range []struct{ a, b, c string }{
		{"", "", ""},
		{"r1", "Trattoria <Roma> & Co", "9.50"},
		{"quote\"back\\slash", "tab\tline\nfeed\u2028", "\x00\x1f\x7f"},
		{"é 漢字 🍕", "bad \xff utf-8", "\xed\xa0\x80"},
	} {
		for _, n := range []int{-1, 0, 1, 3} {
			for _, v := range jsonValues(s.a, s.b, s.c, n) {
				checkLikeMarshal(t, v)
			}
		}
	}
}

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

func FuzzAppendJSON(f *testing.F) {
	f.Add("r1", "Pizza <b>", "9.50", uint8(2))
	f.Add("", "\xff", "\u2028", uint8(0))
	f.Fuzz(func(t *testing.T, a, b, c string, n uint8) {
		for _, v := range jsonValues(a, b, c, int(n%5)-1) {
			checkLikeMarshal(t, v)
		}
	})
}
