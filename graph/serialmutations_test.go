package graph_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/graph/graphtest"
)

// reproduction is the black-box review's request: a failed mutation, then one that would
// write a restaurant.
const reproduction = `mutation {
  a: markOrderAsPrepared(input: {id: "no-such-order"}) { id }
  b: createRestaurant(input: {id: "hidden", name: "Hidden", menu: {cuisine: ITALIAN, menuItems: [{menuItemId: "m", name: "n", price: "1"}]}}) { id position }
}`

// createAs returns a createRestaurant field with the response key alias for restaurant id.
func createAs(alias, id string) string {
	return fmt.Sprintf(`%s: createRestaurant(input: {id: %q, name: "Trattoria", menu: {cuisine: ITALIAN, menuItems: [{menuItemId: "m", name: "n", price: "1"}]}}) { id position }`, alias, id)
}

// wantError is an error a response must hold: the response key of its root field and its code.
type wantError struct{ path, code string }

func (w wantError) String() string { return w.path + " " + w.code }

// errorsOf returns r's errors as wantErrors, in the order of the response.
func errorsOf(tb testing.TB, r *graphtest.Response) []wantError {
	tb.Helper()
	var got []wantError
	for _, e := range r.Errors {
		if len(e.Path) != 1 {
			tb.Fatalf("error %v: got path %v, want the root field's", e, e.Path)
		}
		got = append(got, wantError{path: fmt.Sprint(e.Path[0]), code: e.Code()})
	}
	return got
}

// checkNotExecuted checks the NOT_EXECUTED errors of r: each says why, and where its field is.
func checkNotExecuted(tb testing.TB, r *graphtest.Response) {
	tb.Helper()
	for _, e := range r.Errors {
		if e.Code() != graph.CodeNotExecuted {
			continue
		}
		if !strings.Contains(e.Message, "an earlier mutation in this request") || !strings.Contains(e.Message, "was not run") {
			tb.Errorf("error at %v: got message %q, want it to say that an earlier mutation in this request failed, so this one was not run", e.Path, e.Message)
		}
		if len(e.Locations) != 1 || e.Locations[0].Line == 0 {
			tb.Errorf("error at %v: got locations %v, want the field's", e.Path, e.Locations)
		}
	}
}

// statusHead is the log's head as the status query reads it.
func (e *env) statusHead(tb testing.TB) int64 {
	tb.Helper()
	var out struct{ Status struct{ Head int64 } }
	e.must(tb, `{ status { head } }`, nil, &out)
	return out.Status.Head
}

// writtenAfter returns the streams of the events after position p, in log order.
func (e *env) writtenAfter(tb testing.TB, p int64) []string {
	tb.Helper()
	var out struct{ Events []struct{ StreamID string } }
	e.must(tb, `query($p: Int64) { events(afterPosition: $p) { streamId } }`, map[string]any{"p": p}, &out)
	streams := []string{}
	for _, ev := range out.Events {
		streams = append(streams, ev.StreamID)
	}
	return streams
}

// restaurantExists reports whether the read model, caught up with the log, has restaurant id.
func (e *env) restaurantExists(tb testing.TB, id string) bool {
	tb.Helper()
	var out struct{ Restaurant *struct{ ID string } }
	e.must(tb, `query($id: ID!, $p: Int64) { restaurant(id: $id, minPosition: $p) { id } }`,
		map[string]any{"id": id, "p": int64(e.head(tb))}, &out)
	return out.Restaurant != nil
}

// checkMutation runs query, which must answer data null with the errors want, write to
// exactly the streams written, in that order, and create none of the restaurants absent.
func (e *env) checkMutation(tb testing.TB, query string, vars map[string]any, want []wantError, written, absent []string) {
	tb.Helper()
	before := e.statusHead(tb)
	r := e.do(tb, query, vars)
	if string(r.Data) != "null" {
		tb.Errorf("got data %s, want null", r.Data)
	}
	if got := errorsOf(tb, r); !slices.Equal(got, want) {
		tb.Errorf("got errors %v, want %v\n%v", got, want, r.Err())
	}
	checkNotExecuted(tb, r)
	if got := e.writtenAfter(tb, before); !slices.Equal(got, written) {
		tb.Errorf("got events written on streams %q, want %q", got, written)
	}
	for _, id := range absent {
		if e.restaurantExists(tb, id) {
			tb.Errorf("restaurant %q exists: a mutation after the failure ran", id)
		}
	}
}

func TestSerialMutations_StopAtTheFirstFailure(t *testing.T) {
	tests := []struct {
		name    string
		query   string
		want    []wantError
		written []string // the streams the request writes, in order
		present []string // restaurants the request creates
		absent  []string // restaurants it must not create
	}{
		{
			name:   "the reproduction: the mutation after a failed one does not run",
			query:  reproduction,
			want:   []wantError{{"a", graph.CodeNotFound}, {"b", graph.CodeNotExecuted}},
			absent: []string{"hidden"},
		},
		{
			name:    "a mutation before the failure keeps its write",
			query:   `mutation { ` + createAs("a", "kept") + ` b: markOrderAsPrepared(input: {id: "no-such-order"}) { id } }`,
			want:    []wantError{{"b", graph.CodeNotFound}},
			written: []string{"restaurant-kept"},
			present: []string{"kept"},
		},
		{
			name:    "a failure in the middle of three stops the third",
			query:   `mutation { ` + createAs("a", "first") + createAs("b", "first") + createAs("c", "third") + ` }`,
			want:    []wantError{{"b", graph.CodeAlreadyExists}, {"c", graph.CodeNotExecuted}},
			written: []string{"restaurant-first"},
			present: []string{"first"},
			absent:  []string{"third"},
		},
		{
			name:    "each mutation after the failure gets its own error",
			query:   `mutation { ` + createAs("a", "one") + ` b: markOrderAsPrepared(input: {id: "no-such-order"}) { id } ` + createAs("c", "three") + createAs("d", "four") + ` }`,
			want:    []wantError{{"b", graph.CodeNotFound}, {"c", graph.CodeNotExecuted}, {"d", graph.CodeNotExecuted}},
			written: []string{"restaurant-one"},
			present: []string{"one"},
			absent:  []string{"three", "four"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			written := tt.written
			if written == nil {
				written = []string{}
			}
			e.checkMutation(t, tt.query, nil, tt.want, written, tt.absent)
			for _, id := range tt.present {
				if !e.restaurantExists(t, id) {
					t.Errorf("restaurant %q does not exist: the mutation before the failure lost its write", id)
				}
			}
		})
	}
}

