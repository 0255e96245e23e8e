package eventsourcing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sort"
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
	Name      string
	Kind      string         // KindProjection or KindSaga
	Position  store.Position // the position of the last event processed
	Failures  int64          // events a saga gave up on, errors of the subscription, a failed Apply
	Retries   int64          // transient failures a saga retried
	LastError string         // the last failure or retry, "" when none
	Stopped   bool           // the processor stopped on an error and processes nothing more
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
// Add every projection and saga before Run. Run may be called once. The other methods are
// safe for concurrent use at any time. Make a Runner with NewRunner: the zero Runner has no
// store, and its WaitFor fails with ErrProcessorStopped.
type Runner struct {
	store        store.Store
	logger       *slog.Logger
	sagaParallel int
	checkpoints  time.Duration // how often sagas' checkpoints are saved
	saveFailing  bool          // the last checkpoint save failed; used by the goroutine saving them

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
	lastErr  string
	stopped  bool
	writes   []sagaWrite    // a saga's writes, in event order, while a WaitFor may need them
	reach0   store.Position // a reach of writes[0] (see reachLocked) found beyond every processor, or 0
	cursor   int            // reachLocked's scratch: the next of writes to look at
	posID    string         // the id of the event at pos
	saved    store.Position // the saga's checkpoint as last saved or loaded
	held     bool           // the saga failed to handle an event for a fault of its own: save no more
}

// span is the positions first to last, which a saga's command wrote. A first of 0 means the
// saga did not say (see SagaProcessor): every position after the event it handled counts.
type span struct{ first, last store.Position }

// sagaWrite records that handling the event at event made the saga write the span (one
// command's events; an event whose commands wrote several times has a sagaWrite for each).
// upTo is the highest last of this write and every earlier one, so that a search can skip
// the writes that lead nowhere beyond a position.
type sagaWrite struct {
	event store.Position
	span
	upTo store.Position
}

// NewRunner returns a runner over s with no projections or sagas.
func NewRunner(s store.Store, opts ...RunnerOption) *Runner {
	r := &Runner{
		store: s, logger: slog.Default(), sagaParallel: DefaultSagaParallelism, checkpoints: DefaultCheckpointInterval,
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
func (r *Runner) Run(ctx context.Context) error {
	r.mu.Lock()
	if r.running {
		r.mu.Unlock()
		return ErrRunnerStarted
	}
	r.running = true
	procs := r.procs
	r.mu.Unlock()

	head, err := Head(ctx, r.store)
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
	r.mu.Lock()
	r.startHead, r.startErr = head, err
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
	var projections []*processor
	for _, p := range procs {
		switch rp, resumable := p.projection.(ResumableProjection); {
		case resumable:
			wg.Go(func() {
				if r.resumeProjection(ctx, p, rp, head) {
					r.runProcessor(ctx, []*processor{p})
				}
			})
		case p.kind == KindProjection:
			projections = append(projections, p)
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
	wg.Wait()
	if len(sagas) > 0 {
		// The processors have stopped: save where they stopped, for the next Run.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalSaveTimeout)
		defer cancel()
		r.saveCheckpoints(sctx, cp, sagas)
	}
	// Every processor may have stopped on an error before ctx ended (each Apply failed, or
	// the store closed under them): Run still returns only when ctx ends, so that a caller
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

// CaughtUp waits until every projection and saga has processed the log as it was when Run
// started (useful for readiness), or until ctx ends (see WaitFor).
func (r *Runner) CaughtUp(ctx context.Context) error {
	select {
	case <-r.started:
	case <-ctx.Done():
		return consistencyError(ctx, 0)
	}
	r.mu.Lock()
	head, err := r.startHead, r.startErr
	r.mu.Unlock()
	if err != nil {
		return err
	}
	return r.WaitFor(ctx, head)
}

// WaitFor waits until every projection and saga has processed position p, and every
// projection and saga has also processed what the sagas wrote while handling the events up
// to p, what they wrote while handling that, and so on (so a read model reflects a command
// and the commands its sagas caused). It does not wait for what the sagas wrote because of
// later events, so a steady flow of commands does not hold it up.
//
// When ctx ends first it returns an error wrapping ctx's error and, when ctx's deadline
// passed, ErrConsistencyTimeout. When a processor stopped on an error before reaching the
// position, or Run has returned, it returns an error wrapping ErrProcessorStopped at once.
// Before Run is called nothing is processed, so WaitFor waits for ctx (give it a deadline);
// a Runner without processors has nothing to wait for and returns nil for any p.
func (r *Runner) WaitFor(ctx context.Context, p store.Position) error {
	if r.started == nil {
		// A zero Runner processes nothing: nil would tell a reader its write is visible.
		return fmt.Errorf("%w: the Runner was not made by NewRunner", ErrProcessorStopped)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		if done, err := r.reachedLocked(p); done || err != nil {
			return err
		}
		if r.draining && p > r.drainHead {
			return fmt.Errorf("%w: position %d is beyond the log's head %d", ErrDraining, p, r.drainHead)
		}
		if ctx.Err() != nil {
			return consistencyError(ctx, p)
		}
		ch := r.changed
		// Woken once a processor reaches what p waits for, what the sagas wrote because of the
		// events up to p included: after a restart that is the head for every p, and a wait
		// for p woken at p would be woken again at every event the read models replay.
		r.waitLow = min(r.waitLow, r.closureLocked(p))
		r.waiters++
		r.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
		}
		r.mu.Lock()
		r.waiters--
	}
}

// Reached reports whether WaitFor(p) would return nil at once: every projection and saga
// has processed p and what the sagas wrote for the events up to it. It does not wait.
func (r *Runner) Reached(p store.Position) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	done, err := r.reachedLocked(p)
	return done && err == nil
}

// Drain makes WaitFor fail at once with ErrDraining, for the calls waiting now and those to
// come, when they wait for a position beyond head; a server calls it as it shuts down, with
// the log's head once it no longer takes requests. No request can then write such a position
// or learn of it (it was a guess, or another server's beyond this one's head), and waiting for
// it would hold the shutdown up for the caller's whole timeout. Waits for positions up to
// head are not affected: the processors go on until Run's context ends.
func (r *Runner) Drain(head store.Position) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.draining, r.drainHead = true, head
	r.notifyLocked()
}

func consistencyError(ctx context.Context, p store.Position) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w: position %d not processed in time: %w", ErrConsistencyTimeout, p, ctx.Err())
	}
	return fmt.Errorf("eventsourcing: waiting for position %d: %w", p, ctx.Err())
}

