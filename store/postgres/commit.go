package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/eventgraph/eventgraph/store"
)

// Group commit limits: a group closes when it holds this many appends or events.
const (
	maxGroupAppends = 256
	maxGroupEvents  = 4096
	groupTimeout    = time.Minute // how long one group may take to commit (its retries too)
)

// maxGroupBytes bounds a group by the size of its appends (as MaxAppendBytes counts them):
// pgx encodes a whole group into one buffer before it sends it, and without a bound a group
// of 256 appends of up to MaxAppendBytes each could take 64 GiB; and the database holds a
// group's statement (queries.appendGroup) about four times over while it runs (260 MiB for
// a group of 64 MiB, against 6 MiB for the pipeline of calls it replaced). 16 MiB of appends is far more than a group of maxGroupEvents ordinary events
// holds, so it leaves group commit as it was for them, and it already spreads a commit's WAL
// flush over enough bytes that larger groups would gain little. An append larger than it
// commits in a group of its own, through the single call, which holds no arrays.
const maxGroupBytes = 16 << 20

// runCommitter commits the appends handed to it until the store is closed. Appends that
// arrive while a group is committing form the next group: one round trip, one transaction
// and one commit (one WAL flush) for all of them, which is what lets concurrent writers
// through, as the log's append lock lets only one transaction append at a time.
//
// Each append of a group is one call of append_events in the group's transaction; a
// version conflict is that call's result, not an error, so it fails only its own append.
//
// An append that would take a group over its byte budget (maxGroupBytes) starts the next
// group instead: it was taken from the channel, so it is the committer's to commit, and it
// stays ahead of every append still waiting there.
func (s *Store) runCommitter() {
	var group []*request
	var next *request // the append that the last group had no room for
	for {
		if next != nil {
			group, next = append(group[:0], next), nil
		} else {
			select {
			case r := <-s.requests:
				group = append(group[:0], r)
			case <-s.done:
				return
			}
		}
		events, size := len(group[0].ids), group[0].size
	gather:
		for len(group) < maxGroupAppends && events < maxGroupEvents && size < s.opts.groupBytes {
			select {
			case r := <-s.requests:
				if size+r.size > s.opts.groupBytes {
					next = r
					break gather
				}
				group = append(group, r)
				events += len(r.ids)
				size += r.size
			default:
				break gather
			}
		}
		s.commitGroup(group)
		clear(group)
	}
}

// commitGroup commits the group and reports each append's outcome. When the group fails as
// a whole, how it failed decides what each append is told:
//   - no connection could be had: nothing was sent, and every append fails with that error,
//     which says so;
//   - the database refused it (the transaction was rolled back) or it was never sent: no
//     append committed, so each is committed alone, and one the database refuses fails alone;
//   - the connection failed during the commit: the group may have committed (the database
//     may have committed before the connection broke, or may yet commit). An append whose
//     events the log holds succeeded; the others fail with an error that says they may
//     still commit. Committing them again could write their events twice, or report a
//     conflict with their own events.
//
// The committer, and so every other append and Close, waits for it: its commit, the
// retries alone and the look-ups are each bounded as a whole, not append by append, so a
// database that stopped answering holds it for the same time whatever the group's size.
func (s *Store) commitGroup(group []*request) {
	// Every position seen by now was committed before the group takes the append lock, so
	// the head each append reads under it is at least this, unless the log lost events.
	seen := s.seen.Load()
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.groupTimeout)
	err := s.commitBatch(ctx, group)
	// A connection that the database ended while it sat idle in the pool (an administrator,
	// a restart, a failover) fails the group before anything of it ran; the pool may hold
	// more such, so others are tried, within the group's deadline. Reported, these had failed
	// a healthy database's appends, one or two after each such event.
	var dropped *droppedError
	for tries := 0; errors.As(err, &dropped) && ctx.Err() == nil && tries < s.droppedTries(); tries++ {
		err = s.commitBatch(ctx, group)
	}
	cancel()
	if err != nil {
		look := &lookups{timeout: s.opts.settleTimeout}
		defer look.stop()
		var ns *notSentError
		if len(group) > 1 && notCommitted(err) && !errors.As(err, &ns) {
			// One deadline for all the retries: once the database stops answering, each
			// would otherwise wait out a deadline of its own, one after another.
			ctx, cancel := context.WithTimeout(context.Background(), s.opts.groupTimeout)
			defer cancel()
			for _, r := range group {
				if err := s.commitBatch(ctx, []*request{r}); err != nil {
					s.settle(look, r, err)
				}
			}
		} else {
			for _, r := range group {
				s.settle(look, r, err)
			}
		}
	}
	s.checkGroup(group, seen)
	s.wake.broadcast()
	for _, r := range group {
		close(r.done)
	}
}

