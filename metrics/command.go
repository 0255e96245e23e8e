package metrics

import (
	"context"

	"github.com/eventgraph/eventgraph/eventsourcing"
)

var _ eventsourcing.CommandObserver = (*Metrics)(nil).ObserveCommand

// ObserveCommand counts a handled command by type and outcome and records its duration; it
// is an eventsourcing.CommandObserver (pass m.ObserveCommand to
// service.WithCommandObserver or eventsourcing.WithCommandObserver).
func (m *Metrics) ObserveCommand(ctx context.Context, o eventsourcing.CommandObservation) {
	outcome := OutcomeOK
	switch {
	case o.Err != nil:
		outcome = m.outcome(ctx, o.Err)
	case o.Duplicate:
		outcome = OutcomeDuplicate
	}
	m.commands.WithLabelValues(o.Type, outcome).Inc()
	m.commandSeconds.WithLabelValues(o.Type, outcome).Observe(o.Duration.Seconds())
}
