package main

import (
	"fmt"
	"time"
)

// goal is one target of issue 5, computed from the run's own numbers.
type goal struct {
	name    string
	measure func(r results) (float64, bool)
	limit   float64
	format  func(v float64, fine bool) string // fine: with more digits
	below   bool                              // the measured value must stay under limit (else reach at least limit)
}

// shown formats the measured value v. Where the format would round v onto the limit (a
// ratio of 59.8 % shown as 60 % against "≥ 60 %", failed), it shows more digits.
func (g goal) shown(v float64) string {
	s := g.format(v, false)
	if v != g.limit && s == g.format(g.limit, false) {
		return g.format(v, true)
	}
	return s
}

// verdict returns the goal's comparison and result for value v.
func (g goal) verdict(v float64) (required, result string) {
	if g.below {
		required, result = "< "+g.format(g.limit, false), "FAIL"
		if v < g.limit {
			result = "PASS"
		}
		return required, result
	}
	required, result = "≥ "+g.format(g.limit, false), "FAIL"
	if v >= g.limit {
		result = "PASS"
	}
	return required, result
}

// series returns a case's value in each round, in round order, and whether the case ran.
type series func(r results) ([]float64, bool)

// ratio returns the median over rounds of a/b, each round's a divided by the same round's b.
// The two cases of a pair run a few seconds apart in every round, while a round takes
// minutes, so a per-round ratio cancels the machine's drift between rounds that a ratio of
// two medians would keep.
func ratio(a, b series) func(results) (float64, bool) {
	return func(r results) (float64, bool) {
		xs, ok1 := a(r)
		ys, ok2 := b(r)
		if !ok1 || !ok2 {
			return 0, false
		}
		var rs []float64
		for i := range min(len(xs), len(ys)) {
			if ys[i] > 0 {
				rs = append(rs, xs[i]/ys[i])
			}
		}
		return medianOf(rs, func(v float64) float64 { return v })
	}
}

// med returns the median of a series.
func med(s series) func(results) (float64, bool) {
	return func(r results) (float64, bool) {
		vs, ok := s(r)
		if !ok {
			return 0, false
		}
		return medianOf(vs, func(v float64) float64 { return v })
	}
}

// rates returns the rate of each round's sample, and whether there is any.
func rates[T any](ss []T, rate func(T) float64) ([]float64, bool) {
	vs := make([]float64, len(ss))
	for i, s := range ss {
		vs[i] = rate(s)
	}
	return vs, len(vs) > 0
}

func sampleRate(s sample) float64 { return s.rate }

func w(key string, n int) series {
	return func(r results) ([]float64, bool) { return rates(r.writes[key][n], sampleRate) }
}

func rd(key string) series {
	return func(r results) ([]float64, bool) { return rates(r.reads[key], sampleRate) }
}

func times(v float64, fine bool) string {
	if fine {
		return fmt.Sprintf("%.4f×", v)
	}
	return fmt.Sprintf("%.2f×", v)
}

func percent(v float64, fine bool) string {
	if fine {
		return fmt.Sprintf("%.1f%%", 100*v)
	}
	return fmt.Sprintf("%.0f%%", 100*v)
}

func perSec(v float64, fine bool) string {
	if fine {
		return fmt.Sprintf("%.2f events/s", v)
	}
	return thousands(v) + " events/s"
}

func goals(writers []int) []goal {
	gs := []goal{
		{"JSONL durable, 16 writers ÷ JetStream sync always, 16 writers", ratio(w(keyJSONL, 16), w(keyJetStream, 16)), 10, times, false},
		{"JSONL durable, 16 writers ÷ SQLite synchronous=FULL, 16 writers", ratio(w(keyJSONL, 16), w(keySQLite, 16)), 10, times, false},
		{"JSONL durable, 16 writers", med(w(keyJSONL, 16)), 50_000, perSec, false},
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

func seconds(v float64, fine bool) string {
	if fine {
		return time.Duration(v * float64(time.Second)).String()
	}
	return latency(v)
}

func api(key string, clients int) series {
	return func(r results) ([]float64, bool) {
		return rates(r.api[key][clients], func(s apiSample) float64 { return s.rate })
	}
}
