package jsonl

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// Store is a durable event store in one directory: an append-only JSONL log file, a lock
// file, and an in-memory index built at Open. It is safe for concurrent use.
type Store struct {
	dir      string
	path     string
	named    string   // path made absolute at Open: what changedUnder looks up (a Chdir does not move it)
	lock     *os.File // nil for a read-only Store of a directory without a LOCK file
	logLock  *os.File // the log file, whose flock Close releases itself (see Close)
	f        file
	noSync   bool
	readOnly bool // opened with OpenReadOnly
	maxSize  int
	maxLine  int // see config.lineLimit
	now      func() time.Time
	ids      *store.IDs
	report   Report

	observer Observer     // nil when none
	reads    ReadObserver // the observer, when it is one; else nil
	joined   func(int)    // see withJoinHook; nil but in tests
	// restamped is told of appends stamped later than the clock read (WithRestampObserver).
	restamped func(lead time.Duration)

	mu        sync.RWMutex
	idle      *sync.Cond    // signalled when flushing ends
	idx       index         // committed events, plus each stream's pending version
	end       int64         // size of the committed log
	next      int64         // last position assigned, counting appends in flight
	last      time.Time     // the time of the log's last event, counting appends in flight (see append)
	forming   *group        // appends waiting for the commit in flight
	flushing  bool          // a commit is in flight
	notify    chan struct{} // closed on the next commit; created by a waiting subscriber
	closed    bool
	done      chan struct{}        // closed by Close
	failed    error                // set when the file's state is uncertain
	lastFlush time.Duration        // how long the last write and sync took
	released  int                  // appends the last commit released, when no group followed it
	spares    [maxSpares]spareBufs // buffers of committed groups, for reuse
	nspare    int
	scratch   group         // the group a lone append WithNoSync reuses
	pres      sync.Pool     // *[]byte encoding buffers of appends
	times     timeCache     // formats the times of appends
	tail      tail          // the last committed events, decoded, while anyone subscribes
	tailOn    bool          // the tail cache is enabled; set by Open
	subs      atomic.Int64  // subscriptions running: appends fill the tail cache only then
	aheads    chan struct{} // a token for each read-ahead running (see readAhead)

	checkpoints checkpoints // see Checkpoint; under a lock of their own
	snapshots   snapshots   // see SaveSnapshot; under a lock of their own
	states      states      // see SaveProjectionStates; under a lock of their own
}

var (
	_ store.Store            = (*Store)(nil)
	_ store.Header           = (*Store)(nil)
	_ store.EventsAppender   = (*Store)(nil)
	_ store.HandoverAppender = (*Store)(nil)
	_ store.StreamVersioner  = (*Store)(nil)
	_ store.SharedSubscriber = (*Store)(nil)
	_ store.SharedReader     = (*Store)(nil)
	_ store.Checkpointer     = (*Store)(nil)
	_ store.Snapshotter      = (*Store)(nil)
	_ store.TypeReader       = (*Store)(nil)
)

// Open opens the store in dir, creating the directory and an empty log when needed. It
// takes the directory's lock (a second Open fails with ErrLocked until Close), checks the
// log and builds the index. A torn tail is cut back to the last whole commit; damage before
// it fails with a *CorruptError naming the byte offset, and nothing is changed.
func Open(dir string, opts ...Option) (*Store, error) {
	return openStore(context.Background(), dir, false, opts)
}

// OpenContext is Open, stopped when ctx ends while it reads the log (a large log takes about
// two seconds a gigabyte): it then fails with ctx's error, having changed nothing, and
// releases the directory's lock. A server uses it so that a signal during its start-up
// stops it at once.
func OpenContext(ctx context.Context, dir string, opts ...Option) (*Store, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("jsonl: open: %w", err)
	}
	return openStore(ctx, dir, false, opts)
}

// OpenReadOnly opens the log in dir for reading, for tools that copy or inspect a log
// (cmd/migrate) and must leave it as they found it: it never writes or cuts the log (the
// one file it may create is an empty LOCK, below), so it works on a read-only copy, such
// as a backup. The log must exist: a
// missing directory or log file is an error that errors.Is(err, fs.ErrNotExist).
//
// A torn tail is left in place and not read: the Store holds the whole commits before it,
// and Recovery reports its size. Damage before it fails with a *CorruptError naming the
// byte offset, as in Open.
//
// It syncs nothing either: after a writer was killed between a write and its sync, it reads
// whole lines that no append acknowledged and that a power failure before the next Open
// (which syncs them first) could still take. A copy made of them (cmd/migrate) keeps them.
//
// While a Store opened with Open holds the directory, OpenReadOnly fails with ErrLocked.
// OpenReadOnly takes a shared lock on the directory's LOCK file (flock on a descriptor
// opened for reading): read-only Stores of one directory may be open together, but Open
// fails with ErrLocked until they are closed. A directory without a LOCK file (a backup of
// the log file alone, say) gets an empty one, so that no server starts writing to a log
// being copied; where none can be created (a read-only directory, which no Open can
// write to either) it has no LOCK to lock (and still sees just the commits it found: a
// writer only appends, and cuts no more than the torn tail). On unix systems it also takes
// a shared flock on the log file itself, as Open takes an exclusive one, unless the file
// system has no locks.
//
// Reads, Head, Subscribe (which yields the history, then waits for ctx or Close, as the log
// cannot grow through this Store), Checkpoint(s) and Snapshot work as in a Store opened
// with Open; Append, AppendEvents, AppendHandover, SaveCheckpoint and SaveSnapshot fail with
// ErrReadOnly. Options that concern writing (WithNoSync, WithClock, WithRestampObserver,
// WithMaxEventSize) have no effect.
func OpenReadOnly(dir string, opts ...Option) (*Store, error) {
	return openStore(context.Background(), dir, true, opts)
}

