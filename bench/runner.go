package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// runner runs the planned cases and prints a progress line per case.
type runner struct {
	cfg   config
	out   io.Writer
	base  string // the run's data directory
	lim   limits
	prof  profiler
	res   results
	done  int
	total int
	// For the estimate of the time left: when the run started, and how long the soak (whose
	// length is known) took, once it ran.
	start    time.Time
	soakTook time.Duration
	now      func() time.Time
}

// progress prints one progress line: the steps done of all, the time the run has taken, and
// an estimate of the time left (the mean time of the steps done so far for each step left,
// plus the soak's length if it is still to come).
func (r *runner) progress(format string, args ...any) {
	r.done++
	took := r.now().Sub(r.start)
	var left time.Duration
	others, othersLeft := r.done, r.total-r.done // the steps other than the soak
	if r.cfg.soak > 0 {
		if r.soakTook > 0 {
			others--
		} else {
			left = r.cfg.soak
			othersLeft--
		}
	}
	if others > 0 && othersLeft > 0 {
		left += (took - r.soakTook) / time.Duration(others) * time.Duration(othersLeft)
	}
	eta := "done"
	if r.done < r.total {
		eta = "~" + left.Round(time.Second).String() + " left"
	}
	fmt.Fprintf(r.out, "[%3d/%d %s, %s] "+format+"\n", append([]any{r.done, r.total, took.Round(time.Second), eta}, args...)...)
}

// interrupted returns the context's error once the run was cancelled (Ctrl-C), so that no
// further case starts.
func interrupted(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	return nil
}

// runAll runs every planned case cfg.rounds times, printing a progress line per case.
func runAll(ctx context.Context, cfg config, out io.Writer) (results, error) {
	base, err := os.MkdirTemp(cfg.dir, "eventgraph-bench-")
	if err != nil {
		return results{}, fmt.Errorf("bench: %w", err)
	}
	defer os.RemoveAll(base)
	r := &runner{
		cfg:   cfg,
		out:   out,
		base:  base,
		lim:   limits{duration: cfg.duration, maxEvents: cfg.maxEvents},
		prof:  profiler{dir: cfg.profileDir},
		res:   results{writes: map[string]map[int][]sample{}, reads: map[string][]sample{}, api: map[string]map[int][]apiSample{}},
		start: time.Now(),
		now:   time.Now,
	}
	plan := planAll(cfg)
	r.total = plan.steps(cfg)
	fmt.Fprintf(out, "eventgraph bench: %d cases, %s each, %d round(s), data in %s\n", r.total, cfg.duration, cfg.rounds, base)
	if postgresURL() == "" {
		fmt.Fprintf(out, "PostgreSQL: not measured (set %s, or source .ci/postgres.sh in the repository root)\n", postgresURLEnv)
	} else if cfg.postgresDown != "" {
		fmt.Fprintf(out, "PostgreSQL: not measured: %s\n", cfg.postgresDown)
	}
	step := func(f func() error) error {
		if err := interrupted(ctx); err != nil {
			return err
		}
		return f()
	}
	for range cfg.rounds {
		for _, p := range plan.writes {
			if err := step(func() error { return r.write(ctx, p) }); err != nil {
				return r.res, err
			}
		}
		for _, c := range plan.reads {
			if err := step(func() error { return r.read(ctx, c) }); err != nil {
				return r.res, err
			}
		}
		for _, p := range plan.apis {
			if err := step(func() error { return r.api(ctx, p) }); err != nil {
				return r.res, err
			}
		}
		if plan.fanout {
			if err := step(func() error { return r.fanout(ctx) }); err != nil {
				return r.res, err
			}
		}
	}
	if plan.resources {
		if err := step(func() error { return r.resources(ctx) }); err != nil {
			return r.res, err
		}
	}
	if cfg.soak > 0 {
		if err := step(func() error { return r.soak(ctx) }); err != nil {
			return r.res, err
		}
	}
	return r.res, interrupted(ctx)
}

func (r *runner) write(ctx context.Context, p plannedWrite) error {
	var (
		s sample
		m measurement
	)
	err := r.prof.around(profileName("write", p.c.key, p.writers), func() (err error) {
		s, m, err = runWrite(ctx, r.base, p, r.lim)
		return err
	})
	if err != nil {
		return fmt.Errorf("bench: %s with %d writers: %w", p.c.key, p.writers, err)
	}
	if r.res.writes[p.c.key] == nil {
		r.res.writes[p.c.key] = map[int][]sample{}
	}
	r.res.writes[p.c.key][p.writers] = append(r.res.writes[p.c.key][p.writers], s)
	group := ""
	if s.perGroup > 0 {
		group = fmt.Sprintf(", %.1f events per write", s.perGroup)
	}
	r.progress("write %-16s %3d writers %12s events/s  (%d events in %.2fs%s)",
		p.c.key, p.writers, thousands(s.rate), m.events, m.elapsed.Seconds(), group)
	return nil
}

func (r *runner) read(ctx context.Context, c readCase) error {
	var (
		s sample
		m measurement
	)
	err := r.prof.around(profileName("read", c.key, 0), func() (err error) {
		s, m, err = runRead(ctx, r.base, c, r.cfg.readEvents, r.lim)
		return err
	})
	if err != nil {
		return fmt.Errorf("bench: read %s: %w", c.key, err)
	}
	r.res.reads[c.key] = append(r.res.reads[c.key], s)
	r.progress("read  %-16s %11s %12s events/s  (%d events in %.2fs)", c.key, "", thousands(s.rate), m.events, m.elapsed.Seconds())
	return nil
}

