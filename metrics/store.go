package metrics

import (
	"errors"
	"time"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// StoreObserver returns the jsonl.Observer that records append latency and batch size, fsync
// latency, and where subscribers' events come from (it is a jsonl.ReadObserver; pass it to
// jsonl.WithObserver). The store_ families are exported from its first call on: call it only
// for a store that reports to it, so that a server on another store exports none, rather
// than zeros that a dashboard reads as "no writes".
func (m *Metrics) StoreObserver() jsonl.Observer {
	m.storeOnce.Do(func() {
		// Every outcome is exported from the start, at 0: a series that first appears at 1
		// is invisible to rate() and increase(), so an alert on failed appends would miss
		// the first (a disk that just filled up) and see only those after it.
		for _, o := range appendOutcomes() {
			m.appends.WithLabelValues(o)
		}
		m.reg.MustRegister(m.appends, m.appendSeconds, m.appendEvents, m.fsyncSeconds, m.fsyncEvents, m.fsyncErrors, m.reads)
	})
	return storeObserver{m}
}

type storeObserver struct{ m *Metrics }

var _ jsonl.ReadObserver = storeObserver{}

func (o storeObserver) Read(cached, fromFile int) {
	if cached > 0 {
		o.m.readsCache.Add(float64(cached))
	}
	if fromFile > 0 {
		o.m.readsFile.Add(float64(fromFile))
	}
}

func (o storeObserver) Appended(events int, d time.Duration, err error) {
	if err != nil {
		o.m.appends.WithLabelValues(appendOutcome(err)).Inc()
		return
	}
	o.m.appendsOK.Inc()
	o.m.appendSeconds.Observe(d.Seconds())
	o.m.appendEvents.Observe(float64(events))
}

func (o storeObserver) Synced(_, events int, d time.Duration, err error) {
	if err != nil {
		o.m.fsyncErrors.Inc()
		return
	}
	o.m.fsyncSeconds.Observe(d.Seconds())
	o.m.fsyncEvents.Observe(float64(events))
}

// appendOutcomes returns the values of store_appends_total's outcome label (see
// appendOutcome).
func appendOutcomes() []string {
	return []string{OutcomeOK, "conflict", "invalid", "closed", OutcomeError}
}

// appendOutcome labels an append's result, one of appendOutcomes.
func appendOutcome(err error) string {
	switch {
	case err == nil:
		return OutcomeOK
	case errors.Is(err, store.ErrConflict):
		return "conflict"
	case errors.Is(err, store.ErrInvalid):
		return "invalid"
	case errors.Is(err, store.ErrClosed):
		return "closed"
	}
	return OutcomeError
}
