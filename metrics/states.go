package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/eventgraph/eventgraph/eventsourcing"
)

// States is what WatchStates reads at every scrape; *service.Service implements it.
type States interface {
	// StatesStatus reports on the read models' saved states.
	StatesStatus() eventsourcing.StatesStatus
}

// WatchStates exports how the read models' saved states fare (see
// eventsourcing.WithStateInterval), read from s at every scrape: the position a restart
// would load them at, when they were saved last, their size and their saves' outcomes and
// durations. It exports nothing while the states are not kept (a store that keeps none,
// states turned off, or before Run looked). It fails when called twice.
func (m *Metrics) WatchStates(s States) error {
	return m.reg.Register(newStatesCollector(s))
}

type statesCollector struct {
	s                                 States
	position, savedAt, bytes          *prometheus.Desc
	saves, failures, encode, duration *prometheus.Desc
}

func newStatesCollector(s States) *statesCollector {
	desc := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(namespace, "", name), help, nil, nil)
	}
	return &statesCollector{
		s:        s,
		position: desc("projection_states_position", "Position of the read models' states saved last (or loaded at start): a restart replays the events after it."),
		savedAt:  desc("projection_states_saved_timestamp_seconds", "Unix time of the last successful save of the read models' states since the server started; 0 before the first."),
		bytes:    desc("projection_states_bytes", "Size of the read models' states saved last."),
		saves:    desc("projection_states_saves_total", "Successful saves of the read models' states (a save is skipped when they did not move)."),
		failures: desc("projection_states_save_failures_total", "Failed saves of the read models' states, each logged."),
		encode:   desc("projection_states_encode_seconds", "How long the last save of the read models' states held them back while it encoded them."),
		duration: desc("projection_states_save_seconds", "How long the last save of the read models' states took, encoding and writing."),
	}
}

func (c *statesCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.position, c.savedAt, c.bytes, c.saves, c.failures, c.encode, c.duration} {
		ch <- d
	}
}

func (c *statesCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.s.StatesStatus()
	if !st.Kept {
		return
	}
	var savedAt float64
	if !st.SavedAt.IsZero() {
		savedAt = float64(st.SavedAt.UnixNano()) / 1e9
	}
	for _, m := range []struct {
		d   *prometheus.Desc
		t   prometheus.ValueType
		val float64
	}{
		{c.position, prometheus.GaugeValue, float64(st.Position)},
		{c.savedAt, prometheus.GaugeValue, savedAt},
		{c.bytes, prometheus.GaugeValue, float64(st.Bytes)},
		{c.saves, prometheus.CounterValue, float64(st.Saves)},
		{c.failures, prometheus.CounterValue, float64(st.Failures)},
		{c.encode, prometheus.GaugeValue, st.Encode.Seconds()},
		{c.duration, prometheus.GaugeValue, st.Save.Seconds()},
	} {
		ch <- prometheus.MustNewConstMetric(m.d, m.t, m.val)
	}
}