// reachedLocked reports whether position p and what the sagas wrote for it are processed.
func (r *Runner) reachedLocked(p store.Position) (bool, error) {
	target := r.closureLocked(p)
	behind := false
	for _, q := range r.procs {
		if q.pos >= target {
			continue
		}
		if q.stopped {
			// Whatever the others do, this one will never get there: say so at once.
			return false, fmt.Errorf("%w: %s %q at position %d: %s", ErrProcessorStopped, q.kind, q.name, q.pos, q.lastErr)
		}
		behind = true
	}
	if behind && r.ended {
		return false, fmt.Errorf("%w: the runner has stopped (Run returned) before position %d was processed", ErrProcessorStopped, target)
	}
	return !behind, nil
}

// Status lists every projection and saga in the order they were added.
func (r *Runner) Status() []ProcessorStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]ProcessorStatus, len(r.procs))
	for i, q := range r.procs {
		out[i] = ProcessorStatus{
			Name: q.name, Kind: q.kind, Position: q.pos, Failures: q.failures,
			Retries: q.retries, LastError: q.lastErr, Stopped: q.stopped,
		}
	}
	return out
}

// Head returns the position of the log's last event: store.Header's Head when s implements
// it, else the last position ReadAll yields.
func Head(ctx context.Context, s store.Store) (store.Position, error) {
	if h, ok := s.(store.Header); ok {
		return h.Head(ctx)
	}
	var head store.Position
	for e, err := range s.ReadAll(ctx, 0) {
		if err != nil {
			return 0, err
		}
		head = e.Position
	}
	return head, nil
}

// Backoff of a processor resubscribing after its subscription failed.
const (
	resubscribeMin = 10 * time.Millisecond
	resubscribeMax = 2 * time.Second
)

