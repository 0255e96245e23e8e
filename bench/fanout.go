package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
)

// opEventsSubscription is what every fan-out subscriber listens to: every new event, live.
const opEventsSubscription = `subscription { events { position } }`

// fanoutMeasurement is the outcome of the fan-out case.
type fanoutMeasurement struct {
	subscribers int
	events      int
	connect     time.Duration // time to open and start every subscription
	lastP50     time.Duration // commit → last subscriber's delivery, median over the events
	lastP99     time.Duration
	last        []time.Duration // commit → last delivery of every event, sorted (pooled over rounds by the target)
	eachP50     time.Duration   // commit → one subscriber's delivery, over every delivery
	eachP99     time.Duration
	perSub      float64 // heap+stack bytes per idle subscription (server and bench client)
}

// fanoutEvent tracks the deliveries of one committed event.
type fanoutEvent struct {
	t0      time.Time
	pending atomic.Int64
	done    chan struct{}
	mu      sync.Mutex
	lat     []time.Duration
}

// measureFanout opens subscribers WebSocket subscriptions (graphql-transport-ws) to every
// event, then commits events one at a time, each after the previous one reached every
// subscriber, and records the time from the commit call to each delivery.
func measureFanout(ctx context.Context, a *apiServer, subscribers int, d time.Duration) (fanoutMeasurement, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	defer hc.CloseIdleConnections()

	var (
		mu     sync.Mutex
		events = map[store.Position]*fanoutEvent{}
	)
	lookup := func(p store.Position) *fanoutEvent {
		mu.Lock()
		defer mu.Unlock()
		return events[p]
	}

	before := liveBytes()
	start := time.Now()
	subs := make([]*wsSubscriber, 0, subscribers)
	closeAll := func() {
		cctx, ccancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer ccancel()
		for _, s := range subs {
			_ = s.close(cctx)
		}
		subs = nil
	}
	defer closeAll()
	for range subscribers {
		s, err := dialSubscriber(ctx, hc, a.url, opEventsSubscription)
		if err != nil {
			return fanoutMeasurement{}, fmt.Errorf("subscriber %d: %w", len(subs), err)
		}
		subs = append(subs, s)
	}
	connect := time.Since(start)

	var wg sync.WaitGroup
	errs := make(chan error, subscribers)
	for _, s := range subs {
		wg.Go(func() {
			for {
				pos, err := s.next(ctx)
				if err != nil {
					if ctx.Err() == nil {
						errs <- err
					}
					return
				}
				now := time.Now()
				ev := lookup(store.Position(pos))
				if ev == nil {
					continue // an event committed before the clock (warm-up) or by the saga
				}
				ev.mu.Lock()
				ev.lat = append(ev.lat, now.Sub(ev.t0))
				ev.mu.Unlock()
				if ev.pending.Add(-1) == 0 {
					close(ev.done)
				}
			}
		})
	}
	defer func() {
		cancel() // ends every read, which closes its connection
		wg.Wait()
	}()

	commit := func(i int) (*fanoutEvent, error) {
		ev := &fanoutEvent{done: make(chan struct{})}
		ev.pending.Store(int64(subscribers))
		// The position is known only after the commit, and a fast subscriber may see the event
		// before Handle returns: register under the lock held across the commit.
		mu.Lock()
		ev.t0 = time.Now()
		res, err := a.svc.CreateRestaurant(ctx, restaurant.CreateRestaurant{
			ID:   fmt.Sprintf("fanout-%d", i),
			Name: "Fan-out Bistro",
			Menu: restaurant.Menu{MenuID: "menu", Cuisine: restaurant.Italian, MenuItems: []restaurant.MenuItem{{MenuItemID: "m1", Name: "Pizza", Price: "9.50"}}},
		}, eventsourcing.Meta{})
		if err == nil {
			events[res.Position] = ev
		}
		mu.Unlock()
		return ev, err
	}
	wait := func(ev *fanoutEvent) error {
		select {
		case <-ev.done:
			return nil
		case err := <-errs:
			return err
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(30 * time.Second):
			return fmt.Errorf("event not delivered to %d of %d subscribers within 30s", ev.pending.Load(), subscribers)
		}
	}

	// Warm-up: subscriptions start asynchronously on the server; retry until one event reaches all.
	warm := false
	for i := 0; i < 50 && !warm; i++ {
		ev, err := commit(-1 - i)
		if err != nil {
			return fanoutMeasurement{}, err
		}
		select {
		case <-ev.done:
			warm = true
		case err := <-errs:
			return fanoutMeasurement{}, err
		case <-ctx.Done():
			return fanoutMeasurement{}, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	if !warm {
		return fanoutMeasurement{}, errors.New("subscriptions did not all start within 10s")
	}

	perSub := perItem(before, liveBytes(), subscribers)

	var last, each []time.Duration
	deadline := time.Now().Add(d)
	for i := 0; i < minFanoutEvents || time.Now().Before(deadline); i++ {
		ev, err := commit(i)
		if err != nil {
			return fanoutMeasurement{}, err
		}
		if err := wait(ev); err != nil {
			return fanoutMeasurement{}, err
		}
		ev.mu.Lock()
		last = append(last, slices.Max(ev.lat))
		each = append(each, ev.lat...)
		ev.mu.Unlock()
	}
	slices.Sort(last)
	slices.Sort(each)
	return fanoutMeasurement{
		subscribers: subscribers,
		events:      len(last),
		connect:     connect,
		lastP50:     quantile(last, 0.50),
		lastP99:     quantile(last, 0.99),
		last:        last,
		eachP50:     quantile(each, 0.50),
		eachP99:     quantile(each, 0.99),
		perSub:      perSub,
	}, nil
}

// minFanoutEvents is the fewest events a fan-out round commits, however short the duration:
// a p99 of fewer than a few hundred samples is their maximum, or close to it.
const minFanoutEvents = 200

// quantile returns the q-quantile of sorted durations by nearest rank: the smallest value
// that at least a fraction q of them do not exceed.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(q * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}
