//go:build unix

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/graph/graphtest"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// write is one mutation a client of TestBinary_killMidLoad sends, and what became of it.
type write struct {
	query  string
	vars   map[string]any
	stream string // the stream its event goes to
	typ    string // the type of that event
	acked  bool   // the killed server answered it
	res    result // its answer: the killed server's, or else the new server's
}

// TestBinary_killMidLoad kills the server binary with SIGKILL while clients create
// restaurants and place orders, on the JSONL log (durable, the default) or on PostgreSQL,
// then starts a new server on the same directory or schema, as an operator would after a
// crash:
//   - every write the killed server acknowledged is in the log at the position it was
//     acknowledged with, and the log has no gap;
//   - a subscriber to the log, cut off by the kill, resumes on the new server after the
//     last event it received, and so has the whole log: every event once, under its id;
//   - each client resends, with the same commandId, the write the kill left unanswered
//     (recorded now, or answered as a duplicate if the killed server had committed it) and
//     every acknowledged one (a duplicate with the first answer: the command index survived);
//   - the saga finishes what the killed server left: every order placed gets exactly one
//     OrderCreated, and the read models, rebuilt from the log, agree with it;
//   - with --state-interval, the new server loads the read models' states the killed one
//     saved last (it may have died in a save) and replays only the log after them;
//   - every restaurant's state is whole, whether the handler folds its stream from the start
//     or from a snapshot the killed server saved (and the events after it): each order placed
//     there is ALREADY_EXISTS when placed again, and a new order gets the next version.
func TestBinary_killMidLoad(t *testing.T) {
	bin := buildBinary(t)
	jsonlStore := func(tb testing.TB) ([]string, string) {
		dir := filepath.Join(tb.TempDir(), "data")
		return []string{"--data", dir}, filepath.Join(dir, jsonl.SnapshotDir)
	}
	postgresStore := func(tb testing.TB) ([]string, string) { return postgresArgs(tb), "" }
	snapshotEvery2 := []string{"--snapshot-every", "2"}
	for _, c := range []struct {
		name  string
		store func(testing.TB) (args []string, snapshotDir string)
		args  []string
	}{
		{"jsonl", jsonlStore, nil},
		{"jsonl, snapshots every 2 events", jsonlStore, snapshotEvery2},
		// The killed server saves its read models' states all the time, and may die in a
		// save: the new one loads the last whole one and replays the log after it.
		{"jsonl, read-model states every 5ms", jsonlStore, []string{"--state-interval", "5ms"}},
		{"postgres", postgresStore, nil},
		{"postgres, snapshots every 2 events", postgresStore, snapshotEvery2},
	} {
		t.Run(c.name, func(t *testing.T) {
			args, snapshotDir := c.store(t)
			killMidLoad(t, bin, snapshotDir, append(args, c.args...)...)
		})
	}
}

// killMidLoad is TestBinary_killMidLoad with the server binary bin and its flags args. With
// a snapshotDir (the JSONL store's), it also checks that the killed server saved snapshots
// there if and only if args ask for them.
func killMidLoad(t *testing.T, bin, snapshotDir string, args ...string) {
	victim, addr := startBinary(t, bin, args...)
	c := newClient(t, "http://"+addr+"/graphql")
	ctx := testCtx(t)
	sub := follow(t, ctx, c)
	writes, acked := loadUntilKilled(t, c, victim, sub.first)
	if t.Failed() {
		return
	}
	_ = victim.Wait() // the process is gone, and with it its lock on the directory
	received := sub.wait(t, ctx)
	if snapshotDir != "" {
		want := slices.Contains(args, "--snapshot-every")
		if saved, _ := os.ReadDir(snapshotDir); want != (len(saved) > 0) {
			t.Fatalf("the killed server saved %d snapshots; want some: %v", len(saved), want)
		}
	}

	m, logs := startMain(t, args...)
	c = newClient(t, m.URL()+"/graphql")
	unanswered, committed := resend(t, c, writes)
	t.Logf("%d writes acknowledged and %d events delivered to the subscriber before the kill; of the %d writes it left unanswered, %d had been committed",
		acked, len(received), unanswered, committed)

	logged := readLog[loggedEvent](t, c)
	checkLog(t, logged, writes)
	checkResumed(t, ctx, c, received, logged)
	head := checkSaga(t, ctx, c, logged)
	checkReadModels(t, c, logged, head)
	checkStates(t, ctx, c, logged)
	// The read models have caught up (checkReadModels waited for them): they loaded first.
	if slices.Contains(args, "--state-interval") && !strings.Contains(logs.String(), "projections resume from their saved states") {
		t.Errorf("the new server did not load the read models' states the killed one saved:\n%s", logs)
	}
}

