package eventsourcing

import (
	"context"
	"fmt"
	"reflect"
	"time"
)

// CommandObservation describes one command a Handler handled, for metrics and tracing.
type CommandObservation struct {
	// Type is the command's Go type name without its package, e.g. "CreateRestaurant".
	Type string
	// Stream is the stream the command addressed ("" when it addressed none).
	Stream string
	// Duration is how long Handle took, waiting for the stream's lock and retries included.
	Duration time.Duration
	// Duplicate reports that the command id was used before and nothing was written.
	Duplicate bool
	// Err is Handle's error, nil when the command was accepted.
	Err error
	// CommandID is the id the command was handled under: Meta.CommandID, or the one the
	// handler made when it was empty ("" when the command failed before it was made: a
	// command encoding/json cannot encode, an invalid stream, expected version or
	// metadata). IsSagaCommandID tells a saga's
	// commands from a client's.
	CommandID string
	// CorrelationID and CausationID are Meta's, or CommandID where they were empty, as
	// written on the command's events; for a Duplicate, those of the first use's events.
	CorrelationID, CausationID string
}

// CommandObserver is called once after every Handle that returns, on the caller's goroutine;
// a panic in Decide, Evolve or the codec, which reaches Handle's caller (see Handle), is not
// observed. It must be quick and safe for concurrent use; it cannot change the outcome.
type CommandObserver func(ctx context.Context, o CommandObservation)

// WithCommandObserver sets a function told about every command the handler handles (its
// type, outcome and duration). A nil observer is ignored.
func WithCommandObserver(o CommandObserver) HandlerOption {
	return func(c *handlerConfig) { c.observer = o }
}

// observe reports a Handle that started at start to the observer, if any.
func (h *Handler[C, S, E]) observe(ctx context.Context, cmd C, meta Meta, start time.Time, res Result, err error) {
	if h.cfg.observer == nil {
		return
	}
	if err == nil && res.Duplicate && len(res.Events) > 0 {
		// A repeat's result is the first use's: its events carry the ids the first use
		// ran under, which the repeat's Meta may not repeat.
		m := res.Events[0].Metadata
		meta.CorrelationID, meta.CausationID = m[MetadataCorrelationID], m[MetadataCausationID]
	}
	h.cfg.observer(ctx, CommandObservation{
		Type: CommandType(cmd), Stream: h.agg.Stream(cmd), Duration: time.Since(start),
		Duplicate: err == nil && res.Duplicate, Err: err,
		CommandID: meta.CommandID, CorrelationID: meta.CorrelationID, CausationID: meta.CausationID,
	})
}

// CommandType returns the name of cmd's Go type without its package ("CreateRestaurant"
// for a restaurant.CreateRestaurant or a pointer to one), or its %T for unnamed types.
func CommandType(cmd any) string {
	t := reflect.TypeOf(cmd)
	if t == nil {
		return "nil"
	}
	for t.Kind() == reflect.Pointer && t.Name() == "" {
		t = t.Elem()
	}
	if n := t.Name(); n != "" {
		return n
	}
	return fmt.Sprintf("%T", cmd)
}
