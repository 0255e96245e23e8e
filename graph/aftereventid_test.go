package graph_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/graph"
)

// restoredLogs returns two servers whose logs hold events at the same positions with other
// ids, as a log and the backup restored in its place that has grown past the old head again:
// the client read the first, the second now serves it. Each holds five events.
func restoredLogs(t *testing.T) (before, after *env) {
	t.Helper()
	before, after = newEnv(t), newEnv(t)
	for _, e := range []*env{before, after} {
		for _, id := range []string{"r1", "r2", "r3", "r4", "r5"} {
			e.create(t, restaurantInput(id, "a"))
		}
	}
	return before, after
}

// eventAtPosition returns the id of the event the server holds at position p.
func (e *env) eventAtPosition(t *testing.T, p int64) string {
	t.Helper()
	var out struct{ Events []event }
	e.must(t, `query($a: Int64) { events(afterPosition: $a, first: 1) { id position } }`, map[string]any{"a": p - 1}, &out)
	if len(out.Events) != 1 || out.Events[0].Position != p {
		t.Fatalf("event at %d: %+v", p, out.Events)
	}
	return out.Events[0].ID
}

func TestEvents_afterEventIdRefusesAPositionOfARestoredLog(t *testing.T) {
	before, after := restoredLogs(t)
	read := before.eventAtPosition(t, 3) // what the client received last
	held := after.eventAtPosition(t, 3)
	if read == held {
		t.Fatalf("both logs hold event %s at 3: no restore to tell", read)
	}
	const q = `query($a: Int64, $id: ID) { events(afterPosition: $a, afterEventId: $id) { id position } }`

	t.Run("the query", func(t *testing.T) {
		// Without afterEventId the restored log's position 3 is taken at its word: the
		// client would page on after events it never saw.
		var out struct{ Events []event }
		after.must(t, q, map[string]any{"a": 3}, &out)
		if len(out.Events) != 2 {
			t.Fatalf("without afterEventId: %+v", out.Events)
		}
		ge := after.wantCode(t, graph.CodeBadUserInput, q, map[string]any{"a": 3, "id": read})
		if ge.Extensions["field"] != "afterEventId" || !strings.Contains(ge.Message, "restored from a backup") || !strings.Contains(ge.Message, held) {
			t.Fatalf("got %+v, want afterEventId refused, naming the event the log holds", ge)
		}
		after.must(t, q, map[string]any{"a": 3, "id": held}, &out)
		if len(out.Events) != 2 || out.Events[0].Position != 4 {
			t.Fatalf("with the held event's id: %+v, want the events at 4 and 5", out.Events)
		}
		// A query that passes the id on the first log goes on as it did.
		before.must(t, q, map[string]any{"a": 3, "id": read}, &out)
		if len(out.Events) != 2 || out.Events[0].Position != 4 {
			t.Fatalf("on the log the client read: %+v", out.Events)
		}
	})

	t.Run("the query's other refusals", func(t *testing.T) {
		for _, tt := range []struct {
			name, field string
			vars        map[string]any
		}{
			{"without afterPosition", "afterEventId", map[string]any{"id": held}},
			{"after position 0", "afterEventId", map[string]any{"a": 0, "id": held}},
			{"an empty id", "afterEventId", map[string]any{"a": 3, "id": ""}},
			{"beyond the head", "afterPosition", map[string]any{"a": 6, "id": held}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				if ge := after.wantCode(t, graph.CodeBadUserInput, q, tt.vars); ge.Extensions["field"] != tt.field {
					t.Fatalf("got %+v, want %s refused", ge, tt.field)
				}
			})
		}
	})

	const sub = `subscription($a: Int64, $id: ID) { events(afterPosition: $a, afterEventId: $id) { id position } }`
	for _, tr := range transports {
		t.Run("the subscription over "+tr, func(t *testing.T) {
			s := after.subscribe(t, tr, sub, map[string]any{"a": 3, "id": read})
			ctx := testContext(t)
			r, err := s.Next(ctx)
			if err != nil {
				t.Fatalf("next: %v", err)
			}
			if r.Code() != graph.CodeBadUserInput || !strings.Contains(r.Err().Error(), "afterEventId") {
				t.Fatalf("got %s %v, want afterEventId refused", r.Data, r.Err())
			}
			if _, err := s.Next(ctx); !errors.Is(err, io.EOF) {
				t.Fatalf("after the error: %v, want io.EOF", err)
			}

			s = after.subscribe(t, tr, sub, map[string]any{"a": 3, "id": held})
			var got struct{ Events event }
			next(t, s, &got)
			if got.Events.Position != 4 {
				t.Fatalf("with the held event's id: %+v, want the event at 4", got.Events)
			}
		})
	}
}

// TestSSE_afterEventIdCoversLastEventID: over SSE, a reconnecting client sends the
// Last-Event-ID of the last event it received (EventSource does so by itself) with the
// request it first made, and that id, later than afterPosition, is where it resumes. The
// afterEventId check covers it too: the ids of such a subscription name their events, and
// a Last-Event-ID from the log the client read, resent to the log restored in its place and
// grown past that position, is refused instead of skipping in silence what took its place.
func TestSSE_afterEventIdCoversLastEventID(t *testing.T) {
	before, after := restoredLogs(t)
	ctx := testContext(t)
	const sub = `subscription($a: Int64, $id: ID) { events(afterPosition: $a, afterEventId: $id) { position } }`
	vars := func(e *env) string {
		// Position 1 stands for the part of the log the backup kept: each log's own event.
		return fmt.Sprintf(`{"a": 1, "id": %q}`, e.eventAtPosition(t, 1))
	}
	evs := newSSEReader(before.openSSE(t, ctx, http.MethodGet, sub, vars(before), "").Body).next(t, 2)
	if len(evs) != 2 || evs[1].id == "" {
		t.Fatalf("events %+v, want two with ids", evs)
	}
	last := evs[1].id // of position 3 in the log the client read

	t.Run("the log the client read resumes after it", func(t *testing.T) {
		evs := newSSEReader(before.openSSE(t, ctx, http.MethodGet, sub, vars(before), last).Body).next(t, 1)
		if len(evs) != 1 || evs[0].data != `{"data":{"events":{"position":4}}}` {
			t.Fatalf("events %+v, want position 4", evs)
		}
	})
	t.Run("the restored log refuses it", func(t *testing.T) {
		evs := readEvents(t, after.openSSE(t, ctx, http.MethodGet, sub, vars(after), last).Body, 2)
		if len(evs) != 2 || !strings.Contains(evs[0].data, `"code":"BAD_USER_INPUT"`) || !strings.Contains(evs[0].data, `"field":"Last-Event-ID"`) ||
			!strings.Contains(evs[0].data, "restored from a backup") || evs[1].name != "complete" {
			t.Fatalf("events %+v, want a BAD_USER_INPUT error naming Last-Event-ID, then complete", evs)
		}
	})
	t.Run("a Last-Event-ID that names no event is refused", func(t *testing.T) {
		for _, id := range []string{"3/", "0/x", "x/y"} {
			evs := readEvents(t, before.openSSE(t, ctx, http.MethodGet, sub, vars(before), id).Body, 2)
			if len(evs) != 2 || !strings.Contains(evs[0].data, `"code":"BAD_USER_INPUT"`) || !strings.Contains(evs[0].data, `"field":"Last-Event-ID"`) {
				t.Fatalf("Last-Event-ID %q: events %+v, want a BAD_USER_INPUT error naming Last-Event-ID", id, evs)
			}
		}
	})
}
