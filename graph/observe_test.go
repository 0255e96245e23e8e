package graph_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/graph/graphtest"
	"github.com/eventgraph/eventgraph/internal/clocktest"
	"github.com/eventgraph/eventgraph/store"
)

// opRecorder is a graph.Observer that hands every report to channels.
type opRecorder struct {
	ops     chan graph.Operation
	started chan string
	ended   chan string
}

func newOpRecorder() *opRecorder {
	return &opRecorder{ops: make(chan graph.Operation, 100), started: make(chan string, 100), ended: make(chan string, 100)}
}

func (r *opRecorder) OperationDone(_ context.Context, op graph.Operation) { r.ops <- op }

func (r *opRecorder) SubscriptionStarted(_ context.Context, field string) func() {
	r.started <- field
	var once sync.Once
	return func() {
		ended := false
		once.Do(func() { ended = true })
		if !ended {
			panic("done called twice")
		}
		r.ended <- field
	}
}

// recv returns the next value sent on ch, failing the test when none comes in time.
func recv[T any](tb testing.TB, ch <-chan T) T {
	tb.Helper()
	select {
	case v := <-ch:
		return v
	case <-testContext(tb).Done():
		tb.Fatal("nothing reported in time")
		panic("unreachable")
	}
}

func TestConfig_Observer(t *testing.T) {
	rec := newOpRecorder()
	e := newEnv(t, withConfig(graph.Config{Observer: rec}))
	e.create(t, restaurantInput("r1", "a"))
	if op := recv(t, rec.ops); op.Type != "mutation" || op.Field != "createRestaurant" || len(op.Codes) != 0 || !clocktest.Measured(op.Duration) {
		t.Errorf("accepted mutation reported as %+v", op)
	}

	tests := []struct {
		name      string
		query     string
		vars      map[string]any
		wantType  string
		wantName  string
		wantField string
		wantCodes []string
	}{
		{
			name:  "a rejected mutation reports its error code",
			query: `mutation Again($in: CreateRestaurantInput!) { createRestaurant(input: $in) { id } }`, vars: map[string]any{"in": restaurantInput("r1", "a")},
			wantType: "mutation", wantName: "Again", wantField: "createRestaurant", wantCodes: []string{graph.CodeAlreadyExists},
		},
		{
			name:     "a named query",
			query:    `query Find { restaurant(id: "r1") { name } }`,
			wantType: "query", wantName: "Find", wantField: "restaurant",
		},
		{
			name:      "a query that does not parse is reported before execution",
			query:     `query {`,
			wantCodes: []string{"GRAPHQL_PARSE_FAILED"},
		},
		{
			name:      "a query that does not validate is reported before execution, as far as it parses",
			query:     `{ nope }`,
			wantType:  "query",
			wantField: "nope",
			wantCodes: []string{"GRAPHQL_VALIDATION_FAILED"},
		},
		{
			name:      "a query refused by the complexity limit",
			query:     complexQuery(500),
			wantType:  "query",
			wantField: "restaurants",
			wantCodes: []string{"COMPLEXITY_LIMIT_EXCEEDED"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.do(t, tt.query, tt.vars)
			op := recv(t, rec.ops)
			if op.Type != tt.wantType || op.Name != tt.wantName || op.Field != tt.wantField || !slices.Equal(op.Codes, tt.wantCodes) {
				t.Errorf("reported %+v, want type %q name %q field %q codes %v", op, tt.wantType, tt.wantName, tt.wantField, tt.wantCodes)
			}
			select {
			case extra := <-rec.ops:
				t.Errorf("a second report %+v for one operation", extra)
			default:
			}
		})
	}
}

// complexQuery selects n aliased restaurant lists, over any complexity limit for large n.
func complexQuery(n int) string {
	q := "{"
	for i := range n {
		q += fmt.Sprintf(" r%d: restaurants(first: 100) { nodes { menu { menuItems { name } } } }", i)
	}
	return q + " }"
}

