package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"
)

// goal is one target of issue 5, computed from the run's own numbers.
type goal struct {
	name    string
	measure func(r results) (float64, bool)
	limit   float64
	format  func(float64) string
	below   bool // the measured value must stay under limit (else reach at least limit)
}

// verdict returns the goal's comparison and result for value v.
func (g goal) verdict(v float64) (required, result string) {
	if g.below {
		required, result = "< "+g.format(g.limit), "FAIL"
		if v < g.limit {
			result = "PASS"
		}
		return required, result
	}
	required, result = "≥ "+g.format(g.limit), "FAIL"
	if v >= g.limit {
		result = "PASS"
	}
	return required, result
}

// ratio returns a/b of two measured values, and whether both ran.
func ratio(a, b func(results) (float64, bool)) func(results) (float64, bool) {
	return func(r results) (float64, bool) {
		x, ok1 := a(r)
		y, ok2 := b(r)
		if !ok1 || !ok2 || y == 0 {
			return 0, false
		}
		return x / y, true
	}
}

func w(key string, n int) func(results) (float64, bool) {
	return func(r results) (float64, bool) { return r.write(key, n) }
}

func rd(key string) func(results) (float64, bool) {
	return func(r results) (float64, bool) { return r.read(key) }
}

func times(v float64) string   { return fmt.Sprintf("%.2f×", v) }
func percent(v float64) string { return fmt.Sprintf("%.0f%%", 100*v) }
func perSec(v float64) string  { return thousands(v) + " events/s" }

func goals(writers []int) []goal {
	gs := []goal{
		{"JSONL durable, 16 writers ÷ JetStream sync always, 16 writers", ratio(w(keyJSONL, 16), w(keyJetStream, 16)), 10, times, false},
		{"JSONL durable, 16 writers ÷ SQLite synchronous=FULL, 16 writers", ratio(w(keyJSONL, 16), w(keySQLite, 16)), 10, times, false},
		{"JSONL durable, 16 writers", w(keyJSONL, 16), 50_000, perSec, false},
		{"JSONL durable, 1 writer ÷ raw write+fdatasync loop", ratio(w(keyJSONL, 1), w(keyRawSync, 1)), 0.9, percent, false},
	}
	for _, n := range writers {
		gs = append(gs, goal{fmt.Sprintf("JSONL no sync ÷ write-only, %d writer(s)", n), ratio(w(keyJSONLNoSync, n), w(keyWriteOnly, n)), 0.7, percent, false})
	}
	for _, n := range writers {
		gs = append(gs, goal{fmt.Sprintf("memory store ÷ hallgren memory store, %d writer(s)", n), ratio(w(keyMemory, n), w(keyHallgren, n)), 2, times, false})
	}
	for _, n := range writers {
		gs = append(gs, goal{fmt.Sprintf("memory store ÷ map+mutex, %d writer(s)", n), ratio(w(keyMemory, n), w(keyMapMutex, n)), 0.6, percent, false})
	}
	gs = append(gs, goal{"ReadStream of a 10,000-event stream, JSONL ÷ SQLite", ratio(rd(keyJSONL), rd(keySQLite)), 2, times, false})
	for _, n := range writers {
		gs = append(gs, goal{fmt.Sprintf("API: memory-store mutations ÷ no-op mutation floor, %d client(s)", n), ratio(api(keyAPIMemory, n), api(keyAPIFloor, n)), 0.6, percent, false})
	}
	gs = append(gs, goal{"API: JSONL durable mutations ÷ no-op mutation floor, 64 clients", ratio(api(keyAPIJSONL, 64), api(keyAPIFloor, 64)), 0.5, percent, false})
	gs = append(gs, goal{name: "fan-out to 1,000 WebSocket subscribers: commit → last delivery, p99", measure: fanoutP99(1000), limit: 0.1, format: seconds, below: true})
	return gs
}

