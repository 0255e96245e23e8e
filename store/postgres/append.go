package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// Append atomically appends events to stream if its version satisfies expected.
// See store.Store for the contract, and the package documentation for how positions are
// assigned in commit order and how concurrent appends share a transaction.
//
// Append returns once the transaction holding its events has committed, so they are as
// durable as the database's commit (synchronous_commit). If ctx ends after the events were
// handed to the committer, Append returns ctx's error without knowing whether they
// commit. When the connection fails during the commit, Append looks for its events in the
// log (on another connection): found, it succeeded; otherwise it returns the error, which
// says that the append may still commit. It is never committed a second time. An append
// whose events total more than MaxAppendBytes fails with store.ErrInvalid.
func (s *Store) Append(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, error) {
	op := "append " + strconv.Quote(stream)
	if err := ctx.Err(); err != nil {
		return store.Appended{}, fmt.Errorf("postgres: %s: %w", op, err)
	}
	if s.closed() {
		return store.Appended{}, fmt.Errorf("postgres: %s: %w", op, store.ErrClosed)
	}
	if err := s.Failed(); err != nil {
		return store.Appended{}, fmt.Errorf("postgres: %s: %w", op, err)
	}
	if len(stream) > MaxStreamIDBytes {
		return store.Appended{}, fmt.Errorf("postgres: %s: %w: stream id of %d bytes, over the limit of %d", op, store.ErrInvalid, len(stream), MaxStreamIDBytes)
	}
	prepared, err := store.Prepare(stream, expected, events, s.opts.maxSize)
	if err != nil {
		return store.Appended{}, fmt.Errorf("postgres: %w", err)
	}
	r := &request{
		stream:   []byte(stream),
		expected: int64(expected),
		time:     s.now(),
		ids:      make([][]byte, len(prepared)),
		types:    make([][]byte, len(prepared)),
		data:     make([][]byte, len(prepared)),
		metadata: make([][]byte, len(prepared)),
		done:     make(chan struct{}),
	}
	size := len(stream)
	for i, e := range prepared {
		m, err := encodeMetadata(e.Metadata)
		if err != nil {
			return store.Appended{}, fmt.Errorf("postgres: %s: %w", op, err)
		}
		r.ids[i], r.types[i], r.data[i], r.metadata[i] = []byte(e.ID), []byte(e.Type), e.Data, m
		size += len(e.ID) + len(e.Type) + len(e.Data) + len(m) + 4*4 // and a length in each array
	}
	// Refused here, before it joins a group: the server would drop the connection over it,
	// and the whole group with it, which would then be told that it may have committed.
	if size > s.opts.maxAppend {
		return store.Appended{}, fmt.Errorf("postgres: %s: %w: %d events of %d bytes in all, over the limit of %d for one append", op, store.ErrInvalid, len(prepared), size, s.opts.maxAppend)
	}
	r.size = size
	// How much later than r.time the database will stamp the events, at least: the log's
	// last event is no earlier than stamped, read before the append is queued.
	var lead time.Duration
	if s.opts.restamped != nil {
		if t, floor := r.time.UnixMicro(), s.stamped.Load(); t < floor {
			lead = time.Duration(floor-t) * time.Microsecond
		}
	}
	select {
	case s.requests <- r:
	case <-ctx.Done():
		return store.Appended{}, fmt.Errorf("postgres: %s: %w", op, ctx.Err())
	case <-s.done:
		return store.Appended{}, fmt.Errorf("postgres: %s: %w", op, store.ErrClosed)
	}
	select {
	case <-r.done:
	case <-ctx.Done():
		return store.Appended{}, fmt.Errorf("postgres: %s: %w (the append may still commit)", op, ctx.Err())
	}
	if r.err != nil {
		if c, ok := r.err.(*store.ConflictError); ok {
			c.Stream, c.Expected = stream, expected
			return store.Appended{}, fmt.Errorf("postgres: %s: %w", op, c)
		}
		return store.Appended{}, s.fail(ctx, op, r.err)
	}
	if s.opts.restamped != nil {
		s.noteStamped(r.time)
		if lead > 0 {
			s.opts.restamped(lead)
		}
	}
	return r.result, nil
}

// noteStamped raises stamped to t, the clock's reading of an append that committed: the
// database stamped its events no earlier.
func (s *Store) noteStamped(t time.Time) {
	us := t.UnixMicro()
	for {
		cur := s.stamped.Load()
		if us <= cur || s.stamped.CompareAndSwap(cur, us) {
			return
		}
	}
}

// MaxAppendBytes bounds the size of one append's events, all together (their ids, types,
// data and encoded metadata, and the stream id): PostgreSQL refuses a protocol message of
// 1 GiB or more by dropping the connection, and an append's events travel in one message
// (as bytea arrays, which text encoding would double). A larger append fails with
// store.ErrInvalid and writes nothing.
const MaxAppendBytes = 256 << 20

// MaxStreamIDBytes is the longest stream id the store accepts: PostgreSQL's B-tree index on
// stream ids refuses keys of more than about 2.7 kB.
const MaxStreamIDBytes = 2048

// encodeMetadata returns the metadata as a JSON object.
func encodeMetadata(meta map[string]string) ([]byte, error) {
	if len(meta) == 0 {
		return []byte("{}"), nil
	}
	return json.Marshal(meta)
}

// request is one Append handed to the committer.
type request struct {
	stream                     []byte
	expected                   int64
	time                       time.Time
	ids, types, data, metadata [][]byte
	size                       int // as MaxAppendBytes counts it; bounds groups (maxGroupBytes)

	result store.Appended
	err    error // a *store.ConflictError, or why the commit failed
	// before is the log's head as the append read it, under the append lock, when known
	// (it committed, or was refused for its version, in commitBatch).
	before      int64
	beforeKnown bool
	done        chan struct{} // closed when result or err is set
}