// loggedEvent is what the checks of TestBinary_killMidLoad read of an event.
type loggedEvent struct {
	ID       string
	Position int64
	StreamID string
	Version  int
	Type     string
	Data     struct{ OrderID string }
}

// seen is an event as a subscriber of TestBinary_killMidLoad receives it.
type seen struct {
	ID       string
	Position int64
}

// follower is a subscriber to the whole log, from its start, until the server dies.
type follower struct {
	first    chan struct{} // closed once it has received an event
	done     chan struct{}
	received []seen // written by the subscription's goroutine until done is closed
}

// follow subscribes to the log from its start over SSE.
func follow(t *testing.T, ctx context.Context, c *graphtest.Client) *follower {
	live, err := c.SubscribeSSE(ctx, `subscription { events(afterPosition: 0) { id position } }`, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = live.Close() })
	f := &follower{first: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(f.done)
		for {
			r, err := live.Next(ctx)
			if err != nil {
				return // the kill ended the stream
			}
			var m struct{ Events seen }
			if err := json.Unmarshal(r.Data, &m); err != nil {
				t.Errorf("subscription before the kill: %v", err)
				return
			}
			f.received = append(f.received, m.Events)
			if len(f.received) == 1 {
				close(f.first)
			}
		}
	}()
	return f
}

// wait waits for the subscription to end with the server and returns what it received.
func (f *follower) wait(t *testing.T, ctx context.Context) []seen {
	select {
	case <-f.done:
	case <-ctx.Done():
		t.Fatal("the subscription outlived the server")
	}
	if len(f.received) == 0 {
		t.Fatal("the subscriber received nothing before the kill")
	}
	return f.received
}

// loadUntilKilled has 8 clients create restaurants and place two orders at each, and kills
// victim once 120 writes are acknowledged and ready is closed (the subscriber has an event
// to resume after: on a busy machine its first could come after the 120th write). It returns
// each client's writes, in the order sent (the last one, the kill's, unanswered), and how
// many were acknowledged.
func loadUntilKilled(t *testing.T, c *graphtest.Client, victim *exec.Cmd, ready <-chan struct{}) ([][]*write, int) {
	const (
		clients   = 8
		rounds    = 200 // restaurants per client, far more than the kill lets through
		killAfter = 120 // acknowledged writes before the kill, at least
	)
	var (
		mu     sync.Mutex
		acked  int
		killed = make(chan struct{})
		kill   sync.Once
		wg     sync.WaitGroup
		writes = make([][]*write, clients)
	)
	for cl := range clients {
		wg.Go(func() {
			for i := range rounds {
				rid := fmt.Sprintf("r%d-%d", cl, i)
				batch := []*write{{
					query:  createRestaurant,
					vars:   map[string]any{"in": map[string]any{"id": rid, "name": "R " + rid, "menu": menu("a", "b"), "commandId": "create-" + rid}},
					stream: "restaurant-" + rid, typ: "RestaurantCreated",
				}}
				for _, o := range []string{"x", "y"} {
					oid := rid + o
					batch = append(batch, &write{
						query:  placeOrder,
						vars:   map[string]any{"in": map[string]any{"restaurantId": rid, "orderId": oid, "menuItemIds": []string{"a", "b"}, "commandId": "place-" + oid}},
						stream: "restaurant-" + rid, typ: "RestaurantOrderPlaced",
					})
				}
				for _, w := range batch {
					mu.Lock()
					writes[cl] = append(writes[cl], w)
					mu.Unlock()
					res, err := sendWrite(c, w)
					if err != nil {
						mu.Lock() // the kill and its announcement happen under mu: no error falls between
						defer mu.Unlock()
						select {
						case <-killed: // the kill cut it off: its fate is for the new server to tell
						default:
							t.Errorf("client %d, before the kill: %v", cl, err)
						}
						return
					}
					mu.Lock()
					w.acked, w.res = true, res
					acked++
					if acked >= killAfter && isClosed(ready) {
						kill.Do(func() {
							if err := victim.Process.Kill(); err != nil { // no shutdown at all
								t.Errorf("kill: %v", err)
							}
							close(killed)
						})
					}
					mu.Unlock()
				}
			}
			t.Errorf("client %d sent all its writes before the kill", cl)
		})
	}
	wg.Wait()
	return writes, acked
}

// isClosed reports whether ch is closed.
func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// resend sends every client's writes again, in the order it sent them, with the same
// commandIds: an acknowledged one must be a duplicate with the first answer; the one the
// kill left unanswered is recorded now or, if the killed server had committed it, a
// duplicate. It returns how many were unanswered and how many of those committed.
func resend(t *testing.T, c *graphtest.Client, writes [][]*write) (unanswered, committed int) {
	for _, ws := range writes {
		for _, w := range ws {
			res, err := sendWrite(c, w)
			if err != nil {
				t.Fatalf("resending %v: %v", w.vars, err)
			}
			switch {
			case w.acked && res != duplicateOf(w.res):
				t.Errorf("resent acknowledged write %v: %+v, want %+v", w.vars, res, duplicateOf(w.res))
			case !w.acked:
				unanswered++
				if res.Duplicate {
					committed++
				}
				w.res = res
			}
		}
	}
	return unanswered, committed
}

