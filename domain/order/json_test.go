package order_test

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/eventgraph/eventgraph/domain/internal/jsonw/jsonwtest"
	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/domain/restaurant"
)

// jsonValues returns every command and event of the package built from a, b and c, with n
// menu items: none (a nil slice) when n is 0, an empty one when n is negative.
func jsonValues(a, b, c string, n int) []jsonwtest.Appender {
	var items []restaurant.MenuItem
	if n < 0 {
		items = []restaurant.MenuItem{}
	}
	for i := range n {
		items = append(items, restaurant.MenuItem{MenuItemID: a + strconv.Itoa(i), Name: b, Price: c})
	}
	return []jsonwtest.Appender{
		order.CreateOrder{ID: a, RestaurantID: b, MenuItems: items},
		order.MarkOrderAsPrepared{ID: c},
		order.OrderCreated{OrderID: c, RestaurantID: a, MenuItems: items},
		order.OrderPrepared{OrderID: b},
	}
}

// A command's fingerprint hashes its JSON, and the events are stored as it: the hand-written
// encodings must be json.Marshal's, byte for byte.
func TestAppendJSON_likeMarshal(t *testing.T) { jsonwtest.Check(t, jsonValues) }

func TestCodec_EncodeLikeMarshal(t *testing.T) {
	for _, v := range jsonValues("o1", "r<1>", "\u2029", 2) {
		e, ok := v.(order.Event)
		if !ok {
			continue
		}
		typ, data, err := order.Codec{}.Encode(e)
		want, _ := json.Marshal(e)
		if err != nil || typ != e.EventType() || !bytes.Equal(data, want) {
			t.Errorf("Encode(%T) = %q, %s, %v; want %q, %s", e, typ, data, err, e.EventType(), want)
		}
	}
}

func FuzzAppendJSON(f *testing.F) { jsonwtest.Fuzz(f, jsonValues) }
