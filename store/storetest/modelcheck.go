package storetest

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// DefaultModelSteps is how many operations each of the model check's sequences runs when
// Harness.ModelSteps is 0.
const DefaultModelSteps = 250

// modelSeeds are the seeds of the model check's sequences: fixed, so that a failure
// reproduces.
var modelSeeds = []uint64{1, 2, 3, 4, 5, 6, 7, 8}

// maxFuzzSteps bounds the operations FuzzModel runs of one input.
const maxFuzzSteps = 400

// checkModel: random sequences of operations, each from a fixed seed, give the answers a
// reference model of the contract gives: the same events (ids, versions, positions, times,
// compact data, metadata), Appended, heads, stream versions, snapshots, checkpoints and
// errors (errors.Is the store's sentinels, and a *store.ConflictError's details). The
// operations are appends of batches (a few large) to a handful of streams with right and
// wrong expected versions in every mode, through Append, AppendEvents and AppendHandover;
// invalid appends and appends with a canceled context, which write nothing; reads of
// streams, of the log and of types from every kind of start, stopped early or not, and
// their shared variants; subscriptions to the history; a subscription that runs beside the
// other operations; heads and stream versions; snapshots and checkpoints saved (valid or
// not, of events the log holds or not) and read; and, when the harness can, restarts. The
// optional operations run on stores that implement them. A failure names the seed and the
// shortest sequence found that still fails, with the input that replays it in FuzzModel.
func checkModel(tb testing.TB, h Harness) {
	steps := h.ModelSteps
	if steps <= 0 {
		steps = DefaultModelSteps
	}
	var n modelTally
	for _, seed := range modelSeeds {
		data := make([]byte, steps*opSize)
		r := rand.New(rand.NewPCG(seed, 0x5eed))
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		ops := decodeOps(data)
		f := runModel(tb, h, ops, &n)
		if f == nil {
			continue
		}
		shrunk, sf := shrinkModel(tb, h, ops[:f.step+1], f)
		tb.Errorf("model check, seed %d: the store disagrees with the model at operation %d of %d; shrunk to %d operations:\n%s\nreplay it with FuzzModel, as testdata/fuzz/FuzzModel/seed-%d:\ngo test fuzz v1\n[]byte(%q)",
			seed, f.step+1, len(ops), len(shrunk), sf, seed, encodeOps(shrunk))
		return
	}
	tb.Logf("model check: %+v", n)
	if n.appended == 0 || n.conflicts == 0 || n.invalid == 0 || n.readEvents == 0 || n.emptyReads == 0 || (h.Reopen != nil && n.restarts == 0) {
		tb.Errorf("model check: the sequences missed a kind of answer: %+v", n)
	}
}

// FuzzModel runs the model check (see Checks) on sequences of operations the fuzzer makes,
// each on a new store from h. A package's fuzz target calls it in one line:
//
//	func FuzzModel(f *testing.F) { storetest.FuzzModel(f, harness) }
func FuzzModel(f *testing.F, h Harness) {
	f.Helper()
	for _, seed := range []uint64{1, 2} {
		data := make([]byte, 40*opSize)
		r := rand.New(rand.NewPCG(seed, 0xf022))
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ops := decodeOps(data)
		if len(ops) > maxFuzzSteps {
			ops = ops[:maxFuzzSteps]
		}
		if fl := runModel(t, h, ops, nil); fl != nil {
			t.Errorf("the store disagrees with the model at operation %d of %d:\n%s", fl.step+1, len(ops), fl)
		}
	})
}

// modelFailure is where and how a store disagreed with the model: the operations run, as
// they were run (with their expected versions and positions resolved), up to the one that
// failed, and what was wrong.
type modelFailure struct {
	step int
	ran  []string
	msg  string
}

func (f *modelFailure) String() string {
	var b strings.Builder
	for i, r := range f.ran {
		fmt.Fprintf(&b, "  %d. %s\n", i+1, r)
	}
	fmt.Fprintf(&b, "  => %s", f.msg)
	return b.String()
}

// shrinkModel drops operations from ops, which fail (with f), while the rest still fails:
// first halves, then smaller runs, then one at a time, as long as that helps (and at most
// 400 runs, or five of the harness's timeouts). It returns the shortest failing sequence
// found and its failure.
func shrinkModel(tb testing.TB, h Harness, ops []opBytes, f *modelFailure) ([]opBytes, *modelFailure) {
	// Bounded, in runs and in time: a run that fails by a timeout takes that long.
	const maxRuns = 400
	runs, deadline := 0, time.Now().Add(5*h.timeout())
	more := func() bool { return runs < maxRuns && time.Now().Before(deadline) }
	for chunk := len(ops) / 2; chunk >= 1 && more(); {
		shrunk := false
		for at := 0; at+chunk <= len(ops) && more(); {
			try := slices.Concat(ops[:at], ops[at+chunk:])
			runs++
			if tf := runModel(tb, h, try, nil); tf != nil {
				ops, f = try[:tf.step+1], tf
				shrunk = true
				continue
			}
			at += chunk
		}
		if !shrunk || chunk > len(ops)/2 {
			chunk /= 2
		}
	}
	return ops, f
}

