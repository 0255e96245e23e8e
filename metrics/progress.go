package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
)

// Progress is what WatchProgress reads at every scrape; *service.Service implements it.
type Progress interface {
	// Head returns the position of the log's last event.
	Head(ctx context.Context) (store.Position, error)
	// Status reports every projection's and saga's progress.
	Status() []eventsourcing.ProcessorStatus
}

// scrapeTimeout bounds what a scrape asks of the store: the head, readiness.
const scrapeTimeout = 5 * time.Second

// WatchProgress exports the log's head and each projection's and saga's position, lag,
// failures and retries, read from p at every scrape. It fails when called twice.
func (m *Metrics) WatchProgress(p Progress) error {
	return m.reg.Register(newProgressCollector(p))
}

type progressCollector struct {
	p                                  Progress
	head, position, lag, stopped       *prometheus.Desc
	projFailures, sagaRetries, sagaErr *prometheus.Desc
	sagaRejections, sagaHeld           *prometheus.Desc
}

func newProgressCollector(p Progress) *progressCollector {
	desc := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(namespace, "", name), help, labels, nil)
	}
	return &progressCollector{
		p:              p,
		head:           desc("head_position", "Position of the last event in the log."),
		position:       desc("projection_position", "Last position processed by each projection and saga.", "name", "kind"),
		lag:            desc("projection_lag_events", "Events in the log not yet processed by each projection and saga.", "name", "kind"),
		stopped:        desc("projection_stopped", "1 when a projection or saga stopped on an error.", "name", "kind"),
		projFailures:   desc("projection_failures_total", "Failed applies and subscriptions of each projection.", "name"),
		sagaRetries:    desc("saga_retries_total", "Transient failures each saga retried.", "name"),
		sagaErr:        desc("saga_failures_total", "Events each saga gave up on, and its failed subscriptions.", "name"),
		sagaRejections: desc("saga_rejections_total", "Commands of each saga refused as the saga expects (eventsourcing.WithSagaExpected), not counted as failures.", "name"),
		sagaHeld:       desc("saga_checkpoint_held", "1 when a saga holds its checkpoint before an event it could not handle for a fault of its own: restart it (with the fault fixed) to handle the event again.", "name"),
	}
}

func (c *progressCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.head, c.position, c.lag, c.stopped, c.projFailures, c.sagaRetries, c.sagaErr, c.sagaRejections, c.sagaHeld} {
		ch <- d
	}
}

func (c *progressCollector) Collect(ch chan<- prometheus.Metric) {
	// Status first: the head read after it is never behind a processor's position.
	status := c.p.Status()
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	head, err := c.p.Head(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.head, err)
	} else {
		ch <- prometheus.MustNewConstMetric(c.head, prometheus.GaugeValue, float64(head))
	}
	for _, s := range status {
		ch <- prometheus.MustNewConstMetric(c.position, prometheus.GaugeValue, float64(s.Position), s.Name, s.Kind)
		if err == nil {
			ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, float64(max(head-s.Position, 0)), s.Name, s.Kind)
		}
		stopped := 0.0
		if s.Stopped {
			stopped = 1
		}
		ch <- prometheus.MustNewConstMetric(c.stopped, prometheus.GaugeValue, stopped, s.Name, s.Kind)
		switch s.Kind {
		case eventsourcing.KindSaga:
			ch <- prometheus.MustNewConstMetric(c.sagaRetries, prometheus.CounterValue, float64(s.Retries), s.Name)
			ch <- prometheus.MustNewConstMetric(c.sagaErr, prometheus.CounterValue, float64(s.Failures), s.Name)
			ch <- prometheus.MustNewConstMetric(c.sagaRejections, prometheus.CounterValue, float64(s.Rejections), s.Name)
			held := 0.0
			if s.CheckpointHeld {
				held = 1
			}
			ch <- prometheus.MustNewConstMetric(c.sagaHeld, prometheus.GaugeValue, held, s.Name)
		default:
			ch <- prometheus.MustNewConstMetric(c.projFailures, prometheus.CounterValue, float64(s.Failures), s.Name)
		}
	}
}
