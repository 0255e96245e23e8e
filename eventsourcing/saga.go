package eventsourcing

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/store"
)

// SagaProcessor turns the log's events into commands for one saga; NewSaga builds one and a
// Runner drives it (AddSaga) from its own subscription. A Runner hands a SagaProcessor one
// event at a time, in log order, unless it is a SagaRouter (as NewSaga's processors are).
type SagaProcessor interface {
	// Name identifies the saga in Status and logs.
	Name() string
	// Process handles one event of the log. It returns the highest position the event's
	// commands wrote (0 when none) and an error joining the commands that failed for good.
	// A Runner takes every position after the event up to that one as written by them
	// (NewSaga's processors tell it exactly which, see NewSaga).
	// It retries transient failures itself until ctx ends, telling onRetry (if not nil)
	// about each; when ctx ends it returns ctx's error and the event counts as unprocessed.
	// It must not modify e's Data or Metadata (they may be the store's own).
	Process(ctx context.Context, e store.Event, onRetry func(error)) (store.Position, error)
}

// SagaRouter is implemented by SagaProcessors that can process events concurrently. Before
// the Runner hands it an event, it asks Route for the event's key. An event waits for every
// earlier event on the same stream and every earlier event with the same key; events that
// share neither may be processed concurrently (see WithSagaParallelism). An empty key makes
// the event wait for every earlier one and run alone. Route is called on the Runner's
// dispatching goroutine, one event at a time, in log order; it must be quick and must not
// modify e.
//
// The key should name what the event's commands change, such as their stream: then the
// commands addressed to one stream run in the log order of the events that caused them, and
// so do the commands caused by one stream's events.
type SagaRouter interface {
	SagaProcessor
	Route(e store.Event) string
}

// SagaOption configures a saga built by NewSaga.
type SagaOption func(*sagaConfig)

type sagaConfig struct {
	minBackoff, maxBackoff time.Duration
	decoded                *Decoded
	expected               func(error) bool
}

// WithSagaExpected names the refusals of the saga's commands that the domain expects, such
// as a race the saga may lose to a client (the book it lends was lent meanwhile): a command
// whose failure expected reports true is handled, as every command's outcome is, but logged
// at Info and counted in ProcessorStatus.Rejections rather than Failures, which alerts
// watch. expected sees the dispatch's error (errors.Is and errors.As work on it); transient
// failures are retried before it is asked, and a store.ErrClosed is never asked about: it
// is no refusal, and holds the saga's checkpoint before the event (see
// ProcessorStatus.CheckpointHeld). A nil function expects nothing.
func WithSagaExpected(expected func(err error) bool) SagaOption {
	return func(c *sagaConfig) { c.expected = expected }
}

// WithSagaDecoded lets the saga take the events its process wrote from d instead of
// decoding them (see Decoded).
func WithSagaDecoded(d *Decoded) SagaOption {
	return func(c *sagaConfig) { c.decoded = d }
}

// Default backoff of a saga retrying a transient failure.
const (
	DefaultSagaMinBackoff = 10 * time.Millisecond
	DefaultSagaMaxBackoff = 5 * time.Second
)

// WithSagaBackoff sets the first and the longest delay between retries of a transient
// failure; the delay doubles from minDelay up to maxDelay. Values ≤ 0 keep the defaults
// (DefaultSagaMinBackoff, DefaultSagaMaxBackoff); a first delay longer than the longest is
// the longest too.
func WithSagaBackoff(minDelay, maxDelay time.Duration) SagaOption {
	return func(c *sagaConfig) {
		if minDelay > 0 {
			c.minBackoff = minDelay
		}
		if maxDelay > 0 {
			c.maxBackoff = maxDelay
		}
	}
}

type sagaProcessor[E, C any] struct {
	name     string
	saga     decider.Saga[E, C]
	codec    Codec[E]
	dispatch func(ctx context.Context, c C, m Meta) (Result, error)
	cfg      sagaConfig
}