// notCommitted reports whether a batch that failed with err certainly did not commit: the
// database reported an error (it rolled the transaction back), or nothing was sent. A PANIC
// is not such an error: the server crashed, maybe as it committed, so the appends are looked
// up instead.
func notCommitted(err error) bool {
	var pgErr *pgconn.PgError
	var ns *notSentError
	if errors.As(err, &pgErr) {
		return pgErr.SeverityUnlocalized != "PANIC" && pgErr.Severity != "PANIC"
	}
	return errors.As(err, &ns) || pgconn.SafeToRetry(err)
}

// maxDroppedTries bounds how often a group is tried again on another of the pool's
// connections after the database had ended the one it took (see droppedError), unless the
// pool holds more connections (see droppedTries).
const maxDroppedTries = 8

// droppedError is a group's failure because the database had ended its connection (SQLSTATE
// class 08 or 57P0, or any FATAL) before the group's first statement answered: none of it
// ran, so nothing was written, and another connection may be alive.
type droppedError struct{ err error }

func (e *droppedError) Error() string {
	return fmt.Sprintf("the database ended the connection, nothing was written: %v", e.err)
}

func (e *droppedError) Unwrap() error { return e.err }

// droppedByServer reports whether err is the database ending the connection.
func droppedByServer(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	return pgErr.SeverityUnlocalized == "FATAL" || pgErr.Severity == "FATAL" ||
		strings.HasPrefix(pgErr.Code, "57P0") || strings.HasPrefix(pgErr.Code, "08")
}

// notSentError is why a group got no connection (the database is down or unreachable, or
// the pool stayed exhausted): none of it was sent, so nothing was written. The group's
// appends fail with it together; each on its own would only wait for a connection again.
type notSentError struct{ err error }

func (e *notSentError) Error() string {
	return fmt.Sprintf("no connection to the database, nothing was written: %v", e.err)
}

func (e *notSentError) Unwrap() error { return e.err }

// settleTimeout bounds the look-ups of the appends of a group whose commit failed, all of
// them together.
const settleTimeout = 10 * time.Second

// lookups is the deadline that the look-ups of one group's appends share, from the first
// one on. During a network partition a look-up waits until its deadline; with one each, a
// group of 256 appends held the committer (every other append, and Close) for 256 of them,
// some 43 minutes.
type lookups struct {
	timeout time.Duration
	ctx     context.Context
	cancel  context.CancelFunc
}

func (l *lookups) context() context.Context {
	if l.ctx == nil {
		l.ctx, l.cancel = context.WithTimeout(context.Background(), l.timeout)
	}
	return l.ctx
}

func (l *lookups) stop() {
	if l.cancel != nil {
		l.cancel()
	}
}

// settle sets the outcome of r, whose commit failed with err: when it may have committed,
// and the log holds its events, it succeeded. Its look-up runs within the group's
// deadline, look.
func (s *Store) settle(look *lookups, r *request, err error) {
	r.err = err
	if notCommitted(err) {
		return
	}
	ctx := look.context()
	if ctx.Err() != nil {
		// The database did not answer the group's earlier look-ups in time; this one is
		// not tried, so that its append is told now.
		r.err = fmt.Errorf("%w (the append may have committed; there was no time left to look it up)", err)
		return
	}
	res, found, lerr := s.committed(ctx, r)
	switch {
	case found:
		r.result, r.err = res, nil
	case lerr != nil:
		r.err = fmt.Errorf("%w (the append may have committed; looking it up failed: %v)", err, lerr)
	default:
		r.err = fmt.Errorf("%w (the append may still commit)", err)
	}
}

