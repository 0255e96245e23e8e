package projectionspec_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/eventsourcing/projectionspec"
	"github.com/eventgraph/eventgraph/internal/spectest"
	"github.com/eventgraph/eventgraph/store"
)

// A bank account's events, and a command (which no codec encodes).
type (
	deposit   struct{ Amount int }
	deposited struct {
		Amount int `json:"amount"`
	}
	withdrawn struct {
		Amount int `json:"amount"`
	}
)

// shortError is a structured error: a spec compares its fields.
type shortError struct{ Need, Have int }

func (e *shortError) Error() string { return fmt.Sprintf("need %d, have %d", e.Need, e.Have) }

// opaqueError is an error whose fields a spec cannot compare.
type opaqueError struct{ code int }

func (e *opaqueError) Error() string { return fmt.Sprintf("opaque %d", e.code) }

// accountCodec names the account's events in the log.
func accountCodec() *eventsourcing.JSONCodec[any] {
	return eventsourcing.NewJSONCodec(
		eventsourcing.JSONEvent[deposited, any]("Deposited"),
		eventsourcing.JSONEvent[withdrawn, any]("Withdrawn"),
	)
}

var errOverdrawn = errors.New("overdrawn")

// balances is a read model of every account's balance, as a program's projection is
// written: it skips the types its codec does not handle and decodes the others.
type balances struct {
	codec  eventsourcing.Codec[any]
	byID   map[string]int
	tenant map[string]string // each account's last event's tenant metadata
	seen   []store.Event     // every event Apply was given, for the tests of the log's form
}

func newBalances() *balances {
	return &balances{codec: accountCodec(), byID: map[string]int{}, tenant: map[string]string{}}
}

func (b *balances) Name() string { return "balances" }

func (b *balances) Apply(e store.Event) error {
	b.seen = append(b.seen, e)
	if !b.codec.Handles(e.Type) {
		return nil
	}
	v, err := b.codec.Decode(e.Type, e.Data)
	if err != nil {
		return fmt.Errorf("balances: event %d: %w", e.Position, err)
	}
	switch v := v.(type) {
	case deposited:
		b.byID[e.StreamID] += v.Amount
	case withdrawn:
		if b.byID[e.StreamID] < v.Amount {
			return fmt.Errorf("balances: %s: %w", e.StreamID, errOverdrawn)
		}
		b.byID[e.StreamID] -= v.Amount
	}
	if t, ok := e.Metadata["tenant"]; ok {
		b.tenant[e.StreamID] = t
	}
	return nil
}

func (b *balances) all() map[string]int { return b.byID }

// meddler is a projection that changes the events it is given.
type meddler struct {
	data, metadata bool
	err            error // returned by every Apply
}

func (m *meddler) Name() string { return "meddler" }

func (m *meddler) Apply(e store.Event) error {
	if m.data {
		e.Data[len(e.Data)-1] = ' '
	}
	if m.metadata {
		e.Metadata["seen"] = "yes"
	}
	return m.err
}

