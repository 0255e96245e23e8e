package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/service"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// restart is how long a server takes to start on a JSONL log of the reference domain: the
// medians of its rounds.
type restart struct {
	events  int           // events in the log
	streams int           // streams in the log
	rounds  int           // how often each step was timed
	open    time.Duration // jsonl.Open: every line checked, the index built
	catchUp time.Duration // service.New and Run until CaughtUp: the read models rebuilt
	readAll time.Duration // the baseline: one ReadAll of the whole log on the opened store
}

// restartRestaurants is how many restaurants the restart log's orders are spread over.
const restartRestaurants = 1000

// fillDomain fills the JSONL log in dir, through the service as the server would, with
// restartRestaurants restaurants and orders placed at them from 16 clients until the log
// holds at least events events; the saga creates an order for each. It returns once the
// saga has caught up and saved its checkpoint, so that a restart does not re-run it.
func fillDomain(ctx context.Context, dir string, events int) (err error) {
	st, err := jsonl.Open(dir, jsonl.WithNoSync())
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, st.Close()) }()
	svc := service.New(st, service.WithLogger(slog.New(slog.DiscardHandler)))
	rctx, stop := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- svc.Run(rctx) }()
	defer func() {
		stop()
		err = errors.Join(err, <-ran)
	}()
	menu := restaurant.Menu{MenuID: "menu", Cuisine: restaurant.Italian, MenuItems: []restaurant.MenuItem{
		{MenuItemID: "m1", Name: "Pizza Margherita", Price: "9.50"}, {MenuItemID: "m2", Name: "Tiramisu", Price: "5.00"},
	}}
	for i := range restartRestaurants {
		if _, err := svc.CreateRestaurant(ctx, restaurant.CreateRestaurant{ID: fmt.Sprintf("r%d", i), Name: fmt.Sprintf("Restaurant %d", i), Menu: menu}, eventsourcing.Meta{}); err != nil {
			return err
		}
	}
	// Each order is two events: the restaurant's and, from the saga, the order's own.
	orders := max(events-restartRestaurants+1, 0) / 2
	const clients = 16
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for c := range clients {
		wg.Go(func() {
			for n := c; n < orders; n += clients {
				if _, err := svc.PlaceOrder(ctx, restaurant.PlaceOrder{ID: fmt.Sprintf("r%d", n%restartRestaurants), OrderID: fmt.Sprintf("o%d", n), MenuItemIDs: []string{"m1", "m2"}}, eventsourcing.Meta{}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	head, err := svc.Head(ctx)
	if err != nil {
		return err
	}
	return svc.WaitFor(ctx, head)
}

// measureRestart fills a log of about events events in a fresh directory under base, then
// rounds times opens it and reads it once, and opens it and rebuilds the read models.
func measureRestart(ctx context.Context, base string, events, rounds int) (restart, error) {
	r := restart{rounds: rounds}
	dir, err := mkdir(base, "restart")
	if err != nil {
		return r, err
	}
	if err := fillDomain(ctx, dir, events); err != nil {
		return r, fmt.Errorf("fill: %w", err)
	}
	var opens, catchUps, reads []time.Duration
	for range rounds {
		t0 := time.Now()
		st, err := jsonl.Open(dir)
		if err != nil {
			return r, err
		}
		opens = append(opens, time.Since(t0))
		n, read, err := readAllOnce(ctx, st)
		if err == nil {
			r.events, reads = n, append(reads, read)
			var catchUp time.Duration
			catchUp, err = catchUpOnce(ctx, st)
			catchUps = append(catchUps, catchUp)
		}
		if cerr := st.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return r, err
		}
	}
	streams, err := countStreams(dir)
	if err != nil {
		return r, err
	}
	r.streams, r.open, r.readAll, r.catchUp = streams, medianDuration(opens), medianDuration(reads), medianDuration(catchUps)
	return r, nil
}

// readAllOnce reads the whole log once and returns how many events it holds.
func readAllOnce(ctx context.Context, st store.Store) (int, time.Duration, error) {
	t0 := time.Now()
	n := 0
	for _, err := range st.ReadAll(ctx, 0) {
		if err != nil {
			return n, 0, err
		}
		n++
	}
	return n, time.Since(t0), nil
}

// catchUpOnce starts the service on st, as the server does, and times it until its read
// models have caught up with the log, replayed from its first event: with the read models'
// states off (--state-interval 0), which a restarted server would load instead (the
// module's BenchmarkRestart in package service times both).
func catchUpOnce(ctx context.Context, st store.Store) (time.Duration, error) {
	t0 := time.Now()
	svc := service.New(st, service.WithLogger(slog.New(slog.DiscardHandler)), service.WithStateInterval(-1))
	rctx, stop := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- svc.Run(rctx) }()
	err := svc.CaughtUp(ctx)
	took := time.Since(t0)
	stop()
	return took, errors.Join(err, <-ran)
}

// countStreams reports the streams of the log in dir, as Verify counts them.
func countStreams(dir string) (int, error) {
	rep, err := jsonl.Verify(dir)
	return rep.Streams, err
}

func medianDuration(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
