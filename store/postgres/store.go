package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventgraph/eventgraph/store"
)

var (
	_ store.Store           = (*Store)(nil)
	_ store.Header          = (*Store)(nil)
	_ store.StreamVersioner = (*Store)(nil)
	_ store.TypeReader      = (*Store)(nil)
)

// Store is an event store on PostgreSQL. Create one with Open. It is safe for concurrent
// use, and any number of Stores, in any number of processes, may share one database and
// schema: they see one log.
type Store struct {
	pool    *pgxpool.Pool
	opts    options
	channel string // the NOTIFY channel of this schema
	sql     queries

	wake *signal // broadcast when the log may have grown
	tail *tail   // the most recent events, for caught-up subscribers
	// subscribers counts the running subscriptions; the tailer idles while it is 0.
	subscribers atomic.Int64
	// seen is the highest position the store has seen committed (the head at Open, its own
	// appends, the tailer's reads): the log's head never goes below it unless the log lost
	// events under the store, which fails it (see ErrFailed).
	seen atomic.Int64
	// stamped is a time, in Unix microseconds, no later than the log's last event's: the
	// last event's at Open, raised by each committed append's clock reading. Kept only
	// WithRestampObserver (see there); math.MinInt64 for none.
	stamped    atomic.Int64
	failure    *failure
	requests   chan *request      // appends for the committer
	done       chan struct{}      // closed by Close
	closing    context.Context    // cancelled by Close, as done is closed (see untilClosed)
	closeReads context.CancelFunc // cancels closing
	once       sync.Once
	stop       context.CancelFunc // stops the listener
	workers    sync.WaitGroup     // the listener and the committer
}

// MaxSchemaBytes is the longest schema name Open accepts: PostgreSQL cuts identifiers to
// 63 bytes (its default NAMEDATALEN less one), which would make two longer names alike in
// their first 63 bytes one schema.
const MaxSchemaBytes = 63

// DefaultConnectTimeout bounds making a connection when url sets no connect_timeout.
const DefaultConnectTimeout = 10 * time.Second

// keepalives are the server's TCP keepalive settings for the store's connections: a client
// gone silent is dropped, and the locks its transaction held released, within about a
// minute (30 s idle, then 3 probes 10 s apart). Connections over a Unix socket ignore them.
func keepalives() map[string]string {
	return map[string]string{"tcp_keepalives_idle": "30", "tcp_keepalives_interval": "10", "tcp_keepalives_count": "3"}
}

