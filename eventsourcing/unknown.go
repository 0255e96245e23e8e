package eventsourcing

import (
	"context"
	"fmt"
	"sync"

	"github.com/eventgraph/eventgraph/store"
)

// UnknownEventError means a stream holds an event whose type the handler's codec does not
// handle, and the handler refuses to decide over such a stream (WithUnknownEventsRefused).
type UnknownEventError struct {
	Stream  string
	Version store.Version // the event's version in the stream
	Type    string
}

// Error names the stream, the event and its type.
func (e *UnknownEventError) Error() string {
	return fmt.Sprintf("eventsourcing: event %d of %s has type %q, which the codec does not handle", e.Version, e.Stream, e.Type)
}

// WithUnknownEventsRefused makes a command fail with an *UnknownEventError, writing nothing,
// when its stream holds an event of a type the codec does not handle (Codec.Handles). By
// default the handler folds the stream without such events: right when other aggregates'
// events share the stream, or while a newer release writes types this one does not know yet
// (a rolling upgrade), but wrong when an event was renamed and its upcaster forgotten, as
// the command is then decided over a state that leaves the event out (a withdrawal over a
// balance its own history had spent). Refused, such a stream takes no command until the
// codec handles the type. With WithSnapshots, the handler uses only snapshots that handlers
// refusing such events made (their revision is marked): one made without the refusal may
// have folded past such an event.
func WithUnknownEventsRefused() HandlerOption {
	return func(c *handlerConfig) { c.refuseUnknown = true }
}

// maxSkippedTypes bounds the types a handler remembers having warned about; beyond them,
// it warns of no new type.
const maxSkippedTypes = 256

// skippedTypes is the types of events a handler's folds skipped, each logged once.
type skippedTypes struct {
	mu    sync.Mutex
	types map[string]bool
}

// skip logs, once per type, that a fold of stream left out its event e: a type the codec
// does not handle is either expected (and then quiet after the first) or a forgotten
// upcaster, which the log should show.
func (h *Handler[C, S, E]) skip(ctx context.Context, stream string, e store.Event) {
	k := &h.skipped
	k.mu.Lock()
	seen := k.types[e.Type] || len(k.types) >= maxSkippedTypes
	if !seen {
		if k.types == nil {
			k.types = make(map[string]bool)
		}
		k.types[e.Type] = true
	}
	k.mu.Unlock()
	if !seen {
		h.cfg.logger.WarnContext(ctx, "eventsourcing: folding a stream without an event of a type the codec does not handle "+
			"(logged once per type; a renamed event needs an upcaster, see Upcast and WithUnknownEventsRefused)",
			"stream", stream, "version", int64(e.Version), "type", e.Type)
	}
}