// runProcessor feeds a group of processors from one subscription (one saga, or every
// projection) until ctx ends or every one of them has stopped. A failed subscription is
// recorded against each processor of the group still running and retried after a backoff
// from the lowest position among them, unless the store is closed, which stops them all. The
// backoff doubles with each failure in a row, and starts again once a subscription moved
// the group on.
func (r *Runner) runProcessor(ctx context.Context, group []*processor) {
	delay := resubscribeMin
	for {
		r.mu.Lock()
		live := make([]*processor, 0, len(group))
		var after store.Position
		for _, q := range group {
			if q.stopped {
				continue
			}
			if len(live) == 0 || q.pos < after {
				after = q.pos
			}
			live = append(live, q)
		}
		r.mu.Unlock()
		if len(live) == 0 {
			return
		}
		err := r.consume(ctx, live, after)
		if ctx.Err() != nil || err == nil {
			return // ctx ended, or the processors stopped
		}
		closed := errors.Is(err, store.ErrClosed)
		r.mu.Lock()
		progressed := true // the group's lowest position moved past after
		for _, q := range live {
			if q.stopped {
				continue
			}
			progressed = progressed && q.pos > after
			r.logger.Error("eventsourcing: subscription failed", "kind", q.kind, "name", q.name, "position", q.pos, "err", err)
			q.failures++
			q.lastErr = err.Error()
			q.stopped = closed
		}
		r.notifyLocked()
		r.mu.Unlock()
		if progressed {
			// A subscription that delivered before it failed starts the backoff again: a
			// few failures early in a process's life made every later one wait 2 s, the
			// read models and the saga standing still meanwhile.
			delay = resubscribeMin
		}
		if closed || sleep(ctx, delay) != nil {
			return
		}
		delay = min(delay*2, resubscribeMax)
	}
}

// consume feeds the group from a subscription after the given position. It returns nil when
// every processor of the group stopped on an Apply error, and the subscription's error (or
// ctx's) otherwise.
func (r *Runner) consume(ctx context.Context, group []*processor, after store.Position) error {
	if len(group) == 1 && group[0].saga != nil {
		return r.consumeSaga(ctx, group[0], after)
	}
	live := group
	for e, err := range store.SubscribeReadOnly(ctx, r.store, after) {
		if err != nil {
			return err
		}
		failed := false
		for _, q := range live {
			if q.pos >= e.Position {
				continue // it resubscribed further on than the group's lowest
			}
			if err := apply(q.projection, e); err != nil {
				r.stopProjection(q, e, err)
				failed = true
			}
		}
		if failed {
			// Only this goroutine stops a projection, so reading stopped needs no lock.
			var kept []*processor
			for _, q := range live {
				if !q.stopped {
					kept = append(kept, q)
				}
			}
			if live = kept; len(live) == 0 {
				return nil
			}
		}
		r.advanceAll(live, e.Position, e.ID)
	}
	return ctx.Err()
}

// stopProjection records that q failed to apply e and stops it.
func (r *Runner) stopProjection(q *processor, e store.Event, err error) {
	r.logger.Error("eventsourcing: projection failed", "projection", q.name,
		"eventId", e.ID, "type", e.Type, "stream", e.StreamID, "position", e.Position, "err", err)
	r.mu.Lock()
	defer r.mu.Unlock()
	q.failures++
	q.lastErr = err.Error()
	q.stopped = true
	r.notifyLocked()
}

// resumeProjection sets q's position to the one Resume returns, and reports whether q is
// to run from there. Resume's errors (its database not up yet) are retried, with backoff,
// until ctx ends, each counted in q's Status; q waits meanwhile at position 0, so a WaitFor
// waits too. A panic, a negative position or one beyond the log's head stop q for good.
// head is the log's head when Run started.
func (r *Runner) resumeProjection(ctx context.Context, q *processor, rp ResumableProjection, head store.Position) bool {
	delay := resubscribeMin
	for {
		pos, panicked, err := resumePosition(ctx, rp)
		if err == nil && pos > head {
			// The log may have grown since Run read its head (another server's appends, which
			// this read model may reflect when the servers share it): look again.
			head, err = Head(ctx, r.store)
		}
		var fatal error
		switch {
		case panicked:
			fatal = fmt.Errorf("resume: %w", err)
		case err != nil:
		case pos < 0:
			fatal = fmt.Errorf("resume: position %d", pos)
		case pos > head:
			fatal = fmt.Errorf("resume: position %d is beyond the log's head %d: the read model is not of this log", pos, head)
		}
		r.mu.Lock()
		switch {
		case fatal != nil:
			r.logger.Error("eventsourcing: projection failed", "projection", q.name, "err", fatal)
			q.failures++
			q.lastErr = fatal.Error()
			q.stopped = true
		case err != nil && ctx.Err() == nil:
			r.logger.Warn("eventsourcing: projection cannot resume yet; retrying", "projection", q.name, "err", err, "retryIn", delay)
			q.failures++
			q.lastErr = "resume: " + err.Error()
		case err == nil:
			q.pos = pos
			r.logger.Info("eventsourcing: projection resumes", "projection", q.name, "position", pos)
		}
		r.notifyLocked()
		r.mu.Unlock()
		if fatal != nil {
			return false
		}
		if err == nil {
			return true
		}
		if sleep(ctx, delay) != nil {
			return false
		}
		delay = min(delay*2, resubscribeMax)
	}
}