func (r *runner) api(ctx context.Context, p plannedAPI) error {
	var m apiMeasurement
	err := r.prof.around(profileName("api", p.c.key, p.clients), func() (err error) {
		m, err = runAPI(ctx, r.base, p, r.cfg.duration)
		return err
	})
	if err != nil {
		return fmt.Errorf("bench: %s with %d clients: %w", p.c.key, p.clients, err)
	}
	if r.res.api[p.c.key] == nil {
		r.res.api[p.c.key] = map[int][]apiSample{}
	}
	as := apiSample{rate: m.rate(), p50: m.p50.Seconds(), p99: m.p99.Seconds(), lagP50: -1, lagMax: -1}
	if m.lagSampled {
		as.lagP50, as.lagMax = float64(m.lagP50), float64(m.lagMax)
	}
	r.res.api[p.c.key][p.clients] = append(r.res.api[p.c.key][p.clients], as)
	r.progress("api   %-20s %3d clients %9s req/s  p50 %-8s p99 %-8s (%d requests)",
		p.c.key, p.clients, thousands(m.rate()), m.p50.Round(time.Microsecond), m.p99.Round(time.Microsecond), m.requests)
	return nil
}

func (r *runner) fanout(ctx context.Context) error {
	var f fanoutMeasurement
	err := r.prof.around(profileName("fanout", "ws", 0), func() (err error) {
		f, err = runFanout(ctx, r.base, r.cfg.subscribers, r.cfg.duration)
		return err
	})
	if err != nil {
		return fmt.Errorf("bench: fan-out to %d subscribers: %w", r.cfg.subscribers, err)
	}
	r.res.fanout = append(r.res.fanout, f)
	r.progress("fan-out to %d subscribers: commit → last delivery p50 %s p99 %s (%d events; connecting took %s)",
		f.subscribers, f.lastP50.Round(time.Microsecond), f.lastP99.Round(time.Microsecond), f.events, f.connect.Round(time.Millisecond))
	return nil
}

func (r *runner) resources(ctx context.Context) error {
	x, err := measureResources(ctx, r.base, r.cfg.indexEvents, r.cfg.subscribers)
	if err != nil {
		return fmt.Errorf("bench: resources: %w", err)
	}
	// Three rounds at least: the steps take a fraction of a second each.
	if x.restart, err = measureRestart(ctx, r.base, r.cfg.indexEvents, max(r.cfg.rounds, 3)); err != nil {
		return fmt.Errorf("bench: restart: %w", err)
	}
	r.res.res = &x
	idle := "idle subscribers not measured (-subscribers 0)"
	if x.idleSubscribers > 0 {
		idle = fmt.Sprintf("idle subscriber %.0f B (memory) %.0f B (JSONL)", x.idleSubMemory, x.idleSubJSONL)
	}
	r.progress("resources: JSONL index %.0f B/event, command index %.0f B/command, memory store %.0f B/event, %s; restart on %d events: open %s, read models %s (one ReadAll %s)",
		x.jsonlIndex, x.commandIndex, x.memoryStore, idle,
		x.restart.events, x.restart.open.Round(time.Millisecond), x.restart.catchUp.Round(time.Millisecond), x.restart.readAll.Round(time.Millisecond))
	return nil
}

func (r *runner) soak(ctx context.Context) error {
	fmt.Fprintf(r.out, "soak: %s of the %s workload at %d requests/s...\n", r.cfg.soak, r.cfg.soakLoad, r.cfg.soakRate)
	heap := ""
	if r.cfg.profileDir != "" {
		heap = filepath.Join(r.cfg.profileDir, "soak-heap.pprof")
		if err := os.MkdirAll(r.cfg.profileDir, 0o755); err != nil {
			return err
		}
	}
	began := r.now()
	s, err := runSoak(ctx, r.base, r.cfg.soakLoad, r.cfg.soak, r.cfg.soakRate, 16, heap)
	if err != nil {
		return fmt.Errorf("bench: soak: %w", err)
	}
	r.soakTook = max(r.now().Sub(began), 1)
	r.res.soak = &s
	first, last := s.samples[0], s.samples[len(s.samples)-1]
	r.progress("soak: %d requests (%.0f/s), RSS %s → %s MiB, heap %s → %s MiB",
		last.requests, s.achievedRate(), mib(first.rss), mib(last.rss), mib(first.heap), mib(last.heap))
	return nil
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
	settleDisk() // every case starts with nothing of the others' left to write back
	lim.latency = p.c.durable
	m, err := measureWrites(ctx, t, p.writers, lim)
	if cerr := t.close(); err == nil && cerr != nil {
		err = fmt.Errorf("close: %w", cerr)
	}
	if err != nil {
		return sample{}, measurement{}, err
	}
	s := sample{rate: m.rate(), p50: m.p50.Seconds(), p99: m.p99.Seconds()}
	if g, ok := t.(interface{ perGroup() float64 }); ok {
		s.perGroup = g.perGroup()
	}
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
