package jsonl

import (
	"context"

	"github.com/eventgraph/eventgraph/store"
)

// aheadMin is how many events a subscriber or a ReadAll must be behind the log's head, and
// not find in the tail cache, before its reader parses on a second goroutine.
const aheadMin = 4 * readChunk

// aheadAfter is how many chunks a reader reads itself before it reads ahead: a caller that
// stops early (a page of the events query) must not have had chunks parsed for nothing.
const aheadAfter = 2

// aheadDepth is how many parsed chunks a read-ahead keeps ready for its reader.
const aheadDepth = 2

// aheadBytes bounds the lines of a read-ahead's chunk, which it holds parsed: 256 events of
// 1 MiB each would be 256 MiB a chunk, and a subscriber that stops reading for a while (a
// slow client) would hold four of them.
const aheadBytes = 1 << 20

// withinBytes returns the first entries of es whose lines take at most limit bytes, and at
// least the first entry.
func withinBytes(es []entry, limit int) []entry {
	n := 0
	for i, e := range es {
		if n += int(e.n); n > limit && i > 0 {
			return es[:i]
		}
	}
	return es
}

// readAhead reads and parses a run of the log's lines in chunks on its own goroutine, while
// the caller handles the chunk before: a subscriber catching up (read models rebuilt at
// start) parses on one processor and applies on the other. Besides the chunk the caller
// is handling it holds aheadDepth chunks ready and parses one more, so its memory is
// bounded.
type readAhead struct {
	out    chan aheadChunk
	free   chan []store.Event // chunks' slices the caller is done with, for reuse
	cancel context.CancelFunc
	done   chan struct{} // closed when the goroutine has returned
	next   int           // the position the next chunk starts after
	to     int           // the position the run ends at
}

// aheadChunk is a run of parsed events, and the error that ended the run early, if any.
type aheadChunk struct {
	events []store.Event
	err    error
}

// takeAhead reports whether another read-ahead may start, and if so counts it. A Store runs
// at most GOMAXPROCS of them: more would not parse faster, and the memory they hold stays
// bounded however many subscribers catch up (the others read as they go, as before).
func (s *Store) takeAhead() bool {
	select {
	case s.aheads <- struct{}{}:
		return true
	default:
		return false
	}
}

// startAhead starts reading the events after from up to l's end on another goroutine. The
// caller has taken a token (takeAhead); stopAhead gives it back.
func (r *reader) startAhead(l entryList, from int) {
	ctx, cancel := context.WithCancel(r.ctx)
	a := &readAhead{
		out: make(chan aheadChunk, aheadDepth), free: make(chan []store.Event, aheadDepth+2),
		cancel: cancel, done: make(chan struct{}), next: from, to: l.len(),
	}
	r.ahead = a
	go func() {
		defer close(a.done)
		defer close(a.out)
		// A reader of its own: its buffer and names are not the caller's.
		hr := reader{s: r.s, ctx: ctx, stream: r.stream}
		var es []entry
		for p := from; p < a.to; {
			es = withinBytes(l.appendRange(es[:0], p, min(p+readChunk, a.to)), aheadBytes)
			end := p + len(es)
			var c aheadChunk
			select {
			case c.events = <-a.free:
			default:
				c.events = make([]store.Event, 0, readChunk)
			}
			hr.read(es, func(e store.Event, err error) bool {
				if err != nil {
					c.err = err
					return false
				}
				c.events = append(c.events, e)
				return true
			})
			if ctx.Err() != nil {
				return // the caller stopped, or its ctx ended: it does not need the chunk
			}
			select {
			case a.out <- c:
			case <-ctx.Done():
				return
			}
			if c.err != nil {
				return
			}
			p = end
		}
	}()
}

// fromAhead yields the read-ahead's next chunk, which starts after from, like step.
func (r *reader) fromAhead(from int, yield func(store.Event, error) bool) (int, bool) {
	a := r.ahead
	var c aheadChunk
	var ok bool
	select {
	case c, ok = <-a.out:
	case <-r.ctx.Done():
	}
	if !ok {
		// Only the caller's ctx ends the goroutine before it is done.
		r.stopAhead()
		return from, fail(yield, r.ctx.Err())
	}
	to := from + len(c.events)
	a.next = to
	n, ok := 0, true
	for _, e := range c.events {
		if err := r.stopErr(); err != nil {
			ok = fail(yield, err)
			break
		}
		n++
		if !yield(e, nil) {
			ok = false
			break
		}
	}
	if r.s.reads != nil {
		r.s.reads.Read(0, n)
	}
	clear(c.events) // the events are the caller's now: the slice must not keep them alive
	select {
	case a.free <- c.events[:0]:
	default:
	}
	switch {
	case !ok:
		r.stopAhead()
		return from + n, false
	case c.err != nil:
		r.stopAhead()
		return to, fail(yield, c.err)
	case to == a.to:
		r.stopAhead()
	}
	return to, true
}

// stopAhead stops the read-ahead, if any, and waits until its goroutine has returned.
func (r *reader) stopAhead() {
	if a := r.ahead; a != nil {
		a.cancel()
		<-a.done
		r.ahead = nil
		<-r.s.aheads
	}
}