// OpenReadOnlyContext is OpenReadOnly, stopped when ctx ends while it reads the log, as
// OpenContext is: a tool copying a large log (cmd/migrate) stops at once on a signal.
func OpenReadOnlyContext(ctx context.Context, dir string, opts ...Option) (*Store, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("jsonl: open: %w", err)
	}
	return openStore(ctx, dir, true, opts)
}

// openStore is Open, or OpenReadOnly when readOnly is set.
func openStore(ctx context.Context, dir string, readOnly bool, opts []Option) (*Store, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	cfg.readOnly = readOnly
	lockPath := filepath.Join(dir, lockName)
	var lock *os.File
	var err error
	created := false // a LOCK this read-only open made, removed again if the open fails
	if readOnly {
		_, statErr := os.Stat(filepath.Join(dir, LogFile))
		lock, created, err = lockShared(lockPath, statErr == nil)
	} else {
		if err := makeDir(dir, !cfg.noSync, cfg.syncDir); err != nil {
			return nil, fmt.Errorf("jsonl: open: %w", err)
		}
		lock, err = lockFile(lockPath)
	}
	if err != nil {
		return nil, fmt.Errorf("jsonl: open %s: %w", dir, err)
	}
	s, err := open(ctx, dir, lock, cfg)
	if err != nil {
		if lock != nil {
			unlock(lock)
		}
		if created {
			_ = os.Remove(lockPath)
		}
		return nil, err
	}
	return s, nil
}

