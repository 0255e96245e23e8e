package jsonl

import (
	"context"
	"fmt"
	"iter"
	"math"
	"slices"

	"github.com/eventgraph/eventgraph/internal/merge"
	"github.com/eventgraph/eventgraph/store"
)

const (
	// readChunk is how many events a reader handles between looks at the index.
	readChunk = 256
	// maxRead bounds one read of adjacent lines.
	maxRead = 256 << 10
)

// ReadStream yields the stream's events with Version > after, in order, as committed when
// the iteration begins (not when ReadStream is called). It reads only the stream's own
// lines, found through the index.
func (s *Store) ReadStream(ctx context.Context, stream string, after store.Version) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		s.mu.RLock()
		if s.closed {
			s.mu.RUnlock()
			yield(store.Event{}, fmt.Errorf("jsonl: read stream %s: %w", stream, store.ErrClosed))
			return
		}
		var positions []int64
		if id, ok := s.idx.lookup(stream); ok {
			positions = s.idx.streams[id].positions
		}
		entries := s.idx.entries
		s.mu.RUnlock()
		if err := ctx.Err(); err != nil {
			yield(store.Event{}, err) // also when there is nothing to read
			return
		}

		r := reader{s: s, ctx: ctx, stream: stream}
		es := make([]entry, 0, min(readChunk, len(positions)))
		for v := toIndex(after); v < len(positions); v += readChunk {
			es = es[:0]
			for _, p := range positions[v:min(v+readChunk, len(positions))] {
				es = append(es, entries.at(int(p-1)))
			}
			if !r.read(es, yield) {
				return
			}
		}
	}
}

// StreamVersion returns the version of the stream's last committed event, 0 when it has
// none; appends in flight do not count. See store.StreamVersioner.
func (s *Store) StreamVersion(ctx context.Context, stream string) (store.Version, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return 0, fmt.Errorf("jsonl: stream version %s: %w", stream, store.ErrClosed)
	}
	if id, ok := s.idx.lookup(stream); ok {
		return store.Version(len(s.idx.streams[id].positions)), nil
	}
	return 0, nil
}

// ReadAll yields every event with Position > after, in log order, up to the head when the
// iteration begins (not when ReadAll is called).
func (s *Store) ReadAll(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return s.readAll(ctx, after, false)
}

// ReadAllShared is ReadAll, except that the events it takes from the tail cache share Data
// and Metadata with it: the caller must not modify them. See store.SharedReader.
func (s *Store) ReadAllShared(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return s.readAll(ctx, after, true)
}

func (s *Store) readAll(ctx context.Context, after store.Position, shared bool) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		s.mu.RLock()
		closed, entries := s.closed, s.idx.entries
		s.mu.RUnlock()
		if closed {
			yield(store.Event{}, fmt.Errorf("jsonl: read all: %w", store.ErrClosed))
			return
		}
		if err := ctx.Err(); err != nil {
			yield(store.Event{}, err) // also when there is nothing to read
			return
		}
		r := reader{s: s, ctx: ctx, shared: shared, aheadOK: true}
		defer r.stopAhead()
		for p, ok := toIndex(after), true; p < entries.len(); {
			if p, ok = r.step(&entries, p, yield); !ok {
				return
			}
		}
	}
}

// Subscribe yields every event with Position > after: the history first, then each event
// as it is committed, until ctx ends or the Store is closed. A subscriber keeps its
// position and what it is reading: it reads events from the file a chunk at a time (a few
// chunks ahead when far behind, see the package documentation), or, while it keeps up with
// the log, takes them from the tail cache; so a slow one holds bounded memory and never
// holds up appends. The events are the caller's to modify.
func (s *Store) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return s.subscribe(ctx, after, false)
}

// SubscribeShared is Subscribe, except that the events it takes from the tail cache share
// Data and Metadata with it: the caller must not modify them. See store.SharedSubscriber.
func (s *Store) SubscribeShared(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return s.subscribe(ctx, after, true)
}

