package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/store"
)

// checkHistory: operations run at once by several goroutines are linearizable against the
// model. For each of historySeeds, historyClients goroutines each run historyOps random
// operations on one store at once (or, when Harness.Another is set, half of them on a second
// store on the same log): appends of batches to a few streams in every expected-version
// mode, through Append, AppendEvents and AppendHandover; ReadStream; ReadAll; Head;
// StreamVersion; ReadAllTypes and ReadStreamTypes (the optional ones on stores that have
// them). Two subscriptions read live meanwhile, one from the start and one started
// mid-run. Each operation's invocation and response, and each event a subscription yields,
// is recorded on one logical clock. Then:
//
//   - the log read afterwards holds exactly the successful appends, each whole, at
//     consecutive positions 1..n and versions 1..v of its stream, as their Appended says;
//   - replaying them into the model in position order (the only order in which a
//     linearizable store can have assigned their positions), each one's expected version
//     is satisfied; and every other operation's answer (a conflict and the version it
//     reports, a read, a head, a stream version) is the model's in some state between two
//     appends, such that the states chosen respect real time: an operation that began
//     after another returned sees at least what that one saw or wrote (an append whose
//     response came before a read began is in the read, a head or stream version never
//     goes back, a conflict is justified by an append before it or concurrent with it),
//     and nothing an operation sees was appended by an operation that began after it
//     returned (see Harness.ConflictsCountAppendsInFlight for a weaker rule for conflicts);
//   - a read yields the first of the events the log holds that it asks for (after its
//     start, of its stream, of its types), with no gap and no duplicate, each as the log
//     holds it: all those its state holds, and (unless Harness.ReadsEndAtIterationStart)
//     maybe more;
//   - every subscription yields each event after its start exactly once, in position
//     order, up to the log's last event, and never an event before its append began, nor
//     one that an operation beginning after it had been yielded does not see.
//
// The search for states is exact (the appends' order being fixed, each other operation
// takes the earliest state its answer and real time allow). A failure prints the history.
func checkHistory(tb testing.TB, h Harness) {
	var n historyTally
	for _, seed := range historySeeds {
		hs := runHistory(tb, h, seed)
		if msg := hs.check(h, &n); msg != "" {
			tb.Errorf("history check, seed %d: %s\n%s", seed, msg, hs)
			return
		}
	}
	tb.Logf("history check: %+v", n)
	if n.appended == 0 || n.conflicts == 0 || n.readEvents == 0 {
		tb.Errorf("history check: the runs missed a kind of answer: %+v", n)
	}
}

// historyTally counts what the history check's runs did.
type historyTally struct {
	appended, conflicts, readEvents, delivered int
	overlapping                                int // operations that ran at once with another goroutine's
}

// String lists the history: operations by invocation, subscriptions, and the log.
func (hs *history) String() string {
	var b strings.Builder
	ops := slices.Clone(hs.ops)
	slices.SortFunc(ops, func(a, b *hop) int { return int(a.inv - b.inv) })
	fmt.Fprintf(&b, "operations, by invocation ([invoked-returned] on one clock; cN#i is goroutine N's i-th, on store N %% %d; positions read as position/stream/version):\n", hs.stores)
	for _, o := range ops {
		fmt.Fprintf(&b, "  %s\n", o)
	}
	for _, sub := range hs.subs {
		sub.mu.Lock()
		fmt.Fprintf(&b, "subscription %q (at %d), yielded:", sub.name, sub.inv)
		for i, e := range sub.got {
			fmt.Fprintf(&b, " %d@%d", e.Position, sub.at[i])
		}
		if sub.err != nil && !errors.Is(sub.err, context.Canceled) {
			fmt.Fprintf(&b, ", error %v", sub.err)
		}
		sub.mu.Unlock()
		b.WriteString("\n")
	}
	b.WriteString("log (position: stream/version from the append cN#i):")
	for _, e := range hs.log {
		var m marker
		_ = json.Unmarshal(e.Data, &m)
		fmt.Fprintf(&b, " %d:%s/%d<c%d#%d", e.Position, e.StreamID, e.Version, m.W, m.I)
	}
	return b.String()
}