// modelRun runs operations on a store and on the model side by side.
type modelRun struct {
	tb  testing.TB
	h   Harness
	ctx context.Context
	s   store.Store
	m   *model
	ran []string
	n   *modelTally

	// sub is a subscription that lives across operations (see live), or nil.
	sub *liveSub
}

// modelTally counts what the model check's sequences did, so that it can tell it tried
// every kind of answer.
type modelTally struct {
	appended, conflicts, invalid, readEvents, emptyReads, restarts, saved int
	longest                                                               store.Position // the longest log a sequence made
}

// runModel runs ops on a new store from h and returns the first disagreement with the
// model, or nil. It closes the stores it opened before it returns.
func runModel(tb testing.TB, h Harness, ops []opBytes, n *modelTally) *modelFailure {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tb.Context(), 10*h.timeout())
	defer cancel()
	s := h.New(tb)
	if s == nil {
		tb.Fatal("Harness.New returned nil")
	}
	if n == nil {
		n = new(modelTally)
	}
	r := &modelRun{tb: tb, h: h, ctx: ctx, s: s, m: newModel(), n: n}
	defer func() { _ = r.s.Close() }()
	defer r.stopLive()
	tb.Cleanup(func() { _ = r.s.Close() })
	for i, o := range ops {
		if msg := r.step(i, o); msg != "" {
			return &modelFailure{step: i, ran: r.ran, msg: msg}
		}
	}
	n.longest = max(n.longest, r.m.head())
	return nil
}

// did records the operation being run, as it is run.
func (r *modelRun) did(format string, args ...any) {
	r.ran = append(r.ran, fmt.Sprintf(format, args...))
}

