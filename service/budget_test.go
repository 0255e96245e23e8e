package service_test

import (
	"errors"
	"testing"

	"github.com/eventgraph/eventgraph/service"
	"github.com/eventgraph/eventgraph/store"
)

// bytesOf is what an event counts against a ReadBudget.
func bytesOf(e store.Event) int64 {
	n := len(e.Data) + len(e.ID) + len(e.StreamID) + len(e.Type)
	for k, v := range e.Metadata {
		n += len(k) + len(v)
	}
	return int64(n)
}

func TestService_EventsWithin(t *testing.T) {
	svc, _ := newCountingService(t)
	ctx := t.Context()
	for _, id := range []string{"r1", "r2", "r3"} {
		create(t, svc, id, "a", "b")
	}
	f := service.EventFilter{Types: []string{"RestaurantCreated"}}
	all, err := svc.Events(ctx, 0, f, 100)
	if err != nil || len(all) != 3 {
		t.Fatalf("setup: %d events, %v", len(all), err)
	}
	positions := func(es []store.Event) []store.Position {
		var ps []store.Position
		for _, e := range es {
			ps = append(ps, e.Position)
		}
		return ps
	}
	spent := func(t *testing.T, b *service.ReadBudget, want int64) {
		t.Helper()
		page, err := svc.EventsWithin(ctx, 0, f, 100, b, true)
		var be *service.ReadBudgetError
		if !errors.Is(err, service.ErrReadBudgetSpent) || !errors.As(err, &be) || be.Budget != want || page != nil {
			t.Errorf("a page after the budget was spent: %v, %v; want a *ReadBudgetError of %d bytes", positions(page), err, want)
		}
	}

	t.Run("a page ends before the event that does not fit", func(t *testing.T) {
		n := bytesOf(all[0]) + bytesOf(all[1])
		b := service.NewReadBudget(n + bytesOf(all[2]) - 1)
		page, err := svc.EventsWithin(ctx, 0, f, 100, b, true)
		if err != nil || len(page) != 2 || page[1].Position != all[1].Position || string(page[0].Data) != string(all[0].Data) {
			t.Fatalf("page %v, %v; want the first two events whole", positions(page), err)
		}
		// One byte is left: the next page holds an event, past the budget, and then it is spent.
		page, err = svc.EventsWithin(ctx, page[1].Position, f, 100, b, true)
		if err != nil || len(page) != 1 || page[0].Position != all[2].Position {
			t.Fatalf("the next page %v, %v; want the third event", positions(page), err)
		}
		spent(t, b, n+bytesOf(all[2])-1)
	})
	t.Run("a limit below 1 takes nothing", func(t *testing.T) {
		b := service.NewReadBudget(1)
		if page, err := svc.EventsWithin(ctx, 0, f, 0, b, true); err != nil || len(page) != 0 {
			t.Fatalf("limit 0: %v, %v", positions(page), err)
		}
		if page, err := svc.EventsWithin(ctx, 0, f, 100, b, true); err != nil || len(page) != 1 {
			t.Fatalf("then: %v, %v; want one event", positions(page), err)
		}
		spent(t, b, 1)
	})
	t.Run("without data the bodies are left out and count for nothing", func(t *testing.T) {
		var ids int64
		for _, e := range all {
			ids += bytesOf(store.Event{ID: e.ID, StreamID: e.StreamID, Type: e.Type})
		}
		b := service.NewReadBudget(ids)
		page, err := svc.EventsWithin(ctx, 0, f, 100, b, false)
		if err != nil || len(page) != 3 {
			t.Fatalf("page %v, %v; want all three", positions(page), err)
		}
		for _, e := range page {
			if e.Data != nil || e.Metadata != nil || e.ID == "" || e.Type != "RestaurantCreated" {
				t.Errorf("event %+v; want its id and type without data or metadata", e)
			}
		}
		spent(t, b, ids)
	})
	t.Run("no budget", func(t *testing.T) {
		if page, err := svc.EventsWithin(ctx, 0, f, 100, nil, true); err != nil || len(page) != 3 {
			t.Fatalf("page %v, %v; want all three", positions(page), err)
		}
	})
}
