package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventgraph/eventgraph/store"
)

// Append atomically appends events to stream if its version satisfies expected.
// See store.Store for the contract, and the package documentation for how positions are
// assigned in commit order.
//
// Append returns once the transaction has committed, so the events are as durable as the
// database's commit (synchronous_commit). If the connection fails during the commit,
// Append reports the error although the commit may have happened.
func (s *Store) Append(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, error) {
	op := "append " + strconv.Quote(stream)
	if err := ctx.Err(); err != nil {
		return store.Appended{}, fmt.Errorf("postgres: %s: %w", op, err)
	}
	if s.closed() {
		return store.Appended{}, fmt.Errorf("postgres: %s: %w", op, store.ErrClosed)
	}
	prepared, err := store.Prepare(stream, expected, events, s.opts.maxSize)
	if err != nil {
		return store.Appended{}, fmt.Errorf("postgres: %w", err)
	}
	rows := newRows(len(prepared))
	now := s.now()
	for _, e := range prepared {
		if err := rows.add(stream, e.ID, e.Type, now, e.Data, e.Metadata); err != nil {
			return store.Appended{}, fmt.Errorf("postgres: %s: %w", op, err)
		}
	}

	var a store.Appended
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		n := int64(len(prepared))
		var head int64
		if err := tx.QueryRow(ctx, s.sql.lockHead, n).Scan(&head); err != nil {
			return err
		}
		var current int64
		if err := tx.QueryRow(ctx, s.sql.streamVersion, []byte(stream)).Scan(&current); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if err := store.CheckVersion(stream, expected, store.Version(current)); err != nil {
			return err
		}
		for i := range rows.positions {
			rows.positions[i] = head - n + 1 + int64(i)
			rows.versions[i] = current + 1 + int64(i)
		}
		if err := s.write(ctx, tx, rows, [][]byte{[]byte(stream)}, []int64{current + n}, head); err != nil {
			return err
		}
		a = store.Appended{Version: store.Version(current + n), Position: store.Position(head)}
		return nil
	})
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			return store.Appended{}, fmt.Errorf("postgres: %s: %w", op, err)
		}
		return store.Appended{}, s.fail(ctx, op, err)
	}
	s.wake.broadcast()
	return a, nil
}

// write inserts the rows, sets the streams' versions and notifies the listeners of the
// new head, in one round trip of the transaction that holds the head lock.
func (s *Store) write(ctx context.Context, tx pgx.Tx, r *rowSet, streams [][]byte, versions []int64, head int64) error {
	b := &pgx.Batch{}
	b.Queue(s.sql.insert, r.positions, r.streams, r.versions, r.ids, r.types, r.times, r.data, r.metadata)
	b.Queue(s.sql.upsertStreams, streams, versions)
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
	m := []byte("{}")
	if len(meta) > 0 {
		var err error
		if m, err = json.Marshal(meta); err != nil {
			return err
		}
	}
	r.streams = append(r.streams, []byte(stream))
	r.ids = append(r.ids, []byte(id))
	r.types = append(r.types, []byte(typ))
	r.times = append(r.times, t)
	r.data = append(r.data, data)
	r.metadata = append(r.metadata, m)
	return nil
}
