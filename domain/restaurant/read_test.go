package restaurant_test

import (
	"testing"

	"github.com/eventgraph/eventgraph/domain/internal/jsonr/jsonrtest"
	"github.com/eventgraph/eventgraph/domain/restaurant"
)

// The Codec reads events on a fast path when their JSON is json.Marshal's: it must read
// them as json.Unmarshal does, and take the fast path for what AppendJSON writes.
func TestRead_likeUnmarshal(t *testing.T) { jsonrtest.Check(t, jsonValues, restaurant.Readers...) }

func FuzzRead(f *testing.F) { jsonrtest.Fuzz(f, jsonValues, restaurant.Readers...) }
