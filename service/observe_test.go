package service_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/service"
)

func TestWithCommandObserver(t *testing.T) {
	var (
		mu   sync.Mutex
		seen []string
	)
	observe := func(_ context.Context, o eventsourcing.CommandObservation) {
		mu.Lock()
		defer mu.Unlock()
		outcome := "ok"
		if o.Err != nil {
			outcome = "error"
		}
		seen = append(seen, o.Type+" "+outcome)
	}
	svc := newService(t, service.WithCommandObserver(observe))
	ctx := context.Background()
	create(t, svc, "r1", "a")
	res, err := svc.PlaceOrder(ctx, restaurant.PlaceOrder{ID: "r1", OrderID: "o1", MenuItemIDs: []string{"a"}}, eventsourcing.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PlaceOrder(ctx, restaurant.PlaceOrder{ID: "missing", OrderID: "o2", MenuItemIDs: []string{"a"}}, eventsourcing.Meta{}); err == nil {
		t.Fatal("PlaceOrder at a missing restaurant succeeded")
	}
	if err := svc.WaitFor(ctx, res.Position); err != nil { // the saga's CreateOrder is handled
		t.Fatal(err)
	}

	mu.Lock()
	defer mu.Unlock()
	want := []string{"CreateRestaurant ok", "PlaceOrder ok", "PlaceOrder error", "CreateOrder ok"}
	for _, w := range want {
		if !slices.Contains(seen, w) {
			t.Errorf("observed %q, want %q among them", seen, w)
		}
	}
	if len(seen) != len(want) {
		t.Errorf("observed %d commands %q, want %d", len(seen), seen, len(want))
	}
}

func TestService_CaughtUp(t *testing.T) {
	svc := newService(t)
	if err := svc.CaughtUp(context.Background()); err != nil {
		t.Fatalf("CaughtUp on an empty log: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	unstarted := service.New(svc.Store())
	if err := unstarted.CaughtUp(ctx); err == nil {
		t.Error("CaughtUp of a service that never ran returned nil after ctx ended")
	}
}
