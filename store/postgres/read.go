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
	return s.readStream(ctx, "read stream "+strconv.Quote(stream), s.sql.readStream, stream, after)
}

var _ store.StreamTypeReader = (*Store)(nil)

// ReadStreamTypes yields the stream's events of the given types with Version > after, in
// order (see store.StreamTypeReader): the database leaves the stream's other events out, so
// only those asked for travel. It reads in pages as ReadStream does.
func (s *Store) ReadStreamTypes(ctx context.Context, stream string, after store.Version, types []string) iter.Seq2[store.Event, error] {
	names := make([][]byte, len(types))
	for i, t := range types {
		names[i] = []byte(t)
	}
	return s.readStream(ctx, "read stream types "+strconv.Quote(stream), s.sql.readStreamTypes, stream, after, names)
}

// readStream yields the events query finds in the stream after the version, page after page:
// query takes the stream, the version to read after, args, and the page's bounds.
func (s *Store) readStream(ctx context.Context, op, query string, stream string, after store.Version, args ...any) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		from := int64(max(after, 0))
		id := []byte(stream)
		for {
			page, more, err := s.page(ctx, op, query, append([]any{id, from}, args...)...)
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
			if !more {
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
			page, more, err := s.page(ctx, "read all", s.sql.readAll, int64(max(from, 0)))
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
			if !more {
				return
			}
		}
	}
}

// ReadAllTypes yields the events of the given types with Position > after, in log order,
// up to the head when the iteration begins (see store.TypeReader). Each type is read by its
// own queries over the index on (md5(type), position), a page at a time, and the pages merged in
// position order; bounding every query by the head read first keeps what it yields a
// prefix of the log: a type's later page cannot add an event past one another type's
// query could no longer see.
func (s *Store) ReadAllTypes(ctx context.Context, after store.Position, types []string) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		head, err := s.Head(ctx)
		if err != nil {
			yield(store.Event{}, err)
			return
		}
		type cursor struct {
			typ  []byte
			from int64
			buf  []store.Event
			done bool
		}
		var cs []cursor
		seen := make(map[string]bool, len(types))
		for _, t := range types {
			if !seen[t] {
				seen[t] = true
				cs = append(cs, cursor{typ: []byte(t), from: int64(max(after, 0))})
			}
		}
		for {
			next := -1
			for i := range cs {
				c := &cs[i]
				if len(c.buf) == 0 && !c.done {
					// Planned for this type each time (an unnamed statement): a plan made
					// once for any type (what a cached prepared statement comes to) reads a
					// rare type by passing over every event after the position.
					page, more, err := s.page(ctx, "read all types", s.sql.readType, pgx.QueryExecModeExec, c.typ, c.from, int64(head))
					if err != nil {
						yield(store.Event{}, err)
						return
					}
					c.buf, c.done = page, !more
					if len(page) > 0 {
						c.from = int64(page[len(page)-1].Position)
					}
				}
				if len(c.buf) > 0 && (next < 0 || c.buf[0].Position < cs[next].buf[0].Position) {
					next = i
				}
			}
			if next < 0 {
				return
			}
			if err := s.readErr(ctx); err != nil {
				yield(store.Event{}, fmt.Errorf("postgres: read all types: %w", err))
				return
			}
			e := cs[next].buf[0]
			cs[next].buf[0] = store.Event{}
			cs[next].buf = cs[next].buf[1:]
			if !yield(e, nil) {
				return
			}
		}
	}
}

// page runs a read query made by paged, whose last two parameters are the most events and
// bytes of a page (added here to args), and returns its events, having released the
// connection; a query still running when the store closes ends with store.ErrClosed. more
// is false when the page holds every event the query could read, true when it was cut
// short by either bound, so there may be more.
func (s *Store) page(ctx context.Context, op, query string, args ...any) (events []store.Event, more bool, err error) {
	if err := ctx.Err(); err != nil {
		return nil, false, fmt.Errorf("postgres: %s: %w", op, err)
	}
	if s.closed() {
		return nil, false, fmt.Errorf("postgres: %s: %w", op, store.ErrClosed)
	}
	ctx, cancel := s.untilClosed(ctx)
	defer cancel()
	maxEvents, maxBytes := s.opts.page, int64(s.opts.pageBytes)
	args = append(args, maxEvents, maxBytes)
	var (
		out               []store.Event
		size              int64 // as rowBytes counts it
		stream, id, typ   []byte
		position, version int64
		at                time.Time
		data, meta        []byte
	)
	collect := func() error {
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
		size += int64(len(stream) + len(id) + len(typ) + len(data) + len(meta))
		return nil
	}
	err = s.onLiveConnection(ctx, func() error {
		out, size = nil, 0 // what a try on a connection the database had ended read
		rows, err := s.pool.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		_, err = pgx.ForEachRow(rows, []any{&position, &stream, &version, &id, &typ, &at, &data, &meta}, collect)
		return err
	})
	if err != nil {
		return nil, false, s.fail(ctx, op, err)
	}
	return out, len(out) == maxEvents || size >= maxBytes, nil
}
