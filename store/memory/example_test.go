package memory_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

// Append events to a stream with optimistic concurrency, read them back, and lose a race.
func Example() {
	ctx := context.Background()
	s := memory.New()
	defer s.Close()

	a, err := s.Append(ctx, "restaurant-1", store.NoStream, store.EventData{
		Type: "RestaurantCreated",
		Data: []byte(`{"restaurantId": "1", "name": "Pizzeria"}`),
	})
	fmt.Println("appended:", a.Version, a.Position, err)

	// A second writer that also believed the stream did not exist loses.
	_, err = s.Append(ctx, "restaurant-1", store.NoStream, store.EventData{
		Type: "RestaurantCreated",
		Data: []byte(`{"restaurantId": "1", "name": "Trattoria"}`),
	})
	var conflict *store.ConflictError
	if errors.As(err, &conflict) {
		fmt.Println("conflict:", errors.Is(err, store.ErrConflict), conflict.Stream, conflict.Actual)
	}

	// Retrying against the version it now knows succeeds.
	a, err = s.Append(ctx, "restaurant-1", conflict.Actual, store.EventData{
		Type: "RestaurantMenuChanged",
		Data: []byte(`{"restaurantId": "1", "menu": {"menuItems": []}}`),
	})
	fmt.Println("appended:", a.Version, a.Position, err)

	for e, err := range s.ReadStream(ctx, "restaurant-1", 0) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(e.Version, e.Type, string(e.Data))
	}
	// Output:
	// appended: 1 1 <nil>
	// conflict: true restaurant-1 1
	// appended: 2 2 <nil>
	// 1 RestaurantCreated {"restaurantId":"1","name":"Pizzeria"}
	// 2 RestaurantMenuChanged {"restaurantId":"1","menu":{"menuItems":[]}}
}

// Subscribe replays the history and then continues with events as they are committed.
func ExampleStore_Subscribe() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clock := func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	s := memory.New(memory.WithClock(clock))
	defer s.Close()

	_, _ = s.Append(ctx, "order-1", store.NoStream, store.EventData{Type: "OrderCreated", Data: []byte(`{"orderId":"1"}`)})
	for e, err := range s.Subscribe(ctx, 0) {
		if err != nil {
			fmt.Println("stopped:", err)
			break
		}
		fmt.Println(e.Position, e.StreamID, e.Type, e.Time.Format(time.RFC3339))
		switch e.Position {
		case 1: // caught up with the history: append a live event
			_, _ = s.Append(ctx, "order-1", 1, store.EventData{Type: "OrderPrepared", Data: []byte(`{"orderId":"1"}`)})
		case 2:
			cancel()
		}
	}
	// Output:
	// 1 order-1 OrderCreated 2026-01-02T03:04:05Z
	// 2 order-1 OrderPrepared 2026-01-02T03:04:05Z
	// stopped: memory: subscribe: context canceled
}
