package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventgraph/eventgraph/store"
)

// ReadStream yields the stream's events with Version > after, in order.
// It reads in pages and holds no connection while the caller handles an event.
func (s *Store) ReadStream(ctx context.Context, stream string, after store.Version) iter.Seq2[store.Event, error] {
	op := "read stream " + strconv.Quote(stream)
	return func(yield func(store.Event, error) bool) {
		from := int64(max(after, 0))
		id := []byte(stream)
		for {
			page, err := s.page(ctx, op, s.sql.readStream, id, from, s.opts.page)
			if err != nil {
				yield(store.Event{}, err)
				return
			}
			for _, e := range page {
				if err := s.readErr(ctx); err != nil {
					yield(store.Event{}, fmt.Errorf("postgres: %s: %w", op, err))
					return
				}
				if !yield(e, nil) {
					return
				}
				from = int64(e.Version)
			}
			if len(page) < s.opts.page {
				return
			}
		}
	}
}

// ReadAll yields every event with Position > after, in log order, up to the head when it
// reaches it. It reads in pages and holds no connection while the caller handles an event.
func (s *Store) ReadAll(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		from := after
		for {
			page, err := s.page(ctx, "read all", s.sql.readAll, int64(max(from, 0)), s.opts.page)
			if err != nil {
				yield(store.Event{}, err)
				return
			}
			for _, e := range page {
				if err := s.readErr(ctx); err != nil {
					yield(store.Event{}, fmt.Errorf("postgres: read all: %w", err))
					return
				}
				if !yield(e, nil) {
					return
				}
				from = e.Position
			}
			if len(page) < s.opts.page {
				return
			}
		}
	}
}

// page runs a read query and returns its events, having released the connection.
func (s *Store) page(ctx context.Context, op, query string, args ...any) ([]store.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", op, err)
	}
	if s.closed() {
		return nil, fmt.Errorf("postgres: %s: %w", op, store.ErrClosed)
	}
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, s.fail(ctx, op, err)
	}
	var (
		out               []store.Event
		stream, id, typ   []byte
		position, version int64
		at                time.Time
		data, meta        []byte
	)
	_, err = pgx.ForEachRow(rows, []any{&position, &stream, &version, &id, &typ, &at, &data, &meta}, func() error {
		e := store.Event{
			ID:       string(id),
			StreamID: string(stream),
			Version:  store.Version(version),
			Position: store.Position(position),
			Type:     string(typ),
			Time:     at.UTC(),
			Data:     json.RawMessage(append([]byte(nil), data...)),
		}
		if len(meta) > 2 { // not "{}"
			if err := json.Unmarshal(meta, &e.Metadata); err != nil {
				return fmt.Errorf("metadata of position %d: %w", position, err)
			}
		}
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, s.fail(ctx, op, err)
	}
	return out, nil
}