// fanoutP99 returns the median over rounds of the fan-out p99, in seconds, when the case ran
// with the given number of subscribers.
func fanoutP99(subscribers int) func(results) (float64, bool) {
	return func(r results) (float64, bool) {
		var ss []sample
		for _, f := range r.fanout {
			if f.subscribers == subscribers {
				ss = append(ss, sample{rate: f.lastP99.Seconds()})
			}
		}
		return median(ss, func(s sample) float64 { return s.rate })
	}
}

func seconds(v float64) string { return latency(v) }

func api(key string, clients int) func(results) (float64, bool) {
	return func(r results) (float64, bool) {
		s, ok := r.apiResult(key, clients)
		return s.rate, ok
	}
}

// renderAPI writes the API table.
func renderAPI(b *strings.Builder, cfg config, r results) {
	if len(r.api) == 0 && len(r.fanout) == 0 {
		return
	}
	if len(r.api) > 0 {
		fmt.Fprintf(b, "## API: GraphQL over loopback HTTP\n\n")
		fmt.Fprintf(b, "`graph.NewHandler` over `service.New` (projections and the order saga running) on a real loopback listener; each client sends one POST after the other for %s. The floor is `mutation { __typename }` on the same server: HTTP, parsing, validation and execution with no resolver.\n\n", cfg.duration)
		fmt.Fprintf(b, "| workload | clients | requests/s | p50 | p99 | ÷ floor | projection lag p50 / max (events) |\n|---|---:|---:|---:|---:|---:|---:|\n")
		for _, c := range apiCases() {
			for _, n := range cfg.writers {
				s, ok := r.apiResult(c.key, n)
				if !ok {
					continue
				}
				rel := "–"
				if f, ok := r.apiResult(keyAPIFloor, n); ok && f.rate > 0 && c.key != keyAPIFloor {
					rel = percent(s.rate / f.rate)
				}
				lag := "–"
				if s.lagP50 >= 0 && c.lag {
					lag = fmt.Sprintf("%s / %s", thousands(s.lagP50), thousands(s.lagMax))
				}
				fmt.Fprintf(b, "| %s | %d | %s | %s | %s | %s | %s |\n", c.title, n, thousands(s.rate), latency(s.p50), latency(s.p99), rel, lag)
			}
		}
		fmt.Fprintf(b, "\nProjection lag: every 5 ms during the mutation cases, the log's head minus the position of the slowest projection or saga.\n\n")
	}
	for i, f := range r.fanout {
		if i == 0 {
			fmt.Fprintf(b, "## Subscription fan-out\n\n")
			fmt.Fprintf(b, "Subscribers open `%s` over WebSocket (graphql-transport-ws) against the memory-store server; events are committed one at a time (createRestaurant through the service), each after the previous one reached every subscriber. Time runs from the commit call to the delivery.\n\n", opEventsSubscription)
			fmt.Fprintf(b, "| round | subscribers | events | commit → last delivery p50 | p99 | commit → any delivery p50 | p99 | connecting all took |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		}
		fmt.Fprintf(b, "| %d | %s | %d | %s | %s | %s | %s | %s |\n", i+1, thousands(float64(f.subscribers)), f.events,
			latency(f.lastP50.Seconds()), latency(f.lastP99.Seconds()), latency(f.eachP50.Seconds()), latency(f.eachP99.Seconds()), f.connect.Round(time.Millisecond))
	}
	if len(r.fanout) > 0 {
		fmt.Fprintf(b, "\n")
	}
}

// latency formats seconds as a rounded duration.
func latency(sec float64) string {
	d := time.Duration(sec * float64(time.Second))
	switch {
	case d >= 10*time.Millisecond:
		return d.Round(time.Millisecond).String()
	case d >= 10*time.Microsecond:
		return d.Round(time.Microsecond).String()
	}
	return d.String()
}

// renderReport returns the Markdown report of a run.
func renderReport(m machine, cfg config, r results, took time.Duration) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	p("# Benchmarks\n\n")
	p("Generated by `cd bench && go run . %s` on %s (took %s). Do not edit by hand: run it again.\n\n",
		flagsLine(cfg), m.Date.Format("2006-01-02 15:04 UTC"), took.Round(time.Second))

	p("## Machine\n\n| | |\n|---|---|\n")
	p("| CPU | %s |\n| cores | %d |\n| memory | %s |\n| kernel | %s |\n| OS/arch | %s |\n| Go | %s |\n| date | %s |\n\n",
		m.CPU, m.Cores, m.Memory, m.Kernel, m.OS, m.GoVersion, m.Date.Format(time.RFC3339))
	if fsync, ok := r.write(keyRawSync, 1); ok && fsync > 0 {
		p("One write+fdatasync of a %d-byte line costs %.0f µs here (the raw loop's inverse rate).\n\n",
			len(logLine()), 1e6/fsync)
	}

	p("## How it is measured\n\n")
	p("- Every write case runs for %s (or until %s events), %d round(s), median reported; all cases in one process, one after the other, so the ratios compare numbers taken minutes apart on the same machine.\n",
		cfg.duration, thousands(float64(cfg.maxEvents)), cfg.rounds)
	p("- Each writer appends one-event batches to its own stream with optimistic concurrency: the expected version is the one it last got back (JetStream: the expected last subject sequence).\n")
	p("- The event is a `%s` with a %d-byte JSON body; the raw baselines write a pre-built %d-byte line shaped like an eventgraph JSONL line. eventgraph generates the event id (UUID) and compacts the JSON on every append.\n",
		eventType, len(eventData), len(logLine()))
	p("- Data lives in a fresh directory under `-dir` per case (same disk for every system).\n")
	p("- Baselines: the raw loop writes the line with write(2) on an O_APPEND file and calls fdatasync, under a mutex; naive group commit hands lines over a channel to one goroutine that writes everything pending in one write(2) and fdatasyncs once; write-only is the raw loop without the sync; map+mutex keeps records in a map of slices under one mutex with the same version check, without copying the data or generating ids.\n")
	p("- NATS JetStream: embedded server (no listener) with an in-process client connection, file storage, `SyncAlways`; one subject per stream; every publish waits for its ack and carries `Nats-Expected-Last-Subject-Sequence`; reads use an ordered consumer filtered on the subject, one per read.\n")
	p("- SQLite: the pure-Go modernc.org/sqlite driver, one connection (SQLite has one writer), WAL, synchronous=FULL (checked at open), `BEGIN IMMEDIATE`; an append is `SELECT MAX(version)` plus `INSERT` in one transaction on `events(position INTEGER PRIMARY KEY, stream, version, type, data, UNIQUE(stream, version))`.\n")
	p("- hallgren/eventsourcing: its `eventstore/memory` store, `Save` of one `core.Event` at the next version (the store checks it); it keeps the caller's data slice and generates no id.\n")
	p("- Reads: one stream of %s events, read whole again and again for %s; every event is decoded.\n\n", thousands(float64(cfg.readEvents)), cfg.duration)

	p("## Targets (issue 5)\n\n| target | measured | required | result |\n|---|---:|---:|:---:|\n")
	for _, g := range goals(cfg.writers) {
		v, ok := g.measure(r)
		if !ok {
			required, _ := g.verdict(0)
			p("| %s | not measured | %s | n/a |\n", g.name, required)
			continue
		}
		required, verdict := g.verdict(v)
		p("| %s | %s | %s | %s |\n", g.name, g.format(v), required, verdict)
	}
	p("\n")

	p("## Writes (events/s)\n\n")
	if cfg.rounds > 1 {
		p("Median of %d rounds; ± is half the range of the rounds relative to the median.\n\n", cfg.rounds)
	}
	p("| system | kind |")
	for _, n := range cfg.writers {
		p(" %d writer(s) |", n)
	}
	p("\n|---|---|%s\n", strings.Repeat("---:|", len(cfg.writers)))
	for _, c := range writeCases() {
		if r.writes[c.key] == nil {
			continue
		}
		p("| %s | %s |", c.title, c.group)
		for _, n := range cfg.writers {
			if v, ok := r.write(c.key, n); ok {
				p(" %s%s |", thousands(v), plusMinus(spread(r.writes[c.key][n])))
			} else {
				p(" – |")
			}
		}
		p("\n")
	}
	p("\n")

	p("## Durable append latency\n\nEach append timed from the call to the acknowledgement (after the sync).\n\n| system | writers | p50 | p99 |\n|---|---:|---:|---:|\n")
	for _, c := range writeCases() {
		for _, n := range cfg.writers {
			if p50, p99, ok := r.latency(c.key, n); ok {
				p("| %s | %d | %s | %s |\n", c.title, n, latency(p50), latency(p99))
			}
		}
	}
	p("\n")

	p("## Ratios to the baselines (same run)\n\n")
	p("Durable stores are compared with the raw write+fdatasync loop (1 writer) or naive group commit (many); the no-sync log with write-only; memory stores with the bare map+mutex.\n\n")
	p("| system | writers | events/s | baseline | baseline events/s | ratio | ÷ JetStream | ÷ SQLite |\n|---|---:|---:|---|---:|---:|---:|---:|\n")
	for _, c := range writeCases() {
		if c.baseline == nil {
			continue
		}
		for _, n := range cfg.writers {
			v, ok := r.write(c.key, n)
			if !ok {
				continue
			}
			bk := c.baseline(n)
			bv, bok := r.write(bk, n)
			cell := func(key string) string {
				if x, ok := r.write(key, n); ok && x > 0 && c.key == keyJSONL {
					return times(v / x)
				}
				return ""
			}
			if !bok {
				p("| %s | %d | %s | %s | – | – | %s | %s |\n", c.title, n, thousands(v), bk, cell(keyJetStream), cell(keySQLite))
				continue
			}
			p("| %s | %d | %s | %s | %s | %s | %s | %s |\n", c.title, n, thousands(v), bk, thousands(bv), percent(v/bv), cell(keyJetStream), cell(keySQLite))
		}
	}
	p("\n")

	p("## Reading a %s-event stream\n\n| system | events/s | ÷ SQLite |\n|---|---:|---:|\n", thousands(float64(cfg.readEvents)))
	sq, sqok := r.read(keySQLite)
	for _, c := range readCases() {
		v, ok := r.read(c.key)
		if !ok {
			continue
		}
		rel := "–"
		if sqok && sq > 0 {
			rel = times(v / sq)
		}
		p("| %s | %s%s | %s |\n", c.title, thousands(v), plusMinus(spread(r.reads[c.key])), rel)
	}
	p("\n")

	renderAPI(&b, cfg, r)

	renderResources(&b, r)

	p("## Bytes on disk per event (largest writer count run)\n\n| system | bytes/event |\n|---|---:|\n")
	for _, c := range writeCases() {
		for i := len(cfg.writers) - 1; i >= 0; i-- {
			if v, ok := r.disk(c.key, cfg.writers[i]); ok && v > 0 {
				p("| %s | %.0f |\n", c.title, v)
				break
			}
		}
	}
	p("\n")

	if cfg.profileDir != "" {
		p("## Profiles of the hot paths\n\nCPU profiles of this run (`-profile %s`), top functions by own time. Open one with `go tool pprof -http=: FILE`.\n\n", filepath.Base(cfg.profileDir))
		for _, h := range hotPaths() {
			if top := topFunctions(filepath.Join(cfg.profileDir, h.file), 15); top != "" {
				p("### %s\n\n`%s`\n\n```text\n%s\n```\n\n", h.title, h.file, top)
			}
		}
	}
	if cfg.notes != "" {
		if notes, err := os.ReadFile(cfg.notes); err == nil {
			p("%s\n\n", strings.TrimSpace(string(notes)))
		}
	}

	p("## Versions\n\n")
	for _, line := range versions() {
		p("- %s\n", line)
	}
	p("\n")
	return b.String()
}

// flagsLine renders the flags that shaped the run.
func flagsLine(cfg config) string {
	ws := make([]string, len(cfg.writers))
	for i, n := range cfg.writers {
		ws[i] = fmt.Sprint(n)
	}
	s := fmt.Sprintf("-duration %s -writers %s -rounds %d", cfg.duration, strings.Join(ws, ","), cfg.rounds)
	if cfg.only != "" {
		s += " -only " + cfg.only
	}
	return s
}

// versions lists the peers' module versions as built into this binary.
func versions() []string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return []string{"build information unavailable"}
	}
	var out []string
	for _, d := range info.Deps {
		switch d.Path {
		case "github.com/nats-io/nats-server/v2", "github.com/nats-io/nats.go", "modernc.org/sqlite",
			"github.com/hallgren/eventsourcing", "github.com/hallgren/eventsourcing/core":
			out = append(out, fmt.Sprintf("%s %s", d.Path, d.Version))
		}
	}
	return out
}

