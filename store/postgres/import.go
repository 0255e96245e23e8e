package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventgraph/eventgraph/store"
)

// ErrNotContinuous means events given to Import do not continue the log where it ends:
// their positions do not start right after the head, or a stream's versions do not
// continue from its current version.
var ErrNotContinuous = errors.New("postgres: imported events do not continue the log")

// Import appends events that already have their positions, stream versions, ids and times
// — a log being copied from another store — in one transaction. The first event must take
// the position after the head, positions must be consecutive and each stream's versions
// must continue from its current version; otherwise Import fails with an error wrapping
// ErrNotContinuous and writes nothing. Each event is validated as Append validates it
// (store.ErrInvalid); its time is kept, in microseconds.
func (s *Store) Import(ctx context.Context, events []store.Event) (store.Appended, error) {
	if err := ctx.Err(); err != nil {
		return store.Appended{}, fmt.Errorf("postgres: import: %w", err)
	}
	if s.closed() {
		return store.Appended{}, fmt.Errorf("postgres: import: %w", store.ErrClosed)
	}
	if len(events) == 0 {
		return store.Appended{}, fmt.Errorf("postgres: import: %w: no events", store.ErrInvalid)
	}
	rows := newRows(len(events))
	var ids [][]byte
	seen := make(map[string]bool)
	for i, e := range events {
		if want := events[0].Position + store.Position(i); e.Position != want {
			return store.Appended{}, fmt.Errorf("postgres: import: %w: event %d has position %d, want %d", ErrNotContinuous, i, e.Position, want)
		}
		if len(e.StreamID) > MaxStreamIDBytes {
			return store.Appended{}, fmt.Errorf("postgres: import: position %d: %w: stream id of %d bytes, over the limit of %d", e.Position, store.ErrInvalid, len(e.StreamID), MaxStreamIDBytes)
		}
		p, err := store.Prepare(e.StreamID, store.Any, []store.EventData{{ID: e.ID, Type: e.Type, Data: e.Data, Metadata: e.Metadata}}, s.opts.maxSize)
		if err != nil {
			return store.Appended{}, fmt.Errorf("postgres: import: position %d: %w", e.Position, err)
		}
		if err := rows.add(e.StreamID, p[0].ID, e.Type, e.Time.UTC().Truncate(time.Microsecond), p[0].Data, p[0].Metadata); err != nil {
			return store.Appended{}, fmt.Errorf("postgres: import: position %d: %w", e.Position, err)
		}
		rows.positions[i] = int64(e.Position)
		rows.versions[i] = int64(e.Version)
		if !seen[e.StreamID] {
			seen[e.StreamID] = true
			ids = append(ids, []byte(e.StreamID))
		}
	}

	n := int64(len(events))
	last := events[len(events)-1]
	var a store.Appended
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// The lock appends take: no append runs until this transaction ends, and the head
		// read after it is the last committed.
		if _, err := tx.Exec(ctx, s.sql.lockAppends, s.opts.schema); err != nil {
			return err
		}
		var head int64
		if err := tx.QueryRow(ctx, s.sql.head).Scan(&head); err != nil {
			return err
		}
		if head != int64(events[0].Position)-1 {
			return fmt.Errorf("%w: the log ends at position %d, the events start at %d", ErrNotContinuous, head, events[0].Position)
		}
		versions := make(map[string]int64, len(ids))
		rs, err := tx.Query(ctx, s.sql.streamVersions, ids)
		if err != nil {
			return err
		}
		var (
			id []byte
			v  int64
		)
		if _, err := pgx.ForEachRow(rs, []any{&id, &v}, func() error { versions[string(id)] = v; return nil }); err != nil {
			return err
		}
		for _, e := range events {
			if int64(e.Version) != versions[e.StreamID]+1 {
				return fmt.Errorf("%w: position %d is version %d of %q, which is at version %d", ErrNotContinuous, e.Position, e.Version, e.StreamID, versions[e.StreamID])
			}
			versions[e.StreamID]++
		}
		if err := s.write(ctx, tx, rows, head+n); err != nil {
			return err
		}
		a = store.Appended{Version: last.Version, Position: last.Position}
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrNotContinuous) {
			return store.Appended{}, fmt.Errorf("postgres: import: %w", err)
		}
		return store.Appended{}, s.fail(ctx, "import", err)
	}
	s.wake.broadcast()
	return a, nil
}

// write inserts the rows and notifies the listeners of the new head, in one round trip of
// the transaction that holds the appends' lock.
func (s *Store) write(ctx context.Context, tx pgx.Tx, r *rowSet, head int64) error {
	b := &pgx.Batch{}
	b.Queue(s.sql.insert, r.positions, r.streams, r.versions, r.ids, r.types, r.times, r.data, r.metadata)
	b.Queue(s.sql.notify, s.channel, strconv.FormatInt(head, 10))
	return tx.SendBatch(ctx, b).Close()
}

// rowSet holds the columns of events to insert, as arrays for unnest.
type rowSet struct {
	positions []int64
	streams   [][]byte
	versions  []int64
	ids       [][]byte
	types     [][]byte
	times     []time.Time
	data      [][]byte
	metadata  [][]byte
}

func newRows(n int) *rowSet {
	return &rowSet{
		positions: make([]int64, n),
		versions:  make([]int64, n),
		streams:   make([][]byte, 0, n),
		ids:       make([][]byte, 0, n),
		types:     make([][]byte, 0, n),
		times:     make([]time.Time, 0, n),
		data:      make([][]byte, 0, n),
		metadata:  make([][]byte, 0, n),
	}
}

// add appends an event's columns but its position and version, which the caller sets.
func (r *rowSet) add(stream, id, typ string, t time.Time, data []byte, meta map[string]string) error {
	m, err := encodeMetadata(meta)
	if err != nil {
		return err
	}
	r.streams = append(r.streams, []byte(stream))
	r.ids = append(r.ids, []byte(id))
	r.types = append(r.types, []byte(typ))
	r.times = append(r.times, t)
	r.data = append(r.data, data)
	r.metadata = append(r.metadata, m)
	return nil
}
