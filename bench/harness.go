package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// appendFunc appends one event for one writer. Each writer owns its stream and remembers
// the version (or sequence) it last wrote, which it passes as the expected version.
type appendFunc func(ctx context.Context) error

// writeTarget is a system under test for the write cases.
type writeTarget interface {
	// writer returns the append function of writer id; it is called once per writer, before
	// the clock starts.
	writer(id int) appendFunc
	// close releases the target; it is called after the clock stops.
	close() error
}

// readTarget is a system under test for the read cases: it holds one stream of n events.
type readTarget interface {
	// fill writes n events to stream (untimed).
	fill(ctx context.Context, stream string, n int) error
	// read reads the whole stream and returns the number of events it decoded.
	read(ctx context.Context, stream string) (int, error)
	close() error
}

// limits bounds one measured case.
type limits struct {
	duration  time.Duration // how long the writers run
	maxEvents int64         // stop earlier once this many events were written (0 = no cap)
	latency   bool          // time every append (costs two clock reads per append)
}

// measurement is the outcome of one case.
type measurement struct {
	events   int64
	elapsed  time.Duration
	p50, p99 time.Duration // append latency, when timed
}

// rate returns events per second.
func (m measurement) rate() float64 {
	if m.elapsed <= 0 {
		return 0
	}
	return float64(m.events) / m.elapsed.Seconds()
}

// measureWrites runs writers concurrently against t until the duration passes or the event
// cap is reached, and counts the acknowledged appends.
func measureWrites(ctx context.Context, t writeTarget, writers int, lim limits) (measurement, error) {
	fns := make([]appendFunc, writers)
	for i := range fns {
		fns[i] = t.writer(i)
	}
	perWriter := int64(-1)
	if lim.maxEvents > 0 {
		perWriter = max(lim.maxEvents/int64(writers), 1)
	}
	// Collected, and the freed memory returned to the system: a case that ran right after
	// one that had grown the heap found its pages mapped already, so the order of the cases
	// decided which one paid for the page faults.
	debug.FreeOSMemory()

	var (
		stop     atomic.Bool
		total    atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
		gate     = make(chan struct{})
	)
	lat := make([][]time.Duration, writers)
	for id, fn := range fns {
		wg.Go(func() {
			<-gate
			var n int64
			// At least one each: on a loaded machine a writer may first run after the
			// duration, and a case must not measure nothing.
			for n == 0 || (!stop.Load() && n != perWriter) {
				var t0 time.Time
				if lim.latency {
					t0 = time.Now()
				}
				if err := fn(ctx); err != nil {
					errOnce.Do(func() { firstErr = err })
					stop.Store(true)
					break
				}
				if lim.latency {
					lat[id] = append(lat[id], time.Since(t0))
				}
				n++
			}
			total.Add(n)
		})
	}
	start := time.Now()
	timer := time.AfterFunc(lim.duration, func() { stop.Store(true) })
	// A cancelled run stops the writers too: not every target passes ctx on (the raw
	// baselines write a file).
	unhook := context.AfterFunc(ctx, func() { stop.Store(true) })
	close(gate)
	wg.Wait()
	elapsed := time.Since(start)
	timer.Stop()
	unhook()
	if firstErr != nil {
		return measurement{}, firstErr
	}
	if err := ctx.Err(); err != nil {
		return measurement{}, err
	}
	m := measurement{events: total.Load(), elapsed: elapsed}
	if all := slices.Concat(lat...); len(all) > 0 {
		slices.Sort(all)
		m.p50, m.p99 = quantile(all, 0.50), quantile(all, 0.99)
	}
	return m, nil
}

// measureReads fills one stream with n events, then reads it whole, again and again, for the
// duration (at least once), and counts the events read.
func measureReads(ctx context.Context, t readTarget, n int, lim limits) (measurement, error) {
	const stream = "read-stream"
	if err := t.fill(ctx, stream, n); err != nil {
		return measurement{}, fmt.Errorf("fill: %w", err)
	}
	runtime.GC()
	var total int64
	start := time.Now()
	for {
		if err := ctx.Err(); err != nil {
			return measurement{}, err
		}
		got, err := t.read(ctx, stream)
		if err != nil {
			return measurement{}, err
		}
		if got != n {
			return measurement{}, fmt.Errorf("read %d events, want %d", got, n)
		}
		total += int64(got)
		if time.Since(start) >= lim.duration {
			break
		}
	}
	return measurement{events: total, elapsed: time.Since(start)}, nil
}