func TestProjectionSpec(t *testing.T) {
	codec := accountCodec()
	forBalances := func(tb testing.TB) *projectionspec.Spec[*balances, map[string]int, any] {
		return projectionspec.For(tb, newBalances, codec, (*balances).all)
	}
	tests := []struct {
		name     string
		spec     func(tb testing.TB)
		wantFail bool
		wantLog  []string
	}{
		{"passes when the read matches", func(tb testing.TB) {
			forBalances(tb).Given("a", deposited{5}, withdrawn{2}).Given("b", deposited{1}).Then(map[string]int{"a": 3, "b": 1})
		}, false, nil},
		{"fails when the read differs", func(tb testing.TB) {
			forBalances(tb).Given("a", deposited{5}).Given("b", deposited{1}, deposited{2}).Then(map[string]int{"a": 5, "b": 4})
		}, true, []string{
			"given:", "[0] (stream a, version 1, position 1) projectionspec_test.deposited", "[2] (stream b, version 2, position 3) projectionspec_test.deposited",
			"then: reads differ (- want, + got):", `-   "b": 4`, `+   "b": 3`,
		}},
		{"passes with no events given", func(tb testing.TB) { forBalances(tb).Then(map[string]int{}) }, false, nil},
		{"feeds the projection the types it ignores", func(tb testing.TB) {
			s := forBalances(tb).Given("a", deposited{5}).GivenRaw("audit-1", "AuditNoted", []byte(`{"by": "x"}`))
			projectionspec.For(tb, newBalances, codec, func(b *balances) int { return len(b.seen) }).
				Given("a", deposited{5}).GivenRaw("audit-1", "AuditNoted", []byte(`{"by": "x"}`)).Then(2)
			s.Then(map[string]int{"a": 5})
		}, false, nil},
		{"fails when an Apply fails", func(tb testing.TB) {
			forBalances(tb).Given("a", deposited{1}, withdrawn{2}).Then(map[string]int{"a": 1})
		}, true, []string{"then: want", "got: Apply of [1] failed: balances: a: overdrawn (*fmt.wrapError)"}},
		{"ThenError passes when an Apply fails with the error", func(tb testing.TB) {
			forBalances(tb).Given("a", deposited{1}, withdrawn{2}).ThenError(errOverdrawn)
		}, false, nil},
		{"ThenError fails when every Apply succeeds", func(tb testing.TB) {
			forBalances(tb).Given("a", deposited{3}, withdrawn{2}).ThenError(errOverdrawn)
		}, true, []string{"then: want an Apply to fail with overdrawn", "got no error; the query reads", `"a": 1`}},
		{"ThenError fails when the error differs", func(tb testing.TB) {
			forBalances(tb).GivenRaw("a", "Deposited", []byte(`{"amount": "x"}`)).ThenError(errOverdrawn)
		}, true, []string{"got: Apply of [0] failed: balances: event 1:", "errors differ"}},
		{"ThenError compares a structured error's fields with those of the error of its type", func(tb testing.TB) {
			wrapped := projectionspec.For(tb, func() *failing { return &failing{fmt.Errorf("apply: %w", &shortError{Need: 2, Have: 1})} }, codec,
				func(*failing) int { return 0 })
			wrapped.Given("a", deposited{1}).ThenError(&shortError{Need: 3, Have: 1})
		}, true, []string{"got: Apply of [0] failed: apply: need 2, have 1", `-   "Need": 3,`, `+   "Need": 2,`}},
		{"ThenError explains a pointer error without fields", func(tb testing.TB) {
			other := projectionspec.For(tb, func() *failing { return &failing{fmt.Errorf("apply: %w", &opaqueError{code: 1})} }, codec, func(*failing) int { return 0 })
			other.Given("a", deposited{1}).ThenError(&opaqueError{code: 1})
		}, true, []string{"which has no exported fields, so it is matched by errors.Is alone"}},
		{"ThenError points at a sentinel's text without its wrapping", func(tb testing.TB) {
			textOnly := projectionspec.For(tb, func() *failing { return &failing{fmt.Errorf("apply: %v", errOverdrawn)} }, codec,
				func(*failing) int { return 0 })
			textOnly.Given("a", deposited{1}).ThenError(errOverdrawn)
		}, true, []string{"make it with fmt.Errorf's %w"}},
		{"fails when Apply changes the Data it was given", func(tb testing.TB) {
			projectionspec.For(tb, func() *meddler { return &meddler{data: true} }, codec, func(*meddler) int { return 0 }).
				Given("a", deposited{1}).Then(0)
		}, true, []string{`then: Apply changed the Data of [0] it was given: {"amount":1}, now {"amount":1 `, "Apply must only read them"}},
		{"fails when Apply changes the Metadata it was given", func(tb testing.TB) {
			projectionspec.For(tb, func() *meddler { return &meddler{metadata: true} }, codec, func(*meddler) int { return 0 }).
				GivenMetadata("a", map[string]string{"tenant": "t1"}, deposited{1}).ThenError(errOverdrawn)
		}, true, []string{"then: Apply changed the Metadata of [0] it was given: map[tenant:t1], now map[seen:yes tenant:t1]"}},
		{"fails when an Apply that fails changed the Data it was given, saying both", func(tb testing.TB) {
			projectionspec.For(tb, func() *meddler { return &meddler{data: true, err: errOverdrawn} }, codec, func(*meddler) int { return 0 }).
				Given("a", deposited{1}).Then(0)
		}, true, []string{"got: Apply of [0] failed: overdrawn", `then: Apply changed the Data of [0] it was given: {"amount":1}, now {"amount":1 `}},
		{"ThenError fails when an Apply that fails otherwise changed the Metadata it was given, saying both", func(tb testing.TB) {
			projectionspec.For(tb, func() *meddler { return &meddler{metadata: true, err: errors.New("other")} }, codec, func(*meddler) int { return 0 }).
				GivenMetadata("a", map[string]string{"tenant": "t1"}, deposited{1}).ThenError(errOverdrawn)
		}, true, []string{"got: Apply of [0] failed: other", "errors differ", "then: Apply changed the Metadata of [0] it was given"}},
		{"ThenError fails when an Apply panics after one changed the Metadata it was given, saying both", func(tb testing.TB) {
			// The second event has no metadata: writing into it panics.
			projectionspec.For(tb, func() *meddler { return &meddler{metadata: true} }, codec, func(*meddler) int { return 0 }).
				GivenMetadata("a", map[string]string{"tenant": "t1"}, deposited{1}).Given("a", deposited{2}).ThenError(errOverdrawn)
		}, true, []string{"got: Apply of [1] panicked: assignment to entry in nil map", "projectionspec_test.(*meddler).Apply",
			"then: Apply changed the Metadata of [0] it was given"}},
		{"gives each event its metadata", func(tb testing.TB) {
			projectionspec.For(tb, newBalances, codec, func(b *balances) map[string]string { return b.tenant }).
				GivenMetadata("a", map[string]string{"tenant": "t1"}, deposited{1}).
				Given("b", deposited{1}).
				GivenMetadata("b", map[string]string{"tenant": "t2"}, deposited{1}).
				Then(map[string]string{"a": "t1", "b": "t2"})
		}, false, nil},
		{"shows the metadata given", func(tb testing.TB) {
			forBalances(tb).GivenMetadata("a", map[string]string{"tenant": "t1"}, deposited{1}).Then(nil)
		}, true, []string{`metadata {"tenant":"t1"}`}},
		{"stops when the codec cannot encode an event", func(tb testing.TB) {
			forBalances(tb).Given("a", deposit{1}).Then(nil)
		}, true, []string{"projectionspec: Given: event [0] of stream a: the codec cannot encode it", "projectionspec_test.deposit"}},
		{"stops when the store refuses an event", func(tb testing.TB) {
			forBalances(tb).GivenRaw("a", "Deposited", []byte(`{"amount": 1`)).Then(nil)
		}, true, []string{"projectionspec: the store refuses given event [0]", "invalid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { spectest.Expect(t, tt.spec, tt.wantFail, tt.wantLog...) })
	}
}

// TestProjectionSpec_GivenStopsTheTest: Given stops the test when the codec cannot encode
// an event, as documented: nothing after it runs, so no Then passes over a log without it.
func TestProjectionSpec_GivenStopsTheTest(t *testing.T) {
	failed, log := spectest.Record(t, func(tb testing.TB) {
		projectionspec.For(tb, newBalances, accountCodec(), (*balances).all).Given("a", deposit{1})
		tb.Errorf("the test went on after Given")
	})
	if !failed || !strings.Contains(log, "the codec cannot encode it") || strings.Contains(log, "went on") {
		t.Errorf("failed = %v, log:\n%s\nwant the encoding's failure alone", failed, log)
	}
}

// failing is a projection whose every Apply fails with err.
type failing struct{ err error }

func (f *failing) Name() string            { return "failing" }
func (f *failing) Apply(store.Event) error { return f.err }

// TestProjectionSpec_log: the projection is fed the events as a store hands them over,
// in the form the spec documents.
func TestProjectionSpec_log(t *testing.T) {
	type seen struct {
		ID, Stream, Type, Data string
		Version                store.Version
		Position               store.Position
		Time                   time.Time
	}
	read := func(b *balances) []seen {
		var out []seen
		for _, e := range b.seen {
			out = append(out, seen{e.ID, e.StreamID, e.Type, string(e.Data), e.Version, e.Position, e.Time})
		}
		return out
	}
	at := func(s int) time.Time { return time.Date(2000, time.January, 1, 0, 0, s, 0, time.UTC) }
	projectionspec.For(t, newBalances, accountCodec(), read).
		Given("a", deposited{5}).
		GivenRaw("b", "Other", []byte(`{ "x" : [1, 2] }`)).
		Given("a", withdrawn{2}).
		Then([]seen{
			{"00000000-0000-4000-8000-000000000001", "a", "Deposited", `{"amount":5}`, 1, 1, at(1)},
			{"00000000-0000-4000-8000-000000000002", "b", "Other", `{"x":[1,2]}`, 1, 2, at(2)},
			{"00000000-0000-4000-8000-000000000003", "a", "Withdrawn", `{"amount":2}`, 2, 3, at(3)},
		})
}

// TestProjectionSpec_sharesNothing: specs carried on from one base, and two Thens of one
// spec, each feed a projection of their own, so that none sees another's events.
func TestProjectionSpec_sharesNothing(t *testing.T) {
	// Three events given one at a time: a log that grew by appending has spare capacity.
	base := projectionspec.For(t, newBalances, accountCodec(), (*balances).all).
		Given("a", deposited{3}).Given("a", deposited{1}).Given("a", deposited{1})
	more := base.Given("a", deposited{1})
	less := base.Given("a", withdrawn{1})
	t.Run("more", func(t *testing.T) { more.In(t).Then(map[string]int{"a": 6}) })
	t.Run("less", func(t *testing.T) { less.In(t).Then(map[string]int{"a": 4}) })
	base.Then(map[string]int{"a": 5})
	base.Then(map[string]int{"a": 5})
}

// TestProjectionSpec_In: a failure in a subtest is reported to the subtest.
func TestProjectionSpec_In(t *testing.T) {
	var base *projectionspec.Spec[*balances, map[string]int, any]
	failed, _ := spectest.Record(t, func(tb testing.TB) {
		base = projectionspec.For(tb, newBalances, accountCodec(), (*balances).all).Given("a", deposited{5})
	})
	if failed {
		t.Fatal("making the base failed")
	}
	failed, log := spectest.Record(t, func(tb testing.TB) { base.In(tb).Then(map[string]int{"a": 4}) })
	if !failed || !strings.Contains(log, `+   "a": 5`) {
		t.Errorf("the subtest's spec: failed = %v, log:\n%s\nwant its failure", failed, log)
	}

	// The base still reports to its own test once a subtest has carried it on.
	failed, log = spectest.Record(t, func(tb testing.TB) {
		base := projectionspec.For(tb, newBalances, accountCodec(), (*balances).all).Given("a", deposited{5})
		if failed, log := spectest.Record(t, func(sub testing.TB) { base.In(sub).Then(map[string]int{"a": 5}) }); failed {
			t.Errorf("the subtest's spec failed:\n%s", log)
		}
		base.Then(map[string]int{"a": 4})
	})
	if !failed || !strings.Contains(log, `+   "a": 5`) {
		t.Errorf("the base after a subtest: failed = %v, log:\n%s\nwant its failure reported to its test", failed, log)
	}
}

// panicking is a projection whose Apply panics on its n-th event (from 0), as one that
// writes into an event's nil Metadata does.
type panicking struct {
	n, seen int
}

func (p *panicking) Name() string { return "panicking" }

func (p *panicking) Apply(e store.Event) error {
	if p.seen == p.n {
		e.Metadata["seen"] = "yes"
	}
	p.seen++
	return nil
}

// TestProjectionSpec_panic: an Apply that panics fails the spec, which names the event and
// shows the given log and the stack, as a Runner stops the projection rather than the
// process; the test binary carries on.
func TestProjectionSpec_panic(t *testing.T) {
	forPanicking := func(tb testing.TB, n int) *projectionspec.Spec[*panicking, int, any] {
		return projectionspec.For(tb, func() *panicking { return &panicking{n: n} }, accountCodec(), func(p *panicking) int { return p.seen })
	}
	for _, tt := range []struct {
		name string
		spec func(tb testing.TB)
	}{
		{"Then", func(tb testing.TB) { forPanicking(tb, 1).Given("a", deposited{1}, deposited{2}).Then(1) }},
		{"ThenError", func(tb testing.TB) {
			forPanicking(tb, 1).Given("a", deposited{1}, deposited{2}).ThenError(errOverdrawn)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			failed, log := spectest.Record(t, tt.spec)
			if !failed {
				t.Fatalf("the spec passed; log:\n%s", log)
			}
			for _, s := range []string{
				"[1] (stream a, version 2, position 2) projectionspec_test.deposited",
				"got: Apply of [1] panicked: assignment to entry in nil map",
				"projectionspec_test.(*panicking).Apply",
			} {
				if !strings.Contains(log, s) {
					t.Errorf("log lacks %q; log:\n%s", s, log)
				}
			}
		})
	}
}

// cardIssued is an event of another aggregate than the account, with a codec of its own.
type cardIssued struct {
	ID string `json:"id"`
}

func cardCodec() *eventsourcing.JSONCodec[cardIssued] {
	return eventsourcing.NewJSONCodec(eventsourcing.JSONEvent[cardIssued, cardIssued]("CardIssued"))
}

// TestWithCodec: a spec carried on with another aggregate's codec gives that aggregate's
// events as its codec encodes them, after the events given before, and leaves the spec it
// was made from as it was.
func TestWithCodec(t *testing.T) {
	types := func(b *balances) []string {
		var out []string
		for _, e := range b.seen {
			out = append(out, e.StreamID+" "+e.Type+" "+string(e.Data))
		}
		return out
	}
	accounts := projectionspec.For(t, newBalances, accountCodec(), types).Given("a", deposited{5})
	cards := projectionspec.WithCodec(accounts, cardCodec()).Given("card-1", cardIssued{ID: "1"})
	cards.Then([]string{`a Deposited {"amount":5}`, `card-1 CardIssued {"id":"1"}`})
	projectionspec.WithCodec(cards, accountCodec()).Given("a", withdrawn{2}).
		Then([]string{`a Deposited {"amount":5}`, `card-1 CardIssued {"id":"1"}`, `a Withdrawn {"amount":2}`})
	accounts.Then([]string{`a Deposited {"amount":5}`})

	failed, log := spectest.Record(t, func(tb testing.TB) {
		projectionspec.WithCodec(accounts.In(tb), cardCodec()).Given("card-1", cardIssued{ID: "1"}).Then(nil)
	})
	if !failed || !strings.Contains(log, "[1] (stream card-1, version 1, position 2) projectionspec_test.cardIssued") {
		t.Errorf("failed = %v, log:\n%s\nwant a failure showing the card's event as given", failed, log)
	}
}

// TestProjectionSpec_At: At sets the time of the next event given, and each later one is a
// second after the one before, until another At; a spec carried on from one with At
// keeps the times it gave, and the spec At was called on is left as it was.
func TestProjectionSpec_At(t *testing.T) {
	times := func(b *balances) []time.Time {
		var out []time.Time
		for _, e := range b.seen {
			out = append(out, e.Time)
		}
		return out
	}
	at := func(s int) time.Time { return time.Date(2000, time.January, 1, 0, 0, s, 0, time.UTC) }
	monday := time.Date(2026, time.March, 2, 9, 30, 0, 0, time.FixedZone("CET", 3600))
	base := projectionspec.For(t, newBalances, accountCodec(), times).Given("a", deposited{1})
	later := base.At(monday).Given("a", deposited{1}, deposited{1}).GivenRaw("b", "Other", []byte(`{}`))
	later.At(monday.AddDate(0, 0, 7)).Given("a", withdrawn{1}).Given("a", withdrawn{1}).
		Then([]time.Time{at(1), monday.UTC(), monday.UTC().Add(time.Second), monday.UTC().Add(2 * time.Second),
			monday.UTC().AddDate(0, 0, 7), monday.UTC().AddDate(0, 0, 7).Add(time.Second)})
	later.Given("a", withdrawn{1}).Then([]time.Time{at(1), monday.UTC(), monday.UTC().Add(time.Second), monday.UTC().Add(2 * time.Second), monday.UTC().Add(3 * time.Second)})
	base.Given("a", deposited{1}).Then([]time.Time{at(1), at(2)})
	base.At(monday).Then([]time.Time{at(1)})
	// A time before the event before's gives the event that one's: times never go back
	// along a store's log.
	later.At(monday.Add(-time.Hour)).Given("a", withdrawn{1}).Then([]time.Time{at(1), monday.UTC(), monday.UTC().Add(time.Second), monday.UTC().Add(2 * time.Second), monday.UTC().Add(2 * time.Second)})
	// A spec carried on through WithCodec keeps the time At gave its next event.
	projectionspec.WithCodec(base.At(monday), accountCodec()).Given("a", deposited{1}).Then([]time.Time{at(1), monday.UTC()})

	failed, log := spectest.Record(t, func(tb testing.TB) { base.In(tb).At(monday).Given("a", deposited{2}).Then(nil) })
	if !failed || !strings.Contains(log, "[1] (stream a, version 2, position 2, at 2026-03-02T08:30:00Z) projectionspec_test.deposited") {
		t.Errorf("failed = %v, log:\n%s\nwant a failure showing the time At gave", failed, log)
	}
}

// resuming is a read model kept elsewhere, which reflects the log up to from: a Runner
// feeds it the events after that position only.
type resuming struct {
	*balances
	from   store.Position
	err    error
	panics bool
}

func (r *resuming) Resume(context.Context) (store.Position, error) {
	if r.panics {
		panic("no database")
	}
	return r.from, r.err
}

// TestProjectionSpec_resume: a ResumableProjection is fed the events after the position
// its Resume returns, as a Runner feeds it; a Resume that fails, panics or returns a
// position the log does not have fails the spec.
func TestProjectionSpec_resume(t *testing.T) {
	var _ eventsourcing.ResumableProjection = (*resuming)(nil)
	positions := func(r *resuming) []store.Position {
		var out []store.Position
		for _, e := range r.seen {
			out = append(out, e.Position)
		}
		return out
	}
	from := func(tb testing.TB, r resuming) *projectionspec.Spec[*resuming, []store.Position, any] {
		return projectionspec.For(tb, func() *resuming { r.balances = newBalances(); return &r }, accountCodec(), positions).
			Given("a", deposited{1}, deposited{2}, deposited{3})
	}
	from(t, resuming{from: 2}).Then([]store.Position{3})
	from(t, resuming{from: 3}).Then(nil)
	from(t, resuming{}).Then([]store.Position{1, 2, 3})
	for _, tt := range []struct {
		name string
		r    resuming
		want string
	}{
		{"a failing Resume", resuming{err: errOverdrawn}, "got: Resume failed: overdrawn"},
		{"a panicking Resume", resuming{panics: true}, "got: Resume panicked: no database"},
		{"a position beyond the log's head", resuming{from: 4}, "got: Resume returned position 4, beyond the log's head 3"},
		{"a negative position", resuming{from: -1}, "got: Resume returned position -1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, then := range []func(s *projectionspec.Spec[*resuming, []store.Position, any]){
				func(s *projectionspec.Spec[*resuming, []store.Position, any]) { s.Then(nil) },
				func(s *projectionspec.Spec[*resuming, []store.Position, any]) { s.ThenError(errOverdrawn) },
			} {
				failed, log := spectest.Record(t, func(tb testing.TB) { then(from(tb, tt.r)) })
				if !failed || !strings.Contains(log, tt.want) {
					t.Errorf("failed = %v, log:\n%s\nwant a failure with %q", failed, log, tt.want)
				}
			}
		})
	}
	t.Run("a failure says where the projection resumed", func(t *testing.T) {
		failed, log := spectest.Record(t, func(tb testing.TB) { from(tb, resuming{from: 2}).Then(nil) })
		if !failed || !strings.Contains(log, "Resume returned position 2: the projection was fed the events after it") {
			t.Errorf("failed = %v, log:\n%s\nwant a failure saying where it resumed", failed, log)
		}
	})
}

