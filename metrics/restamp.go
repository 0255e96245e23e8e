package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// RestampThreshold is how much later than its clock read an append must be stamped for
// RestampObserver to count it: an append that read the clock before a concurrent one that
// committed first is stamped with the latter's time, microseconds later, which says nothing
// about the clock.
const RestampThreshold = time.Second

// RestampObserver returns the function to pass to the stores' WithRestampObserver options
// (jsonl, memory, postgres): it counts, in store_restamped_appends_total, each append that the store
// stamped more than RestampThreshold later than its clock read, because the log's last
// event is later (the clock was stepped back, or had been stepped forward and is catching
// up). The family is exported, at 0, from its first call on: call it only for a store that
// reports to it, so that a server on another store does not export a 0 that reads as
// "every append stamped by the clock".
func (m *Metrics) RestampObserver() func(lead time.Duration) {
	m.restampOnce.Do(func() { m.reg.MustRegister(m.restamped) })
	return func(lead time.Duration) {
		if lead > RestampThreshold {
			m.restamped.Inc()
		}
	}
}

func newRestamped() prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: namespace, Name: "store_restamped_appends_total",
		Help: "Appends stamped more than a second later than the server's clock read, with the log's last event's time: the clock reads behind the log (stepped back, or corrected after a step forward).",
	})
}