// cuts are the model's states between appends: cut c is the state after the first c
// successful appends in position order.
type cuts struct {
	heads    []store.Position
	versions []map[string]store.Version
	owner    map[store.Position]int // the index, in position order, of the append that wrote a position
	began    []int64                // when each append, in position order, was invoked
}

func (c *cuts) last() int { return len(c.heads) - 1 }

// after returns the cut right after the append that wrote p.
func (c *cuts) after(p store.Position) int { return c.owner[p] + 1 }

// an hitem is one point to place among the cuts: an operation, or a subscription's yield.
type hitem struct {
	what     string
	inv, ret int64
	fits     func(c int) bool // whether the answer is the model's at cut c
	fitsDesc string           // what fits says
	obs      int              // a cut the answer proves reached by its return
	isAppend bool
	inFlight bool // a conflict that may count appends in flight: later items need not see its state
	post     int  // the cut that operations beginning after its return see at least
	x        int  // where it was placed
}

// check returns what is wrong with the history, or "".
func (hs *history) check(h Harness, n *historyTally) string {
	for _, o := range hs.ops {
		if o.err != nil {
			return fmt.Sprintf("%s: %v", o, o.err)
		}
		if ce := o.conflict; ce != nil && (ce.Stream != o.stream || ce.Expected != o.expected) {
			return fmt.Sprintf("%s: ConflictError{Stream %q, Expected %d}, want {%q, %d}", o, ce.Stream, ce.Expected, o.stream, o.expected)
		}
	}
	for _, o := range hs.ops {
		for _, p := range hs.ops {
			if p.client != o.client && p.inv < o.ret && o.inv < p.ret {
				n.overlapping++
				break
			}
		}
	}
	m, cs, order, msg := hs.replay()
	if msg != "" {
		return msg
	}
	var items []*hitem
	for i, o := range order {
		items = append(items, &hitem{what: o.String(), inv: o.inv, ret: o.ret, isAppend: true, fits: func(c int) bool { return c == i }, fitsDesc: "only the state its events follow in the log", obs: i + 1})
		n.appended++
	}
	for _, o := range hs.ops {
		if o.kind == hAppend && o.conflict == nil {
			continue
		}
		it, msg := hs.item(h, m, cs, o)
		if msg != "" {
			return fmt.Sprintf("%s: %s", o, msg)
		}
		items = append(items, it)
		switch {
		case o.conflict != nil:
			n.conflicts++
		case len(o.read) > 0:
			n.readEvents++
		}
	}
	head := cs.heads[cs.last()]
	for _, sub := range hs.subs {
		sub.mu.Lock()
		got, at, err := sub.got, sub.at, sub.err
		sub.mu.Unlock()
		if msg := contiguous(got, max(sub.after, 0), max(head, sub.after)); msg != "" {
			if err != nil {
				msg += fmt.Sprintf(" (it ended with %v)", err)
			}
			return fmt.Sprintf("subscription %q: %s", sub.name, msg)
		}
		for i, e := range got {
			if d := m.match(e.Position, e); d != "" {
				return fmt.Sprintf("subscription %q, event %d: %s", sub.name, i, d)
			}
			c := cs.after(e.Position)
			items = append(items, &hitem{what: fmt.Sprintf("subscription %q yielding position %d", sub.name, e.Position), inv: at[i], ret: at[i], fits: func(int) bool { return true }, obs: c})
			n.delivered++
		}
	}
	return place(items, cs)
}