// TestProjectionSpec_longLog: a log given one event at a time, as a loop gives it, costs
// each Given its own event rather than a copy of the log so far (20,000 events took 20s).
func TestProjectionSpec_longLog(t *testing.T) {
	const n = 5000
	s := projectionspec.For(t, newBalances, accountCodec(), (*balances).all)
	for range n {
		s = s.Given("a", deposited{1})
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 100 {
		s = s.Given("a", deposited{1})
	}
	runtime.ReadMemStats(&after)
	if perGiven := (after.TotalAlloc - before.TotalAlloc) / 100; perGiven > 4096 {
		t.Errorf("a Given on a log of %d events allocates %d bytes, want it not to copy the log", n, perGiven)
	}
	s.Then(map[string]int{"a": n + 100})
}

// TestProjectionSpec_longLogReport: the failure of a spec of a long log shows its first and
// last events and those around the one whose Apply failed, not every event.
func TestProjectionSpec_longLogReport(t *testing.T) {
	failed, log := spectest.Record(t, func(tb testing.TB) {
		s := projectionspec.For(tb, newBalances, accountCodec(), (*balances).all)
		for range 50 {
			s = s.Given("a", deposited{1})
		}
		s = s.Given("a", withdrawn{51})
		for range 49 {
			s = s.Given("a", deposited{1})
		}
		s.Then(nil)
	})
	if !failed {
		t.Fatal("the spec passed")
	}
	for _, want := range []string{
		"[0] (stream a, version 1, position 1)", "[9] (stream a, version 10, position 10)",
		"... [10] to [46]: 37 events not shown",
		"[47] (stream a", "[50] (stream a, version 51, position 51) projectionspec_test.withdrawn", "[53] (stream a",
		"... [54] to [89]: 36 events not shown",
		"[90] (stream a", "[99] (stream a, version 100, position 100)",
		"got: Apply of [50] failed: balances: a: overdrawn",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	for _, unwanted := range []string{"[10] (", "[46] (", "[54] (", "[89] ("} {
		if strings.Contains(log, unwanted) {
			t.Errorf("log has %q", unwanted)
		}
	}
	if t.Failed() {
		t.Logf("log:\n%s", log)
	}
}

// TestForProjection_missing: a spec without a constructor, a codec or a query stops the
// test, as does WithCodec without a codec.
func TestForProjection_missing(t *testing.T) {
	for _, tt := range []struct {
		name string
		spec func(tb testing.TB)
		want string
	}{
		{"no constructor", func(tb testing.TB) { projectionspec.For(tb, nil, accountCodec(), (*balances).all) }, "projectionspec.For needs a constructor, a codec and a query"},
		{"no codec", func(tb testing.TB) {
			projectionspec.For[*balances, map[string]int, any](tb, newBalances, nil, (*balances).all)
		}, "projectionspec.For needs"},
		{"no query", func(tb testing.TB) { projectionspec.For[*balances, int](tb, newBalances, accountCodec(), nil) }, "projectionspec.For needs"},
		{"WithCodec without a codec", func(tb testing.TB) {
			projectionspec.WithCodec[cardIssued](projectionspec.For(tb, newBalances, accountCodec(), (*balances).all), nil)
		}, "projectionspec.WithCodec needs a codec"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			failed, log := spectest.Record(t, tt.spec)
			if !failed || !strings.Contains(log, tt.want) {
				t.Errorf("failed = %v, log:\n%s\nwant %q", failed, log, tt.want)
			}
		})
	}
}