// NewSaga returns a processor that decodes every event codec handles, asks saga.React for
// the commands it causes, and dispatches each with
//
//	Meta{CommandID: SagaCommandID(name, event id, index), CausationID: event id,
//	     CorrelationID: the event's correlationId metadata, else the event id,
//	     FormerCommandID: the id the command had before SagaCommandID took its "saga/" prefix,
//	     Metadata: the event's metadata but for the handler's own keys (a tenant, a user)}
//
// so that re-processing an event (after a retry or a restart from the log's start) repeats
// the same command ids, which the handler recognises and does not write twice (a duplicate
// result counts as success; so does a command recorded under its former id, in a log
// written before). Delivery is at least once: a transient failure (IsTransient)
// is retried with capped exponential backoff until ctx ends; any other failure (a domain
// rejection, a decode error, a panic in React) is reported by Process and not retried.
//
// A rejected command is not given back to the saga, whose React sees events only: a refusal
// the domain expects is best decided as an event the saga reacts to, and one that needs no
// reaction (a race the saga may lose) can be named with WithSagaExpected, so that it is not
// counted as a failure. To compensate for the
// others, wrap dispatch: on an error IsTransient does not call transient, dispatch the
// compensating command under a CommandID derived from m.CommandID (m.CommandID + "/undo"),
// so that handling the event again repeats the compensation instead of doubling it, and
// return its Result. A dispatch that pins Meta.ExpectedVersion meets a conflict that is not
// transient when the stream has moved on: it is a failure, not retried.
//
// dispatch should return what Handler.Handle returns: the Result's Events tell a Runner's
// WaitFor exactly which positions the command wrote, so that it waits for them and for what
// other sagas do because of them, and not for unrelated events logged meanwhile; empty
// Events say that it wrote nothing. A Result with a Position and nil Events is taken to have
// written every position after the event up to it, which under a steady flow of commands
// can make a WaitFor wait for that flow to pause.
//
// The processor is a SagaRouter keyed by the stream its commands address, when the command
// type has a Stream() string method (see Route): a Runner runs the commands for one stream,
// and the commands caused by one stream's events, in log order, and the others concurrently.
//
// NewSaga panics when saga.React, codec or dispatch is nil, or when name is not valid UTF-8,
// holds a NUL byte or is too long (no store could keep its checkpoint, named "saga:" and the
// name; see store.CheckCheckpoint): a wiring mistake, reported where it was made rather than
// as a failure of every event the saga is given or of every checkpoint saved.
func NewSaga[E, C any](name string, saga decider.Saga[E, C], codec Codec[E], dispatch func(ctx context.Context, c C, m Meta) (Result, error), opts ...SagaOption) SagaProcessor {
	missing := ""
	switch {
	case saga.React == nil:
		missing = "React"
	case codec == nil:
		missing = "codec"
	case dispatch == nil:
		missing = "dispatch"
	}
	if missing != "" {
		panic(fmt.Sprintf("eventsourcing: NewSaga %q: no %s", name, missing))
	}
	if err := store.CheckCheckpoint(checkpointPrefix+name, store.Checkpoint{}); err != nil {
		panic(fmt.Sprintf("eventsourcing: NewSaga: %v", err))
	}
	cfg := sagaConfig{minBackoff: DefaultSagaMinBackoff, maxBackoff: DefaultSagaMaxBackoff}
	for _, o := range opts {
		o(&cfg)
	}
	cfg.maxBackoff = max(cfg.maxBackoff, cfg.minBackoff)
	return &sagaProcessor[E, C]{name: name, saga: saga, codec: codec, dispatch: dispatch, cfg: cfg}
}

// sagaNamespace scopes the UUIDs of saga command ids.
func sagaNamespace() uuid.UUID {
	return uuid.UUID{0x6f, 0x1d, 0x4c, 0x3e, 0x2a, 0x7b, 0x5e, 0x8f, 0x9c, 0x0d, 0x1b, 0x2a, 0x3c, 0x4d, 0x5e, 0x6f}
}

// sagaIDPrefix begins every saga command id. Its '/' is outside the characters a server
// accepts in a client's ids (the GraphQL server's are [A-Za-z0-9_.:-]), so that no client
// can send a command under a saga's id.
const sagaIDPrefix = "saga/"

// SagaCommandID returns the id of the index-th command that the named saga issues for the
// event with the given id: "saga/" followed by a name-based (version 5) UUID, the same on
// every run. Command ids share one CommandIndex, so a client that could send a command
// under this id before the saga does (it can compute it from the event's id) would take it
// and make the saga's command fail with ErrCommandIDReused. A server that takes command ids
// from clients must therefore refuse those for which IsSagaCommandID holds, as eventgraph's
// server does by accepting only [A-Za-z0-9_.:-].
func SagaCommandID(saga, eventID string, index int) string {
	return sagaIDPrefix + formerSagaCommandID(saga, eventID, index)
}

