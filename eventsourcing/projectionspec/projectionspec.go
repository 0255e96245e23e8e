// Package projectionspec holds given-when-then specs for projections (read models): the
// events given are encoded by a codec, appended to a new in-memory store, and fed as the
// log to a new projection, whose query Then compares with what it should read.
//
//	projectionspec.For(t, newRestaurants, restaurant.Codec{}, get("r1")).
//		Given(restaurant.StreamID("r1"), created, menuChanged).Then(want)
//
// Deciders, views and sagas are pure, and package decider/spec specifies them; a
// projection is fed encoded events by a Runner, so its spec needs a store, which is why it
// lives beside package eventsourcing.
package projectionspec

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/internal/specfmt"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

// Spec is a projection (a read model) with its given log, waiting for what a
// query of it should return.
//
// Unlike a view, a projection is fed the log's events as a store hands them to a Runner:
// encoded, in position order, the other aggregates' events and the types it ignores
// included. Then and ThenError build that log in a memory store (which validates the events
// as every store does), feed it to a new projection, and query it. A ResumableProjection is
// fed, as a Runner feeds it, the events after the position its Resume returns. A failure
// shows the given log: of more than 40 events, the first and last ten and those near the
// event whose Apply failed.
type Spec[P eventsourcing.Projection, S, E any] struct {
	tb    testing.TB
	gid   uint64 // the goroutine tb was given in (see specfmt.Elsewhere)
	newP  func() P
	codec eventsourcing.Codec[E]
	query func(P) S
	given *specfmt.Log[givenEvent] // shared with the specs it was carried on from: see specfmt.Log
	at    time.Time                // of the next event given, set by At
}

// givenEvent is one event of a projection spec's log, as a store is asked to append it.
type givenEvent struct {
	stream   string
	value    any // the event given, or nil for GivenRaw
	typ      string
	data     json.RawMessage
	metadata map[string]string
	at       time.Time // its time, when At set it
}

// For starts a projection spec, with no events given yet: newP makes the projection
// (each Then feeds a new one), codec encodes the events Given takes, and query reads the
// projection for Then to compare. A constructor that takes options or returns an error is
// not a func() P (Go then reports that it cannot infer P, S and E): wrap it, as in
// func() *Balances { return NewBalances(WithLimit(3)) }.
func For[P eventsourcing.Projection, S, E any](tb testing.TB, newP func() P, codec eventsourcing.Codec[E], query func(P) S) *Spec[P, S, E] {
	tb.Helper()
	if newP == nil || codec == nil || query == nil {
		tb.Fatalf("projectionspec.For needs a constructor, a codec and a query")
	}
	return &Spec[P, S, E]{tb: tb, gid: specfmt.Goroutine(), newP: newP, codec: codec, query: query}
}

// In returns the spec reporting to tb, for a base spec carried on in subtests (see
// spec.DeciderSpec.In of package decider/spec).
func (g *Spec[P, S, E]) In(tb testing.TB) *Spec[P, S, E] {
	tb.Helper()
	c := *g
	c.tb, c.gid = tb, specfmt.Goroutine()
	return &c
}

// Given returns the spec with events appended to stream, encoded by the spec's codec. It
// stops the test when the codec cannot encode one, saying so when the codec encodes its
// other form (the value for a pointer, a pointer for a value).
func (g *Spec[P, S, E]) Given(stream string, events ...E) *Spec[P, S, E] {
	g.tb.Helper()
	return g.GivenMetadata(stream, nil, events...)
}

// GivenMetadata is Given with metadata on each event, as Meta.Metadata and the handler's
// own keys (commandId, correlationId, causationId) put there.
func (g *Spec[P, S, E]) GivenMetadata(stream string, metadata map[string]string, events ...E) *Spec[P, S, E] {
	g.tb.Helper()
	added := make([]givenEvent, 0, len(events))
	for i, e := range events {
		typ, data, err := g.codec.Encode(e)
		if err != nil {
			g.tb.Fatalf("projectionspec: Given: event [%d] of stream %s: the codec cannot encode it: %v%s\n%s", i, stream, err, otherForm(g.codec, e), specfmt.Indent(specfmt.Render(e)))
		}
		added = append(added, givenEvent{stream: stream, value: e, typ: typ, data: data, metadata: maps.Clone(metadata)})
	}
	return g.with(added...)
}

