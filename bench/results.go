package main

import "slices"

// sample is one measured case.
type sample struct {
	rate        float64 // events/s
	diskPerItem float64 // bytes on disk per event, 0 when the case keeps nothing on disk
	p50, p99    float64 // append latency in seconds, 0 when not timed
	perGroup    float64 // events per write(2) (and fdatasync) of a group baseline, 0 for others
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
		v, _ := medianOf(ss, f)
		return v
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

// median returns the median of f over the samples, and false when there are none.
func median(ss []sample, f func(sample) float64) (float64, bool) { return medianOf(ss, f) }

func medianOf[T any](ss []T, f func(T) float64) (float64, bool) {
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
