package eventsourcing

import (
	"sort"

	"github.com/eventgraph/eventgraph/store"
)

// span is the positions first to last, which a saga's command wrote. A first of 0 means the
// saga did not say (see SagaProcessor): every position after the event it handled counts.
type span struct{ first, last store.Position }

// sagaWrite records that handling the event at event made the saga write the span (one
// command's events; an event whose commands wrote several times has a sagaWrite for each).
// upTo is the highest last of this write and every earlier one, so that a search can skip
// the writes that lead nowhere beyond a position.
type sagaWrite struct {
	event store.Position
	span
	upTo store.Position
}

// closureLocked returns the highest position written because of the events up to p: what
// the sagas wrote while handling them, what they wrote while handling that, and so on.
func (r *Runner) closureLocked(p store.Position) store.Position {
	return r.reachLocked(1, p)
}

// reachLocked returns the highest position written because of the events from..to (to, when
// nothing was): what the sagas wrote while handling them, and so on. Every write lies after
// the event that caused it, so one pass over the sagas' writes in event order finds all: when
// it comes to an event, every write that may have caused it has been seen.
//
// The pass costs what the events asked about led to, not what lies between: spans found
// wait in a heap until the pass comes to their first position, and while no span found holds
// the pass's event it skips to the next span's first (a saga far behind another made each
// pass look at every write between them, and the spans found were each looked at again for
// every write: both made a chain of sagas catching up with a backlog quadratic).
func (r *Runner) reachLocked(from, to store.Position) store.Position {
	reach := to
	starts := r.starts[:0]       // the spans found whose first position the pass has not come to
	var coveredTo store.Position // the furthest last of the spans it has come to
	for _, q := range r.procs {
		// Writes before from were not caused by the events asked about, nor were those the
		// events before to caused within from..to, which is covered already: both are skipped.
		i := sort.Search(len(q.writes), func(i int) bool { return q.writes[i].event >= from })
		j := sort.Search(len(q.writes), func(j int) bool { return q.writes[j].upTo > to })
		q.cursor = max(i, j)
	}
	for {
		var next *processor // the saga with the earliest event among the writes left
		for _, q := range r.procs {
			if q.cursor < len(q.writes) && (next == nil || q.writes[q.cursor].event < next.writes[next.cursor].event) {
				next = q
			}
		}
		if next == nil {
			break
		}
		w := next.writes[next.cursor]
		r.walked++
		if w.event > reach {
			break // no event from here on was written because of those asked about
		}
		for len(starts) > 0 && starts[0].first <= w.event {
			coveredTo = max(coveredTo, starts.pop().last)
			r.walked++
		}
		if w.event > to && w.event > coveredTo {
			// No span found holds this event: skip to the first position of the next.
			if len(starts) == 0 {
				break // every span found ends before it
			}
			first := starts[0].first
			for _, q := range r.procs {
				q.cursor += sort.Search(len(q.writes)-q.cursor, func(k int) bool { return q.writes[q.cursor+k].event >= first })
			}
			continue
		}
		next.cursor++
		reach = max(reach, w.last)
		starts.push(w.span) // its first lies after its event: see recordLocked
	}
	r.starts = starts[:0]
	return reach
}

// reachesBeyondLocked reports, at the cost of a binary search, that the reach of q's write i
// (see reachLocked) may lie beyond low, so that it is not forgotten yet. The reach covers the
// write's span and what the writes for the events in it wrote, and so on; upTo of the last
// write of q for an event up to the span's end bounds the first step from above, with the
// writes of q before it included. An answer of true may so keep a write a little longer than
// needed, until every processor passed that bound, which it does (it is a position the log
// held); false is checked by reachLocked.
//
// It spares advance a reachLocked, which walks the writes after the first: while a saga
// caught up with a backlog, the first write (the one a resumed checkpoint records, say) could
// not be forgotten, and walking all the writes for every event made the catch-up quadratic
// (8,000 events/s falling to 450 with a backlog of 400,000).
func (q *processor) reachesBeyondLocked(i int, low store.Position) bool {
	w := q.writes[i]
	k := sort.Search(len(q.writes), func(k int) bool { return q.writes[k].event > w.last }) - 1
	return max(w.last, q.writes[max(k, i)].upTo) > low
}

// recordLocked records that handling the event at event, the saga wrote s. Only what lies
// after the event counts: a command found to be a repeat returns the events it wrote the
// first time, which every WaitFor that may need them waits for anyway.
func (q *processor) recordLocked(event store.Position, s span) {
	s.first = max(s.first, event+1)
	if s.last < s.first {
		return
	}
	upTo := s.last
	if n := len(q.writes); n > 0 {
		upTo = max(upTo, q.writes[n-1].upTo)
	}
	q.writes = append(q.writes, sagaWrite{event: event, span: s, upTo: upTo})
}

// spanHeap is a min-heap of spans by their first position.
type spanHeap []span

func (h *spanHeap) push(s span) {
	*h = append(*h, s)
	a := *h
	for i := len(a) - 1; i > 0; {
		parent := (i - 1) / 2
		if a[parent].first <= a[i].first {
			break
		}
		a[parent], a[i] = a[i], a[parent]
		i = parent
	}
}

// pop removes and returns the span with the lowest first; h must not be empty.
func (h *spanHeap) pop() span {
	a := *h
	top, n := a[0], len(a)-1
	a[0] = a[n]
	a = a[:n]
	for i := 0; ; {
		least, l, r := i, 2*i+1, 2*i+2
		if l < n && a[l].first < a[least].first {
			least = l
		}
		if r < n && a[r].first < a[least].first {
			least = r
		}
		if least == i {
			break
		}
		a[i], a[least] = a[least], a[i]
		i = least
	}
	*h = a
	return top
}
