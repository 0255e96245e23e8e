package service_test

import (
	"fmt"
	"testing"

	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/service"
	"github.com/eventgraph/eventgraph/store"
)

// TestService_Events_pagesThroughAStream pages through one long stream by the last event's
// position, as a client does with the events query: every page must start reading the stream
// behind that event, not from its first event (which made paging quadratic), and the pages
// must hold the stream's events in order, whatever the cursor.
func TestService_Events_pagesThroughAStream(t *testing.T) {
	svc, st := newCountingService(t)
	ctx := t.Context()
	create(t, svc, "r1", "a")
	create(t, svc, "r2", "a")
	const orders = 60
	var last eventsourcing.Result
	for i := range orders {
		var err error
		last, err = svc.PlaceOrder(ctx, restaurant.PlaceOrder{ID: "r1", OrderID: fmt.Sprint("o", i), MenuItemIDs: []string{"a"}}, eventsourcing.Meta{})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := svc.WaitFor(ctx, last.Position); err != nil { // the saga's reads are done
		t.Fatal(err)
	}
	f := service.EventFilter{StreamID: "restaurant-r1"}
	var all []store.Event
	for e, err := range st.ReadStream(ctx, f.StreamID, 0) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, e)
	}
	if len(all) != orders+1 {
		t.Fatalf("the stream has %d events, want %d", len(all), orders+1)
	}

	t.Run("by the last event's position", func(t *testing.T) {
		const limit = 10
		before := st.n.Load()
		var got []store.Event
		after := store.Position(0)
		for {
			page, err := svc.Events(ctx, after, f, limit)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, page...)
			if len(page) < limit {
				break
			}
			after = page[len(page)-1].Position
		}
		checkSame(t, got, all)
		// Each page reads its own events, and the last full page's successor reads none.
		if read := st.n.Load() - before; read > int64(len(all)) {
			t.Errorf("paging read %d events of the stream, want at most %d (each once)", read, len(all))
		}
	})
	t.Run("by any other position", func(t *testing.T) {
		// Position 2 is r2's creation, in no page of r1's; the read starts from the stream's
		// first event and skips by position.
		page, err := svc.Events(ctx, 2, f, 5)
		if err != nil {
			t.Fatal(err)
		}
		var want []store.Event
		for _, e := range all {
			if e.Position > 2 && len(want) < 5 {
				want = append(want, e)
			}
		}
		checkSame(t, page, want)
		if page, err := svc.Events(ctx, all[len(all)-1].Position+100, f, 5); err != nil || len(page) != 0 {
			t.Errorf("Events after the head = %d events, %v; want none", len(page), err)
		}
	})
}

func checkSame(t *testing.T, got, want []store.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i].Position != want[i].Position || got[i].Version != want[i].Version || got[i].ID != want[i].ID {
			t.Fatalf("event %d: got position %d version %d, want %d %d", i, got[i].Position, got[i].Version, want[i].Position, want[i].Version)
		}
	}
}