// step runs the i-th operation and returns how the store disagreed with the model, or "".
func (r *modelRun) step(i int, o opBytes) string {
	streams := modelStreams()
	stream := streams[int(o[1])%len(streams)]
	switch o.kind() {
	case opAppend:
		events := eventsFor(o, i)
		if limit := r.h.maxEventSize(); limit <= maxAtLimit && o[7]%16 == 15 {
			atLimit(&events[len(events)-1], stream, limit)
		}
		return r.append(stream, expectedVersion(o[2], r.m.versions[stream]), events, plainAppend)
	case opAppendEvents:
		how := eventsAppend
		if o[7]&0x80 != 0 {
			how = handoverAppend
		}
		return r.append(stream, expectedVersion(o[2], r.m.versions[stream]), eventsFor(o, i), how)
	case opAppendInvalid:
		if o[7]%4 == 0 {
			return r.appendCanceled(stream, o, i)
		}
		return r.appendInvalid(invalidFor(o, i, stream, r.m.versions[stream], r.h.maxEventSize()))
	case opReadStream, opReadStreamTypes:
		if o[1]%8 == 7 {
			stream = neverStream
		}
		after := afterVersion(o[2], o[3], r.m.versions[stream])
		limit := readLimit(o[4])
		if o.kind() == opReadStreamTypes {
			if tr, ok := r.s.(store.StreamTypeReader); ok {
				types := typeSet(o[5])
				r.did("ReadStreamTypes(%q, %d, %q), stopped after %d (0: all)", stream, after, types, limit)
				want := r.m.positions(0, func(e store.Event) bool {
					return e.StreamID == stream && e.Version > after && slices.Contains(types, e.Type)
				})
				return r.read(tr.ReadStreamTypes(r.ctx, stream, after, types), want, limit)
			}
		}
		r.did("ReadStream(%q, %d), stopped after %d (0: all)", stream, after, limit)
		want := r.m.positions(0, func(e store.Event) bool { return e.StreamID == stream && e.Version > after })
		return r.read(r.s.ReadStream(r.ctx, stream, after), want, limit)
	case opReadAll, opReadAllTypes:
		after := store.Position(afterVersion(o[2], o[3], store.Version(r.m.head())))
		limit := readLimit(o[4])
		if o.kind() == opReadAllTypes {
			if tr, ok := r.s.(store.TypeReader); ok {
				types := typeSet(o[5])
				r.did("ReadAllTypes(%d, %q), stopped after %d (0: all)", after, types, limit)
				want := r.m.positions(after, func(e store.Event) bool { return slices.Contains(types, e.Type) })
				return r.read(tr.ReadAllTypes(r.ctx, after, types), want, limit)
			}
		}
		want := r.m.positions(after, func(store.Event) bool { return true })
		if _, ok := r.s.(store.SharedReader); ok && o[6]%2 == 0 {
			r.did("ReadAllShared(%d), stopped after %d (0: all)", after, limit)
			return r.read(store.ReadAllReadOnly(r.ctx, r.s, after), want, limit)
		}
		r.did("ReadAll(%d), stopped after %d (0: all)", after, limit)
		return r.read(r.s.ReadAll(r.ctx, after), want, limit)
	case opSubscribe:
		after := store.Position(afterVersion(o[2], o[3], store.Version(r.m.head())))
		want := r.m.positions(after, func(store.Event) bool { return true })
		limit := readLimit(o[4])
		if len(want) == 0 {
			// Nothing to receive: a subscription would wait for the next append.
			return r.headOp()
		}
		ctx, cancel := context.WithTimeout(r.ctx, r.h.timeout())
		defer cancel()
		if limit == 0 || limit > len(want) {
			limit = len(want)
		}
		if _, ok := r.s.(store.SharedSubscriber); ok && o[6]%2 == 0 {
			r.did("SubscribeShared(%d), stopped after %d events", after, limit)
			return r.read(store.SubscribeReadOnly(ctx, r.s, after), want, limit)
		}
		r.did("Subscribe(%d), stopped after %d events", after, limit)
		return r.read(r.s.Subscribe(ctx, after), want, limit)
	case opLive:
		return r.live(o)
	case opStreamVersion:
		if o[1]%8 == 7 {
			stream = neverStream
		}
		sv, ok := r.s.(store.StreamVersioner)
		if !ok {
			return r.headOp()
		}
		r.did("StreamVersion(%q)", stream)
		v, err := sv.StreamVersion(r.ctx, stream)
		if err != nil {
			return fmt.Sprintf("StreamVersion: %v", err)
		}
		if want := r.m.versions[stream]; v != want {
			return fmt.Sprintf("StreamVersion = %d, want %d", v, want)
		}
		return ""
	case opReopen:
		if r.h.Reopen == nil {
			return r.headOp()
		}
		r.did("restart")
		if msg := r.stopLive(); msg != "" {
			return msg
		}
		s := r.h.Reopen(r.tb, r.s)
		if s == nil {
			r.tb.Fatal("Harness.Reopen returned nil")
		}
		r.s = s
		r.n.restarts++
		r.tb.Cleanup(func() { _ = s.Close() })
		return r.head("Head after the restart")
	case opSaveSnapshot, opSnapshot:
		sn, ok := r.s.(store.Snapshotter)
		if !ok {
			return r.headOp()
		}
		if o.kind() == opSaveSnapshot {
			return r.saveSnapshot(sn, stream, o, i)
		}
		if o[2]%8 == 7 {
			stream = neverStream
		}
		return r.snapshot(sn, stream)
	case opSaveCheckpoint, opCheckpoint:
		cp, ok := r.s.(store.Checkpointer)
		if !ok {
			return r.headOp()
		}
		if o.kind() == opSaveCheckpoint {
			return r.saveCheckpoint(cp, o)
		}
		return r.checkpoint(cp, o)
	}
	return r.headOp()
}

// headOp asks for the head as an operation of its own.
func (r *modelRun) headOp() string {
	r.did("Head")
	return r.head("Head")
}

// How the model check appends: Append, or, when the store has them, AppendEvents or
// AppendHandover (which return the committed events).
const (
	plainAppend = iota
	eventsAppend
	handoverAppend
)

