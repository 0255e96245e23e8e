package eventsourcing

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// Kinds of processor in a ProcessorStatus.
const (
	KindProjection = "projection"
	KindSaga       = "saga"
)

// ProcessorStatus describes one projection or saga of a Runner.
type ProcessorStatus struct {
	Name     string
	Kind     string         // KindProjection or KindSaga
	Position store.Position // the position of the last event processed
	Failures int64          // events a saga gave up on, errors of the subscription, a failed Apply
	Retries  int64          // transient failures a saga retried
	// Rejections counts a saga's commands refused as the saga expects (WithSagaExpected):
	// handled, logged at Info, and not counted in Failures.
	Rejections int64
	LastError  string // the last failure or retry, "" when none
	Stopped    bool   // the processor stopped on an error (its own, or a store closed or failed for good) and processes nothing more
	// CheckpointHeld says that a saga failed to handle an event for a fault of its own (it
	// could not decode the event, React or a command panicked) or its store closed: it saves
	// no checkpoint for the rest of the run, so that the next start handles that event again.
	// Until a restart, a later start re-reads everything since the last checkpoint saved.
	CheckpointHeld bool
}

// RunnerOption configures a Runner.
type RunnerOption func(*Runner)

// WithRunnerLogger sets the logger for failures (slog.Default when nil or unset).
func WithRunnerLogger(l *slog.Logger) RunnerOption {
	return func(r *Runner) {
		if l != nil {
			r.logger = l
		}
	}
}

// DefaultSagaParallelism is how many events a saga handles at once by default (see
// WithSagaParallelism).
const DefaultSagaParallelism = 64

// WithSagaParallelism sets how many events each saga that is a SagaRouter (as NewSaga's
// are) handles at once: events of one stream, and events with one key (for NewSaga's, the
// stream their commands address), are always handled one after the other, in log order;
// events that share neither concurrently, up to n at once. A saga whose commands wait for a durable append then shares
// the store's group commits instead of paying one sync per event, and keeps up with the
// writers. n = 1 handles every event in log order, one at a time; n < 1 is taken as 1.
func WithSagaParallelism(n int) RunnerOption {
	return func(r *Runner) { r.sagaParallel = max(n, 1) }
}

// DefaultCheckpointInterval is how often a Runner saves its sagas' checkpoints by default.
const DefaultCheckpointInterval = time.Second

// WithCheckpointInterval sets how often the sagas' checkpoints are saved when the store is a
// store.Checkpointer (see Runner); d <= 0 keeps the default. Each save of the JSONL store
// writes and syncs a small file.
func WithCheckpointInterval(d time.Duration) RunnerOption {
	return func(r *Runner) {
		if d > 0 {
			r.checkpoints = d
		}
	}
}

