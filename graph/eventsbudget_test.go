package graph_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/store"
)

// storedSizes returns the size of every event of e's log, by position, as
// Config.MaxEventsBytes counts it: data, metadata's keys and values, id, stream id and type.
func storedSizes(tb testing.TB, e *env) map[int64]int64 {
	tb.Helper()
	sizes := map[int64]int64{}
	for ev, err := range e.store.ReadAll(context.Background(), 0) {
		if err != nil {
			tb.Fatal(err)
		}
		n := len(ev.Data) + len(ev.ID) + len(ev.StreamID) + len(ev.Type)
		for k, v := range ev.Metadata {
			n += len(k) + len(v)
		}
		sizes[int64(ev.Position)] = int64(n)
	}
	return sizes
}

// TestEvents_pagesEndWithinTheBudget pages through a log whose events together pass the
// budget: each page ends before the event that would take it past the budget (the first of
// the next page), yet holds one, so that paging on with afterPosition reads every event once.
func TestEvents_pagesEndWithinTheBudget(t *testing.T) {
	const budget = 3000
	e := newEnv(t, withConfig(graph.Config{MaxEventsBytes: budget}))
	for i := range 12 {
		e.create(t, restaurantInput(fmt.Sprintf("r%02d", i), "a", "b", "c", "d", "e", "f"))
	}
	sizes := storedSizes(t, e)
	var total int64
	for _, n := range sizes {
		total += n
	}
	if total <= 2*budget {
		t.Fatalf("setup: the log holds %d bytes; want well over the budget of %d", total, budget)
	}

	var after int64
	pages := 0
	for {
		var out struct{ Events []event }
		e.must(t, `query($a: Int64) { events(afterPosition: $a, first: 100) { position data } }`, map[string]any{"a": after}, &out)
		if len(out.Events) == 0 {
			break
		}
		pages++
		var used int64
		for _, ev := range out.Events {
			if ev.Position != after+1 {
				t.Fatalf("page %d: position %d after %d", pages, ev.Position, after)
			}
			used += sizes[ev.Position]
			after = ev.Position
		}
		if len(out.Events) > 1 && used > budget {
			t.Errorf("page %d: %d events of %d bytes, over the budget of %d", pages, len(out.Events), used, budget)
		}
		if next, ok := sizes[after+1]; ok && used+next <= budget {
			t.Errorf("page %d ended at %d bytes although the next event (%d bytes) fits the budget of %d", pages, used, next, budget)
		}
	}
	if after != int64(len(sizes)) || pages < 2 {
		t.Errorf("read %d of %d events in %d pages", after, len(sizes), pages)
	}

	// Without data or metadata, an event counts its id, stream id and type alone: the
	// twelve fit one page.
	var ids struct{ Events []event }
	e.must(t, `{ events(first: 100) { id streamId type } }`, nil, &ids)
	if len(ids.Events) != len(sizes) {
		t.Errorf("a page of ids: %d events; want all %d", len(ids.Events), len(sizes))
	}
	// The same through a fragment that selects metadata: it counts in full again.
	var viaFragment struct{ Events []event }
	e.must(t, `{ events(first: 100) { id ...Body } } fragment Body on Event { metadata }`, nil, &viaFragment)
	if n := len(viaFragment.Events); n == 0 || n >= len(sizes) {
		t.Errorf("a page selecting metadata through a fragment: %d events; want fewer than %d", n, len(sizes))
	}
}

// TestEvents_budgetIsTheQuerys: the events fields of one query share the budget, whichever
// order they resolve in. With room for three events, five fields of one event each fail
// twice with RESPONSE_TOO_LARGE (and, events being a non-null list, the data is null); the
// next query has a budget of its own, and fails the same way.
func TestEvents_budgetIsTheQuerys(t *testing.T) {
	e := newEnv(t)
	for i := range 5 {
		e.create(t, restaurantInput(fmt.Sprintf("r%d", i), "a"))
	}
	sizes := storedSizes(t, e)
	for p := int64(2); p <= 5; p++ {
		if sizes[p] != sizes[1] {
			t.Fatalf("setup: events of %v bytes; want them all of one size", sizes)
		}
	}
	e = e.withHandler(t, graph.Config{MaxEventsBytes: 3 * sizes[1]})
	query := `{`
	for i := range 5 {
		query += fmt.Sprintf(` e%d: events(afterPosition: %d, first: 1) { position data }`, i, i)
	}
	query += ` }`
	for range 2 {
		r := e.do(t, query, nil)
		if len(r.Errors) != 2 {
			t.Fatalf("errors %v; want two RESPONSE_TOO_LARGE", r.Errors)
		}
		for _, err := range r.Errors {
			if err.Code() != graph.CodeResponseTooLarge {
				t.Errorf("error %v; want %s", err, graph.CodeResponseTooLarge)
			}
		}
		// events is a non-null list: a field's error nulls the whole of data.
		if string(r.Data) != "null" {
			t.Errorf("data %s; want null", r.Data)
		}
	}
}

// TestEvents_budgetBoundsQueriesOnly: with a budget of one byte a query's page still holds
// one event, so paging progresses; mutations (their events) and subscriptions are not
// bounded by it, and a negative budget is no limit.
func TestEvents_budgetBoundsQueriesOnly(t *testing.T) {
	e := newEnv(t, withConfig(graph.Config{MaxEventsBytes: 1}))
	created := e.create(t, restaurantInput("r1", "a", "b"))
	if len(created.Events) != 1 || len(created.Events[0].Data) == 0 {
		t.Errorf("the mutation's events under a budget of one byte: %+v", created.Events)
	}
	e.create(t, restaurantInput("r2", "a"))
	var out struct{ Events []event }
	e.must(t, `{ events(first: 100) { position data } }`, nil, &out)
	if len(out.Events) != 1 || out.Events[0].Position != 1 {
		t.Errorf("a page under a budget of one byte: %+v; want the first event alone", out.Events)
	}
	for _, transport := range transports {
		sub := e.subscribe(t, transport, `subscription { events(afterPosition: 0) { position data } }`, nil)
		for want := int64(1); want <= 2; want++ {
			var m struct{ Events event }
			next(t, sub, &m)
			if m.Events.Position != want || len(m.Events.Data) == 0 {
				t.Errorf("%s: event %+v; want position %d with its data", transport, m.Events, want)
			}
		}
	}

	unlimited := e.withHandler(t, graph.Config{MaxEventsBytes: -1})
	unlimited.must(t, `{ events(first: 100) { position data } }`, nil, &out)
	if len(out.Events) != 2 {
		t.Errorf("a page without a budget: %d events; want 2", len(out.Events))
	}
	if h := e.head(t); h != store.Position(2) {
		t.Errorf("head %d; want 2", h)
	}
}