// open opens the log of dir, checks it and builds the index. lock is nil for a read-only
// Store of a directory without a LOCK file.
func open(ctx context.Context, dir string, lock *os.File, cfg config) (*Store, error) {
	path := filepath.Join(dir, LogFile)
	var osf *os.File
	var err error
	if cfg.readOnly {
		osf, err = os.Open(path)
	} else {
		_, statErr := os.Stat(path)
		osf, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		// The log's directory entry must be durable before an append is acknowledged: it is
		// synced when the log is created, and by every durable Open, since an Open killed
		// between creating the log and syncing its directory left an entry that a power
		// failure could still take, with every append of the Stores after it.
		if err == nil && (errors.Is(statErr, os.ErrNotExist) || !cfg.noSync) {
			if err = cfg.syncDir(dir); err != nil {
				osf.Close()
				return nil, fmt.Errorf("jsonl: open: sync directory: %w", err)
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("jsonl: open: %w", err)
	}
	// The log file is locked too, where LOCK is locked with flock: LOCK alone would let a
	// second writer in once someone deleted it under the first. A reader on a file system
	// without locks (an NFS mount with nolock) reads without one, as it did before.
	if err := lockLog(osf, !cfg.readOnly); err != nil && (!cfg.readOnly || errors.Is(err, ErrLocked)) {
		osf.Close()
		return nil, fmt.Errorf("jsonl: open %s: %w", dir, err)
	}
	fi, err := osf.Stat()
	if err != nil {
		osf.Close()
		return nil, fmt.Errorf("jsonl: open: %w", err)
	}
	var f file = newOSFile(osf)
	if cfg.wrap != nil {
		f = cfg.wrap(f)
	}
	idx, rep, err := scanContext(ctx, f, fi.Size(), path)
	if err != nil {
		f.Close()
		if _, ok := errors.AsType[*CorruptError](err); ok {
			return nil, err // it names the log and the place, under jsonl: already
		}
		return nil, fmt.Errorf("jsonl: open: %w", err)
	}
	if rep.TornBytes > 0 && !cfg.readOnly {
		if err := f.Truncate(rep.Valid); err != nil {
			f.Close()
			return nil, fmt.Errorf("jsonl: open: cut torn tail at byte %d: %w", rep.Valid, err)
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, fmt.Errorf("jsonl: open: cut torn tail at byte %d: %w", rep.Valid, err)
		}
	} else if !cfg.readOnly && !cfg.noSync {
		// A writer killed between its write and its sync leaves whole lines that no append
		// acknowledged and that a power failure could still take: readers (projections,
		// sagas, clients) must not see them before they are durable, so sync once first.
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, fmt.Errorf("jsonl: open: sync log: %w", err)
		}
	}
	var last time.Time
	if !cfg.readOnly {
		if last, err = lastTime(f, path, &idx); err != nil {
			f.Close()
			return nil, err
		}
	}
	named, err := filepath.Abs(path)
	if err != nil {
		named = path
	}
	s := &Store{
		dir:      dir,
		path:     path,
		named:    named,
		lock:     lock,
		logLock:  osf,
		f:        f,
		noSync:   cfg.noSync,
		readOnly: cfg.readOnly,
		maxSize:  cfg.maxSize,
		maxLine:  cfg.lineLimit,
		now:      cfg.now,
		ids:      store.NewIDs(),
		report:   rep,
		idx:      idx,
		end:      rep.Valid,
		next:     int64(idx.entries.len()),
		last:     last,
		done:     make(chan struct{}),
		tail:     newTail(cfg.tail, cfg.tailBytes),
		tailOn:   cfg.tail > 0,
		aheads:   make(chan struct{}, max(runtime.GOMAXPROCS(0), 1)),
	}
	s.idle = sync.NewCond(&s.mu)
	s.observer = cfg.observer
	s.reads, _ = cfg.observer.(ReadObserver)
	s.joined = cfg.joined
	s.restamped = cfg.restamped
	return s, nil
}

// lastTime returns the time of the last event in the log idx indexes, the zero time for an
// empty log: the next append is stamped no earlier, even when the clock was stepped back
// while no server ran.
func lastTime(f file, path string, idx *index) (time.Time, error) {
	n := idx.entries.len()
	if n == 0 {
		return time.Time{}, nil
	}
	e := idx.entries.at(n - 1)
	b := make([]byte, e.n)
	if _, err := f.ReadAt(b, e.off); err != nil {
		return time.Time{}, fmt.Errorf("jsonl: open: read the last event at byte %d: %w", e.off, err)
	}
	var ev store.Event
	if _, err := parseLine(b[:len(b)-1], &ev); err != nil {
		return time.Time{}, fmt.Errorf("jsonl: open: read the last event at byte %d: %w", e.off, &CorruptError{Path: path, Offset: e.off, Reason: err.Error()})
	}
	return ev.Time, nil
}

// Recovery reports what Open found in the log, including any torn tail it cut off (or,
// for a read-only Store, left in place).
func (s *Store) Recovery() Report { return s.report }

// Dir returns the store's directory.
func (s *Store) Dir() string { return s.dir }

// Path returns the log file's path.
func (s *Store) Path() string { return s.path }

// Head returns the position of the last committed event, 0 for an empty log.
func (s *Store) Head(ctx context.Context) (store.Position, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return 0, fmt.Errorf("jsonl: head: %w", store.ErrClosed)
	}
	return store.Position(s.idx.entries.len()), nil
}

// readOnlyErr is the error of a write to a read-only Store: store.ErrClosed once it is
// closed, as for every method, else ErrReadOnly.
func (s *Store) readOnlyErr() error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return store.ErrClosed
	}
	return ErrReadOnly
}

// Close waits for appends in flight, then closes the log and releases the directory's lock.
// After Close every method fails with store.ErrClosed.
func (s *Store) Close() error {
	// Saves of checkpoints, snapshots and projection states end first, before the lock file goes (no save may
	// outlive it), and before s.mu is taken: a snapshot's save reads the log under its own
	// lock, so taking them the other way round could wait for each other for ever.
	s.closeCheckpoints()
	s.closeSnapshots()
	s.closeStates()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("jsonl: close: %w", store.ErrClosed)
	}
	s.closed = true
	for s.flushing {
		s.idle.Wait()
	}
	close(s.done)
	// The log's flock goes first, and explicitly: closing the file ends it only once reads
	// still in ReadAt return (the descriptor stays open until then), and an Open right after
	// Close found the log locked (18 of 300 reopens in one test).
	unlockLog(s.logLock)
	err := s.f.Close()
	if s.lock != nil {
		if lerr := unlock(s.lock); err == nil {
			err = lerr
		}
	}
	if err != nil {
		return fmt.Errorf("jsonl: close: %w", err)
	}
	return nil
}

// Failed returns nil while the Store takes appends, and an error wrapping ErrFailed once a
// write or sync failed in a way that leaves the file's state uncertain: every later append
// fails, reads keep working, and only closing the Store and opening it again recovers. A
// server reports it in its health checks, so that it is restarted.
func (s *Store) Failed() error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.failed == nil {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrFailed, s.failed)
}
