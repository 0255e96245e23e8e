package service_test

import (
	"context"
	"iter"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/readmodel"
)

// collectFor consumes seq on a goroutine until it yielded want values or d passed (a bound
// for a failing test), then ends it through cancel, and returns what it yielded.
func collectFor[T any](t *testing.T, cancel context.CancelFunc, seq iter.Seq2[T, error], want int, d time.Duration) []T {
	t.Helper()
	ch := make(chan T, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for v, err := range seq {
			if err != nil {
				return
			}
			ch <- v
		}
	}()
	var got []T
	timeout := time.After(d)
loop:
	for len(got) < want {
		select {
		case v := <-ch:
			got = append(got, v)
		case <-timeout:
			break loop
		}
	}
	cancel()
	<-done
	return got
}

// TestWatchRestaurant_startsAtTheCall checks that a change committed after the call, but
// before iteration begins, comes as a change of its own after the state at the call: a
// server accepts a subscription, reports it live and only then runs it. (When the head was
// read as iteration began, the change was folded into the first state and never sent.)
func TestWatchRestaurant_startsAtTheCall(t *testing.T) {
	svc := newService(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r1 := create(t, svc, "r1", "a")
	if err := svc.WaitFor(ctx, r1.Position); err != nil {
		t.Fatal(err)
	}

	seq, err := svc.WatchRestaurant(ctx, "r1") // the call: r1 is at version 1
	if err != nil {
		t.Fatal(err)
	}
	menu := restaurant.Menu{MenuID: "m2", Cuisine: restaurant.Cuisine("ITALIAN"), MenuItems: []restaurant.MenuItem{{MenuItemID: "b", Name: "B", Price: "2.00"}}}
	if _, err := svc.ChangeRestaurantMenu(ctx, restaurant.ChangeRestaurantMenu{ID: "r1", Menu: menu}, eventsourcing.Meta{}); err != nil {
		t.Fatal(err)
	}

	var got []int64
	for _, r := range collectFor[readmodel.Restaurant](t, cancel, seq, 2, 10*time.Second) {
		got = append(got, int64(r.Version))
	}
	if len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Fatalf("versions yielded %v, want [1 2]: the state at the call, then the menu change", got)
	}
}

// TestWatchOrder_startsAtTheCall is TestWatchRestaurant_startsAtTheCall for an order.
func TestWatchOrder_startsAtTheCall(t *testing.T) {
	svc := newService(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	create(t, svc, "r1", "a")
	placeAndWait(t, svc, "r1", "o1", "a")

	seq, err := svc.WatchOrder(ctx, "o1") // the call: o1 is CREATED
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.MarkOrderAsPrepared(ctx, order.MarkOrderAsPrepared{ID: "o1"}, eventsourcing.Meta{}); err != nil {
		t.Fatal(err)
	}

	var got []string
	for _, o := range collectFor[readmodel.Order](t, cancel, seq, 2, 10*time.Second) {
		got = append(got, string(o.Status))
	}
	if len(got) != 2 || got[0] != "CREATED" || got[1] != "PREPARED" {
		t.Fatalf("statuses yielded %v, want [CREATED PREPARED]", got)
	}
}
