package main

import "strings"

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
