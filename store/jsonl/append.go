package jsonl

import (
	"context"
	"fmt"

	"github.com/eventgraph/eventgraph/store"
)

// group is a group commit: the lines of one or more appends, written with one write and
// made durable with one sync.
type group struct {
	buf   []byte
	lines []entry  // off relative to the start of buf
	sids  []uint32 // streams touched, to roll back pending versions on failure
	n     int      // events in the group
	done  chan struct{}
	lead  chan struct{} // receives one token when a waiter must write the group
	err   error
}

func newGroup() *group {
	return &group{done: make(chan struct{}), lead: make(chan struct{}, 1)}
}

// Append atomically appends events to a stream whose version equals expected (see
// store.Store). It returns once the events are durable (written and fdatasync'ed), unless
// the Store was opened WithNoSync. Concurrent appends share one write and one sync: while
// one group is being synced, the next one forms behind it.
//
// Besides the errors of store.Store, Append fails with ErrInvalid for strings that are not
// valid UTF-8, and with an I/O error when writing or syncing fails. Nothing is then
// acknowledged and the index does not change. After a failed write the file is cut back
// and later appends work; after a failed sync (or a failed cut) the Store fails every later
// append with ErrFailed, because the file's state is no longer known; reopening recovers.
// Appends queued behind a failed group fail too, without being written.
func (s *Store) Append(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, error) {
	if err := ctx.Err(); err != nil {
		return store.Appended{}, err
	}
	evs, err := store.Prepare(stream, expected, events, s.maxSize)
	if err != nil {
		return store.Appended{}, err
	}
	for i := range evs {
		if what := invalidString(stream, &evs[i]); what != "" {
			return store.Appended{}, fmt.Errorf("%w: event %d of %q: %s is not valid UTF-8", store.ErrInvalid, i, stream, what)
		}
	}
	now := s.now()

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return store.Appended{}, fmt.Errorf("jsonl: append %s: %w", stream, store.ErrClosed)
	}
	if s.failed != nil {
		s.mu.Unlock()
		return store.Appended{}, fmt.Errorf("jsonl: append %s: %w: %w", stream, ErrFailed, s.failed)
	}
	sid := s.idx.add(stream)
	st := s.idx.streams[sid]
	if err := store.CheckVersion(stream, expected, st.pending); err != nil {
		s.mu.Unlock()
		return store.Appended{}, err
	}
	g := s.forming
	if g == nil {
		g = newGroup()
	}
	for i := range evs {
		off := len(g.buf)
		g.buf = appendLine(g.buf, store.Position(s.next+1+int64(i)), stream, st.pending+1+store.Version(i), &evs[i], now, len(evs))
		g.lines = append(g.lines, entry{off: int64(off), n: uint32(len(g.buf) - off), stream: sid})
	}
	g.sids = append(g.sids, sid)
	g.n += len(evs)
	st.pending += store.Version(len(evs))
	s.next += int64(len(evs))
	res := store.Appended{Version: st.pending, Position: store.Position(s.next)}
	if s.flushing {
		s.forming = g
		s.mu.Unlock()
		select {
		case <-g.done:
		case <-g.lead:
			s.flush(g)
		}
	} else {
		s.flushing = true
		s.mu.Unlock()
		s.flush(g)
	}
	if g.err != nil {
		return store.Appended{}, fmt.Errorf("jsonl: append %s: %w", stream, g.err)
	}
	return res, nil
}

// flush writes and syncs one group, then publishes it and hands the writer's role to the
// group that formed meanwhile. Only one flush runs at a time.
func (s *Store) flush(g *group) {
	s.mu.RLock()
	end := s.end
	s.mu.RUnlock()
	var err error
	syncFailed := false
	if _, werr := s.f.WriteAt(g.buf, end); werr != nil {
		err = fmt.Errorf("write log: %w", werr)
	} else if !s.noSync {
		if serr := s.f.Sync(); serr != nil {
			err = fmt.Errorf("sync log: %w", serr)
			syncFailed = true
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.abort(g, end, err, syncFailed)
		return
	}
	for _, l := range g.lines {
		l.off += end
		s.idx.entries = append(s.idx.entries, l)
		st := s.idx.streams[l.stream]
		st.positions = append(st.positions, int64(len(s.idx.entries)))
	}
	s.end = end + int64(len(g.buf))
	close(s.notify)
	s.notify = make(chan struct{})
	close(g.done)
	if next := s.forming; next != nil {
		s.forming = nil
		next.lead <- struct{}{}
		return
	}
	s.flushing = false
	s.idle.Broadcast()
}

// abort handles a failed write or sync of g: it cuts the file back to end, fails g and the
// group formed behind it (whose versions and positions assumed g), and rolls the pending
// versions back. Called with s.mu held.
func (s *Store) abort(g *group, end int64, err error, syncFailed bool) {
	if terr := s.f.Truncate(end); terr != nil {
		s.failed = fmt.Errorf("%w; cutting the log back to %d bytes failed too: %w", err, end, terr)
	} else if syncFailed {
		s.failed = err
	}
	g.err = err
	groups := []*group{g}
	if next := s.forming; next != nil {
		s.forming = nil
		next.err = fmt.Errorf("not written, an append committed with it failed: %w", err)
		groups = append(groups, next)
	}
	for _, x := range groups {
		for _, sid := range x.sids {
			st := s.idx.streams[sid]
			st.pending = store.Version(len(st.positions))
		}
		close(x.done)
	}
	s.next = int64(len(s.idx.entries))
	s.flushing = false
	s.idle.Broadcast()
}