// otherForm returns, for an event the codec cannot encode, a hint when it can encode the
// event's other form: the value a pointer points to, or a pointer to the value.
func otherForm[E any](codec eventsourcing.Codec[E], e E) string {
	v := reflect.ValueOf(e)
	var other reflect.Value
	switch {
	case !v.IsValid():
		return ""
	case v.Kind() == reflect.Pointer && !v.IsNil():
		other = v.Elem()
	case v.Kind() != reflect.Pointer:
		other = reflect.New(v.Type())
		other.Elem().Set(v)
	default:
		return ""
	}
	o, ok := other.Interface().(E)
	if !ok {
		return ""
	}
	if _, _, err := codec.Encode(o); err != nil {
		return ""
	}
	if other.Kind() == reflect.Pointer {
		return fmt.Sprintf("; the codec encodes %s: give a pointer", specfmt.TypeNameOf(other.Type()))
	}
	return fmt.Sprintf("; the codec encodes %s: give the value, not a pointer", specfmt.TypeNameOf(other.Type()))
}

// GivenRaw returns the spec with one event appended to stream as the log holds it: a type
// name and its JSON. It gives what no codec writes: a type the projection ignores, an
// older form of an event that an Upcast codec reads, or a body the projection should
// refuse. (Another aggregate's events are better given through WithCodec and that
// aggregate's codec, which keeps them in the form the log holds.)
func (g *Spec[P, S, E]) GivenRaw(stream, typ string, data json.RawMessage) *Spec[P, S, E] {
	g.tb.Helper()
	return g.with(givenEvent{stream: stream, typ: typ, data: bytes.Clone(data)})
}

// WithCodec returns g giving the events of its later Given and GivenMetadata through codec,
// with the log given so far: a projection that reads the events of two aggregates gets
// each aggregate's as its own codec encodes them, rather than as JSON written by hand for
// GivenRaw, which a change of the codec would leave behind. (A method cannot take a type
// parameter of its own, so it is a function.) g is left as it was.
//
//	orders := projectionspec.For(t, newP, restaurant.Codec{}, query).Given("restaurant-r1", created)
//	projectionspec.WithCodec(orders, order.Codec{}).Given("order-o1", orderCreated).Then(want)
func WithCodec[F any, P eventsourcing.Projection, S, E any](g *Spec[P, S, E], codec eventsourcing.Codec[F]) *Spec[P, S, F] {
	g.tb.Helper()
	if codec == nil {
		g.tb.Fatalf("projectionspec.WithCodec needs a codec")
	}
	return &Spec[P, S, F]{tb: g.tb, gid: g.gid, newP: g.newP, codec: codec, query: g.query, given: g.given, at: g.at}
}

// At returns the spec with the next event given appended at t (in UTC), and each event
// given after it a second after the one before, until another At: for a projection that
// reads the events' times (a day's totals, how long a loan was held). Without At, the
// event at position n has the time 2000-01-01T00:00:00Z plus n seconds. Times never go
// back, as in every store's log: a t before the time of the event before it gives the event
// that event's time. The zero t sets no time.
func (g *Spec[P, S, E]) At(t time.Time) *Spec[P, S, E] {
	c := *g
	c.at = t
	return &c
}

// with returns a spec whose log is g's followed by added, which it takes; g is left as it
// was, so that specs carried on from one base see none of each other's events.
func (g *Spec[P, S, E]) with(added ...givenEvent) *Spec[P, S, E] {
	c := *g
	if !g.at.IsZero() && len(added) > 0 {
		added[0].at, c.at = g.at, time.Time{}
	}
	c.given = g.given.Add(added)
	return &c
}

// Then checks that a new projection fed the given log reads, through the spec's query, as
// want (by reflect.DeepEqual). It fails when an Apply fails or panics (a Runner takes a
// panic as the Apply's failure); when an Apply changed the event it was given, its Data or
// Metadata (a Runner's projections share the events they are fed with each other and with
// the store); and when a ResumableProjection's Resume fails, panics or returns a position
// the log does not have.
func (g *Spec[P, S, E]) Then(want S) {
	g.tb.Helper()
	f := g.feed()
	changed := g.unchanged(f.events)
	if f.err != nil || f.resume != "" {
		if changed != "" {
			changed = "\n" + changed
		}
		g.tb.Errorf("%s\nthen: want\n%s\ngot: %s%s", g.fedContext(&f), specfmt.Indent(specfmt.Render(want)), f.failure(), changed)
		return
	}
	if changed != "" {
		g.tb.Errorf("%s\n%s", g.fedContext(&f), changed)
		return
	}
	if got := g.query(f.p); !reflect.DeepEqual(want, got) {
		g.tb.Errorf("%s\nthen: reads differ (- want, + got):\n%s", g.fedContext(&f), specfmt.Indent(specfmt.DiffReport("read", want, got, specfmt.Render(want), specfmt.Render(got))))
	}
}