// append appends events to stream expecting a version, as how says (Append when the store
// lacks the method), and compares the result with the model's.
func (r *modelRun) append(stream string, expected store.Version, events []store.EventData, how int) string {
	ea, _ := r.s.(store.EventsAppender)
	ha, _ := r.s.(store.HandoverAppender)
	if how == eventsAppend && ea == nil || how == handoverAppend && ha == nil {
		how = plainAppend
	}
	returned := how != plainAppend
	name := []string{"Append", "AppendEvents", "AppendHandover"}[how]
	r.did("%s(%q, expected %s, %d events of types %q)", name, stream, fmtExpected(expected), len(events), eventTypes(events))
	var (
		a   store.Appended
		got []store.Event
		err error
	)
	switch how {
	case eventsAppend:
		a, got, err = ea.AppendEvents(r.ctx, stream, expected, events...)
	case handoverAppend:
		a, got, err = ha.AppendHandover(r.ctx, stream, expected, events...)
	default:
		a, err = r.s.Append(r.ctx, stream, expected, events...)
	}
	actual := r.m.versions[stream]
	if !r.m.accepts(stream, expected) {
		var ce *store.ConflictError
		switch {
		case err == nil:
			return fmt.Sprintf("%s succeeded with %+v on a stream at version %d, want a conflict", name, a, actual)
		case !errors.Is(err, store.ErrConflict) || !errors.As(err, &ce):
			return fmt.Sprintf("%s: err = %v, want a *store.ConflictError (the stream is at version %d)", name, err, actual)
		case ce.Stream != stream || ce.Expected != expected || ce.Actual != actual:
			return fmt.Sprintf("ConflictError = {Stream %q, Expected %d, Actual %d}, want {%q, %d, %d}", ce.Stream, ce.Expected, ce.Actual, stream, expected, actual)
		}
		r.n.conflicts++
		return r.head("Head after the conflict")
	}
	if err != nil {
		return fmt.Sprintf("%s: %v (the stream is at version %d)", name, err, actual)
	}
	r.n.appended++
	from := r.m.head()
	want := r.m.append(stream, events)
	if a != want {
		return fmt.Sprintf("%s = %+v, want %+v", name, a, want)
	}
	if returned {
		if d := r.m.matchAll(r.m.positions(from, func(store.Event) bool { return true }), got, 0); d != "" {
			return name + " returned events: " + d
		}
	}
	return r.head("Head after the append")
}

// appendInvalid makes an append that must fail with store.ErrInvalid and write nothing.
func (r *modelRun) appendInvalid(in invalidAppend) string {
	r.did("Append(%q, expected %s, %d events) with %s", in.stream, fmtExpected(in.expected), len(in.events), in.what)
	a, err := r.s.Append(r.ctx, in.stream, in.expected, in.events...)
	if !errors.Is(err, store.ErrInvalid) {
		return fmt.Sprintf("Append with %s = %+v, %v, want ErrInvalid", in.what, a, err)
	}
	r.n.invalid++
	return r.head("Head after the invalid append")
}

// appendCanceled makes an append, valid but for its context, which has ended: it must fail
// with the context's error and write nothing.
func (r *modelRun) appendCanceled(stream string, o opBytes, step int) string {
	events := eventsFor(o, step)
	r.did("Append(%q, expected Any, %d events) with a canceled context", stream, len(events))
	ctx, cancel := context.WithCancel(r.ctx)
	cancel()
	if a, err := r.s.Append(ctx, stream, store.Any, events...); !errors.Is(err, context.Canceled) {
		return fmt.Sprintf("Append with a canceled context = %+v, %v, want context.Canceled", a, err)
	}
	r.n.invalid++
	return r.head("Head after the canceled append")
}

// read drains seq, stopping after limit events when limit > 0, and compares what it
// yielded with the model's events at want.
func (r *modelRun) read(seq iter.Seq2[store.Event, error], want []store.Position, limit int) string {
	var got []store.Event
	for e, err := range seq {
		if err != nil {
			return fmt.Sprintf("error after %d events: %v", len(got), err)
		}
		got = append(got, e)
		// Stop at the limit, or past the last event wanted (a subscription would wait
		// for more).
		if limit > 0 && (len(got) >= limit || len(want) > 0 && e.Position >= want[min(limit, len(want))-1]) {
			break
		}
	}
	if len(got) == 0 {
		r.n.emptyReads++
	} else {
		r.n.readEvents++
	}
	return r.m.matchAll(want, got, limit)
}

// head compares the store's head (store.Head: its Head when it has one, else ReadAll's last
// position) with the model's.
func (r *modelRun) head(what string) string {
	if _, ok := r.s.(store.Header); !ok && what != "Head" {
		return "" // reading the whole log after every append costs too much
	}
	p, err := store.Head(r.ctx, r.s)
	if err != nil {
		return fmt.Sprintf("%s: %v", what, err)
	}
	if p != r.m.head() {
		return fmt.Sprintf("%s = %d, want %d", what, p, r.m.head())
	}
	return ""
}

func fmtExpected(v store.Version) string {
	switch v {
	case store.Any:
		return "Any"
	case store.NoStream:
		return "NoStream"
	case store.StreamExists:
		return "StreamExists"
	}
	return fmt.Sprint(int64(v))
}

func eventTypes(events []store.EventData) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.Type
	}
	return out
}
