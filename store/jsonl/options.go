package jsonl

import (
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// Option configures a Store.
type Option func(*config)

type config struct {
	noSync    bool
	maxSize   int
	lineLimit int // the longest line Append writes: maxLine (tests set less)
	now       func() time.Time
	wrap      func(file) file
	tail      int
	tailBytes int
	readOnly  bool // set by OpenReadOnly, not by an Option

	observer  Observer
	restamped func(lead time.Duration) // see WithRestampObserver
	joined    func(appends int)        // see withJoinHook
	syncDir   func(dir string) error
}

func defaultConfig() config {
	return config{maxSize: store.DefaultMaxEventSize, lineLimit: maxLine, now: time.Now, tail: DefaultTailCache, tailBytes: DefaultTailCacheBytes, syncDir: syncDir}
}

// WithNoSync makes Append return once the events are written to the operating system,
// without waiting for them to reach the disk: a crash of the process loses nothing, a crash
// of the machine may lose the last acknowledged appends. For tests and benchmarks.
func WithNoSync() Option {
	return func(c *config) { c.noSync = true }
}

// WithMaxEventSize sets the limit on one event's size (its stream id, type, event id, data
// and metadata, as store.DefaultMaxEventSize counts them); a bigger event fails with
// store.ErrInvalid. The default is store.DefaultMaxEventSize
// (1 MiB). n <= 0 keeps the default. Whatever the limit, an event whose line in the log would
// be over 1 GiB fails with store.ErrInvalid: Open refuses longer lines.
func WithMaxEventSize(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxSize = n
		}
	}
}

// WithClock sets the clock that stamps appended events (default time.Now, which a nil now
// keeps). The store writes its readings in UTC, and stamps an append with the log's last
// event's time instead when the clock reads earlier, also than the last event an earlier
// Open wrote (see store.Store's Append).
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.now = now
		}
	}
}

// WithRestampObserver sets f to be told of each committed append that the Store stamped
// later than its clock read, because the log's last event is later (see WithClock), with
// how much later (lead > 0): the clock was stepped back, or had been stepped forward and not
// yet caught up (also before the Store was opened: the last event the log holds counts),
// and the events are dated by the last one's time instead. A concurrent append that read
// the clock later but took the lock first restamps the next one too, by the microseconds
// the latter waited: a consumer that warns an operator should ignore leads that short. f is
// called on the appending goroutine once its events are committed, without the Store's
// lock; it must be quick and safe for concurrent use, and must not call the Store. A nil f
// is ignored.
func WithRestampObserver(f func(lead time.Duration)) Option {
	return func(c *config) { c.restamped = f }
}

// WithTailCache sets how many of the last committed events the Store keeps decoded in
// memory, while anyone subscribes, for subscribers that keep up with the log (default
// DefaultTailCache); n <= 0 turns the cache off, and subscribers then read every event back
// from the file. See the package documentation.
func WithTailCache(n int) Option {
	return func(c *config) { c.tail = max(n, 0) }
}

// WithTailCacheBytes bounds the size of the events in the tail cache (their data, metadata
// and ids; default DefaultTailCacheBytes): past it the oldest are dropped, though the newest
// event is always kept. n <= 0 keeps the default.
func WithTailCacheBytes(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.tailBytes = n
		}
	}
}

// withJoinHook calls joined, under the store's lock, each time an append joins the group
// that forms behind the commit in flight, with the appends that group then holds: a signal
// for tests of group commit, which otherwise could only poll the store's state.
func withJoinHook(joined func(appends int)) Option {
	return func(c *config) { c.joined = joined }
}

// withDirSync makes Open sync the log's directory and its parent with sync instead of syncDir: a signal
// for tests of what the File seam does not see.
func withDirSync(sync func(dir string) error) Option {
	return func(c *config) { c.syncDir = sync }
}

// withFile is WithFile (see there).
func withFile(wrap func(File) File) Option {
	return func(c *config) { c.wrap = wrap }
}