// ThenError checks that feeding the given log to a new projection fails, with an error
// matching target as the decider specs' Outcome.ThenError matches one (package
// decider/spec): target by errors.Is, or, for a structured error, one of its type and
// fields in the chain. It fails when every Apply succeeded, when one panicked, when Resume
// failed as Then describes, and when an Apply changed the event it was given; a failure
// says each of these that happened. A nil target matches nothing: Then checks that every
// Apply succeeded.
func (g *Spec[P, S, E]) ThenError(target error) {
	g.tb.Helper()
	if target == nil {
		g.tb.Errorf("projectionspec: ThenError(nil) matches no error: call Then to check that every Apply succeeded, and what the query reads")
		return
	}
	f := g.feed()
	var got string
	var pe *panicError
	switch {
	case f.resume != "" || errors.As(f.err, &pe):
		got = fmt.Sprintf("\nthen: want error %v\ngot: %s", target, f.failure())
	case f.err == nil:
		got = fmt.Sprintf("\nthen: want an Apply to fail with %v (%T)\ngot no error; the query reads\n%s", target, target, specfmt.Indent(specfmt.Render(g.query(f.p))))
	case !specfmt.Matches(f.err, target):
		got = fmt.Sprintf("\nthen: want error %v\ngot: Apply of [%d] failed: %v\n%s", target, f.at, f.err, specfmt.Mismatch(f.err, target))
	}
	// An Apply that changed an event is reported along with the failure, which the change
	// may have caused: told one at a time, the other would appear once that one was fixed.
	if changed := g.unchanged(f.events); changed != "" {
		got += "\n" + changed
	}
	if got != "" {
		g.tb.Errorf("%s%s", g.fedContext(&f), got)
	}
}

// fed is an event a projection was fed, with copies of what it held before, to tell
// whether Apply changed it.
type fed struct {
	store.Event
	data     json.RawMessage
	metadata map[string]string
}

// feeding is a projection fed the given log, and how that went.
type feeding[P any] struct {
	p      P
	given  []givenEvent
	events []fed          // the log built
	after  store.Position // where a ResumableProjection resumed: it was fed the events after it
	at     int            // the index of the event whose Apply failed
	err    error          // that Apply's error (a *panicError when it panicked), or Resume's
	resume string         // why Resume stopped the projection before any Apply, or ""
}

// feed appends the given events to a new memory store and feeds the log to a new
// projection until an Apply fails, as a Runner does: a ResumableProjection only the events
// after the position its Resume returns. It stops the test when the store refuses an
// event: the spec's log could not exist.
func (g *Spec[P, S, E]) feed() feeding[P] {
	g.tb.Helper()
	f := feeding[P]{given: g.given.All(), at: -1}
	f.events = g.log(f.given)
	f.p = g.newP()
	if rp, ok := any(f.p).(eventsourcing.ResumableProjection); ok {
		head := store.Position(len(f.events))
		f.after, f.err = resume(rp)
		var pe *panicError
		switch {
		case errors.As(f.err, &pe):
			f.resume = fmt.Sprintf("Resume panicked: %v (a Runner stops the projection)\n%s", pe.value, specfmt.Indent(strings.TrimSuffix(string(pe.stack), "\n")))
		case f.err != nil:
			f.resume = fmt.Sprintf("Resume failed: %v (%T); a Runner tries it again, feeding the projection nothing meanwhile", f.err, f.err)
		case f.after < 0:
			f.resume = fmt.Sprintf("Resume returned position %d: a Runner stops the projection", f.after)
		case f.after > head:
			f.resume = fmt.Sprintf("Resume returned position %d, beyond the log's head %d: a Runner stops the projection", f.after, head)
		}
		if f.resume != "" {
			return f
		}
	}
	for i := int(f.after); i < len(f.events); i++ {
		if err := apply(f.p, f.events[i].Event); err != nil {
			f.at, f.err = i, err
			return f
		}
	}
	return f
}

// fedContext describes the given log, and where the projection resumed.
func (g *Spec[P, S, E]) fedContext(f *feeding[P]) string {
	s := g.context(f.given, f.events, f.at)
	if f.after > 0 && f.resume == "" {
		s += fmt.Sprintf("\nResume returned position %d: the projection was fed the events after it", f.after)
	}
	return s
}

// failure describes how feeding the projection failed.
func (f *feeding[P]) failure() string {
	if f.resume != "" {
		return f.resume
	}
	return applyFailure(f.at, f.err)
}

// resume calls rp.Resume, turning a panic into a *panicError.
func resume(rp eventsourcing.ResumableProjection) (pos store.Position, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &panicError{value: v, stack: debug.Stack()}
		}
	}()
	return rp.Resume(context.Background())
}

// panicError is the panic of an Apply, with the stack it panicked on.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("panicked: %v", e.value) }

// apply calls p.Apply, turning a panic into a *panicError, as a Runner turns it into the
// projection's failure: the spec then reports it with the given log, and the other tests run.
func apply(p eventsourcing.Projection, e store.Event) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &panicError{value: v, stack: debug.Stack()}
		}
	}()
	return p.Apply(e)
}