// committed looks for r's events in the log: its first and last event, at consecutive
// versions and positions of its stream, are proof enough that its batch committed.
func (s *Store) committed(ctx context.Context, r *request) (store.Appended, bool, error) {
	first, last := r.ids[0], r.ids[len(r.ids)-1]
	type at struct{ version, position int64 }
	var firstAt, lastAt []at
	err := s.onLiveConnection(ctx, func() error {
		firstAt, lastAt = nil, nil
		rows, err := s.pool.Query(ctx, s.sql.eventsByID, r.stream, [][]byte{first, last})
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id []byte
			var a at
			if err := rows.Scan(&id, &a.version, &a.position); err != nil {
				return err
			}
			if bytes.Equal(id, first) {
				firstAt = append(firstAt, a)
			}
			if bytes.Equal(id, last) {
				lastAt = append(lastAt, a)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return store.Appended{}, false, err
	}
	n := int64(len(r.ids) - 1)
	for _, f := range firstAt {
		for _, l := range lastAt {
			if l.version-f.version == n && l.position-f.position == n {
				return store.Appended{Version: store.Version(l.version), Position: store.Position(l.position)}, true, nil
			}
		}
	}
	return store.Appended{}, false, nil
}

// commitBatch runs the group's append_events calls, in order, in one statement
// (queries.appendGroup; a group of one calls it directly, which costs less), which
// PostgreSQL runs as one implicit transaction. It sets each append's result or conflict only
// when the transaction committed. ctx bounds it: it is not a caller's context, as the group
// belongs to several callers, and Close waits for it; the bound keeps an unreachable database
// from holding Close forever.
func (s *Store) commitBatch(ctx context.Context, group []*request) error {
	sql, args := s.groupArgs(group)
	// Acquired apart from sending, so that a failure to connect is known to have sent
	// nothing: the pool's Query returns it like any other error.
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return &notSentError{err}
	}
	defer conn.Release()
	type outcome struct {
		ok            bool
		version, head int64
	}
	out := make([]outcome, 0, len(group))
	rows, err := conn.Query(ctx, sql, args...)
	if err == nil {
		for rows.Next() {
			var o outcome
			if err = rows.Scan(&o.ok, &o.version, &o.head); err != nil {
				break
			}
			out = append(out, o)
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
	}
	if err != nil {
		if len(out) == 0 && droppedByServer(err) {
			// The statement's rows come only once every append of it ran, and it commits
			// after them: ended before the first row, it wrote nothing.
			return &droppedError{err}
		}
		return err
	}
	if len(out) != len(group) {
		return fmt.Errorf("postgres: append: %d results for a group of %d appends", len(out), len(group))
	}
	for i, r := range group {
		if !out[i].ok {
			r.err = &store.ConflictError{Actual: store.Version(out[i].version)}
			r.before, r.beforeKnown = out[i].head, true
			continue
		}
		r.result = store.Appended{Version: store.Version(out[i].version), Position: store.Position(out[i].head)}
		r.before, r.beforeKnown = out[i].head-int64(len(r.ids)), true
	}
	return nil
}

// checkGroup notes the positions the group's appends took, and fails the store when an
// append read a head below seen, the highest position seen committed before the group
// began (see ErrFailed). The group's own appends committed all the same: they are
// acknowledged, and only later appends fail.
func (s *Store) checkGroup(group []*request, seen int64) {
	for _, r := range group {
		if r.beforeKnown {
			s.checkHead(r.before, seen)
		}
		if r.err == nil && r.result.Position > 0 {
			s.saw(r.result.Position)
		}
	}
}

// groupArgs returns the statement that appends group and its arguments.
func (s *Store) groupArgs(group []*request) (string, []any) {
	if len(group) == 1 {
		r := group[0]
		return s.sql.appendEvents, []any{r.stream, r.expected, r.ids, r.types, r.time, r.data, r.metadata, s.channel}
	}
	streams := make([][]byte, len(group))
	expected := make([]int64, len(group))
	times := make([]time.Time, len(group))
	starts := make([]int32, len(group)+1)
	n := 0
	for _, r := range group {
		n += len(r.ids)
	}
	ids, types := make([][]byte, 0, n), make([][]byte, 0, n)
	data, metadata := make([][]byte, 0, n), make([][]byte, 0, n)
	for i, r := range group {
		streams[i], expected[i], times[i], starts[i] = r.stream, r.expected, r.time, int32(len(ids))
		ids, types = append(ids, r.ids...), append(types, r.types...)
		data, metadata = append(data, r.data...), append(metadata, r.metadata...)
	}
	starts[len(group)] = int32(len(ids))
	return s.sql.appendGroup, []any{streams, expected, starts, ids, types, data, metadata, times, s.channel}
}