// replay checks the log against the successful appends and replays them into the model in
// position order, returning it, its cuts, and the appends in that order.
func (hs *history) replay() (*model, *cuts, []*hop, string) {
	byMarker := map[[2]int]*hop{}
	for _, o := range hs.ops {
		if o.kind == hAppend {
			byMarker[[2]int{o.client, o.n}] = o
		}
	}
	m := newModel()
	cs := &cuts{heads: []store.Position{0}, versions: []map[string]store.Version{{}}, owner: map[store.Position]int{}}
	var order []*hop
	for i := 0; i < len(hs.log); {
		e := hs.log[i]
		if e.Position != store.Position(i+1) {
			return nil, nil, nil, fmt.Sprintf("the log read after the run has position %d at index %d", e.Position, i)
		}
		var mk marker
		if err := json.Unmarshal(e.Data, &mk); err != nil {
			return nil, nil, nil, fmt.Sprintf("position %d holds data %s, which no append wrote", e.Position, e.Data)
		}
		o := byMarker[[2]int{mk.W, mk.I}]
		switch {
		case o == nil:
			return nil, nil, nil, fmt.Sprintf("position %d holds data %s, which no append wrote", e.Position, e.Data)
		case o.conflict != nil:
			return nil, nil, nil, fmt.Sprintf("position %d holds an event of %s, which failed", e.Position, o)
		case mk.J != 0:
			return nil, nil, nil, fmt.Sprintf("position %d holds event %d of %s, not its first (the batch is not whole at consecutive positions)", e.Position, mk.J, o)
		case slices.Contains(order, o):
			return nil, nil, nil, fmt.Sprintf("position %d holds %s's events a second time", e.Position, o)
		}
		if !m.accepts(o.stream, o.expected) {
			return nil, nil, nil, fmt.Sprintf("%s succeeded, but its events follow version %d of its stream in the log, which expected %s refuses", o, m.versions[o.stream], fmtExpected(o.expected))
		}
		want := m.append(o.stream, o.events)
		if o.a != want {
			return nil, nil, nil, fmt.Sprintf("%s: Appended = %+v, but the log holds its events at versions and positions that end at %+v", o, o.a, want)
		}
		for j := range o.events {
			if i+j >= len(hs.log) {
				return nil, nil, nil, fmt.Sprintf("the log ends at %d, within %s", len(hs.log), o)
			}
			if d := m.match(store.Position(i+j+1), hs.log[i+j]); d != "" {
				return nil, nil, nil, fmt.Sprintf("position %d, of %s: %s", i+j+1, o, d)
			}
			cs.owner[store.Position(i+j+1)] = len(order)
		}
		i += len(o.events)
		order = append(order, o)
		cs.began = append(cs.began, o.inv)
		cs.heads = append(cs.heads, m.head())
		vs := make(map[string]store.Version, len(m.versions))
		for s, v := range m.versions {
			vs[s] = v
		}
		cs.versions = append(cs.versions, vs)
	}
	for _, o := range hs.ops {
		if o.kind == hAppend && o.conflict == nil && !slices.Contains(order, o) {
			return nil, nil, nil, fmt.Sprintf("%s succeeded, but the log read after the run lacks its events", o)
		}
	}
	return m, cs, order, ""
}

// item makes the point to place for an operation other than a successful append, checking
// on the way that what it read is part of the log.
func (hs *history) item(h Harness, m *model, cs *cuts, o *hop) (*hitem, string) {
	it := &hitem{what: o.String(), inv: o.inv, ret: o.ret}
	ver := func(c int) store.Version { return cs.versions[c][o.stream] }
	switch o.kind {
	case hAppend: // refused with a conflict
		a := o.conflict.Actual
		it.fits = func(c int) bool {
			return ver(c) == a && store.CheckVersion(o.stream, o.expected, a) != nil
		}
		it.fitsDesc = fmt.Sprintf("states where %q is at version %d, which expected %s refuses", o.stream, a, fmtExpected(o.expected))
		if h.ConflictsCountAppendsInFlight {
			it.inFlight = true
			it.fits = func(c int) bool {
				return ver(c) == a && store.CheckVersion(o.stream, o.expected, a) != nil && (c == 0 || cs.began[c-1] < o.ret)
			}
			it.fitsDesc += ", made by appends that began before it returned"
		}
	case hHead:
		it.fits = func(c int) bool { return cs.heads[c] == store.Position(o.value) }
		it.fitsDesc = fmt.Sprintf("states whose head is %d", o.value)
	case hStreamVersion:
		it.fits = func(c int) bool { return ver(c) == store.Version(o.value) }
		it.fitsDesc = fmt.Sprintf("states where %q is at version %d", o.stream, o.value)
	case hReadAll, hReadStream:
		return hs.readItem(h, m, cs, o, it)
	}
	return it, ""
}