// TestSerialMutations_CachedDocument sends documents again: the server builds the operation
// of a document it has cached itself (see cachedOperations), and each request must stop at
// its own failure, not at another's.
func TestSerialMutations_CachedDocument(t *testing.T) {
	t.Run("the reproduction sent twice writes nothing either time", func(t *testing.T) {
		e := newEnv(t)
		for range 2 {
			e.checkMutation(t, reproduction, nil, []wantError{{"a", graph.CodeNotFound}, {"b", graph.CodeNotExecuted}}, []string{}, []string{"hidden"})
		}
	})

	t.Run("a failure stops only its own request", func(t *testing.T) {
		e := newEnv(t)
		e.create(t, restaurantInput("taken", "a"))
		const twice = `mutation($a: CreateRestaurantInput!, $b: CreateRestaurantInput!) {
  a: createRestaurant(input: $a) { id }
  b: createRestaurant(input: $b) { id }
}`
		in := func(id string) map[string]any { return restaurantInput(id, "a") }
		// The first is built by gqlgen's executor, the others from the query cache.
		e.checkMutation(t, twice, map[string]any{"a": in("taken"), "b": in("new1")},
			[]wantError{{"a", graph.CodeAlreadyExists}, {"b", graph.CodeNotExecuted}}, []string{}, []string{"new1"})

		before := e.statusHead(t)
		var out struct{ A, B struct{ ID string } }
		e.must(t, twice, map[string]any{"a": in("ok1"), "b": in("ok2")}, &out)
		if out.A.ID != "ok1" || out.B.ID != "ok2" {
			t.Errorf("got ids %q and %q, want ok1 and ok2", out.A.ID, out.B.ID)
		}
		if got, want := e.writtenAfter(t, before), []string{"restaurant-ok1", "restaurant-ok2"}; !slices.Equal(got, want) {
			t.Errorf("got events written on streams %q, want %q", got, want)
		}

		e.checkMutation(t, twice, map[string]any{"a": in("taken"), "b": in("new3")},
			[]wantError{{"a", graph.CodeAlreadyExists}, {"b", graph.CodeNotExecuted}}, []string{}, []string{"new3"})
	})
}

// TestSerialMutations_OverStreams runs the reproduction over WebSocket and Server-Sent
// Events: the rule is the executor's, whatever the transport.
func TestSerialMutations_OverStreams(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr+": the mutation after a failed one does not run", func(t *testing.T) {
			e := newEnv(t)
			before := e.statusHead(t)
			sub := e.subscribe(t, tr, reproduction, nil)
			r, err := sub.Next(testContext(t))
			if err != nil {
				t.Fatalf("next: %v", err)
			}
			want := []wantError{{"a", graph.CodeNotFound}, {"b", graph.CodeNotExecuted}}
			if got := errorsOf(t, r); !slices.Equal(got, want) {
				t.Errorf("got errors %v, want %v", got, want)
			}
			if got := e.writtenAfter(t, before); len(got) != 0 {
				t.Errorf("got events written on streams %q, want none", got)
			}
		})
	}
}

// TestSerialMutations_Unchanged checks what the rule leaves as it was: a request of one
// failing mutation, and queries, whose fields all run however many fail.
func TestSerialMutations_Unchanged(t *testing.T) {
	t.Run("a single failing mutation answers as before", func(t *testing.T) {
		e := newEnv(t)
		_, body := e.postRaw(t, `{"query":"mutation { markOrderAsPrepared(input: {id: \"no-such-order\"}) { id } }"}`, nil)
		var got, want any
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		const wantBody = `{"errors":[{"message":"order \"no-such-order\" not found","locations":[{"line":1,"column":12}],` +
			`"path":["markOrderAsPrepared"],"extensions":{"code":"NOT_FOUND"}}],"data":null}`
		if err := json.Unmarshal([]byte(wantBody), &want); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("got %s, want %s", body, wantBody)
		}
	})

	t.Run("a query runs every field however many fail", func(t *testing.T) {
		e := newEnv(t)
		r := e.do(t, `{ a: restaurants(first: -1) { totalCount } b: restaurant(id: "") { id } c: orders(first: -1) { totalCount } d: status { head } }`, nil)
		got := errorsOf(t, r)
		slices.SortFunc(got, func(x, y wantError) int { return strings.Compare(x.path, y.path) })
		want := []wantError{{"a", graph.CodeBadUserInput}, {"b", graph.CodeBadUserInput}, {"c", graph.CodeBadUserInput}}
		if !slices.Equal(got, want) {
			t.Errorf("got errors %v, want %v", got, want)
		}
	})
}
