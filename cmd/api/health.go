package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/service"
	"github.com/eventgraph/eventgraph/store"
)

// readyz answers 200 "ready" when notReady finds nothing wrong, else 503 with its reason.
func (o *observability) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if why := o.notReady(r.Context()); why != "" {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, why+"\n")
		return
	}
	_, _ = io.WriteString(w, "ready\n")
}

// notReady decides readiness, for /readyz and the eventgraph_ready gauge alike (one answer,
// so an alert on the gauge fires when a load balancer polling /readyz stops sending
// traffic): it returns "" once the projections and sagas caught up with the log after
// start-up, and otherwise why not — the event store has failed for good (see healthz); a
// projection or saga has stopped on an error (its read model no longer follows the log:
// queries with minPosition fail); the event store does not tell its head within
// storeCheckTimeout (a PostgreSQL server down: every command would fail); the log is still
// being replayed (see replaying); the server is shutting down (from the signal on, through
// --shutdown-delay, so that a load balancer stops sending requests before the listener
// closes). The reasons are fit for a client: they never hold the store's error.
func (o *observability) notReady(ctx context.Context) string {
	if o.leaving.Load() {
		return "shutting down"
	}
	if why := o.storeFailure(); why != "" {
		return why
	}
	if o.svc != nil {
		for _, s := range o.svc.Status() {
			if s.Stopped {
				return fmt.Sprintf("%s %s stopped at position %d", s.Kind, s.Name, s.Position)
			}
		}
		ctx, cancel := context.WithTimeout(ctx, storeCheckTimeout)
		_, err := o.svc.Head(ctx)
		cancel()
		if err != nil {
			return "the event store does not answer" // the cause is not the caller's business
		}
	}
	if !o.isReady() {
		return replaying(o.svc)
	}
	return ""
}

// replaying returns notReady's reason while the start-up replay goes on: it names the
// projection or saga furthest behind and its position, and says so when that one has
// retried failed commands, as a saga does while its writes fail (a full disk): the replay
// then waits for the cause to go away, not for the log to be read.
func replaying(svc *service.Service) string {
	if svc == nil {
		return "replaying the log"
	}
	low, ok := slowest(svc)
	if !ok {
		return "replaying the log"
	}
	why := fmt.Sprintf("replaying the log: %s %s at position %d", low.Kind, low.Name, low.Position)
	if low.Retries > 0 {
		why += fmt.Sprintf(" has retried failed commands %d times (the server's log says why)", low.Retries)
	}
	return why
}

// healthz answers 200 while the process serves, and 503 once the event store has failed
// for good (a JSONL log whose sync failed refuses every append until it is opened again):
// only a restart recovers, which is what a liveness check is for.
func (o *observability) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if why := o.storeFailure(); why != "" {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, why+"\n")
		return
	}
	_, _ = io.WriteString(w, "ok\n")
}

// storeFailure returns why the event store has failed for good, or "" when it has not.
func (o *observability) storeFailure() string {
	if o.svc == nil {
		return ""
	}
	f, ok := o.svc.Store().(interface{ Failed() error })
	if !ok || f.Failed() == nil {
		return ""
	}
	return "the event store has failed; restart the server to recover"
}

// storeCheckTimeout bounds notReady's question to the store (the log's head).
const storeCheckTimeout = 2 * time.Second

// runService runs the service until ctx ends, watching its start-up replay meanwhile.
func (m *Main) runService(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Go(func() { m.observability().watchReplay(ctx, m.Logger, m.svc) })
	err := m.svc.Run(ctx)
	wg.Wait()
	return err
}

// watchReplay waits until svc's projections and sagas caught up with the log as it was at
// start-up, then marks the server ready and logs "caught up" with how long it took. Until
// then it logs a "replaying log" line at every tick (every second) with the position of
// the slowest projection or saga, its kind and name (and its retries of failed commands,
// when it has any: a saga whose writes fail holds the replay until their cause goes away),
// the head, and the rate. It returns when caught up or when ctx ends.
func (o *observability) watchReplay(ctx context.Context, logger *slog.Logger, svc *service.Service) {
	start := time.Now()
	head, err := svc.Head(ctx)
	if err != nil {
		if ctx.Err() == nil {
			logger.Error("reading the log's head", "err", err)
		}
		return
	}
	caught := make(chan error, 1)
	go func() { caught <- svc.CaughtUp(ctx) }()
	tick := o.tick
	if tick == nil {
		t := time.NewTicker(replayProgressEvery)
		defer t.Stop()
		tick = t.C
	}
	last, lastAt := store.Position(0), start
	for {
		select {
		case err := <-caught:
			if err != nil {
				if ctx.Err() == nil {
					logger.Error("the read models did not catch up with the log", "err", err)
				}
				return
			}
			o.readyOnce.Do(func() { close(o.ready) })
			elapsed := time.Since(start)
			logger.Info("caught up", "head", int64(head), "duration", elapsed.Round(time.Millisecond),
				"rate", rate(int64(head), elapsed))
			return
		case now := <-tick:
			low, _ := slowest(svc)
			pos := low.Position
			attrs := []any{"position", int64(pos), "head", int64(head),
				"percent", percent(pos, head), "rate", rate(int64(pos-last), now.Sub(lastAt))}
			if low.Name != "" {
				attrs = append(attrs, "slowest", low.Kind+" "+low.Name)
			}
			if low.Retries > 0 {
				attrs = append(attrs, "retries", low.Retries)
			}
			logger.Info("replaying log", attrs...)
			last, lastAt = pos, now
		}
	}
}

// slowest returns the status of the projection or saga at the lowest position (the first
// of them in svc's order on a tie), and false when there is none.
func slowest(svc *service.Service) (eventsourcing.ProcessorStatus, bool) {
	status := svc.Status()
	if len(status) == 0 {
		return eventsourcing.ProcessorStatus{}, false
	}
	low := status[0]
	for _, s := range status[1:] {
		if s.Position < low.Position {
			low = s
		}
	}
	return low, true
}

// percent returns how far pos is towards head, rounded down, 100 for an empty log.
func percent(pos, head store.Position) int64 {
	if head <= 0 {
		return 100
	}
	return int64(min(pos, head)) * 100 / int64(head)
}

// rate returns events per second, rounded, as a log value such as "12345 events/s".
func rate(events int64, d time.Duration) string {
	if d <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f events/s", float64(events)/d.Seconds())
}
