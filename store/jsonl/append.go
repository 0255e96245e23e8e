package jsonl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/eventgraph/eventgraph/internal/yieldlock"
	"github.com/eventgraph/eventgraph/store"
)

// group is a group commit: the lines of one or more appends, written with one write and
// (unless WithNoSync) made durable with one sync.
type group struct {
	buf     []byte
	lines   []entry       // off relative to the start of buf
	types   []string      // the type of each line's event
	sids    []uint32      // streams touched, to roll back pending versions on failure
	appends int           // appends in the group
	led     bool          // the group's writer is waiting for appends to join
	taken   bool          // an append has taken the job of writing the group
	expect  int           // appends the writer waits for
	done    chan struct{} // closed when the group is committed or failed
	// lead receives one token, for the group's deputy: the first append that joined it to
	// wait. The token asks the deputy to write the group, unless done is closed. The other
	// appends wait on done alone: a select on both cost every append a second channel's
	// locking and queueing (a tenth of the processor time with 64 writers WithNoSync).
	lead   chan struct{}
	deputy bool // an append waits on lead
	err    error
	// events are the group's events for the tail cache, one per line, unless uncached: an
	// append encoded while no one subscribed did not make them.
	events   []store.Event
	uncached bool
}

// finish wakes the appends waiting for g, committed or failed: those on done and its
// deputy, which then finds done closed. A lone group has no one waiting. Called with s.mu
// held.
func (g *group) finish() {
	if g.done == nil {
		return
	}
	close(g.done)
	if g.deputy {
		// A deputy handed the group took that token before writing it, so lead is empty;
		// were it not, the deputy would find done closed all the same.
		select {
		case g.lead <- struct{}{}:
		default:
		}
	}
}

// maxSpare bounds the buffer kept for the next group.
const maxSpare = 4 << 20

// maxPre bounds the encoding buffer an append returns to the Store's pool.
const maxPre = 64 << 10

// maxSpares bounds the committed groups' buffer sets kept for reuse. One is not enough:
// the group that forms behind a write is made while that write's group still holds its
// buffers, so with one set it started empty and grew by reallocating, under s.mu. The
// spares hold at most maxSpares × maxSpare bytes.
const maxSpares = 4

// spareBufs holds the buffers of a committed group, for reuse.
type spareBufs struct {
	buf   []byte
	lines []entry
	types []string
	sids  []uint32
	evs   []store.Event
}

// newGroup returns an empty group, reusing the buffers of a committed one. A lone group is
// written by the append that forms it without anyone else joining or waiting (see append),
// so it needs no channels and the Store reuses one. Called with s.mu held.
func (s *Store) newGroup(lone bool) *group {
	var g *group
	if lone {
		g = &s.scratch
		*g = group{}
	} else {
		g = &group{done: make(chan struct{}), lead: make(chan struct{}, 1)}
	}
	if s.nspare > 0 {
		s.nspare--
		sp := &s.spares[s.nspare]
		g.buf, g.lines, g.types, g.sids, g.events = sp.buf[:0], sp.lines[:0], sp.types[:0], sp.sids[:0], sp.evs[:0]
		*sp = spareBufs{}
	}
	return g
}

