package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// soakSample is one observation of the process during the soak.
type soakSample struct {
	at       time.Duration
	requests int64
	head     int64  // events in the log
	rss      uint64 // resident set size, bytes
	heap     uint64 // live Go heap after a collection, bytes
}

// Soak workloads.
const (
	// soakSteady keeps the data constant: each client changes the menu of its own
	// restaurant back and forth and reads it, so the read models keep their size and only
	// the log (on disk) and its in-memory index grow.
	soakSteady = "steady"
	// soakMix is the createRestaurant / placeOrder mix: the read models grow with the data.
	soakMix = "mix"
)

// soakResult is the outcome of the soak.
type soakResult struct {
	workload string
	duration time.Duration
	rate     int // requests/s asked for (see achievedRate)
	clients  int
	samples  []soakSample
}

// achievedRate returns the requests per second the soak made up to its last sample. It can fall
// short of the rate asked for: the clients share one ticker, and a tick that finds every client
// busy is dropped.
func (s soakResult) achievedRate() float64 {
	if len(s.samples) == 0 {
		return 0
	}
	last := s.samples[len(s.samples)-1]
	if last.at <= 0 {
		return 0
	}
	return float64(last.requests) / last.at.Seconds()
}

// halfGrowth is how the process grew over the second half of a soak.
type halfGrowth struct {
	from, to     soakSample // the second half's first and last samples
	rssPerEvent  float64    // least-squares slope of the RSS over the events in the log, bytes per event
	heapPerEvent float64    // the same for the live heap
}

// secondHalf returns the growth over the samples from the middle one on (the first half holds
// the start: the read models filling, the heap finding its size), and false with fewer than
// three samples or no events in the second half.
func (s soakResult) secondHalf() (halfGrowth, bool) {
	if len(s.samples) < 3 {
		return halfGrowth{}, false
	}
	half := s.samples[len(s.samples)/2:]
	xs, rs, hs := make([]float64, len(half)), make([]float64, len(half)), make([]float64, len(half))
	for i, x := range half {
		xs[i], rs[i], hs[i] = float64(x.head), float64(x.rss), float64(x.heap)
	}
	rssSlope, ok1 := slope(xs, rs)
	heapSlope, ok2 := slope(xs, hs)
	if !ok1 || !ok2 {
		return halfGrowth{}, false
	}
	return halfGrowth{from: half[0], to: half[len(half)-1], rssPerEvent: rssSlope, heapPerEvent: heapSlope}, true
}

// runSoak serves the mutation mix over the JSONL durable store at a constant request rate
// for d and samples the process's memory at regular intervals. When heapProfile is set, a
// heap profile of the loaded server is written there at the end.
func runSoak(ctx context.Context, base, workload string, d time.Duration, rate, clients int, heapProfile string) (soakResult, error) {
	res := soakResult{workload: workload, duration: d, rate: rate, clients: clients}
	dir, err := mkdir(base, "soak")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	a, err := startAPI(ctx, keyJSONL, dir)
	if err != nil {
		return res, err
	}
	c := newGQLClient(a.url, clients)
	var next nextRequest
	switch workload {
	case soakMix:
		next = mutationMix(clients)
	case soakSteady:
		if err := createOnePerClient(ctx, a, c, clients); err != nil {
			c.close()
			_ = a.close()
			return res, err
		}
		next = steadyMix(clients)
	default:
		c.close()
		_ = a.close()
		return res, fmt.Errorf("unknown soak workload %q", workload)
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)

	// The soak runs after the other cases in the same process: what they left in the heap is
	// collected and returned to the system first, so that the first sample does not carry it
	// (the RSS would seem to shrink while the soak runs).
	runtime.GC()
	debug.FreeOSMemory()

	var (
		requests atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
		tick     = time.NewTicker(time.Second / time.Duration(rate))
	)
	for id := range clients {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				if _, err := c.do(ctx, next(id, i)); err != nil {
					if ctx.Err() == nil {
						errOnce.Do(func() { firstErr = err })
						cancel()
					}
					return
				}
				requests.Add(1)
			}
		})
	}
	start := time.Now()
	interval := max(d/20, time.Second)
	sample := func() {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		head, _ := a.svc.Head(ctx)
		res.samples = append(res.samples, soakSample{at: time.Since(start), requests: requests.Load(), head: int64(head), rss: rss(), heap: m.HeapAlloc})
	}
	sample()
	t := time.NewTicker(interval)
loop:
	for time.Since(start) < d {
		select {
		case <-ctx.Done():
			break loop
		case <-t.C:
			sample()
		}
	}
	t.Stop()
	if heapProfile != "" {
		if err := writeHeapProfile(heapProfile); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	cancel()
	wg.Wait()
	tick.Stop()
	c.close()
	if err := a.close(); firstErr == nil && err != nil {
		firstErr = err
	}
	if err := parent.Err(); firstErr == nil && err != nil {
		firstErr = err // cut short: its samples do not cover the soak's length
	}
	return res, firstErr
}

// steadyMix has each client change its restaurant's menu between two menus of the same size
// and read the restaurant back, one after the other.
func steadyMix(clients int) nextRequest {
	type bodies struct {
		menus [2][]byte
		read  []byte
	}
	all := make([]bodies, clients)
	for id := range all {
		rid := restaurantID(id, 0)
		for k := range 2 {
			price := []string{"9.50", "10.50"}[k]
			all[id].menus[k] = body(opChangeMenu, map[string]any{"in": map[string]any{"id": rid, "menu": map[string]any{
				"cuisine": "ITALIAN", "menuItems": []map[string]string{
					{"menuItemId": "m1", "name": "Pizza Margherita", "price": price},
					{"menuItemId": "m2", "name": "Tiramisu", "price": "5.00"},
				}}}})
		}
		all[id].read = body(opRestaurant, map[string]any{"id": rid})
	}
	return func(client, i int) []byte {
		if i%2 == 1 {
			return all[client].read
		}
		return all[client].menus[(i/2)%2]
	}
}

// writeHeapProfile writes a heap profile after a collection.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// rss returns the process's resident set size from /proc/self/status, 0 when unknown.
func rss() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

// mib formats bytes in MiB.
func mib(b uint64) string { return fmt.Sprintf("%.1f", float64(b)/(1<<20)) }