// Open connects to the database at url (a PostgreSQL URL or keyword/value string, as pgx
// accepts, including pool settings such as pool_max_conns and pool_min_conns — 0 unless it
// says otherwise, so connections are made on demand — and connect_timeout:
// DefaultConnectTimeout when it has none), creates or migrates the store's schema, starts
// listening for appends of other Stores, and returns the store.
//
// A schema already at the latest version is used as it is, with no DDL, so the role in url
// then needs only USAGE on the schema, SELECT, INSERT and UPDATE on its tables and EXECUTE
// on its function; creating or migrating a schema needs the privilege to create in it (and
// to create the schema itself, unless an administrator created it for the role). The
// store's connections run their transactions at READ COMMITTED, whatever the database's,
// the role's or url's default_transaction_isolation: appends rely on it.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	o := buildOptions(opts)
	switch {
	case o.schema == "":
		return nil, fmt.Errorf("postgres: open: %w: empty schema name", store.ErrInvalid)
	case len(o.schema) > MaxSchemaBytes:
		// PostgreSQL would cut it, and two names alike in their first bytes would share a log.
		return nil, fmt.Errorf("postgres: open: %w: schema name of %d bytes, over PostgreSQL's limit of %d", store.ErrInvalid, len(o.schema), MaxSchemaBytes)
	case strings.ContainsRune(o.schema, 0):
		return nil, fmt.Errorf("postgres: open: %w: schema name with a NUL byte", store.ErrInvalid)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", parseError(err))
	}
	// Appends rely on READ COMMITTED (see the package documentation): a transaction that
	// waited for the log's append lock must then see the append that held it. Under
	// REPEATABLE READ or SERIALIZABLE its snapshot is older than the wait, and it would
	// take positions already taken, so a stricter default of the database, the role or the
	// URL is overridden on every connection of the store.
	//
	// The server must notice a client that vanished (a partition, a frozen machine) while
	// its append holds the log's append lock, half a group sent: with the kernel's defaults it
	// took two hours, and every other server's appends failed meanwhile. So the store sets
	// the server's TCP keepalives; a URL that sets them keeps its own.
	//
	// Both are set once connected, not as startup parameters: a pooler such as PgBouncer
	// refuses a connection whose startup message holds a parameter it does not track
	// ("unsupported startup parameter"), and one told to ignore them drops them, so the
	// role's default isolation applied.
	delete(cfg.ConnConfig.RuntimeParams, "default_transaction_isolation")
	set := []string{"SET default_transaction_isolation = 'read committed'"}
	for _, name := range []string{"tcp_keepalives_idle", "tcp_keepalives_interval", "tcp_keepalives_count"} {
		if _, own := cfg.ConnConfig.RuntimeParams[name]; !own {
			set = append(set, "SET "+name+" = "+keepalives()[name])
		}
	}
	setup := strings.Join(set, "; ")
	after := cfg.ConnConfig.AfterConnect
	cfg.ConnConfig.AfterConnect = func(ctx context.Context, conn *pgconn.PgConn) error {
		if err := conn.Exec(ctx, setup).Close(); err != nil {
			return err
		}
		if after != nil {
			return after(ctx, conn)
		}
		return nil
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		// Without connect_timeout, a connection to a server that stopped answering (its
		// socket still accepts) waits for the kernel to give up, and Close with it.
		cfg.ConnConfig.ConnectTimeout = DefaultConnectTimeout
	}

	// Migrate over one direct connection before the pool exists.
	conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig.Copy())
	if err != nil {
		return nil, fmt.Errorf("postgres: open: connect: %w", err)
	}
	err = migrate(ctx, conn, o.schema, o.migrateLocks)
	if err == nil {
		err = checkIndexes(ctx, conn, o.schema)
	}
	if err == nil {
		err = checkAppendFunction(ctx, conn, o.schema)
	}
	_ = conn.Close(context.WithoutCancel(ctx))
	if err != nil {
		return nil, err
	}

	channel := channelName(o.schema)
	listener, err := connectListener(ctx, cfg.ConnConfig.Copy(), channel)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		_ = listener.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	var head int64
	if err := pool.QueryRow(ctx, newQueries(o.schema).head).Scan(&head); err != nil {
		pool.Close()
		_ = listener.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("postgres: open: read the head: %w", err)
	}
	stamped := int64(math.MinInt64)
	if o.restamped != nil {
		var last time.Time
		switch err := pool.QueryRow(ctx, newQueries(o.schema).lastTime).Scan(&last); {
		case err == nil:
			stamped = last.UnixMicro()
		case !errors.Is(err, pgx.ErrNoRows):
			pool.Close()
			_ = listener.Close(context.WithoutCancel(ctx))
			return nil, fmt.Errorf("postgres: open: read the last event's time: %w", err)
		}
	}
	s := &Store{
		pool:     pool,
		opts:     o,
		channel:  channel,
		sql:      newQueries(o.schema),
		wake:     newSignal(),
		tail:     newTail(o.tail, o.tailBytes, store.Position(head)),
		requests: make(chan *request),
		done:     make(chan struct{}),
		failure:  newFailure(),
	}
	s.seen.Store(head)
	s.stamped.Store(stamped)
	s.closing, s.closeReads = context.WithCancel(context.Background())
	lctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	s.stop = stop
	listenCfg := cfg.ConnConfig.Copy()
	s.workers.Go(func() { s.runListener(lctx, listenCfg, listener) })
	s.workers.Go(s.runCommitter)
	s.workers.Go(func() { s.runTailer(lctx) })
	return s, nil
}

// CheckURL checks the syntax of a connection string (a postgres:// URL or key=value
// settings) as Open parses it, without connecting. Its error never holds the string, which
// may hold a password: a program may print it.
func CheckURL(url string) error {
	if _, err := pgxpool.ParseConfig(url); err != nil {
		return parseError(err)
	}
	return nil
}

