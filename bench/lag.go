package main

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// lagSampler samples, every few milliseconds, how many events the slowest projection or saga
// trails the head of the log by.
type lagSampler struct {
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	samples []int64
}

func startLagSampler(ctx context.Context, a *apiServer) *lagSampler {
	ctx, cancel := context.WithCancel(ctx)
	l := &lagSampler{cancel: cancel}
	l.wg.Go(func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			head, err := a.svc.Head(ctx)
			if err != nil {
				continue
			}
			slowest := head
			for _, p := range a.svc.Status() {
				slowest = min(slowest, p.Position)
			}
			l.samples = append(l.samples, int64(head-max(slowest, store.Position(0))))
		}
	})
	return l
}

// stop ends the sampling and returns the median and maximum lag in events.
func (l *lagSampler) stop() (p50, maxLag int64, ok bool) {
	l.cancel()
	l.wg.Wait()
	if len(l.samples) == 0 {
		return 0, 0, false
	}
	slices.Sort(l.samples)
	return l.samples[len(l.samples)/2], l.samples[len(l.samples)-1], true
}