// checkLog checks that the log has no gap and every write is at the position it was
// answered with.
func checkLog(t *testing.T, logged []loggedEvent, writes [][]*write) {
	for i, e := range logged {
		if e.Position != int64(i+1) {
			t.Fatalf("the log's event %d has position %d", i+1, e.Position)
		}
	}
	for _, ws := range writes {
		for _, w := range ws {
			if p := w.res.Position; p < 1 || p > int64(len(logged)) ||
				logged[p-1].StreamID != w.stream || logged[p-1].Type != w.typ {
				t.Errorf("write %v answered with position %d: the log (of %d events) does not have it there", w.vars, p, len(logged))
			}
		}
	}
}

// checkResumed resumes the subscriber on the new server after the last event it received:
// with what it had before the kill, it must have the log, every event once, in order,
// under the log's ids.
func checkResumed(t *testing.T, ctx context.Context, c *graphtest.Client, received []seen, logged []loggedEvent) {
	after := received[len(received)-1].Position
	resumed, err := c.SubscribeSSE(ctx, `subscription($a: Int64) { events(afterPosition: $a) { id position } }`, map[string]any{"a": after})
	if err != nil {
		t.Fatal(err)
	}
	defer resumed.Close()
	for last := after; last < int64(len(logged)); {
		r, err := resumed.Next(ctx)
		if err != nil {
			t.Fatalf("resumed subscription, after %d of %d events: %v", last, len(logged), err)
		}
		received = append(received, decode[struct{ Events seen }](t, r.Data).Events)
		last = received[len(received)-1].Position
	}
	for i, e := range logged {
		if got := received[i]; got.Position != e.Position || got.ID != e.ID {
			t.Fatalf("the subscriber's event %d, before and after the kill: %+v; the log has %s at %d", i+1, got, e.ID, e.Position)
		}
	}
}