// readItem makes the point to place for a read: what it yielded must be the first events
// of those the log holds that it asks for (with no gap, each as the log holds it), and fits
// the states in which those are all it asks for (unless Harness.ReadsEndAtIterationStart,
// or at least all).
func (hs *history) readItem(h Harness, m *model, cs *cuts, o *hop, it *hitem) (*hitem, string) {
	keep := func(e store.Event) bool { return o.types == nil || slices.Contains(o.types, e.Type) }
	var from store.Position
	if o.kind == hReadAll {
		from = store.Position(max(o.after, 0))
	} else {
		all := keep
		keep = func(e store.Event) bool {
			return e.StreamID == o.stream && e.Version > store.Version(o.after) && all(e)
		}
	}
	want := m.positions(from, keep)
	for i, e := range o.read {
		if i >= len(want) {
			return nil, fmt.Sprintf("yielded %d events, but the log holds %d it asks for (positions %s)", len(o.read), len(want), fmtPositions(want))
		}
		if d := m.match(want[i], e); d != "" {
			return nil, fmt.Sprintf("event %d (want position %d): %s", i, want[i], d)
		}
	}
	k := len(o.read)
	count := func(c int) int { // how many of want the state at cut c holds
		n, _ := slices.BinarySearch(want, cs.heads[c]+1)
		return n
	}
	if k > 0 {
		it.obs = cs.after(want[k-1])
		if count(it.obs) != k {
			return nil, fmt.Sprintf("ended at position %d, within a batch whose events at positions %s it asks for too", want[k-1], fmtPositions(want[k:count(it.obs)]))
		}
	}
	exact := h.ReadsEndAtIterationStart
	it.fits = func(c int) bool { return count(c) == k || !exact && count(c) < k }
	it.fitsDesc = fmt.Sprintf("states that hold exactly the %d events it yielded of those it asks for", k)
	if !exact {
		it.fitsDesc = fmt.Sprintf("states that hold at most the %d events it yielded of those it asks for", k)
	}
	return it, ""
}

// place finds a state for every item, in the order of their invocations, each the earliest
// its answer fits at or after the states of the items that returned before it began (and
// the appends those saw); it returns why one has none, or "". With the appends' states
// fixed and every constraint of the form "not before", the earliest is always the best
// choice, so the search is exact.
func place(items []*hitem, cs *cuts) string {
	slices.SortStableFunc(items, func(a, b *hitem) int { return int(a.inv - b.inv) })
	for k, it := range items {
		low, because := 0, (*hitem)(nil)
		for _, q := range items[:k] {
			if q.ret < it.inv && q.post > low {
				low, because = q.post, q
			}
		}
		it.x = -1
		for c := low; c <= cs.last(); c++ {
			if it.fits(c) {
				it.x = c
				break
			}
		}
		if it.x < 0 {
			var fit []string
			for c := 0; c <= cs.last(); c++ {
				if it.fits(c) {
					fit = append(fit, fmt.Sprint(c))
				}
			}
			msg := fmt.Sprintf("not linearizable: %s fits %s, the states after %s appends (0 to %d in all)", it.what, it.fitsDesc, orNone(fit), cs.last())
			if because != nil {
				msg += fmt.Sprintf(", but it began after %s returned, which saw or made the state after %d appends (head %d)", because.what, because.post, cs.heads[because.post])
			}
			return msg
		}
		switch {
		case it.isAppend:
			it.post = it.x + 1
		case it.inFlight:
			it.post = 0
		default:
			it.post = max(it.x, it.obs)
		}
	}
	return ""
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none of the"
	}
	return strings.Join(s, ", ")
}
