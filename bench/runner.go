package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// sample is one measured case.
type sample struct {
	rate        float64 // events/s
	diskPerItem float64 // bytes on disk per event, 0 when the case keeps nothing on disk
	p50, p99    float64 // append latency in seconds, 0 when not timed
}

// apiSample is one measured API case.
type apiSample struct {
	rate           float64 // requests/s
	p50, p99       float64 // latency in seconds
	lagP50, lagMax float64 // projection lag in events; -1 when not sampled
}

// results collects every round's samples.
type results struct {
	writes map[string]map[int][]sample    // case key → writers → samples
	reads  map[string][]sample            // case key → samples
	api    map[string]map[int][]apiSample // case key → clients → samples
	fanout []fanoutMeasurement            // one per round
	res    *resources                     // nil when not measured
	soak   *soakResult                    // nil when not run
}

// apiResult returns the medians of an API case's throughput and latencies, and whether it ran.
func (r results) apiResult(key string, clients int) (apiSample, bool) {
	ss := r.api[key][clients]
	if len(ss) == 0 {
		return apiSample{}, false
	}
	pick := func(f func(apiSample) float64) float64 {
		vs := make([]float64, len(ss))
		for i, s := range ss {
			vs[i] = f(s)
		}
		slices.Sort(vs)
		if len(vs)%2 == 1 {
			return vs[len(vs)/2]
		}
		return (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2
	}
	return apiSample{
		rate:   pick(func(s apiSample) float64 { return s.rate }),
		p50:    pick(func(s apiSample) float64 { return s.p50 }),
		p99:    pick(func(s apiSample) float64 { return s.p99 }),
		lagP50: pick(func(s apiSample) float64 { return s.lagP50 }),
		lagMax: pick(func(s apiSample) float64 { return s.lagMax }),
	}, true
}

// write returns the median events/s of a write case, and whether it ran.
func (r results) write(key string, writers int) (float64, bool) {
	return median(r.writes[key][writers], func(s sample) float64 { return s.rate })
}

// disk returns the median bytes on disk per event of a write case.
func (r results) disk(key string, writers int) (float64, bool) {
	return median(r.writes[key][writers], func(s sample) float64 { return s.diskPerItem })
}

// latency returns the median p50 and p99 append latency of a write case in seconds.
func (r results) latency(key string, writers int) (p50, p99 float64, ok bool) {
	p50, ok = median(r.writes[key][writers], func(s sample) float64 { return s.p50 })
	p99, _ = median(r.writes[key][writers], func(s sample) float64 { return s.p99 })
	return p50, p99, ok && p50 > 0
}

// read returns the median events/s of a read case, and whether it ran.
func (r results) read(key string) (float64, bool) {
	return median(r.reads[key], func(s sample) float64 { return s.rate })
}

// spread returns half the range of the samples' rates relative to their median (0 for fewer
// than two samples).
func spread(ss []sample) float64 {
	if len(ss) < 2 {
		return 0
	}
	lo, hi := ss[0].rate, ss[0].rate
	for _, s := range ss[1:] {
		lo, hi = min(lo, s.rate), max(hi, s.rate)
	}
	m, _ := median(ss, func(s sample) float64 { return s.rate })
	if m == 0 {
		return 0
	}
	return (hi - lo) / 2 / m
}

func median(ss []sample, f func(sample) float64) (float64, bool) {
	if len(ss) == 0 {
		return 0, false
	}
	vs := make([]float64, len(ss))
	for i, s := range ss {
		vs[i] = f(s)
	}
	slices.Sort(vs)
	if len(vs)%2 == 1 {
		return vs[len(vs)/2], true
	}
	return (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2, true
}

// plannedWrite is one write case at one writer count.
type plannedWrite struct {
	c       writeCase
	writers int
}

// planWrites orders the write cases by writer count first, so that a system and the baselines
// it is compared with run close together in time.
func planWrites(cfg config) []plannedWrite {
	var plan []plannedWrite
	for _, n := range cfg.writers {
		for _, c := range writeCases() {
			if strings.Contains(c.key, cfg.only) && (c.writers == nil || c.writers(n)) {
				plan = append(plan, plannedWrite{c: c, writers: n})
			}
		}
	}
	return plan
}

// plannedAPI is one API case at one client count.
type plannedAPI struct {
	c       apiCase
	clients int
}

func planAPI(cfg config) []plannedAPI {
	if !cfg.api {
		return nil
	}
	var plan []plannedAPI
	for _, n := range cfg.writers {
		for _, c := range apiCases() {
			if strings.Contains(c.key, cfg.only) {
				plan = append(plan, plannedAPI{c: c, clients: n})
			}
		}
	}
	return plan
}

func planReads(cfg config) []readCase {
	var plan []readCase
	for _, c := range readCases() {
		if strings.Contains(c.key, cfg.only) || strings.Contains("read", cfg.only) {
			plan = append(plan, c)
		}
	}
	return plan
}

// runAll runs every planned case cfg.rounds times, printing a progress line per case.
func runAll(ctx context.Context, cfg config, out io.Writer) (results, error) {
	res := results{writes: map[string]map[int][]sample{}, reads: map[string][]sample{}, api: map[string]map[int][]apiSample{}}
	base, err := os.MkdirTemp(cfg.dir, "eventgraph-bench-")
	if err != nil {
		return res, fmt.Errorf("bench: %w", err)
	}
	defer os.RemoveAll(base)
	writes, reads, apis := planWrites(cfg), planReads(cfg), planAPI(cfg)
	fanout := cfg.api && cfg.subscribers > 0 && strings.Contains("fanout", cfg.only)
	total, done := cfg.rounds*(len(writes)+len(reads)+len(apis)), 0
	if fanout {
		total += cfg.rounds
	}
	measureRes := cfg.resources && strings.Contains("resources", cfg.only)
	if measureRes {
		total++
	}
	if cfg.soak > 0 {
		total++
	}
	lim := limits{duration: cfg.duration, maxEvents: cfg.maxEvents}
	prof := profiler{dir: cfg.profileDir}
	fmt.Fprintf(out, "eventgraph bench: %d cases, %s each, %d round(s), data in %s\n", total, cfg.duration, cfg.rounds, base)
	for round := 1; round <= cfg.rounds; round++ {
		for _, p := range writes {
			var (
				s sample
				m measurement
			)
			err := prof.around(profileName("write", p.c.key, p.writers), func() (err error) {
				s, m, err = runWrite(ctx, base, p, lim)
				return err
			})
			if err != nil {
				return res, fmt.Errorf("bench: %s with %d writers: %w", p.c.key, p.writers, err)
			}
			if res.writes[p.c.key] == nil {
				res.writes[p.c.key] = map[int][]sample{}
			}
			res.writes[p.c.key][p.writers] = append(res.writes[p.c.key][p.writers], s)
			done++
			fmt.Fprintf(out, "[%3d/%d] write %-16s %3d writers %12s events/s  (%d events in %.2fs)\n",
				done, total, p.c.key, p.writers, thousands(s.rate), m.events, m.elapsed.Seconds())
		}
		for _, c := range reads {
			var (
				s sample
				m measurement
			)
			err := prof.around(profileName("read", c.key, 0), func() (err error) {
				s, m, err = runRead(ctx, base, c, cfg.readEvents, lim)
				return err
			})
			if err != nil {
				return res, fmt.Errorf("bench: read %s: %w", c.key, err)
			}
			res.reads[c.key] = append(res.reads[c.key], s)
			done++
			fmt.Fprintf(out, "[%3d/%d] read  %-16s %11s %12s events/s  (%d events in %.2fs)\n",
				done, total, c.key, "", thousands(s.rate), m.events, m.elapsed.Seconds())
		}
		for _, p := range apis {
			var m apiMeasurement
			err := prof.around(profileName("api", p.c.key, p.clients), func() (err error) {
				m, err = runAPI(ctx, base, p, cfg.duration)
				return err
			})
			if err != nil {
				return res, fmt.Errorf("bench: %s with %d clients: %w", p.c.key, p.clients, err)
			}
			if res.api[p.c.key] == nil {
				res.api[p.c.key] = map[int][]apiSample{}
			}
			as := apiSample{rate: m.rate(), p50: m.p50.Seconds(), p99: m.p99.Seconds(), lagP50: -1, lagMax: -1}
			if m.lagSampled {
				as.lagP50, as.lagMax = float64(m.lagP50), float64(m.lagMax)
			}
			res.api[p.c.key][p.clients] = append(res.api[p.c.key][p.clients], as)
			done++
			fmt.Fprintf(out, "[%3d/%d] api   %-20s %3d clients %9s req/s  p50 %-8s p99 %-8s (%d requests)\n",
				done, total, p.c.key, p.clients, thousands(m.rate()), m.p50.Round(time.Microsecond), m.p99.Round(time.Microsecond), m.requests)
		}
		if fanout {
			var f fanoutMeasurement
			err := prof.around(profileName("fanout", "ws", 0), func() (err error) {
				f, err = runFanout(ctx, base, cfg.subscribers, cfg.duration)
				return err
			})
			if err != nil {
				return res, fmt.Errorf("bench: fan-out to %d subscribers: %w", cfg.subscribers, err)
			}
			res.fanout = append(res.fanout, f)
			done++
			fmt.Fprintf(out, "[%3d/%d] fan-out to %d subscribers: commit → last delivery p50 %s p99 %s (%d events; connecting took %s)\n",
				done, total, f.subscribers, f.lastP50.Round(time.Microsecond), f.lastP99.Round(time.Microsecond), f.events, f.connect.Round(time.Millisecond))
		}
	}
	if measureRes {
		r, err := measureResources(ctx, base, cfg.indexEvents, cfg.subscribers)
		if err != nil {
			return res, fmt.Errorf("bench: resources: %w", err)
		}
		res.res = &r
		done++
		fmt.Fprintf(out, "[%3d/%d] resources: JSONL index %.0f B/event, memory store %.0f B/event, idle subscriber %.0f B (memory) %.0f B (JSONL)\n",
			done, total, r.jsonlIndex, r.memoryStore, r.idleSubMemory, r.idleSubJSONL)
	}
	if cfg.soak > 0 {
		fmt.Fprintf(out, "soak: %s at %d requests/s...\n", cfg.soak, cfg.soakRate)
		s, err := runSoak(ctx, base, cfg.soak, cfg.soakRate, 16)
		if err != nil {
			return res, fmt.Errorf("bench: soak: %w", err)
		}
		res.soak = &s
		done++
		first, last := s.samples[0], s.samples[len(s.samples)-1]
		fmt.Fprintf(out, "[%3d/%d] soak: %d requests, RSS %s → %s MiB, heap %s → %s MiB\n",
			done, total, last.requests, mib(first.rss), mib(last.rss), mib(first.heap), mib(last.heap))
	}
	return res, nil
}

func runFanout(ctx context.Context, base string, subscribers int, d time.Duration) (fanoutMeasurement, error) {
	a, err := startAPI(ctx, keyMemory, base)
	if err != nil {
		return fanoutMeasurement{}, err
	}
	m, err := measureFanout(ctx, a, subscribers, d)
	if cerr := a.close(); err == nil && cerr != nil {
		err = fmt.Errorf("close server: %w", cerr)
	}
	return m, err
}

func runAPI(ctx context.Context, base string, p plannedAPI, d time.Duration) (apiMeasurement, error) {
	dir, err := os.MkdirTemp(base, p.c.key+"-")
	if err != nil {
		return apiMeasurement{}, err
	}
	defer os.RemoveAll(dir)
	a, err := startAPI(ctx, p.c.store, dir)
	if err != nil {
		return apiMeasurement{}, fmt.Errorf("start server: %w", err)
	}
	c := newGQLClient(a.url, p.clients)
	defer c.close()
	m, err := func() (apiMeasurement, error) {
		if p.c.setup != nil {
			if err := p.c.setup(ctx, a, c, p.clients); err != nil {
				return apiMeasurement{}, fmt.Errorf("setup: %w", err)
			}
		}
		runtime.GC()
		var lag *lagSampler
		if p.c.lag {
			lag = startLagSampler(ctx, a)
		}
		m, err := measureRequests(ctx, c, p.clients, d, p.c.next(p.clients))
		if lag != nil {
			m.lagP50, m.lagMax, m.lagSampled = lag.stop()
		}
		return m, err
	}()
	c.close()
	if cerr := a.close(); err == nil && cerr != nil {
		err = fmt.Errorf("close server: %w", cerr)
	}
	return m, err
}

func runWrite(ctx context.Context, base string, p plannedWrite, lim limits) (sample, measurement, error) {
	dir, err := os.MkdirTemp(base, p.c.key+"-")
	if err != nil {
		return sample{}, measurement{}, err
	}
	defer os.RemoveAll(dir)
	t, err := p.c.open(ctx, dir)
	if err != nil {
		return sample{}, measurement{}, fmt.Errorf("open: %w", err)
	}
	lim.latency = p.c.durable
	m, err := measureWrites(ctx, t, p.writers, lim)
	if cerr := t.close(); err == nil && cerr != nil {
		err = fmt.Errorf("close: %w", cerr)
	}
	if err != nil {
		return sample{}, measurement{}, err
	}
	s := sample{rate: m.rate(), p50: m.p50.Seconds(), p99: m.p99.Seconds()}
	if size := dirSize(dir); size > 0 && m.events > 0 {
		s.diskPerItem = float64(size) / float64(m.events)
	}
	return s, m, nil
}

func runRead(ctx context.Context, base string, c readCase, n int, lim limits) (sample, measurement, error) {
	dir, err := os.MkdirTemp(base, "read-"+c.key+"-")
	if err != nil {
		return sample{}, measurement{}, err
	}
	defer os.RemoveAll(dir)
	t, err := c.open(ctx, dir)
	if err != nil {
		return sample{}, measurement{}, fmt.Errorf("open: %w", err)
	}
	m, err := measureReads(ctx, t, n, lim)
	if cerr := t.close(); err == nil && cerr != nil {
		err = fmt.Errorf("close: %w", cerr)
	}
	if err != nil {
		return sample{}, measurement{}, err
	}
	return sample{rate: m.rate()}, m, nil
}

// dirSize returns the bytes of the regular files under dir.
func dirSize(dir string) int64 {
	var size int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		if info, err := d.Info(); err == nil {
			size += info.Size()
		}
		return nil
	})
	return size
}

// mkdir makes a fresh directory under base.
func mkdir(base, prefix string) (string, error) {
	return os.MkdirTemp(base, prefix+"-")
}
