package main

import (
	"slices"
	"strings"
)

// selects reports whether -only selects the case with the given key: -only is a
// comma-separated list, and a case runs when its key contains one of the list's strings, or
// when one of them is part of a name the case also goes by (alias: "read", "fanout",
// "resources"). An empty -only selects every case; empty strings in the list select nothing
// (a trailing comma does not turn "-only jsonl," into every case).
func (c config) selects(key string, alias ...string) bool {
	if c.only == "" {
		return true
	}
	for _, p := range strings.Split(c.only, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if strings.Contains(key, p) {
			return true
		}
		for _, a := range alias {
			if strings.Contains(a, p) {
				return true
			}
		}
	}
	return false
}

// runPlan is every case a run makes, in the order it makes them within a round.
type runPlan struct {
	writes    []plannedWrite
	reads     []readCase
	apis      []plannedAPI
	fanout    bool // the fan-out case, once a round
	resources bool // the resource and restart measurements, once
}

func planAll(cfg config) runPlan {
	return runPlan{
		writes:    planWrites(cfg),
		reads:     planReads(cfg),
		apis:      planAPI(cfg),
		fanout:    cfg.api && cfg.subscribers > 0 && cfg.selects("", "fanout"),
		resources: cfg.resources && cfg.selects("", "resources"),
	}
}

// steps is the number of progress lines the run prints: each case once a round, the
// resources and the soak once.
func (p runPlan) steps(cfg config) int {
	n := len(p.writes) + len(p.reads) + len(p.apis)
	if p.fanout {
		n++
	}
	n *= cfg.rounds
	if p.resources {
		n++
	}
	if cfg.soak > 0 {
		n++
	}
	return n
}

// caseKeys lists what -only matches: the cases' keys and the aliases.
func caseKeys() []string {
	var keys []string
	for _, c := range writeCases() {
		keys = append(keys, c.key)
	}
	for _, c := range readCases() {
		keys = append(keys, c.key)
	}
	for _, c := range apiCases() {
		keys = append(keys, c.key)
	}
	keys = append(keys, "read", "fanout", "resources")
	slices.Sort(keys)
	return slices.Compact(keys)
}

// skipped reports whether a case is left out whatever -only says: PostgreSQL's when its
// server could not be reached.
func (c config) skipped(key string) bool { return key == keyPostgres && c.postgresDown != "" }

// plannedWrite is one write case at one writer count.
type plannedWrite struct {
	c       writeCase
	writers int
}

// planWrites orders the write cases by writer count first, so that a system and the baselines
// it is compared with run close together in time. Within a writer count the durable cases run
// first, then those that write without syncing, then the in-memory ones: a durable case that
// ran right after the write-only loop had written hundreds of megabytes was measured slower,
// although every write case starts after a sync(2), and the in-memory cases leave the disk
// some seconds before the next writer count's durable cases.
func planWrites(cfg config) []plannedWrite {
	var plan []plannedWrite
	for _, n := range cfg.writers {
		for phase := range 3 {
			for _, c := range writeCases() {
				if writePhase(c) == phase && cfg.selects(c.key) && !cfg.skipped(c.key) && (c.writers == nil || c.writers(n)) {
					plan = append(plan, plannedWrite{c: c, writers: n})
				}
			}
		}
	}
	return plan
}

// writePhase is the order of c's kind within a writer count: durable, written without a
// sync, in memory.
func writePhase(c writeCase) int {
	switch {
	case c.durable:
		return 0
	case !c.inMemory:
		return 1
	}
	return 2
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
			if cfg.selects(c.key) {
				plan = append(plan, plannedAPI{c: c, clients: n})
			}
		}
	}
	return plan
}

func planReads(cfg config) []readCase {
	var plan []readCase
	for _, c := range readCases() {
		if cfg.selects(c.key, "read") && !cfg.skipped(c.key) {
			plan = append(plan, c)
		}
	}
	return plan
}