// Runner feeds projections and sagas from the store's log, starting at position 0, and lets
// callers wait until a position has been processed.
//
// The projections share one subscription: each event is read (and, from a JSONL log, parsed)
// once and applied to every projection in the order they were added, so rebuilding the read
// models at start costs one pass over the log however many there are. A projection's Apply
// therefore holds the others back while it runs, as it holds back its own next event. Each
// saga has a subscription of its own, and so has each ResumableProjection, which starts
// after the position its Resume returns.
//
// When the store is a store.Checkpointer, each saga's position is saved as a checkpoint
// (named "saga:" and the saga's name) every WithCheckpointInterval and when Run ends, and
// a saga starts after its checkpoint instead of at 0: an event it handled before a restart
// is not handled again, so a command it had rejected is not decided anew. The checkpoint
// is the position up to which every event was handled: with commands dispatched in parallel
// (WithSagaParallelism), events handled after one still in flight when Run ends lie beyond it
// and are handled again at the next start, as after a crash. A crash loses at
// most the interval's progress, which is handled again (saga commands are idempotent: a
// command that wrote returns its first result; one that was rejected is decided anew). A
// checkpoint beyond the log's head, or whose event ids are not the log's at its positions
// (a restored backup, another log), is ignored: that saga starts at 0. A saga that failed
// to react to an event at all (its codec could not decode it, React panicked, the store was
// closed) saves no checkpoint from then on, so that the next start handles that event
// again; a command's outcome, rejections included, counts as handled.
//
// When the store keeps projections' states (store.StateKeeper) and every plain projection
// is a StatefulProjection, their states are saved together, at one position of the log
// between two Applies, every WithStateInterval (and every WithStateEvery events) and when
// Run ends; Run loads them at start and starts the projections' subscription after their
// position instead of at 0. It loads them only when the event at that position, and at the
// head saved with them, are this log's, neither lies beyond the head, each projection has a
// state of its StateRevision, and each ReadState succeeds; otherwise it logs a warning (an
// Info when none was saved) and the projections, empty, replay the log from its start. A
// save holds the projections back only while it encodes their states: appends and reads of
// the read models go on, though a projection that locks itself to encode (CommandIndex
// does, so that its state is whole) holds back whatever waits for that lock meanwhile, for
// a time that grows with what it holds. A failed save is logged and tried again at the
// next interval.
//
// Add every projection and saga before Run. Run may be called once. The other methods are
// safe for concurrent use at any time. Make a Runner with NewRunner: the zero Runner has no
// store, its WaitFor fails with ErrProcessorStopped, and its Reached reports false.
type Runner struct {
	store        store.Store
	logger       *slog.Logger
	sagaParallel int
	checkpoints  time.Duration // how often sagas' checkpoints are saved
	saveFailing  bool          // the last checkpoint save failed; used by the goroutine saving them

	// The plain projections' states (see runner_state.go).
	stateInterval time.Duration  // how often they are saved; < 0: never, and none is loaded
	stateEvery    int            // events applied between saves, besides the interval; 0: none
	stateDue      chan struct{}  // the group's goroutine asks keepStates for a save
	stateMu       sync.Mutex     // held by the group's goroutine while it applies an event, and by saveStates while it encodes
	stateSaved    store.Position // the position of the states last saved or loaded
	stateFailing  bool           // the last save failed
	sinceState    int            // events the group applied since it last asked for a save
	stateReplay   store.Position // the head at Run's start: WithStateEvery counts no event up to it
	states        StatesStatus   // what StatesStatus reports; guarded by mu

	started chan struct{} // closed once Run knows the head it started at

	mu        sync.Mutex
	procs     []*processor
	names     map[string]bool
	running   bool
	startHead store.Position
	startErr  error
	waiters   int
	changed   chan struct{}  // closed and replaced by notifyLocked whenever a WaitFor waiting on it may now return or must fail (see its callers)
	waitLow   store.Position // no WaitFor waiting on changed waits for less
	draining  bool           // set by Drain: WaitFor beyond drainHead fails at once
	drainHead store.Position
	ended     bool     // Run has returned: no processor moves again
	starts    spanHeap // reachLocked's scratch
	walked    int64    // the writes and spans reachLocked looked at, all told: its work, which tests bound
}

// processor is one projection or saga; its mutable fields are guarded by Runner.mu.
type processor struct {
	name       string
	kind       string
	projection Projection
	saga       SagaProcessor

	pos      store.Position
	failures int64
	retries  int64
	rejected int64
	lastErr  string
	stopped  bool
	writes   []sagaWrite    // a saga's writes, in event order, while a WaitFor may need them
	reach0   store.Position // a reach of writes[0] (see reachLocked) found beyond every processor, or 0
	cursor   int            // reachLocked's scratch: the next of writes to look at
	posID    string         // the id of the event at pos
	shared   bool           // a plain projection of the group whose states are kept: its Apply holds Runner.stateMu
	saved    store.Position // the saga's checkpoint as last saved or loaded
	held     bool           // the saga failed to handle an event for a fault of its own: save no more
}

// NewRunner returns a runner over s with no projections or sagas.
func NewRunner(s store.Store, opts ...RunnerOption) *Runner {
	r := &Runner{
		store: s, logger: slog.Default(), sagaParallel: DefaultSagaParallelism, checkpoints: DefaultCheckpointInterval,
		stateInterval: DefaultStateInterval, stateDue: make(chan struct{}, 1),
		started: make(chan struct{}),
		names:   make(map[string]bool), changed: make(chan struct{}), waitLow: math.MaxInt64,
	}
	for _, o := range opts {
		o(r)
	}
	return r
}

// AddProjection adds a projection. It panics when called after Run or with a name already
// in use: both are wiring mistakes.
func (r *Runner) AddProjection(p Projection) {
	r.add(&processor{name: p.Name(), kind: KindProjection, projection: p})
}

// AddSaga adds a saga built by NewSaga. It panics when called after Run or with a name
// already in use: both are wiring mistakes.
func (r *Runner) AddSaga(s SagaProcessor) {
	r.add(&processor{name: s.Name(), kind: KindSaga, saga: s})
}

func (r *Runner) add(p *processor) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running {
		panic(fmt.Sprintf("eventsourcing: %s %q added after Run", p.kind, p.name))
	}
	if r.names[p.name] {
		panic(fmt.Sprintf("eventsourcing: %s name %q already in use", p.kind, p.name))
	}
	r.names[p.name] = true
	r.procs = append(r.procs, p)
}

