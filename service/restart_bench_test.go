package service_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/service"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// restartLog fills dir with a JSONL log of about n events of the reference domain: 100
// restaurants, then orders placed, created and, one in two, prepared, each with a command id.
func restartLog(b *testing.B, dir string, n int) store.Position {
	ctx := context.Background()
	st, err := jsonl.Open(dir, jsonl.WithNoSync())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	menu := restaurant.Menu{MenuID: "m1", Cuisine: restaurant.Italian, MenuItems: []restaurant.MenuItem{{MenuItemID: "pizza", Name: "Pizza", Price: "8.99"}}}
	var head store.Position
	add := func(stream string, typ string, data []byte, cmd string) {
		a, err := st.Append(ctx, stream, store.Any, store.EventData{Type: typ, Data: data, Metadata: map[string]string{eventsourcing.MetadataCommandID: cmd}})
		if err != nil {
			b.Fatal(err)
		}
		head = a.Position
	}
	for r := range 100 {
		id := fmt.Sprintf("r%d", r)
		typ, data, err := restaurant.Codec{}.Encode(restaurant.RestaurantCreated{RestaurantID: id, Name: "Restaurant " + id, Menu: menu})
		if err != nil {
			b.Fatal(err)
		}
		add(restaurant.StreamID(id), typ, data, "create-"+id)
	}
	for i := 0; int(head) < n; i++ {
		r, o := fmt.Sprintf("r%d", i%100), fmt.Sprintf("0b5c2a4e-6f1d-4a53-9c1e-%012d", i)
		typ, data, _ := restaurant.Codec{}.Encode(restaurant.RestaurantOrderPlaced{RestaurantID: r, OrderID: o, MenuItems: menu.MenuItems})
		add(restaurant.StreamID(r), typ, data, "place-"+o)
		typ, data, _ = order.Codec{}.Encode(order.OrderCreated{OrderID: o, RestaurantID: r, MenuItems: menu.MenuItems})
		add(order.StreamID(o), typ, data, "create-"+o)
		if i%2 == 0 {
			typ, data, _ = order.Codec{}.Encode(order.OrderPrepared{OrderID: o})
			add(order.StreamID(o), typ, data, "prepare-"+o)
		}
	}
	return head
}

// restart opens the log in dir and runs a service over it until its read models reached
// head, timed, then stops it (saving its states, unless they are off) and closes the log.
func restart(b *testing.B, dir string, head store.Position, opts ...service.Option) {
	st, err := jsonl.Open(dir, jsonl.WithNoSync())
	if err != nil {
		b.Fatal(err)
	}
	svc := service.New(st, append([]service.Option{service.WithConsistencyTimeout(time.Minute), service.WithLogger(slog.New(slog.DiscardHandler))}, opts...)...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	if err := svc.WaitFor(ctx, head); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	cancel()
	<-done
	if err := st.Close(); err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
}

// BenchmarkRestart opens a JSONL log of events=N events and waits until the service's read
// models (restaurants, orders, the command-id index) have reached its head, as a restarted
// server does (the saga resumes after its checkpoint in both): replay, replaying the log from
// its first event (--state-interval 0), and states, loading the states the previous run saved
// when it stopped; open-only is the part of both that opens the log (its checks and index).
func BenchmarkRestart(b *testing.B) {
	for _, n := range []int{100_000} {
		dir := b.TempDir()
		head := restartLog(b, dir, n)
		// A first run, untimed: the saga handles the log once and saves its checkpoint.
		restart(b, dir, head, service.WithStateInterval(-1))
		b.Run(fmt.Sprintf("events=%d/open-only", n), func(b *testing.B) {
			for b.Loop() {
				st, err := jsonl.Open(dir, jsonl.WithNoSync())
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if err := st.Close(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
		b.Run(fmt.Sprintf("events=%d/replay", n), func(b *testing.B) {
			for b.Loop() {
				restart(b, dir, head, service.WithStateInterval(-1))
			}
		})
		b.Run(fmt.Sprintf("events=%d/states", n), func(b *testing.B) {
			b.StopTimer()
			restart(b, dir, head) // saves the states when it stops
			b.StartTimer()
			for b.Loop() {
				restart(b, dir, head)
			}
			if fi, err := os.Stat(filepath.Join(dir, jsonl.StateDir, jsonl.StateFile)); err == nil {
				b.ReportMetric(float64(fi.Size()), "state-bytes")
			}
		})
		// The pause of the read models at each save: encoding the restaurants' and orders'
		// states (the command index's is written alongside).
		b.Run(fmt.Sprintf("events=%d/write-states", n), func(b *testing.B) {
			st, err := jsonl.Open(dir, jsonl.WithNoSync())
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			svc := service.New(st, service.WithLogger(slog.New(slog.DiscardHandler)))
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- svc.Run(ctx) }()
			defer func() { cancel(); <-done }()
			if err := svc.WaitFor(ctx, head); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				var buf bytes.Buffer
				if err := svc.Restaurants().WriteState(&buf); err != nil {
					b.Fatal(err)
				}
				if err := svc.Orders().WriteState(&buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
