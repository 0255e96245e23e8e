package postgres

import (
	"time"
)

// DefaultSchema is the schema the store's tables live in unless WithSchema says otherwise.
const DefaultSchema = "eventgraph"

// DefaultPollInterval is how often a caught-up subscriber re-reads the table when no
// notification arrives.
const DefaultPollInterval = time.Second

type options struct {
	schema    string
	maxSize   int
	now       func() time.Time
	poll      time.Duration
	page      int
	pageBytes int
	tail      int
	tailBytes int
	retry     time.Duration
	restamped func(lead time.Duration) // see WithRestampObserver

	// Fixed, but for tests (export_test.go), which lower them to reach them in little time.
	groupTimeout  time.Duration // bounds one group's commit
	settleTimeout time.Duration // bounds the look-ups of one group's appends, together
	maxAppend     int           // bounds one append's encoded size (MaxAppendBytes)
	groupBytes    int           // bounds a group's appends by their encoded size (maxGroupBytes)
	migrateLocks  lockPolicy    // how a migration waits for the locks it needs
}

// Option configures a Store.
type Option func(*options)

// WithSchema sets the schema that holds the store's tables; it is created when missing.
// Stores with different schemas on one database are independent logs. A name is at most
// MaxSchemaBytes long.
func WithSchema(name string) Option {
	return func(o *options) { o.schema = name }
}

// WithMaxEventSize sets the limit on one event's size in bytes (its stream id, type, event
// id, data and metadata, as store.DefaultMaxEventSize counts them).
// Values ≤ 0 select store.DefaultMaxEventSize.
func WithMaxEventSize(n int) Option {
	return func(o *options) { o.maxSize = n }
}

// WithClock sets the clock that stamps appended events; the default is time.Now.
// Readings are converted to UTC and truncated to microseconds, PostgreSQL's precision. The
// database stamps an append with the log's last event's time instead when the clock reads
// earlier than it, whichever server appended that event (see store.Store's Append).
func WithClock(now func() time.Time) Option {
	return func(o *options) {
		if now != nil {
			o.now = now
		}
	}
}

// WithRestampObserver sets f to be told of committed appends that the database stamped
// later than the store's clock read, because the log's last event is later (see
// WithClock), with a lower bound of how much later (lead > 0). The database does not tell
// the store its append's time, so the store compares its clock's reading with the latest
// time it knows the log holds: the last event's at Open, and its own committed appends'
// readings since. It learns so of a clock stepped back on this server (also across a
// restart), but not of appends held behind events that another server, whose clock is
// ahead, appended since Open. An append that read the clock before a concurrent one that
// committed first may be reported too, with the microseconds between their readings: a
// consumer that warns an operator should ignore leads that short. f is called on the
// appending goroutine once its events are committed; it must be quick and safe for
// concurrent use, and must not call the store. Open reads the log's last event's time for
// it, one query more; a nil f is ignored.
func WithRestampObserver(f func(lead time.Duration)) Option {
	return func(o *options) { o.restamped = f }
}

// WithPollInterval sets how often a caught-up subscriber re-reads the log when no
// notification arrives (a safety net for lost notifications); values ≤ 0 select
// DefaultPollInterval.
func WithPollInterval(d time.Duration) Option {
	return func(o *options) { o.poll = d }
}

// WithPageSize sets how many events a reader fetches per query at most (WithPageBytes
// bounds a page too); values ≤ 0 select 256.
func WithPageSize(n int) Option {
	return func(o *options) { o.page = n }
}

// DefaultPageBytes bounds the size of a page of events unless WithPageBytes says otherwise.
// A reader holds its page while its caller handles the events (a subscriber whose client
// stalled holds it as long as it stalls), and with events of up to
// store.DefaultMaxEventSize (1 MiB) a page of 256 could hold 256 MiB.
const DefaultPageBytes = 4 << 20

// WithPageBytes bounds the size of a page of events a reader fetches per query (their data,
// metadata, ids, stream ids and types): a page ends with the event that brings it to n
// bytes or over, and holds at least one event whatever its size. Values ≤ 0 select
// DefaultPageBytes.
func WithPageBytes(n int) Option {
	return func(o *options) { o.pageBytes = n }
}

// WithTailSize sets how many of the most recent events the store keeps in memory, while
// anyone subscribes, for subscribers that have caught up (WithTailBytes bounds them too);
// values ≤ 0 select 1024.
func WithTailSize(n int) Option {
	return func(o *options) { o.tail = n }
}

// DefaultTailBytes bounds the size of the events in the cache of recent events unless
// WithTailBytes says otherwise: with events of up to store.DefaultMaxEventSize (1 MiB), the
// count alone would let the cache hold 1 GiB.
const DefaultTailBytes = 16 << 20

// WithTailBytes bounds the size of the recent events the store keeps in memory for
// subscribers (as WithPageBytes counts them, plus a fixed share per event for the rest):
// past it the oldest are dropped, though the newest is always kept. Values ≤ 0 select
// DefaultTailBytes.
func WithTailBytes(n int) Option {
	return func(o *options) { o.tailBytes = n }
}

// DefaultRetryWindow is how long a subscription retries failed reads before it fails.
const DefaultRetryWindow = 30 * time.Second

// WithRetryWindow sets how long a subscription keeps retrying failed reads of the log (a
// dropped connection, a database restart) before it yields the error; values ≤ 0 select
// DefaultRetryWindow.
func WithRetryWindow(d time.Duration) Option {
	return func(o *options) { o.retry = d }
}

func buildOptions(opts []Option) options {
	o := options{schema: DefaultSchema, now: time.Now, groupTimeout: groupTimeout, settleTimeout: settleTimeout,
		maxAppend: MaxAppendBytes, groupBytes: maxGroupBytes, migrateLocks: defaultLockPolicy()}
	for _, f := range opts {
		f(&o)
	}
	if o.poll <= 0 {
		o.poll = DefaultPollInterval
	}
	if o.page <= 0 {
		o.page = 256
	}
	if o.retry <= 0 {
		o.retry = DefaultRetryWindow
	}
	if o.pageBytes <= 0 {
		o.pageBytes = DefaultPageBytes
	}
	if o.tail <= 0 {
		o.tail = 1024
	}
	if o.tailBytes <= 0 {
		o.tailBytes = DefaultTailBytes
	}
	return o
}