// applyFailure describes the failure of the Apply of event [at].
func applyFailure(at int, err error) string {
	var pe *panicError
	if errors.As(err, &pe) {
		return fmt.Sprintf("Apply of [%d] panicked: %v\n%s", at, pe.value, specfmt.Indent(strings.TrimSuffix(string(pe.stack), "\n")))
	}
	return fmt.Sprintf("Apply of [%d] failed: %v (%T)", at, err, err)
}

// log appends the given events to a new memory store and reads them back, as a Runner
// would get them: positions from 1, versions per stream, the event at position n with the
// id 00000000-0000-4000-8000-<n in 12 digits> and the time 2000-01-01T00:00:00Z plus n
// seconds, or the time At set, or a second after the event before one with it.
func (g *Spec[P, S, E]) log(given []givenEvent) []fed {
	g.tb.Helper()
	ctx := context.Background()
	times := make([]time.Time, len(given))
	next := time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)
	for i, e := range given {
		next = next.Add(time.Second)
		if !e.at.IsZero() {
			next = e.at
		}
		times[i] = next
	}
	appending := 0 // the index of the event appended, one an append
	s := memory.New(memory.WithClock(func() time.Time { return times[appending] }))
	defer s.Close()
	for i, e := range given {
		appending = i
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1)
		_, err := s.Append(ctx, e.stream, store.Any, store.EventData{ID: id, Type: e.typ, Data: e.data, Metadata: e.metadata})
		if err != nil {
			g.tb.Fatalf("%s\nprojectionspec: the store refuses given event [%d]: %v", g.context(given, nil, i), i, err)
		}
	}
	out := make([]fed, 0, len(given))
	for e, err := range s.ReadAll(ctx, 0) {
		if err != nil {
			g.tb.Fatalf("projectionspec: reading the given log back: %v", err)
		}
		out = append(out, fed{Event: e, data: bytes.Clone(e.Data), metadata: maps.Clone(e.Metadata)})
	}
	return out
}

// unchanged reports, for the events fed, those whose Data or Metadata an Apply changed.
func (g *Spec[P, S, E]) unchanged(events []fed) string {
	var b strings.Builder
	for i, e := range events {
		if !bytes.Equal(e.data, e.Event.Data) {
			fmt.Fprintf(&b, "then: Apply changed the Data of [%d] it was given: %s, now %s\n", i, e.data, e.Event.Data)
		}
		if !maps.Equal(e.metadata, e.Event.Metadata) {
			fmt.Fprintf(&b, "then: Apply changed the Metadata of [%d] it was given: %v, now %v\n", i, e.metadata, e.Event.Metadata)
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return strings.TrimSuffix(b.String(), "\n") + "\n(a Runner's projections share the events they are fed: Apply must only read them)"
}

// Of a log longer than longLog events, a failure shows the first and last ends events, and
// those within near of the event the failure is about.
const (
	longLog = specfmt.LongLog
	ends    = specfmt.Ends
	near    = 3
)

// context describes the given log: each event with its stream, version and position when
// the log was built, and the value given (or the type and JSON of a raw one). Of a long log
// it shows the ends and the events near the one at focus (-1 for none).
func (g *Spec[P, S, E]) context(given []givenEvent, events []fed, focus int) string {
	elsewhere := specfmt.Elsewhere(g.tb, g.gid)
	if len(given) == 0 {
		return elsewhere + "given: (no events)"
	}
	var b strings.Builder
	b.WriteString(elsewhere + "given:")
	hidden := 0 // events not shown before i
	for i, e := range given {
		if len(given) > longLog && i >= ends && i < len(given)-ends && (focus < 0 || i < focus-near || i > focus+near) {
			hidden++
			continue
		}
		if hidden > 0 {
			fmt.Fprintf(&b, "\n  ... [%d] to [%d]: %d events not shown", i-hidden, i-1, hidden)
			hidden = 0
		}
		where := "stream " + e.stream
		if i < len(events) {
			where += ", version " + strconv.FormatInt(int64(events[i].Version), 10) + ", position " + strconv.FormatInt(int64(events[i].Position), 10)
		}
		if !e.at.IsZero() {
			where += ", at " + e.at.UTC().Format(time.RFC3339Nano)
		}
		shown := e.typ + " " + string(e.data)
		if e.value != nil {
			shown = specfmt.Render(e.value)
		}
		if len(e.metadata) > 0 {
			md, _ := json.Marshal(e.metadata)
			shown += "\nmetadata " + string(md)
		}
		fmt.Fprintf(&b, "\n  [%d] (%s) %s", i, where, strings.ReplaceAll(shown, "\n", "\n  "))
	}
	return b.String()
}