// Append atomically appends events to a stream whose version equals expected (see
// store.Store). It returns once the events are durable (written and fdatasync'ed), unless
// the Store was opened WithNoSync, when it returns once the events are written (handed to
// the kernel). Concurrent appends share one write and one sync: while one group is being
// written and synced, the next one forms behind it. WithNoSync they share one write the
// same way, but an append that finds no write in flight writes at once.
//
// Besides the errors of store.Store, Append fails with ErrReadOnly when the Store was opened
// with OpenReadOnly, and with an I/O error when writing or syncing fails. Nothing is then
// acknowledged and the index does not change. After a failed write the file is cut back
// and later appends work; after a failed sync (or a failed cut) the Store fails every later
// append with ErrFailed, because the file's state is no longer known; reopening recovers.
// Appends queued behind a failed group fail too, without being written.
//
// ctx is checked before anything is queued; once an append is queued it is written (or
// fails) whatever ctx does, so that its outcome is never unknown to the caller.
func (s *Store) Append(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (_ store.Appended, err error) {
	if s.observer != nil {
		defer s.observeAppend(time.Now(), len(events), &err)
	}
	var prepared [4]store.EventData
	app, _, _, err := s.append(ctx, prepared[:0], stream, expected, events, false)
	return app, err
}

// AppendEvents is Append returning the committed events as ReadStream yields them; they
// share Data (when it was compact already) and Metadata with events. See
// store.EventsAppender.
func (s *Store) AppendEvents(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (_ store.Appended, _ []store.Event, err error) {
	return s.appendEvents(ctx, stream, expected, events, false)
}

// AppendHandover is AppendEvents letting the tail cache (see WithTailCache) keep events'
// Data (when compact) and Metadata instead of copies. See store.HandoverAppender.
func (s *Store) AppendHandover(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (_ store.Appended, _ []store.Event, err error) {
	return s.appendEvents(ctx, stream, expected, events, true)
}

func (s *Store) appendEvents(ctx context.Context, stream string, expected store.Version, events []store.EventData, handover bool) (_ store.Appended, _ []store.Event, err error) {
	if s.observer != nil {
		defer s.observeAppend(time.Now(), len(events), &err)
	}
	var prepared [4]store.EventData
	app, evs, now, err := s.append(ctx, prepared[:0], stream, expected, events, handover)
	if err != nil {
		return app, nil, err
	}
	now = now.UTC() // as the log holds it: UTC, nanoseconds, no monotonic reading
	out := make([]store.Event, len(evs))
	n := len(evs)
	for i, e := range evs {
		back := n - 1 - i
		meta := e.Metadata
		if len(meta) == 0 {
			meta = nil // an empty object decodes as no metadata
		}
		out[i] = store.Event{
			ID: e.ID, StreamID: stream, Version: app.Version - store.Version(back), Position: app.Position - store.Position(back),
			Type: e.Type, Time: now, Data: e.Data, Metadata: meta,
		}
	}
	return app, out, nil
}

// append commits events and returns them as prepared (appended to dst, which the callers
// keep on their stacks: an append allocates as little as it can), with their time. The tail
// cache keeps a handed-over append's Data (when compact) and Metadata rather than copies.
func (s *Store) append(ctx context.Context, dst []store.EventData, stream string, expected store.Version, events []store.EventData, handover bool) (store.Appended, []store.EventData, time.Time, error) {
	if err := ctx.Err(); err != nil {
		return store.Appended{}, nil, time.Time{}, err
	}
	if s.readOnly {
		return store.Appended{}, nil, time.Time{}, fmt.Errorf("jsonl: append %s: %w", stream, s.readOnlyErr())
	}
	select {
	case <-s.done: // closed: the arguments are not looked at (checked again under the lock)
		return store.Appended{}, nil, time.Time{}, fmt.Errorf("jsonl: append %s: %w", stream, store.ErrClosed)
	default:
	}
	evs, err := store.AppendPrepared(dst, s.ids, stream, expected, events, s.maxSize)
	if err != nil {
		return store.Appended{}, nil, time.Time{}, err
	}
	// Encode all but the position and version before taking the lock. The time loses its
	// monotonic reading, which would hide the wall clock's steps from the comparison with
	// the log's last event's time under the lock.
	now := s.now().Round(0)
	if !validTime(now) {
		return store.Appended{}, nil, time.Time{}, fmt.Errorf("jsonl: append %s: the clock's time %v is outside the years 0 to 9999", stream, now)
	}
	size := 2 * len(stream)
	for i := range evs {
		size += 128 + len(evs[i].ID) + len(evs[i].Type) + len(evs[i].Data) + 96*len(evs[i].Metadata)
	}
	// The buffer comes back to the pool by the same pointer: putting &pre would allocate.
	pp, _ := s.pres.Get().(*[]byte)
	var pre []byte
	switch {
	case pp == nil:
		pp = new([]byte)
		pre = make([]byte, 0, size)
	case cap(*pp) >= size:
		pre = (*pp)[:0]
	default:
		pre = make([]byte, 0, size)
	}
	pre = appendString(pre, stream)
	streamEnd := len(pre)
	var endsArr [8]int
	ends := endsArr[:0]
	var pairsArr [8]metaPair
	var timeArr [len(timeLayout)]byte
	nowText := s.times.appendTime(timeArr[:0], now)
	for i := range evs {
		// One pass over the metadata: sorted pairs, checked and encoded.
		pairs := sortedPairs(evs[i].Metadata, pairsArr[:0]) // valid UTF-8: store.AppendPrepared checked
		body := len(pre)
		pre = appendBodyPairs(pre, &evs[i], nowText, len(evs), pairs)
		ends = append(ends, len(pre))
		if n := streamEnd + len(pre) - body + sealedOverhead; n > s.maxLine {
			// Open would refuse the log with a line this long: see maxLine.
			return store.Appended{}, nil, time.Time{}, fmt.Errorf("jsonl: append %s: %w: event %d would make a line of about %d bytes, over the limit of %d", stream, store.ErrInvalid, i, n, s.maxLine)
		}
	}
	var cached []store.Event
	if s.tailOn && s.subs.Load() > 0 {
		cached = cachedEvents(stream, evs, now.UTC(), handover)
	}

	// Many appenders parked on the lock would leave processors idle: see yieldlock.
	yieldlock.Lock(&s.mu)
	if s.closed {
		s.mu.Unlock()
		return store.Appended{}, nil, time.Time{}, fmt.Errorf("jsonl: append %s: %w", stream, store.ErrClosed)
	}
	if s.failed != nil {
		s.mu.Unlock()
		return store.Appended{}, nil, time.Time{}, fmt.Errorf("jsonl: append %s: %w: %w", stream, ErrFailed, s.failed)
	}
	var current store.Version
	sid, known := s.idx.lookup(stream)
	if known {
		current = s.idx.streams[sid].pending
	}
	if err := store.CheckVersion(stream, expected, current); err != nil {
		s.mu.Unlock()
		return store.Appended{}, nil, time.Time{}, err
	}
	if !known {
		sid = s.idx.add(stream)
	}
	// Times never decrease along the log: a clock stepped back, or read before a concurrent
	// append's that took the lock first, stamps the events with the last one's time.
	var lead time.Duration // how much later than the clock read the events are stamped
	if now.Before(s.last) {
		lead = s.last.Sub(now)
		now = s.last
		restamp(pre, streamEnd, ends, now)
		for i := range cached {
			cached[i].Time = now.UTC()
		}
	}
	s.last = now
	st := s.idx.streams[sid]
	// WithNoSync an append that finds no write in flight writes its group at once, alone:
	// without a sync to share, waiting for company would only add latency.
	lone := s.noSync && !s.flushing
	g := s.forming
	if g == nil {
		g = s.newGroup(lone)
	}
	from := streamEnd
	for i, to := range ends {
		off := len(g.buf)
		g.buf = appendSealed(g.buf, store.Position(s.next+1+int64(i)), pre[:streamEnd], st.pending+1+store.Version(i), pre[from:to])
		g.lines = append(g.lines, entry{off: int64(off), n: uint32(len(g.buf) - off), stream: sid})
		g.types = append(g.types, evs[i].Type)
		from = to
	}
	if cached == nil {
		g.uncached = true
	} else {
		for i := range cached {
			cached[i].Version = st.pending + 1 + store.Version(i)
			cached[i].Position = store.Position(s.next + 1 + int64(i))
		}
		g.events = append(g.events, cached...)
	}
	g.sids = append(g.sids, sid)
	g.appends++
	st.pending += store.Version(len(evs))
	s.next += int64(len(evs))
	res := store.Appended{Version: st.pending, Position: store.Position(s.next)}

	switch {
	case lone:
		s.flushing = true
		err = s.flush(g)
	case s.flushing && g.led && !g.taken && g.appends >= g.expect:
		// The last append the group's writer waits for writes the group itself.
		s.forming = g
		g.taken = true
		err = s.flush(g)
	case s.flushing:
		// Join the group that forms behind the commit in flight.
		s.forming = g
		deputy := !g.deputy
		g.deputy = true
		if s.joined != nil {
			s.joined(g.appends)
		}
		s.mu.Unlock()
		// WithNoSync the append sleeps until its group is written too, rather than yield
		// the processor meanwhile: see the sixteenth session in bench/notes.md.
		if !deputy {
			<-g.done
			err = g.err
			break
		}
		<-g.lead
		select {
		case <-g.done: // the token said the group was committed or failed
			err = g.err
		default: // the token handed the group to this append to write
			if s.noSync || s.gather(g) {
				s.mu.Lock()
				err = s.flush(g)
			} else {
				<-g.done
				err = g.err
			}
		}
	default:
		// Write at once, but first let the writers the last commit released join.
		s.flushing = true
		s.forming = g
		g.expect, s.released = s.released, 0
		s.mu.Unlock()
		if s.gather(g) {
			s.mu.Lock()
			err = s.flush(g)
		} else {
			<-g.done
			err = g.err
		}
	}
	// The lines are in the group (written or failed by now): the buffer goes back to the
	// pool, outside the lock.
	if cap(pre) <= maxPre {
		*pp = pre
		s.pres.Put(pp)
	}
	if err != nil {
		return store.Appended{}, nil, time.Time{}, fmt.Errorf("jsonl: append %s: %w", stream, err)
	}
	if lead > 0 && s.restamped != nil {
		s.restamped(lead)
	}
	return res, evs, now, nil
}

// restamp rewrites the time of each event body encoded in pre (the bodies end at ends, the
// first begins at from) as t. The time's text has a fixed width (timeLayout), and is the
// first `,"time":"` of a body: the id and the type before it are JSON strings, in which a
// quote is escaped.
func restamp(pre []byte, from int, ends []int, t time.Time) {
	var arr [len(timeLayout)]byte
	text := appendTime(arr[:0], t)
	for _, to := range ends {
		at := from + bytes.Index(pre[from:to], []byte(timeKey)) + len(timeKey)
		copy(pre[at:at+len(text)], text)
		from = to
	}
}

// timeKey precedes an event's time in its line.
const timeKey = `,"time":"`

// flush writes one group outside the lock and, unless the Store was opened WithNoSync,
// syncs it; then it publishes the group and hands the writer's role to the group that
// formed meanwhile. Only one flush runs at a time. It is called with s.mu held and returns
// with it released. It returns g's error as read under the lock, since a lone group is
// reused as soon as the lock is released.
//
// WithNoSync the writer goes on to write the groups that formed behind it itself, up to
// maxCarry of them, rather than waking one of their appends to do it: a write takes about
// as long as waking a goroutine, so a hand-over per write would leave the log idle half
// the time.
func (s *Store) flush(g *group) error {
	defer s.mu.Unlock()
	own := g
	for carried := 0; ; carried++ {
		if err := s.commit(g); err != nil {
			return own.err // g's abort failed the group behind it too
		}
		next := s.forming
		if next == nil {
			s.released = g.appends
			s.flushing = false
			s.idle.Broadcast()
			return nil
		}
		if !s.noSync || carried == maxCarry {
			// It stays s.forming, open to more appends, until its writer flushes it.
			next.expect = next.appends + g.appends
			next.lead <- struct{}{}
			return nil
		}
		g = next
	}
}

// changedUnder returns an error when the log file, before a durable write at end, is
// shorter than end: it was cut, or a copy (a backup being restored) was written over it,
// while the store had it open. Writing on would put the group past a gap of zeros, which
// damages the log for good, and acknowledge appends that no restart finds; the store
// fails instead (ErrFailed: /healthz tells, and a restart opens the file as it now is).
//
// It fails too when the log's path no longer names the file the store writes: the file was
// moved aside or removed (by hand, or by a clean-up), or another file was moved into its
// place. The store would write on into a file that no restart opens, acknowledging appends
// that are lost to the log.
//
// One fstat and one stat of the path a group, against a sync a group; WithNoSync, for tests
// and benchmarks, skips both.
func (s *Store) changedUnder(end int64) error {
	fi, err := s.logLock.Stat()
	if err != nil {
		return nil // what cannot be told is left to the write, as before
	}
	if fi.Size() < end {
		return fmt.Errorf("the log file is %d bytes, shorter than the %d this store wrote: it was cut, or a copy was written over it, while the store had it open (stop the server before restoring a backup)", fi.Size(), end)
	}
	named, err := os.Stat(s.named)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("the log file %s is gone: it was moved aside or removed while the store had it open, and what the store wrote would be lost to the log (stop the server before moving its log)", s.path)
	case err == nil && !os.SameFile(fi, named):
		return fmt.Errorf("%s names another file than the log this store writes: it was moved aside or replaced while the store had it open (stop the server before moving its log or restoring a backup)", s.path)
	}
	return nil // a path that cannot be looked up (a permission changed) is left to the write
}

// maxCarry bounds the groups a writer WithNoSync writes after its own before it hands the
// role over, so that its own append returns.
const maxCarry = 8

// commit writes g, and syncs it unless WithNoSync, with s.mu released, then publishes it
// or, when that failed, aborts it (and the group formed behind it). Called with s.mu held.
func (s *Store) commit(g *group) error {
	if s.forming == g {
		s.forming = nil // appends from now on form the next group
	}
	end := s.end
	s.mu.Unlock()

	var start time.Time
	if !s.noSync {
		start = time.Now()
	}
	var err error
	syncFailed, changed := false, false
	if !s.noSync {
		err = s.changedUnder(end)
		changed = err != nil
	}
	if err != nil {
		// Not written: the file is not the one the store wrote.
	} else if _, werr := s.f.WriteAt(g.buf, end); werr != nil {
		err = fmt.Errorf("write log: %w", werr)
	} else if !s.noSync {
		if serr := s.sync(g); serr != nil {
			err = fmt.Errorf("sync log: %w", serr)
			syncFailed = true
		}
	}

	// Back from its write, the writer competes with the appenders forming the next group;
	// were it to park, the log would stand idle until it is woken.
	yieldlock.Lock(&s.mu)
	if !s.noSync {
		s.lastFlush = time.Since(start)
	}
	if err != nil {
		s.abort(g, end, err, syncFailed, changed)
		return err
	}
	s.publish(g, end)
	g.finish()
	return nil
}

// publish adds a written group, at offset end, to the index and wakes subscribers.
// Called with s.mu held.
func (s *Store) publish(g *group, end int64) {
	for i, l := range g.lines {
		l.off += end
		s.idx.entries.append(l)
		p := int64(s.idx.entries.len())
		st := s.idx.streams[l.stream]
		st.positions = appendGrow(st.positions, p)
		l := s.idx.typeList(g.types[i])
		*l = appendGrow(*l, p)
	}
	clear(g.types) // the reused slice must not keep the strings alive
	s.end = end + int64(len(g.buf))
	if s.tailOn {
		s.tail.publish(g.events, !g.uncached, store.Position(s.idx.entries.len()))
		clear(g.events) // the cache holds them now; the reused slice must not
	}
	if cap(g.buf) <= maxSpare && s.nspare < maxSpares {
		s.spares[s.nspare] = spareBufs{buf: g.buf, lines: g.lines, types: g.types, sids: g.sids, evs: g.events}
		s.nspare++
	}
	if g == &s.scratch {
		// The Store keeps the scratch group: it must not keep, beyond the spares, the
		// buffers of a big batch written alone (one append of 100 MB kept 100 MB).
		g.buf, g.lines, g.types, g.sids, g.events = nil, nil, nil, nil, nil
	}
	if s.notify != nil {
		close(s.notify)
		s.notify = nil
	}
}

// abort handles a failed write or sync of g: it cuts the file back to end, fails g and the
// group formed behind it (whose versions and positions assumed g), and rolls the pending
// versions back. Called with s.mu held.
//
// A durable store syncs the cut before the appends learn that they failed: part of the
// write may have reached the file (a full disk stops it midway, after whole lines), and
// were the cut lost to a power failure, recovery would find those lines and commit appends
// their callers were told had failed. A cut it cannot make durable fails the store.
//
// It does not write zeros over the failed bytes before the cut, which would keep a file
// system that shows a block's former bytes in a file grown before its new data landed
// (ext4 with data=writeback) from showing the failed lines again: a power failure during
// that write can zero the start of a line and keep its end, which Open refuses as damage
// (TestPowerLoss finds it). Only a sector-sized write and a sync per 512 bytes, from the
// end backwards, would be safe; doc.go documents the file systems where lines come back.
func (s *Store) abort(g *group, end int64, err error, syncFailed, changed bool) {
	if changed {
		// The file is not the one the store wrote (see changedUnder): cutting it, or
		// writing to it, would damage what is there now. The store takes no more appends.
		s.failed = err
	} else if terr := s.f.Truncate(end); terr != nil {
		s.failed = fmt.Errorf("%w; cutting the log back to %d bytes failed too: %w", err, end, terr)
	} else if syncFailed {
		s.failed = err
	} else if !s.noSync {
		if serr := s.f.Sync(); serr != nil {
			s.failed = fmt.Errorf("%w; syncing the log cut back to %d bytes failed too: %w", err, end, serr)
		}
	}
	g.err = err
	groups := []*group{g}
	if next := s.forming; next != nil && next != g {
		next.err = fmt.Errorf("not written, an append committed with it failed: %w", err)
		groups = append(groups, next)
	}
	s.forming = nil
	for _, x := range groups {
		for _, sid := range x.sids {
			st := s.idx.streams[sid]
			st.pending = store.Version(len(st.positions))
		}
		x.finish()
	}
	s.next = int64(s.idx.entries.len())
	s.flushing = false
	s.idle.Broadcast()
}
