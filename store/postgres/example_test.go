package postgres_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/postgres"
)

// Two Stores on one database — as two servers would open it — share one log: an event
// appended through one reaches a subscriber of the other.
func Example() {
	ctx := context.Background()
	url := os.Getenv("EVENTGRAPH_POSTGRES_URL") // e.g. postgres://user:pass@localhost:5432/eventgraph
	a, err := postgres.Open(ctx, url)
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()
	b, err := postgres.Open(ctx, url)
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()

	head, err := b.Head(ctx)
	if err != nil {
		log.Fatal(err)
	}
	ap, err := a.Append(ctx, "order-1", store.NoStream, store.EventData{Type: "OrderCreated", Data: []byte(`{"orderId":"1"}`)})
	if err != nil {
		log.Fatal(err)
	}
	for e, err := range b.Subscribe(ctx, head) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(e.Type, e.StreamID, e.Position == ap.Position)
		break
	}
}