func TestConfig_Observer_subscriptions(t *testing.T) {
	for _, proto := range []graphtest.Protocol{graphtest.TransportWS, graphtest.LegacyWS} {
		t.Run(string(proto), func(t *testing.T) {
			rec := newOpRecorder()
			e := newEnv(t, withConfig(graph.Config{Observer: rec}))
			sub, err := e.client.SubscribeWS(testContext(t), proto, `subscription Live { events(afterPosition: 0) { position } }`, nil)
			if err != nil {
				t.Fatal(err)
			}
			if field := recv(t, rec.started); field != "events" {
				t.Errorf("SubscriptionStarted(%q), want events", field)
			}
			e.create(t, restaurantInput("r1", "a"))
			if _, err := sub.Next(testContext(t)); err != nil {
				t.Fatalf("first event: %v", err)
			}
			recv(t, rec.ops) // the mutation
			select {
			case f := <-rec.ended:
				t.Fatalf("subscription %s reported ended while open", f)
			default:
			}

			sub.Close()
			if field := recv(t, rec.ended); field != "events" {
				t.Errorf("ended %q, want events", field)
			}
			if op := recv(t, rec.ops); op.Type != "subscription" || op.Name != "Live" || op.Field != "events" || len(op.Codes) != 0 {
				t.Errorf("subscription reported as %+v", op)
			}
		})
	}
}

