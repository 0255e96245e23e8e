package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/eventsourcing"
)

// TestWSSubscriber runs the fan-out's subscriber against the real server: it must yield every
// event's position in order, and report a subscription the server refuses.
func TestWSSubscriber(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a := startMemoryAPI(t)
	var want []int64
	for i := range 3 {
		res, err := a.svc.CreateRestaurant(ctx, restaurant.CreateRestaurant{
			ID:   fmt.Sprintf("ws-%d", i),
			Name: "WS Bistro",
			Menu: restaurant.Menu{MenuID: "menu", Cuisine: restaurant.Italian, MenuItems: []restaurant.MenuItem{{MenuItemID: "m1", Name: "Pizza", Price: "9.50"}}},
		}, eventsourcing.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, int64(res.Position))
	}
	hc := &http.Client{}
	defer hc.CloseIdleConnections()

	s, err := dialSubscriber(ctx, hc, a.url, `subscription { events(afterPosition: 0) { position } }`)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		got, err := s.next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got != w {
			t.Fatalf("next = %d, want %d", got, w)
		}
	}
	if err := s.close(ctx); err != nil {
		t.Errorf("close: %v", err)
	}

	bad, err := dialSubscriber(ctx, hc, a.url, `subscription { events(afterPosition: 0) { nope } }`)
	if err != nil {
		t.Fatal(err)
	}
	defer bad.close(ctx)
	if _, err := bad.next(ctx); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("next on a refused subscription: %v, want an error quoting the server's message", err)
	}
}

func TestMessageType(t *testing.T) {
	for _, tc := range []struct{ msg, want string }{
		{`{"payload":{"data":{"events":{"position":7}}},"id":"1","type":"next"}`, "next"},
		{`{"type":"connection_ack"}`, "connection_ack"},
		{`{"type":"ping","payload":{"type":"nested"}}`, "ping"},
		{`{"payload":{"data":{"events":{"type":"RestaurantCreated"}}},"type":"next"}`, "next"},
		{`{"payload":[{"message":"a \"type\":\"x\" and \\","type":"y"}],"id":"1","type":"error"}`, "error"},
		{`{"payload":{"data":{"events":{"position":7}}},"id":"1"}`, ""},
		{`{"type":`, ""},
		{`{"type":"unterminated`, ""},
		{``, ""},
	} {
		if got := messageType([]byte(tc.msg)); got != tc.want {
			t.Errorf("messageType(%s) = %q, want %q", tc.msg, got, tc.want)
		}
	}
}

func TestPosition(t *testing.T) {
	if p, err := position([]byte(`{"payload":{"data":{"events":{"position":1234567}}},"id":"1","type":"next"}`)); err != nil || p != 1234567 {
		t.Errorf("position = %d, %v; want 1234567", p, err)
	}
	for _, m := range []string{`{"payload":{"data":{"events":{}}},"type":"next"}`, `{"payload":{"data":{"events":{"position":null}}},"type":"next"}`} {
		if _, err := position([]byte(m)); err == nil {
			t.Errorf("position(%s): no error", m)
		}
	}
}

// startMemoryAPI starts the API over a memory store, closed when t ends.
func startMemoryAPI(t *testing.T) *apiServer {
	t.Helper()
	a, err := startAPI(t.Context(), keyMemory, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := a.close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return a
}