// parseError is why a connection string could not be parsed, without the string: pgx's
// error quotes it with its password masked only at best effort (a password with a space in
// a keyword/value string, or a URL with a misspelt scheme, shows), and the reason the
// parsers give may quote a piece of it. Programs print Open's error (cmd/migrate does).
func parseError(err error) error {
	const want = "invalid connection string: want postgres://user:password@host:port/database or key=value settings"
	var perr *pgconn.ParseConfigError
	if !errors.As(err, &perr) {
		return errors.New(want)
	}
	bare := *perr
	bare.ConnString = ""
	reason := strings.TrimPrefix(bare.Error(), "cannot parse ``: ")
	if cause := perr.Unwrap(); cause != nil && strings.HasPrefix(reason, "failed to parse as ") &&
		(strings.HasPrefix(reason, "failed to parse as keyword/value") || strings.Contains(cause.Error(), `"`)) {
		// The cause quotes the string, or a token of it.
		reason = strings.TrimSuffix(reason, " ("+cause.Error()+")")
	}
	return errors.New("invalid connection string: " + reason)
}

// channelName returns the NOTIFY channel of a schema. Channel names are identifiers of at
// most 63 bytes, so a long schema name is replaced by a hash of it.
func channelName(schema string) string {
	const maxIdentifier = 63
	name := "eventgraph:" + schema
	if len(name) <= maxIdentifier {
		return name
	}
	sum := sha256.Sum256([]byte(schema))
	return "eventgraph:" + hex.EncodeToString(sum[:16])
}

// Schema returns the schema the store's tables live in.
func (s *Store) Schema() string { return s.opts.schema }

// Pool returns the store's connection pool, for tools that query the tables directly.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close stops the listener, ends the reads in flight (their iterators yield
// store.ErrClosed), waits for the appends being committed, and closes the pool.
// Live subscriptions end with store.ErrClosed; every later call fails with it.
func (s *Store) Close() error {
	closed := true
	s.once.Do(func() {
		closed = false
		close(s.done)
		s.closeReads()
		s.stop()
		s.workers.Wait()
		s.pool.Close()
	})
	if closed {
		return fmt.Errorf("postgres: close: %w", store.ErrClosed)
	}
	return nil
}

// readErr is why an iterator must stop before its next event: ctx's end, or the store's
// closing (a page in hand is not handed out after Close).
func (s *Store) readErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed() {
		return store.ErrClosed
	}
	return nil
}

// untilClosed returns ctx, cancelled also when the store closes. Close waits for the pool's
// connections in use, so a read of a database that stopped answering (a network partition,
// a host that froze) would otherwise hold Close, and the reader, until the reader's ctx
// ends: for a subscription, perhaps never.
func (s *Store) untilClosed(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(s.closing, cancel) // no goroutine until the store closes
	return ctx, func() { stop(); cancel() }
}

func (s *Store) closed() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// Head returns the position of the last committed event, 0 for an empty log.
func (s *Store) Head(ctx context.Context) (store.Position, error) {
	if s.closed() {
		return 0, fmt.Errorf("postgres: head: %w", store.ErrClosed)
	}
	var p int64
	if err := s.onLiveConnection(ctx, func() error { return s.pool.QueryRow(ctx, s.sql.head).Scan(&p) }); err != nil {
		return 0, s.fail(ctx, "head", err)
	}
	return store.Position(p), nil
}

// StreamVersion returns the version of the stream's last committed event, 0 when it has
// none, from the end of the events' (stream_id, version) index: one index entry, not the
// stream's events (see store.StreamVersioner).
func (s *Store) StreamVersion(ctx context.Context, stream string) (store.Version, error) {
	if s.closed() {
		return 0, fmt.Errorf("postgres: stream version: %w", store.ErrClosed)
	}
	var v int64
	if err := s.onLiveConnection(ctx, func() error { return s.pool.QueryRow(ctx, s.sql.streamVersion, []byte(stream)).Scan(&v) }); err != nil {
		return 0, s.fail(ctx, "stream version", err)
	}
	return store.Version(v), nil
}

// fail wraps err for op: store.ErrClosed when the store was closed meanwhile, the
// context's error when it ended, and the error itself otherwise.
func (s *Store) fail(ctx context.Context, op string, err error) error {
	switch {
	case s.closed():
		return fmt.Errorf("postgres: %s: %w (%v)", op, store.ErrClosed, err)
	case ctx.Err() != nil && !errors.Is(err, ctx.Err()):
		return fmt.Errorf("postgres: %s: %w (%v)", op, ctx.Err(), err)
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// now returns the clock's reading as the store keeps it: UTC, in microseconds.
func (s *Store) now() time.Time {
	return s.opts.now().UTC().Truncate(time.Microsecond)
}