// formerSagaCommandID is the id SagaCommandID gave before it took its prefix: a bare UUID,
// which a client could send too. NewSaga's processors look it up as Meta.FormerCommandID,
// so that an event that a saga handled under it (in a log written before) is not handled
// again after a restart that reads the event anew.
func formerSagaCommandID(saga, eventID string, index int) string {
	return uuid.NewSHA1(sagaNamespace(), []byte(saga+"\x00"+eventID+"\x00"+strconv.Itoa(index))).String()
}

// IsSagaCommandID reports whether id has the form of SagaCommandID's ids. A server that
// takes command ids from clients should refuse them (see SagaCommandID).
func IsSagaCommandID(id string) bool { return strings.HasPrefix(id, sagaIDPrefix) }

func (p *sagaProcessor[E, C]) Name() string { return p.name }

func (p *sagaProcessor[E, C]) Process(ctx context.Context, e store.Event, onRetry func(error)) (store.Position, error) {
	spans, err := p.prepare(e).run(ctx, onRetry)
	var last store.Position
	for _, s := range spans {
		last = max(last, s.last)
	}
	return last, err
}

// Route returns the stream the event's commands address, when they address one and say so
// (their type has a Stream() string method, as a Handler's commands do): a Runner then runs
// the commands for one stream in the log order of their events, so that, say, the first of
// two placements that claim one order id creates the order (and, as for every event, one
// restaurant's placements create their orders in the order they were placed). Events that
// cause no command are keyed by their own stream; commands for several streams, or whose
// stream cannot be told, run alone. See SagaRouter.
func (p *sagaProcessor[E, C]) Route(e store.Event) string { return p.prepare(e).route }

// prepare decodes e and asks the saga for its commands, without dispatching them. A Runner
// calls it once per event (see sagaPreparer); Route and Process call it for other callers.
//
// A panic in the codec (an Upcaster's Up among them) is the saga's fault too, as one in
// React is: prepare runs on the subscription's goroutine, where it would kill the process,
// and the checkpoint being before the event, kill it again at every restart.
func (p *sagaProcessor[E, C]) prepare(e store.Event) (job sagaJob) {
	defer func() {
		if v := recover(); v != nil {
			err := sagaFault{fmt.Errorf("saga %s: panicked preparing %s at position %d: %v", p.name, e.Type, e.Position, v)}
			job = sagaJob{route: e.StreamID, run: func(context.Context, func(error)) ([]span, error) { return nil, err }}
		}
	}()
	if !p.codec.Handles(e.Type) {
		return sagaJob{route: e.StreamID, noop: true, run: func(context.Context, func(error)) ([]span, error) { return nil, nil }}
	}
	fail := func(err error) sagaJob { // the saga could not react: a fault of its own, see sagaFault
		err = sagaFault{err}
		return sagaJob{route: e.StreamID, run: func(context.Context, func(error)) ([]span, error) { return nil, err }}
	}
	ev, err := DecodeEvent(p.cfg.decoded, p.codec, e)
	if err != nil {
		return fail(fmt.Errorf("saga %s: decode %s: %w", p.name, e.Type, err))
	}
	cmds, err := p.react(ev)
	if err != nil {
		return fail(err)
	}
	if len(cmds) == 0 {
		return sagaJob{route: e.StreamID, noop: true, run: func(context.Context, func(error)) ([]span, error) { return nil, nil }}
	}
	route := e.StreamID
	for i, c := range cmds {
		sc, ok := any(c).(interface{ Stream() string })
		if !ok {
			route = ""
			break
		}
		if i == 0 {
			route = sc.Stream()
		} else if sc.Stream() != route {
			route = ""
			break
		}
	}
	return sagaJob{route: route, run: func(ctx context.Context, onRetry func(error)) ([]span, error) {
		return p.dispatchAll(ctx, e, cmds, onRetry)
	}}
}

// sagaJob is an event prepared for a saga: the key it is routed by (see SagaRouter) and
// the function that dispatches its commands and returns what they wrote.
type sagaJob struct {
	route string
	noop  bool // the event causes no command: nothing to run, only to count as handled
	run   func(ctx context.Context, onRetry func(error)) ([]span, error)
}