func (s *Store) subscribe(ctx context.Context, after store.Position, shared bool) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		s.subs.Add(1) // appends fill the tail cache from now on
		defer s.subs.Add(-1)
		r := reader{s: s, ctx: ctx, shared: shared, aheadOK: true}
		defer r.stopAhead()
		cursor := toIndex(after)
		for {
			s.mu.RLock()
			closed, entries := s.closed, s.idx.entries
			s.mu.RUnlock()
			if closed {
				yield(store.Event{}, fmt.Errorf("jsonl: subscribe: %w", store.ErrClosed))
				return
			}
			if cursor < entries.len() {
				var ok bool
				if cursor, ok = r.step(&entries, cursor, yield); !ok {
					return
				}
				continue
			}
			notify := s.waitAfter(cursor)
			if notify == nil {
				continue
			}
			r.buf, r.batch, r.es = nil, nil, nil // an idle subscriber holds no buffers
			select {
			case <-notify:
			case <-ctx.Done():
				yield(store.Event{}, ctx.Err())
				return
			case <-s.done:
			}
		}
	}
}

// reader reads and decodes indexed lines, reusing one buffer.
type reader struct {
	s       *Store
	ctx     context.Context
	stream  string // the stream's id when all lines belong to it
	buf     []byte
	names   names         // types and metadata keys seen so far
	shared  bool          // events from the tail cache are yielded without a copy
	batch   []store.Event // events taken from the tail cache
	es      []entry       // the entries step reads from the file
	yielded int           // events read yielded, counted for the ReadObserver
	aheadOK bool          // a long run of lines may be parsed on another goroutine (see readAhead)
	ahead   *readAhead    // the read-ahead running, if any
	inline  int           // chunks read from the file on the caller's goroutine
}

// step yields the events after position from (from < l.len()), at most readChunk of them:
// from the tail cache when it holds the next one, else read from the file. It returns the
// position it reached, and false when iteration must stop (see read).
func (r *reader) step(l *entryList, from int, yield func(store.Event, error) bool) (int, bool) {
	if r.ahead != nil {
		if r.ahead.next == from {
			return r.fromAhead(from, yield)
		}
		r.stopAhead()
	}
	n, ok := r.cached(from, l.len()-from, yield)
	if !ok || n > 0 {
		if r.s.reads != nil {
			r.s.reads.Read(n, 0)
		}
		return from + n, ok
	}
	if r.aheadOK && r.inline >= aheadAfter && l.len()-from >= aheadMin && r.s.takeAhead() {
		r.startAhead(*l, from)
		return r.fromAhead(from, yield)
	}
	r.inline++
	to := min(from+readChunk, l.len())
	r.es = l.appendRange(r.es[:0], from, to)
	r.yielded = 0
	ok = r.read(r.es, yield)
	if r.s.reads != nil {
		r.s.reads.Read(0, r.yielded)
	}
	return to, ok
}

// cached yields the events after position after from the tail cache, at most limit (and
// readChunk) of them, and returns how many; 0 when the cache does not hold the next one. ok
// is false when iteration must stop (see read).
func (r *reader) cached(after, limit int, yield func(store.Event, error) bool) (n int, ok bool) {
	if !r.s.tailOn {
		return 0, true
	}
	r.s.mu.RLock()
	r.batch, _ = r.s.tail.copyFrom(r.batch[:0], store.Position(after+1), min(limit, readChunk))
	r.s.mu.RUnlock()
	for i, e := range r.batch {
		r.batch[i] = store.Event{} // the batch is reused; it must not keep events alive
		if err := r.stopErr(); err != nil {
			return i, fail(yield, err)
		}
		if !r.shared {
			e = ownCopy(e)
		}
		if !yield(e, nil) {
			return i + 1, false
		}
	}
	return len(r.batch), true
}

