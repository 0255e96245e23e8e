package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/store"
)

// oddTypes are event types a store must keep apart, spelled as given.
func oddTypes() []string {
	return []string{"A", "a", "B", "ünïcödé 日本", `with "quotes" \ and/slash`, "tab\tnewline\n", strings.Repeat("long", 100)}
}

// filterTypes returns the events of all whose type is one of types, after position after.
func filterTypes(all []store.Event, after store.Position, types []string) []store.Event {
	var out []store.Event
	for _, e := range all {
		if e.Position > after && slices.Contains(types, e.Type) {
			out = append(out, e)
		}
	}
	return out
}

// checkReadAllTypes: a store that implements store.TypeReader yields exactly what ReadAll
// filtered by type yields, for any set of types (repeated, unknown, none) and any position,
// also after a restart; the events are the caller's; with a canceled context it yields the
// context's error.
func checkReadAllTypes(tb testing.TB, h Harness) {
	ctx, s := open(tb, h)
	if _, ok := s.(store.TypeReader); !ok {
		tb.Logf("%T does not implement store.TypeReader; nothing to check", s)
		return
	}
	types := oddTypes()
	// Types interleaved over streams and batches: a batch may mix types.
	for i := range 40 {
		batch := []store.EventData{ev(types[i%len(types)], map[string]int{"n": i})}
		if i%3 == 0 {
			batch = append(batch, ev(types[(i*5+1)%len(types)], map[string]int{"n": 1000 + i}))
		}
		for j := range batch {
			batch[j].Metadata = map[string]string{"i": fmt.Sprint(i)}
		}
		mustAppend(tb, ctx, s, fmt.Sprint("s-", i%4), store.Any, batch...)
	}
	check := func(when string, s store.Store) {
		all := readAll(tb, ctx, s, 0)
		tr := s.(store.TypeReader)
		head := store.Position(len(all))
		sets := [][]string{
			{"A"}, {"a"}, {"B", "A"}, {types[3], types[4], types[5], types[6]}, {"A", "A", "B", "A"},
			{"missing"}, {"A", "missing"}, nil, {}, types,
		}
		for _, set := range sets {
			for _, after := range []store.Position{-1, 0, 1, 7, head / 2, head - 1, head, head + 5} {
				got := mustCollect(tb, fmt.Sprintf("%s: ReadAllTypes(%d, %q)", when, after, set), tr.ReadAllTypes(ctx, after, set))
				sameEvents(tb, fmt.Sprintf("%s: ReadAllTypes(%d, %q)", when, after, set), filterTypes(all, after, set), got)
			}
		}
		// Stopping early: the iterator yields what it was asked for and stops.
		n := 0
		for _, err := range tr.ReadAllTypes(ctx, 0, []string{"A", "B"}) {
			if err != nil {
				tb.Fatalf("%s: ReadAllTypes stopped early: %v", when, err)
			}
			if n++; n == 2 {
				break
			}
		}
		// What it yields is the caller's: changing it changes nothing anyone reads next.
		for _, e := range mustCollect(tb, when+": ReadAllTypes(0, [A B])", tr.ReadAllTypes(ctx, 0, []string{"A", "B"})) {
			e.Data[2] = 'X'
			if e.Metadata != nil {
				e.Metadata["i"] = "changed"
				e.Metadata["new"] = "x"
			}
		}
		sameEvents(tb, when+": ReadAll after a caller changed what ReadAllTypes yielded", all, readAll(tb, ctx, s, 0))
		sameEvents(tb, when+": ReadAllTypes after a caller changed what it yielded", filterTypes(all, 0, []string{"A", "B"}),
			mustCollect(tb, when+": ReadAllTypes(0, [A B])", tr.ReadAllTypes(ctx, 0, []string{"A", "B"})))

		canceled, cancel := context.WithCancel(ctx)
		cancel()
		if evs, err := collect(tr.ReadAllTypes(canceled, 0, []string{"A"})); !errors.Is(err, context.Canceled) || len(evs) > MaxAfterCancel {
			tb.Errorf("%s: ReadAllTypes with a canceled context: %d events and error %v, want context.Canceled", when, len(evs), err)
		}
	}
	check("before a restart", s)
	if h.Reopen != nil {
		s = reopen(tb, h, s)
		check("after a restart", s)
	}
	checkReadAllTypesPrefix(tb, ctx, s)
}

// checkReadAllTypesPrefix: what ReadAllTypes yields while events are appended is a prefix
// of the log's events of those types, as what ReadAll yields is of the log, and holds at
// least those there were when it began. A store that reads each type on its own (an index
// per type, a query per type and page) must bound them all by one position: a type whose
// reads ended before an append would miss its event there, which another type's later read
// then passes.
func checkReadAllTypesPrefix(tb testing.TB, ctx context.Context, s store.Store) {
	tr := s.(store.TypeReader)
	after := readAll(tb, ctx, s, 0)
	from := store.Position(len(after))
	first := mustAppend(tb, ctx, s, "prefix", store.NoStream, ev("PrefixA", 1), ev("PrefixB", 2))
	types := []string{"PrefixA", "PrefixB"}
	var got []store.Event
	for e, err := range tr.ReadAllTypes(ctx, from, types) {
		if err != nil {
			tb.Fatalf("ReadAllTypes while appending: %v", err)
		}
		got = append(got, e)
		if len(got) == 2 {
			for i := range 3 {
				mustAppend(tb, ctx, s, "prefix", store.Any, ev("PrefixA", 3+2*i), ev("PrefixB", 4+2*i))
			}
		}
	}
	want := filterTypes(readAll(tb, ctx, s, from), from, types)
	if len(got) < 2 || len(got) > len(want) {
		tb.Fatalf("ReadAllTypes begun at head %d yielded %d events while 6 more were appended, want from 2 to %d",
			first.Position, len(got), len(want))
	}
	sameEvents(tb, "ReadAllTypes while events of its types were appended (a prefix of the log's)", want[:len(got)], got)
}