// A subscription refused (by its resolver, or by a limit before it) is reported as an
// operation with its code, and never as started: the graphql_subscriptions gauge counts
// those that stream. Counted, refusals had made the gauge read 679 with 100 streaming.
func TestConfig_Observer_subscriptionRefused(t *testing.T) {
	rec := newOpRecorder()
	e := newEnv(t, withConfig(graph.Config{Observer: rec, MaxSubscriptionsPerConnection: 1}))
	sub, err := e.client.SubscribeSSE(testContext(t), `subscription { restaurantChanged(id: "") { name } }`, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if op := recv(t, rec.ops); op.Type != "subscription" || !slices.Equal(op.Codes, []string{graph.CodeBadUserInput}) {
		t.Errorf("refused subscription reported as %+v, want BAD_USER_INPUT", op)
	}

	c := e.dialWS(t, graphtest.TransportWS)
	c.init()
	c.start("subscribe", "live", `subscription { events { id } }`)
	if field := recv(t, rec.started); field != "events" {
		t.Fatalf("SubscriptionStarted(%q), want events", field)
	}
	c.start("subscribe", "over", `subscription { events { id } }`)
	for m := c.mustRead(); m.ID != "over" || m.Type != "complete"; m = c.mustRead() {
	}
	if op := recv(t, rec.ops); !slices.Equal(op.Codes, []string{graph.CodeSubscriptionLimitExceeded}) {
		t.Errorf("subscription over the limit reported as %+v, want %s", op, graph.CodeSubscriptionLimitExceeded)
	}
	select {
	case field := <-rec.started:
		t.Errorf("a refused subscription was reported started (%s)", field)
	case field := <-rec.ended:
		t.Errorf("a refused subscription was reported ended (%s)", field)
	default:
	}
}

func TestErrorCode(t *testing.T) {
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	live := context.Background()
	canceled := fmt.Errorf("append: %w", context.Canceled)
	tests := []struct {
		ctx  context.Context
		err  error
		want string
	}{
		{live, fmt.Errorf("restaurant r1: %w", decider.ErrNotFound), graph.CodeNotFound},
		{live, &decider.ValidationError{Field: "id", Reason: "empty"}, graph.CodeBadUserInput},
		{live, fmt.Errorf("x: %w", decider.ErrAlreadyExists), graph.CodeAlreadyExists},
		{live, errors.New("disk on fire"), graph.CodeInternal},
		{ended, canceled, graph.CodeCanceled}, // the client went away, or the server shuts down
		// A cancellation from inside while the request is live is the server's failure, as
		// the client is told: metrics counted it CANCELED, which no alert watches.
		{live, canceled, graph.CodeInternal},
	}
	for _, tt := range tests {
		if got := graph.ErrorCode(tt.ctx, tt.err); got != tt.want {
			t.Errorf("ErrorCode(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

// TestConfig_Observer_subscriptionCutShort checks that a subscription whose connection
// closes as it starts (here: the client reused its id, which closes the socket with 4409)
// is not reported as an internal error: the client went away, the server did not fail.
func TestConfig_Observer_subscriptionCutShort(t *testing.T) {
	for _, query := range []string{
		`subscription { events { position } }`, // asks the store for its head as it starts
		`subscription { events(afterPosition: 0) { position } }`,
	} {
		t.Run(query, func(t *testing.T) {
			rec := newOpRecorder()
			e := newEnv(t, withConfig(graph.Config{Observer: rec}))
			e.create(t, restaurantInput("r1", "a"))
			recv(t, rec.ops) // the mutation
			c := e.dialWS(t, graphtest.TransportWS)
			c.init()
			c.start("subscribe", "s1", query)
			c.start("subscribe", "s1", query)
			c.closedAfter(4409, "Subscriber for s1 already exists", "s1") // the first may send history first
			for {
				op := recv(t, rec.ops)
				if slices.Contains(op.Codes, graph.CodeInternal) {
					t.Fatalf("reported %+v", op)
				}
				if op.Type == "subscription" {
					return
				}
			}
		})
	}
}

// slowHeadStore is a store whose first Head call after arm answers only once an event is
// appended after arm, or after a while when none is: a subscription reported started before
// it asked for the head would then start after the test's event.
type slowHeadStore struct {
	appendWatch
	waited atomic.Bool // the first Head after arm has waited
}

func (s *slowHeadStore) arm() {
	s.waited.Store(false)
	s.appendWatch.arm()
}

func (s *slowHeadStore) Head(ctx context.Context) (store.Position, error) {
	if appended := s.armed(); appended != nil && s.waited.CompareAndSwap(false, true) {
		t := time.NewTimer(300 * time.Millisecond)
		defer t.Stop()
		select {
		case <-appended:
		case <-t.C:
		}
	}
	return s.Store.(store.Header).Head(ctx)
}

// TestConfig_Observer_subscriptionStartedOnceLive checks that SubscriptionStarted comes
// after the subscription took its starting point, for every root field: what is written
// once it is reported reaches the client as a change of its own (a subscription to new
// events misses nothing; one that sends the current state first sends the state before the
// write, then the write).
func TestConfig_Observer_subscriptionStartedOnceLive(t *testing.T) {
	changeMenu := `mutation { changeRestaurantMenu(input: {id: "r1", menu: {cuisine: ITALIAN, menuItems: [{menuItemId: "b", name: "B", price: "1.00"}]}}) { version } }`
	tests := []struct {
		name, query, write string
		transports         []string
		want               []string // a field of each message in turn
	}{
		{"events", `subscription { events { f: streamId } }`, `mutation { createRestaurant(input: {id: "r2", name: "Two", menu: {cuisine: ITALIAN, menuItems: [{menuItemId: "a", name: "A", price: "1.00"}]}}) { id } }`,
			transports, []string{"restaurant-r2"}},
		{"restaurantChanged", `subscription { restaurantChanged(id: "r1") { f: version } }`, changeMenu,
			[]string{string(graphtest.TransportWS)}, []string{"2", "3"}}, // created, the order placed; the menu changed
		{"orderChanged(id)", `subscription { orderChanged(id: "o1") { f: status } }`, `mutation { markOrderAsPrepared(input: {id: "o1"}) { id } }`,
			[]string{string(graphtest.TransportWS)}, []string{"CREATED", "PREPARED"}},
		{"orderChanged(restaurantId)", `subscription { orderChanged(restaurantId: "r1") { f: status } }`, `mutation { markOrderAsPrepared(input: {id: "o1"}) { id } }`,
			[]string{"sse"}, []string{"PREPARED"}},
	}
	for _, tt := range tests {
		for _, tr := range tt.transports {
			t.Run(tt.name+" over "+tr, func(t *testing.T) {
				rec := newOpRecorder()
				slow := &slowHeadStore{}
				e := newEnv(t, withConfig(graph.Config{Observer: rec}), withStore(func(s store.Store) store.Store { slow.Store = s; return slow }))
				e.create(t, restaurantInput("r1", "a"))
				placed := e.place(t, map[string]any{"restaurantId": "r1", "orderId": "o1", "menuItemIds": []string{"a"}})
				e.must(t, `query($p: Int64) { order(id: "o1", minPosition: $p) { id } }`, map[string]any{"p": placed.Position}, nil)
				for range 3 { // the mutations' own reports
					recv(t, rec.ops)
				}

				slow.arm()
				sub := e.subscribe(t, tr, tt.query, nil)
				if got := recv(t, rec.started); !strings.HasPrefix(tt.name, got) {
					t.Fatalf("started %q", got)
				}
				e.must(t, tt.write, nil, nil)
				var got []string
				for range tt.want {
					var m map[string]map[string]any
					next(t, sub, &m)
					for _, v := range m {
						got = append(got, fmt.Sprint(v["f"]))
					}
				}
				if !slices.Equal(got, tt.want) {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			})
		}
	}
}

// A subscription whose root field is selected through a fragment is reported with that field
// (the subscriptions gauge's kind label, the log line's field); it was reported with "", also
// behind fragments nested more than 8 deep, which a client may send (the server then exported
// graphql_subscriptions{kind=""}, not one of graph.SubscriptionFields).
func TestObserver_subscriptionFieldThroughAFragment(t *testing.T) {
	const deep = 12
	var spreads strings.Builder
	spreads.WriteString("subscription S { ...F0 }")
	for i := range deep {
		fmt.Fprintf(&spreads, " fragment F%d on Subscription { ...F%d }", i, i+1)
	}
	fmt.Fprintf(&spreads, " fragment F%d on Subscription { events { position } }", deep)
	for name, q := range map[string]string{
		"inline": `subscription S { ... on Subscription { events { position } } }`,
		"spread": `subscription S { ...F } fragment F on Subscription { events { position } }`,
		"inline fragments nested deep": "subscription S { " + strings.Repeat("... on Subscription { ", deep) + "events { position }" +
			strings.Repeat(" }", deep) + " }",
		"spreads nested deep": spreads.String(),
	} {
		t.Run(name, func(t *testing.T) {
			rec := newOpRecorder()
			e := newEnv(t, withConfig(graph.Config{Observer: rec}))
			sub, err := e.client.SubscribeWS(testContext(t), graphtest.TransportWS, q, nil)
			if err != nil {
				t.Fatal(err)
			}
			if field := recv(t, rec.started); field != "events" {
				t.Errorf("SubscriptionStarted(%q), want \"events\" (the gauge's kind label)", field)
			}
			sub.Close()
			recv(t, rec.ended)
			if op := recv(t, rec.ops); op.Field != "events" {
				t.Errorf("Operation.Field = %q, want events", op.Field)
			}
		})
	}
}

// A document that parses but fails validation is reported with its operation's type and name:
// it was reported as type "unknown" without a name, the one thing that says which client's
// query is broken.
func TestObserver_validationFailureKeepsTypeAndName(t *testing.T) {
	rec := newOpRecorder()
	e := newEnv(t, withConfig(graph.Config{Observer: rec}))
	e.do(t, `mutation Broken { createRestaurant(input: {name: "x", menu: {cuisine: ITALIAN, menuItems: []}}) { nosuch } }`, nil)
	op := recv(t, rec.ops)
	if len(op.Codes) == 0 || op.Codes[0] != "GRAPHQL_VALIDATION_FAILED" {
		t.Fatalf("codes %v, want GRAPHQL_VALIDATION_FAILED", op.Codes)
	}
	if op.Type != "mutation" || op.Name != "Broken" {
		t.Errorf("validation failure reported as Type=%q Name=%q, want mutation Broken", op.Type, op.Name)
	}
}

// TestConfig_Observer_mutationByGET: a mutation sent by GET is reported as the mutation it
// is, refused, whether a plain GET (refused by the executor's extensions) or an event
// stream's (refused before the stream opens).
func TestConfig_Observer_mutationByGET(t *testing.T) {
	rec := newOpRecorder()
	e := newEnv(t, withConfig(graph.Config{Observer: rec}))
	params := url.Values{"query": {`mutation M { createRestaurant(input: {name: "x", menu: {cuisine: ITALIAN, menuItems: [{menuItemId: "a", name: "a", price: "1"}]}}) { id } }`}}
	for _, accept := range []string{"application/json", "text/event-stream"} {
		t.Run(accept, func(t *testing.T) {
			resp := e.getStream(t, testContext(t), accept, params)
			resp.Body.Close()
			if resp.StatusCode != http.StatusMethodNotAllowed {
				t.Fatalf("status %d, want 405", resp.StatusCode)
			}
			op := recv(t, rec.ops)
			if op.Type != "mutation" || op.Name != "M" || op.Field != "createRestaurant" || !slices.Equal(op.Codes, []string{graph.CodeBadRequest}) {
				t.Errorf("reported %+v, want the mutation M of createRestaurant refused with BAD_REQUEST", op)
			}
			select {
			case extra := <-rec.ops:
				t.Errorf("a second report %+v for one operation", extra)
			default:
			}
		})
	}
}