// sagaPreparer is implemented by NewSaga's processors: the Runner prepares each event once,
// routing and processing it without decoding it twice.
type sagaPreparer interface {
	prepare(e store.Event) sagaJob
}

// dispatchAll dispatches the commands e caused, in order, and returns the positions each
// wrote: from its Result's events, or, when the dispatch did not return them, up to its
// Result's position (see span).
func (p *sagaProcessor[E, C]) dispatchAll(ctx context.Context, e store.Event, cmds []C, onRetry func(error)) ([]span, error) {
	correlation := e.Metadata[MetadataCorrelationID]
	if correlation == "" {
		correlation = e.ID
	}
	var written []span
	var failed []error
	for i, c := range cmds {
		former := formerSagaCommandID(p.name, e.ID, i)
		meta := Meta{
			CommandID:       sagaIDPrefix + former, // SagaCommandID, without deriving it twice
			FormerCommandID: former,
			CausationID:     e.ID,
			CorrelationID:   correlation,
			Metadata:        userMetadata(e.Metadata),
		}
		res, err := p.dispatchRetrying(ctx, c, meta, onRetry)
		if err != nil {
			if ctx.Err() != nil {
				return written, ctx.Err()
			}
			wrapped := fmt.Errorf("saga %s: command %d (%T): %w", p.name, i, c, err)
			// A closed store is no refusal: it holds the checkpoint (holdsCheckpoint), so
			// that the next start runs the command, whatever expected says of it.
			if p.cfg.expected != nil && !holdsCheckpoint(err) && p.cfg.expected(err) {
				failed = append(failed, expectedRefusal{wrapped})
			} else {
				failed = append(failed, wrapped)
			}
			continue
		}
		switch n := len(res.Events); {
		case n > 0:
			written = append(written, span{first: res.Events[0].Position, last: max(res.Position, res.Events[n-1].Position)})
		case res.Events == nil && res.Position > 0:
			written = append(written, span{last: res.Position}) // which positions is not known
		}
	}
	return written, errors.Join(failed...)
}

// react calls React, turning a panic into an error.
func (p *sagaProcessor[E, C]) react(ev E) (cmds []C, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("saga %s: react panicked: %v", p.name, r)
		}
	}()
	return p.saga.React(ev), nil
}

// dispatchRetrying dispatches until the command succeeds, fails for good, or ctx ends.
func (p *sagaProcessor[E, C]) dispatchRetrying(ctx context.Context, c C, meta Meta, onRetry func(error)) (Result, error) {
	delay := p.cfg.minBackoff
	for {
		res, err := p.dispatch(ctx, c, meta)
		if err == nil || !IsTransient(err) || ctx.Err() != nil {
			return res, err
		}
		if onRetry != nil {
			onRetry(err)
		}
		if err := sleep(ctx, delay); err != nil {
			return Result{}, err
		}
		delay = min(delay*2, p.cfg.maxBackoff)
	}
}

// expectedRefusal is a command's failure that the saga expects (WithSagaExpected).
type expectedRefusal struct{ err error }

func (e expectedRefusal) Error() string { return e.err.Error() }
func (e expectedRefusal) Unwrap() error { return e.err }

// splitExpected separates, in the error of an event's handling (one error, or several
// joined), the refusals the saga expects from the other failures, joined again (nil when
// none).
func splitExpected(err error) (expected []error, other error) {
	if err == nil {
		return nil, nil
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	var others []error
	for _, e := range errs {
		if x, ok := e.(expectedRefusal); ok {
			expected = append(expected, x.err)
			continue
		}
		others = append(others, e)
	}
	if len(expected) == 0 {
		return nil, err
	}
	return expected, errors.Join(others...)
}

// sagaFault is a saga's failure to react to an event at all (its codec could not decode
// it, or React panicked), as against a command's outcome: a later run, with the fault
// fixed, should handle the event again, so the saga's checkpoint stays before it.
type sagaFault struct{ err error }

func (f sagaFault) Error() string { return f.err.Error() }
func (f sagaFault) Unwrap() error { return f.err }

// holdsCheckpoint reports whether a saga's failure to handle an event must keep its
// checkpoint before the event: a fault of its own, or a store closed under it.
func holdsCheckpoint(err error) bool {
	_, fault := errors.AsType[sagaFault](err)
	return fault || errors.Is(err, store.ErrClosed)
}
