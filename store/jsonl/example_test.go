package jsonl_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

func Example() {
	dir, err := os.MkdirTemp("", "eventlog")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	s, err := jsonl.Open(dir) // durable: Append returns after fdatasync
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	a, err := s.Append(ctx, "order-42", store.NoStream,
		store.EventData{Type: "OrderCreated", Data: []byte(`{"orderId": "42", "restaurantId": "r1"}`)},
		store.EventData{Type: "OrderPrepared", Data: []byte(`{"orderId": "42"}`)})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("appended: version", a.Version, "position", a.Position)

	// A second append that expects the old version loses the race.
	_, err = s.Append(ctx, "order-42", store.NoStream, store.EventData{Type: "OrderCreated", Data: []byte(`{}`)})
	fmt.Println("conflict:", err)
	s.Close()

	// After a restart the index is rebuilt from the log.
	s, err = jsonl.Open(dir)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	for e, err := range s.ReadStream(ctx, "order-42", 0) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(e.Position, e.StreamID, e.Version, e.Type, string(e.Data))
	}
	rep, err := jsonl.Verify(dir)
	fmt.Println("verify:", rep.Events, "events,", rep.Commits, "commit, error:", err)
	// Output:
	// appended: version 2 position 2
	// conflict: store: version conflict on stream "order-42": expected no stream, actual 2
	// 1 order-42 1 OrderCreated {"orderId":"42","restaurantId":"r1"}
	// 2 order-42 2 OrderPrepared {"orderId":"42"}
	// verify: 2 events, 1 commit, error: <nil>
}

// A tool that copies or inspects a log, such as a backup, opens it read-only: nothing in
// the directory is created, written or cut, and writes fail with ErrReadOnly.
func ExampleOpenReadOnly() {
	dir, err := os.MkdirTemp("", "eventlog")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	w, err := jsonl.Open(dir, jsonl.WithNoSync())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if _, err := w.Append(ctx, "order-42", store.NoStream, store.EventData{Type: "OrderCreated", Data: []byte(`{}`)}); err != nil {
		log.Fatal(err)
	}
	w.Close()

	s, err := jsonl.OpenReadOnly(dir)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	head, err := s.Head(ctx)
	fmt.Println("head:", head, err)
	_, err = s.Append(ctx, "order-42", store.Any, store.EventData{Type: "OrderPrepared", Data: []byte(`{}`)})
	fmt.Println("append:", errors.Is(err, jsonl.ErrReadOnly))
	// Output:
	// head: 1 <nil>
	// append: true
}