// checkSaga checks that the saga finishes what the killed server left: exactly one
// OrderCreated for every order placed, before or after the kill, and no failure. It returns
// the log's head once the saga has passed the last placement.
func checkSaga(t *testing.T, ctx context.Context, c *graphtest.Client, logged []loggedEvent) int64 {
	placed := map[string]bool{}
	var lastPlaced int64
	for _, e := range logged {
		if e.Type == "RestaurantOrderPlaced" {
			placed[e.Data.OrderID] = true
			lastPlaced = e.Position
		}
	}
	sub, err := c.SubscribeSSE(ctx, `subscription { events(afterPosition: 0, types: ["OrderCreated"]) { data } }`, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	created := map[string]bool{}
	for len(created) < len(placed) {
		r, err := sub.Next(ctx)
		if err != nil {
			t.Fatalf("waiting for the saga (%d of %d orders created): %v", len(created), len(placed), err)
		}
		e := decode[struct{ Events loggedEvent }](t, r.Data).Events
		if !placed[e.Data.OrderID] || created[e.Data.OrderID] {
			t.Fatalf("OrderCreated for %q: placed %v, created before %v", e.Data.OrderID, placed[e.Data.OrderID], created[e.Data.OrderID])
		}
		created[e.Data.OrderID] = true
	}
	// Once the saga has passed the last placement, no second OrderCreated may follow.
	type status struct {
		Status struct {
			Head        int64
			Projections []struct {
				Name, Kind string
				Position   int64
				Failures   int
				Stopped    bool
			}
		}
	}
	// The server waits until every projection and the saga have passed the last placement
	// and what the saga wrote for it (a wait the consistency timeout cuts is asked again).
	for {
		r, err := c.Query(ctx, `query($p: Int64) { orders(first: 1, minPosition: $p) { totalCount } }`, map[string]any{"p": lastPlaced})
		if err != nil {
			t.Fatalf("waiting for the saga to pass position %d: %v", lastPlaced, err)
		}
		if len(r.Errors) == 0 {
			break
		}
		if r.Code() != "CONSISTENCY_TIMEOUT" {
			t.Fatalf("waiting for the saga to pass position %d: %v", lastPlaced, r.Errors)
		}
	}
	st := decode[status](t, gql(t, c, `{ status { head projections { name kind position failures stopped } } }`, nil))
	for _, p := range st.Status.Projections {
		if p.Failures != 0 || p.Stopped || p.Position < lastPlaced {
			t.Errorf("after the restart, %s at %d (want %d or beyond): %d failures, stopped %v", p.Name, p.Position, lastPlaced, p.Failures, p.Stopped)
		}
	}
	var orderCreated int
	for _, e := range readLog[loggedEvent](t, c) {
		if e.Type == "OrderCreated" {
			orderCreated++
		}
	}
	if orderCreated != len(placed) {
		t.Errorf("%d OrderCreated events for %d orders placed", orderCreated, len(placed))
	}
	return st.Status.Head
}

// checkReadModels checks that the read models, rebuilt from the log, list a restaurant for
// every RestaurantCreated in logged and an order for every RestaurantOrderPlaced, at head.
func checkReadModels(t *testing.T, c *graphtest.Client, logged []loggedEvent, head int64) {
	var restaurants, orders int
	for _, e := range logged {
		switch e.Type {
		case "RestaurantCreated":
			restaurants++
		case "RestaurantOrderPlaced":
			orders++
		}
	}
	counts := decode[struct {
		Restaurants, Orders struct{ TotalCount int }
	}](t, gql(t, c, `query($p: Int64) { restaurants(minPosition: $p) { totalCount } orders(minPosition: $p) { totalCount } }`,
		map[string]any{"p": head}))
	if counts.Restaurants.TotalCount != restaurants || counts.Orders.TotalCount != orders {
		t.Errorf("read models list %d restaurants and %d orders; the log has %d and %d",
			counts.Restaurants.TotalCount, counts.Orders.TotalCount, restaurants, orders)
	}
}

// checkStates checks every restaurant's state, folded from the log or from a snapshot and
// the events after it: each order placed there is known (placing it again, under a new
// commandId, is ALREADY_EXISTS), and a new order follows the stream's last version in the
// log. logged must hold every write to the restaurants' streams (the saga writes only to
// the orders'); the new orders are placed last.
func checkStates(t *testing.T, ctx context.Context, c *graphtest.Client, logged []loggedEvent) {
	versions := map[string]int{}      // restaurant stream → its last version in the log
	placedAt := map[string][]string{} // restaurant stream → the orders placed there
	for _, e := range logged {
		if !strings.HasPrefix(e.StreamID, "restaurant-") {
			continue
		}
		versions[e.StreamID] = e.Version
		if e.Type == "RestaurantOrderPlaced" {
			placedAt[e.StreamID] = append(placedAt[e.StreamID], e.Data.OrderID)
		}
	}
	for stream, v := range versions {
		rid := strings.TrimPrefix(stream, "restaurant-")
		for _, oid := range placedAt[stream] {
			resp, err := c.Query(ctx, placeOrder, map[string]any{"in": map[string]any{
				"restaurantId": rid, "orderId": oid, "menuItemIds": []string{"a"},
			}})
			switch {
			case err != nil:
				t.Errorf("placing %s at %s again after the restart: %v", oid, rid, err)
			case resp.Code() != "ALREADY_EXISTS":
				t.Errorf("placing %s at %s again after the restart: data %s, errors %v; want ALREADY_EXISTS", oid, rid, resp.Data, resp.Errors)
			}
		}
		res, err := sendWrite(c, &write{query: placeOrder, vars: map[string]any{"in": map[string]any{
			"restaurantId": rid, "orderId": rid + "z", "menuItemIds": []string{"b"},
		}}})
		if err != nil || res.Version != v+1 {
			t.Errorf("a new order at %s after the restart: %+v, %v; want version %d", rid, res, err, v+1)
		}
	}
}

// duplicateOf is the answer to a command sent again: the first answer, marked a duplicate.
func duplicateOf(r result) result {
	r.Duplicate = true
	return r
}

// sendWrite sends w and returns its answer: an error when the server gave none or refused it.
func sendWrite(c *graphtest.Client, w *write) (result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := c.Query(ctx, w.query, w.vars)
	if err == nil {
		err = resp.Err()
	}
	if err != nil {
		return result{}, err
	}
	var data map[string]result
	if err := json.Unmarshal(resp.Data, &data); err != nil {
		return result{}, err
	}
	for _, r := range data {
		return r, nil
	}
	return result{}, fmt.Errorf("no result in %s", resp.Data)
}

// readLog reads the whole log, page by page, through the events query.
func readLog[E any](tb testing.TB, c *graphtest.Client) []E {
	tb.Helper()
	var all []E
	var after int64
	for {
		page := decode[struct {
			Events []json.RawMessage
		}](tb, gql(tb, c, `query($a: Int64) { events(afterPosition: $a, first: 100) { id position streamId version type data } }`,
			map[string]any{"a": after})).Events
		if len(page) == 0 {
			return all
		}
		for _, raw := range page {
			all = append(all, decode[E](tb, raw))
		}
		after = decode[struct{ Position int64 }](tb, page[len(page)-1]).Position
	}
}
