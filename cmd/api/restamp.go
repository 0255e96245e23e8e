package main

import (
	"log/slog"
	"sync"
	"time"

	"github.com/eventgraph/eventgraph/metrics"
)

// restampLogEvery spaces the warnings of appends held behind the log's last event: a clock
// stepped a day forward and corrected holds every append for that day.
const restampLogEvery = time.Minute

// restampWarner counts the appends the store stamped later than the server's clock read
// (store_restamped_appends_total) and warns of those held over metrics.RestampThreshold: the
// first at once, the next once restampLogEvery has passed since, with the count of those
// held meanwhile. Its observe is the stores' WithRestampObserver function.
type restampWarner struct {
	count  func(lead time.Duration) // the metric's observer
	logger *slog.Logger
	now    func() time.Time // spaces the lines; its monotonic reading counts

	mu      sync.Mutex
	logged  time.Time     // when the last line was logged; zero before the first
	held    int           // appends held over the threshold since that line
	maxLead time.Duration // the longest of their leads
}

func (w *restampWarner) observe(lead time.Duration) {
	w.count(lead)
	if lead <= metrics.RestampThreshold {
		return // a concurrent append's commit, or a clock set back by a hair
	}
	w.mu.Lock()
	w.held++
	w.maxLead = max(w.maxLead, lead)
	now := w.now()
	if !w.logged.IsZero() && now.Sub(w.logged) < restampLogEvery {
		w.mu.Unlock()
		return
	}
	held, maxLead := w.held, w.maxLead
	w.logged, w.held, w.maxLead = now, 0, 0
	w.mu.Unlock()
	w.logger.Warn("the clock reads behind the log's last event: appends are stamped with that event's time until it catches up",
		"lead", lead.Round(time.Millisecond), "appends", held, "maxLead", maxLead.Round(time.Millisecond))
}