// read yields the events of es, reading adjacent lines with one ReadAt. It reports false
// when iteration must stop: yield returned false, ctx ended, or an error was yielded.
func (r *reader) read(es []entry, yield func(store.Event, error) bool) bool {
	for i := 0; i < len(es); {
		start := es[i].off
		end := start + int64(es[i].n)
		j := i + 1
		for j < len(es) && es[j].off == end && end-start+int64(es[j].n) <= maxRead {
			end += int64(es[j].n)
			j++
		}
		if int64(cap(r.buf)) < end-start {
			// Sized to the read: a stream's few lines need a few hundred bytes, a run of a
			// catch-up up to maxRead, reused for the next runs.
			r.buf = make([]byte, end-start)
		}
		b := r.buf[:end-start]
		if _, err := r.s.f.ReadAt(b, start); err != nil {
			return fail(yield, fmt.Errorf("jsonl: read log at byte %d: %w", start, r.s.closedOr(err)))
		}
		for k := i; k < j; k++ {
			if err := r.stopErr(); err != nil {
				return fail(yield, err)
			}
			o := es[k].off - start
			ev := store.Event{StreamID: r.stream}
			if _, err := parseLineWith(b[o:o+int64(es[k].n)-1], &ev, &r.names); err != nil {
				return fail(yield, fmt.Errorf("jsonl: read log at byte %d: %w", es[k].off, &CorruptError{Path: r.s.path, Offset: es[k].off, Reason: err.Error()}))
			}
			r.yielded++
			if !yield(ev, nil) {
				return false
			}
		}
		i = j
	}
	return true
}

// stopErr is why the reader must stop before its next event: its ctx's end, or the Store's
// closing (an iterator running when Close returns hands out none of the events it holds).
func (r *reader) stopErr() error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	select {
	case <-r.s.done:
		return fmt.Errorf("jsonl: read: %w", store.ErrClosed)
	default:
		return nil
	}
}

// closedOr returns store.ErrClosed when the Store was closed under a reader, else err.
func (s *Store) closedOr(err error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return store.ErrClosed
	}
	return err
}

// fail yields err as the iteration's last value.
func fail(yield func(store.Event, error) bool, err error) bool {
	yield(store.Event{}, err)
	return false
}

// waitAfter returns a channel closed on the next commit, or nil when the log already holds
// more than n events or the Store is closed.
func (s *Store) waitAfter(n int) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.idx.entries.len() > n || s.closed {
		return nil
	}
	if s.notify == nil {
		s.notify = make(chan struct{})
	}
	return s.notify
}

// ReadAllTypes yields the events of the given types with Position > after, in log order,
// up to the head when the iteration begins (see store.TypeReader). It reads only their
// lines, found through the index's positions of each type.
func (s *Store) ReadAllTypes(ctx context.Context, after store.Position, types []string) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		s.mu.RLock()
		if s.closed {
			s.mu.RUnlock()
			yield(store.Event{}, fmt.Errorf("jsonl: read all types: %w", store.ErrClosed))
			return
		}
		// One list per type the log holds, a type named twice taken once: compared with
		// the lists already taken (as many as the log has types, at most), not with every
		// name before it, which made a list of thousands of names quadratic.
		var taken []*[]int64
		var lists [][]int64
		for _, t := range types {
			if l, ok := s.idx.types[t]; ok && !slices.Contains(taken, l) {
				taken = append(taken, l)
				lists = append(lists, merge.After(*l, int64(after)))
			}
		}
		entries := s.idx.entries
		s.mu.RUnlock()
		if err := ctx.Err(); err != nil {
			yield(store.Event{}, err) // also when there is nothing to read
			return
		}

		r := reader{s: s, ctx: ctx}
		es := make([]entry, 0, readChunk)
		for p := range merge.Ascending(lists) {
			if es = append(es, entries.at(int(p-1))); len(es) == readChunk {
				if !r.read(es, yield) {
					return
				}
				es = es[:0]
			}
		}
		r.read(es, yield)
	}
}

// toIndex is a caller's after (a version or a position) as an index into what the Store
// holds, which an int always counts: negative is 0, and beyond an int is the largest int
// (int(after) on a 32-bit processor had wrapped 1<<32+1 to 1, and yielded events the caller
// was already past).
func toIndex[T ~int64](after T) int {
	return int(min(max(after, 0), T(math.MaxInt)))
}
