package graph_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/graph/graphtest"
	"github.com/eventgraph/eventgraph/service"
	"github.com/eventgraph/eventgraph/store/memory"
)

// ExampleNewHandler serves the API over an in-memory store, creates a restaurant and reads
// it back with minPosition (read your own writes).
func ExampleNewHandler() {
	ctx, cancel := context.WithCancel(context.Background())
	st := memory.New()
	defer st.Close()
	svc := service.New(st, service.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	defer func() { cancel(); <-done }()

	mux := http.NewServeMux()
	mux.Handle("/graphql", graph.NewHandler(svc, graph.Config{}))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	c := graphtest.New(srv.URL + "/graphql")
	r, _ := c.Query(ctx, `mutation {
		createRestaurant(input: {id: "r1", name: "Da Mario", menu: {cuisine: ITALIAN,
			menuItems: [{menuItemId: "pizza", name: "Pizza", price: "8.99"}]}}) { id streamId version position }
	}`, nil)
	var created struct {
		CreateRestaurant struct {
			ID, StreamID      string
			Version, Position int64
		}
	}
	if err := r.Decode(&created); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(created.CreateRestaurant.ID, created.CreateRestaurant.StreamID, created.CreateRestaurant.Version)

	r, _ = c.Query(ctx, `query($p: Int64) { restaurant(id: "r1", minPosition: $p) { name menu { menuItems { price } } } }`,
		map[string]any{"p": created.CreateRestaurant.Position})
	fmt.Println(string(r.Data))
	// Output:
	// r1 restaurant-r1 1
	// {"restaurant":{"name":"Da Mario","menu":{"menuItems":[{"price":"8.99"}]}}}
}