// resumePosition calls Resume, turning a panic into an error.
func resumePosition(ctx context.Context, rp ResumableProjection) (pos store.Position, panicked bool, err error) {
	defer func() {
		if v := recover(); v != nil {
			panicked, err = true, fmt.Errorf("panicked: %v", v)
		}
	}()
	pos, err = rp.Resume(ctx)
	return pos, false, err
}

// apply calls Apply, turning a panic into an error.
func apply(p Projection, e store.Event) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("apply panicked: %v", v)
		}
	}()
	return p.Apply(e)
}

// advance records that q processed the event at pos, whose id is id, during which it wrote
// the spans in written.
func (r *Runner) advance(q *processor, pos store.Position, id string, written []span) {
	r.mu.Lock()
	defer r.mu.Unlock()
	q.pos, q.posID = pos, id
	var wrote store.Position // the furthest position written
	for _, s := range written {
		q.recordLocked(pos, s)
		wrote = max(wrote, s.last)
	}
	if r.waiters > 0 && wrote > 0 {
		// A WaitFor whose closure this write extends beyond a stopped processor can only
		// fail: it must learn so now, not once every processor reached its target (see
		// notifyAtLocked), which a slow one may take long to.
		for _, o := range r.procs {
			if o.stopped && o.pos < wrote {
				r.notifyLocked()
				break
			}
		}
	}
	if len(q.writes) > 0 {
		// Forget writes every processor has processed, with all they led to (what another
		// saga wrote because of them, and so on): no WaitFor needs them any more. A write
		// processed while a write it caused is not must stay, or a WaitFor for its event
		// would stop at the first hop.
		low, stoppedLow := q.pos, store.Position(math.MaxInt64)
		for _, o := range r.procs {
			low = min(low, o.pos)
			if o.stopped {
				stoppedLow = min(stoppedLow, o.pos)
			}
		}
		i, reach0 := 0, store.Position(0)
		for ; i < len(q.writes); i++ {
			if i == 0 && q.reach0 > low {
				reach0 = q.reach0 // see below: the processors have not got there yet
				break
			}
			if q.reachesBeyondLocked(i, low) {
				break
			}
			if reach := r.reachLocked(q.writes[i].first, q.writes[i].last); reach > low {
				// The reach only grows while the write is kept: the sagas' new writes add to
				// it, and a write forgotten in the meantime took with it only positions every
				// processor had passed. So until the processors pass this one, the write stays
				// without walking the writes again. Without it, each event walked them all
				// while a saga's writes caused another's (chained sagas catching up with a
				// backlog): the catch-up was quadratic.
				reach0 = reach
				break
			}
		}
		q.writes, q.reach0 = q.writes[i:], reach0
		// A stopped processor never moves again, so the writes above would be kept for ever.
		// A WaitFor that reaches beyond its position fails whatever was written, so writes
		// for events after it are never needed.
		if j := sort.Search(len(q.writes), func(j int) bool { return q.writes[j].event > stoppedLow }); j < len(q.writes) {
			q.writes = q.writes[:j]
			if j == 0 {
				q.reach0 = 0 // it was another write's
			}
		}
	}
	r.notifyAtLocked()
}

// advanceAll records that the projections processed the event at pos, whose id is id.
func (r *Runner) advanceAll(qs []*processor, pos store.Position, id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, q := range qs {
		if q.pos < pos {
			q.pos, q.posID = pos, id
		}
	}
	r.notifyAtLocked()
}

// notifyLocked wakes every WaitFor. Each checks its position again and, when it must wait
// on, waits on the new channel and lowers waitLow to its position.
func (r *Runner) notifyLocked() {
	if r.waiters > 0 {
		close(r.changed)
		r.changed, r.waitLow = make(chan struct{}), math.MaxInt64
	}
}

// notifyAtLocked wakes every WaitFor when every processor has reached the lowest position
// one of them waits for (waitLow): no WaitFor can be satisfied before, as each waits for
// every processor to reach its position and what the sagas wrote because of it. So while the
// read models catch up with a long log, a CaughtUp is not woken at every event; nor, while a
// saga catches up with a backlog whose commands it writes at the log's end, each time the
// read models reach the newest of those writes (each wake computes the closure of the
// position waited for over all the writes: the catch-up was quadratic).
func (r *Runner) notifyAtLocked() {
	if r.waiters == 0 {
		return
	}
	low := store.Position(math.MaxInt64)
	for _, q := range r.procs {
		low = min(low, q.pos)
	}
	if low >= r.waitLow {
		r.notifyLocked()
	}
}