// thousands formats v rounded to an integer with thousands separators.
func thousands(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	s := fmt.Sprintf("%d", int64(math.Round(v)))
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// renderResources writes the bounded-resource sections.
func renderResources(b *strings.Builder, r results) {
	if x := r.res; x != nil {
		fmt.Fprintf(b, "## Bounded resources\n\n| measurement | value |\n|---|---:|\n")
		fmt.Fprintf(b, "| JSONL index: live heap per event after Open (%s events, 1,000 streams) | %.0f B |\n", thousands(float64(x.events)), x.jsonlIndex)
		fmt.Fprintf(b, "| memory store: live heap per event (same events) | %.0f B |\n", x.memoryStore)
		fmt.Fprintf(b, "| idle store subscriber, memory store (heap + stack, %s subscribers) | %.0f B |\n", thousands(float64(x.idleSubscribers)), x.idleSubMemory)
		fmt.Fprintf(b, "| idle store subscriber, JSONL store (heap + stack, %s subscribers) | %.0f B |\n", thousands(float64(x.idleSubscribers)), x.idleSubJSONL)
		for _, f := range r.fanout {
			fmt.Fprintf(b, "| idle GraphQL WebSocket subscription, server and bench client together (%s subscribers) | %.0f B |\n", thousands(float64(f.subscribers)), f.perSub)
			break
		}
		fmt.Fprintf(b, "\n")
	}
	if s := r.soak; s != nil && len(s.samples) > 0 {
		fmt.Fprintf(b, "## Soak\n\n%s of the createRestaurant / placeOrder mix at %d requests/s from %d clients, over the JSONL durable store; the process's RSS and Go heap in use sampled along the way. The log's index and the read models grow with the events by design; the question is whether anything else grows.\n\n",
			s.duration, s.rate, s.clients)
		fmt.Fprintf(b, "| time | requests | events in the log | RSS (MiB) | heap in use (MiB) |\n|---:|---:|---:|---:|---:|\n")
		for _, x := range s.samples {
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", x.at.Round(time.Second), thousands(float64(x.requests)), thousands(float64(x.head)), mib(x.rss), mib(x.heap))
		}
		if len(s.samples) >= 3 {
			mid, last := s.samples[len(s.samples)/2], s.samples[len(s.samples)-1]
			if ev := last.head - mid.head; ev > 0 {
				fmt.Fprintf(b, "\nSecond half of the soak: RSS grew %s MiB over %s events (%.0f B/event), heap in use %s MiB (%.0f B/event).\n",
					signedMiB(int64(last.rss)-int64(mid.rss)), thousands(float64(ev)), float64(int64(last.rss)-int64(mid.rss))/float64(ev),
					signedMiB(int64(last.heap)-int64(mid.heap)), float64(int64(last.heap)-int64(mid.heap))/float64(ev))
			}
		}
		fmt.Fprintf(b, "\n")
	}
}

func signedMiB(b int64) string { return fmt.Sprintf("%+.1f", float64(b)/(1<<20)) }

// plusMinus formats a relative spread, or nothing when there is none.
func plusMinus(v float64) string {
	if v <= 0 {
		return ""
	}
	return fmt.Sprintf(" ±%.0f%%", 100*v)
}