// Run feeds every projection and saga until ctx ends, then returns nil once all of them
// have stopped. A projection whose Apply fails (or panics) stops and reports the error in
// Status; the others go on. Run fails with ErrRunnerStarted when called a second time, and
// with the store's error when it cannot read the log's head. A processor stopped by an
// error, the store's closing among them, stays stopped, and Run goes on until ctx ends even
// when every processor has stopped: watch Status (or a WaitFor's ErrProcessorStopped) to
// tell.
//
// On its way out Run saves the sagas' checkpoints, so stop it before closing the store:
// cancel its context, wait for Run to return, then Close. A store closed first keeps no
// checkpoint (Run logs a warning), and the next Run's sagas handle again every event after
// their last one, deciding anew the commands they had rejected; a program that runs for
// less than WithCheckpointInterval would save none at all.
func (r *Runner) Run(ctx context.Context) error {
	r.mu.Lock()
	if r.running {
		r.mu.Unlock()
		return ErrRunnerStarted
	}
	r.running = true
	procs := r.procs
	r.mu.Unlock()

	head, err := store.Head(ctx, r.store)
	cp, _ := r.store.(store.Checkpointer)
	var sagas []*processor
	if err == nil && cp != nil {
		// Before started is closed: a CaughtUp or WaitFor sees the sagas where they resume.
		for _, p := range procs {
			if p.kind == KindSaga {
				sagas = append(sagas, p)
				r.resume(ctx, cp, p, head)
			}
		}
	}
	var projections []*processor // the plain projections, which share one subscription
	for _, p := range procs {
		if _, resumable := p.projection.(ResumableProjection); p.kind == KindProjection && !resumable {
			projections = append(projections, p)
		}
	}
	var sk store.StateKeeper
	if err == nil {
		if sk = r.stateKeeper(projections); sk != nil {
			// Before started is closed: a CaughtUp or WaitFor sees the projections where they resume.
			r.loadStates(ctx, sk, projections, head)
			r.stateReplay = head
			for _, p := range projections {
				p.shared = true
			}
		}
	}
	r.mu.Lock()
	r.startHead, r.startErr = head, err
	r.states.Kept = sk != nil
	r.mu.Unlock()
	close(r.started)
	defer r.end()
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("eventsourcing: run: %w", err)
	}

	var wg sync.WaitGroup
	for _, p := range procs {
		switch rp, resumable := p.projection.(ResumableProjection); {
		case resumable:
			wg.Go(func() {
				if r.resumeProjection(ctx, p, rp, head) {
					r.runProcessor(ctx, []*processor{p})
				}
			})
		case p.kind == KindProjection:
			// In projections, which share the subscription started below.
		default:
			wg.Go(func() { r.runProcessor(ctx, []*processor{p}) })
		}
	}
	if len(projections) > 0 {
		wg.Go(func() { r.runProcessor(ctx, projections) })
	}
	if len(sagas) > 0 {
		wg.Go(func() { r.keepCheckpoints(ctx, cp, sagas) })
	}
	if sk != nil {
		wg.Go(func() { r.keepStates(ctx, sk, projections) })
	}
	wg.Wait()
	if len(sagas) > 0 {
		// The processors have stopped: save where they stopped, for the next Run.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalSaveTimeout)
		defer cancel()
		r.saveCheckpoints(sctx, cp, sagas, true)
	}
	if sk != nil {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalSaveTimeout)
		defer cancel()
		r.saveStates(sctx, sk, projections, true)
	}
	// Every processor may have stopped on an error before ctx ended (each Apply failed, or
	// the store closed, or failed for good, under them): Run still returns only when ctx ends, so that a caller
	// waiting for it does not take the processors' failure for a shutdown. Status tells.
	<-ctx.Done()
	return nil
}

// end marks the runner ended once Run returns: a WaitFor for a position not reached, waiting
// now or called later, fails at once rather than at its deadline.
func (r *Runner) end() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ended = true
	r.notifyLocked()
}

// Status lists every projection and saga in the order they were added.
func (r *Runner) Status() []ProcessorStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]ProcessorStatus, len(r.procs))
	for i, q := range r.procs {
		out[i] = ProcessorStatus{
			Name: q.name, Kind: q.kind, Position: q.pos, Failures: q.failures,
			Retries: q.retries, Rejections: q.rejected, LastError: q.lastErr, Stopped: q.stopped, CheckpointHeld: q.held,
		}
	}
	return out
}

// Head returns the position of the log's last event.
//
// Deprecated: use store.Head, which it calls.
func Head(ctx context.Context, s store.Store) (store.Position, error) {
	return store.Head(ctx, s)
}
