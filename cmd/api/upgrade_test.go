package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/graph/graphtest"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// upgradeFixture is what the server of an earlier commit left behind: testdata/upgrade/<commit>/data
// is its JSONL directory after a SIGTERM (without LOCK), and server.json the mutations it was sent
// with the answers it gave, then its answer to readModelsQuery. Each was written by that commit's
// cmd/api (git worktree add, go build ./cmd/api, curl), never by today's code: do not regenerate
// them, add a directory for a later commit instead.
type upgradeFixture struct {
	Calls []struct {
		Query     string          `json:"query"`
		Variables map[string]any  `json:"variables"`
		Response  json.RawMessage `json:"response"`
	} `json:"calls"`
	ReadModels json.RawMessage `json:"readModels"`
}

// readModelsQuery is the query whose answer each fixture's server.json holds as readModels.
const readModelsQuery = `{restaurants(first: 10) { nodes { id name version menu { menuId cuisine menuItems { menuItemId name price } } } } orders(first: 10) { nodes { id restaurantId status version menuItems { menuItemId name price } } } status { head } }`

// TestMain_upgradeFromEarlierReleases starts today's server on JSONL directories that servers of
// earlier commits wrote, as an operator upgrading in place does, and checks that it reads them as
// they were: the log verifies and every event reads back as its line holds it; the read models
// answer as the old server did; the saga runs again no command it ran (no event is written at
// start, although the old saga command ids were bare UUIDs), and decides again only the one it had
// rejected when no checkpoint says it handled it; every command id the old server answered is a
// duplicate with the old result; expected versions and the restaurant's order set (which old
// snapshots of another revision encode differently) still hold; and a subscription resumes after a
// position the old server handed out.
func TestMain_upgradeFromEarlierReleases(t *testing.T) {
	for _, tc := range []struct {
		commit string
		what   string
		// sagaFailures is how many commands the saga has rejected once caught up: without a
		// checkpoint it reads the log from its start and decides the CreateOrder of the order id
		// placed at two restaurants again (it was rejected, so nothing recorded it).
		sagaFailures int
	}{
		{"beb4d52", "the first day's last commit: bare saga command ids, no checkpoint, no snapshots", 1},
		{"cffe413", "2026-12-03: bare saga command ids, the saga's checkpoint, snapshots of the restaurant state's first revision", 0},
	} {
		t.Run(tc.commit+", "+tc.what, func(t *testing.T) {
			src := filepath.Join("testdata", "upgrade", tc.commit)
			var fx upgradeFixture
			b, err := os.ReadFile(filepath.Join(src, "server.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &fx); err != nil {
				t.Fatalf("server.json: %v", err)
			}
			dir := filepath.Join(t.TempDir(), "data")
			if err := os.CopyFS(dir, os.DirFS(filepath.Join(src, "data"))); err != nil {
				t.Fatal(err)
			}
			lines := fixtureLines(t, filepath.Join(dir, jsonl.LogFile))
			head := int64(len(lines))

			rep, err := jsonl.Verify(dir)
			if err != nil || rep.Events != head || rep.TornBytes != 0 {
				t.Fatalf("Verify = %+v, %v; want %d events, no torn tail", rep, err, head)
			}

			m, _ := startMain(t, "--data", dir, "--snapshot-every", "2")
			awaitReady(t, m)
			c := newClient(t, m.URL()+"/graphql")
			checkUpgraded(t, c, fx, lines, tc.sagaFailures)
		})
	}
}

// checkUpgraded checks a server that today's code started on what a server of an earlier
// commit left behind (see TestMain_upgradeFromEarlierReleases): fx is what that server was
// sent and answered, lines the events it wrote, and sagaFailures how many commands the saga
// has rejected once caught up.
func checkUpgraded(t *testing.T, c *graphtest.Client, fx upgradeFixture, lines []fixtureLine, sagaFailures int) {
	t.Helper()
	head := int64(len(lines))

	// The saga has handled every event up to the old head (minPosition waits for its
	// commands too) and written nothing.
	gql(t, c, `query($p: Int64) { orders(first: 1, minPosition: $p) { totalCount } }`, map[string]any{"p": head})
	st := decode[struct {
		Status struct {
			Head        int64
			Projections []struct {
				Name     string
				Position int64
				Failures int
			}
		}
	}](t, gql(t, c, `{ status { head projections { name position failures } } }`, nil)).Status
	if st.Head != head {
		t.Errorf("head after start = %d, want %d: the server wrote events of its own at start", st.Head, head)
	}
	for _, p := range st.Projections {
		if p.Position != head {
			t.Errorf("%s at position %d, want %d", p.Name, p.Position, head)
		}
		if p.Name == "order-creation" && p.Failures != sagaFailures {
			t.Errorf("order-creation failures = %d, want %d", p.Failures, sagaFailures)
		}
	}

	t.Run("every event reads back as the old server wrote it", func(t *testing.T) {
		got := decode[struct{ Events []apiEvent }](t, gql(t, c,
			`{ events(first: 100) { id position streamId version type time data metadata } }`, nil)).Events
		if len(got) != len(lines) {
			t.Fatalf("%d events, want %d", len(got), len(lines))
		}
		for i, want := range lines {
			g := got[i].line()
			if !g.Time.Equal(want.Time) {
				t.Errorf("event %d: time %v, want %v", i+1, g.Time, want.Time)
			}
			g.Time = want.Time
			if !reflect.DeepEqual(g, want) {
				t.Errorf("event %d:\n got %+v\nwant %+v", i+1, g, want)
			}
		}
	})

	t.Run("the read models answer as the old server did", func(t *testing.T) {
		assertSameJSON(t, "read models", gql(t, c, readModelsQuery, nil), fx.ReadModels)
	})

	t.Run("every command id the old server answered is a duplicate with its result", func(t *testing.T) {
		for _, call := range fx.Calls {
			var old struct{ Data map[string]map[string]any }
			if err := json.Unmarshal(call.Response, &old); err != nil {
				t.Fatal(err)
			}
			for _, r := range old.Data {
				r["duplicate"] = true
			}
			want, err := json.Marshal(old.Data)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := c.Query(testCtx(t), call.Query, call.Variables)
			if err != nil {
				t.Fatal(err)
			}
			if len(resp.Errors) > 0 {
				t.Errorf("commandId %v: errors %v", call.Variables, resp.Errors)
				continue
			}
			assertSameJSON(t, "result of "+string(call.Response), resp.Data, want)
		}
		if got := decode[struct{ Status struct{ Head int64 } }](t, gql(t, c, `{ status { head } }`, nil)).Status.Head; got != head {
			t.Errorf("head after the repeats = %d, want %d", got, head)
		}
		// The first call's id (createRestaurant r1 under c1) for another restaurant is reused.
		first := fx.Calls[0]
		in := maps.Clone(first.Variables["in"].(map[string]any))
		in["id"] = "another"
		if code := queryCode(t, c, first.Query, map[string]any{"in": in}); code != "COMMAND_ID_REUSED" {
			t.Errorf("command id %v with another command: code %q, want COMMAND_ID_REUSED", in["commandId"], code)
		}
	})

	t.Run("expected versions, the order set and the old menu carry over", func(t *testing.T) {
		rm := decode[struct {
			Restaurants struct {
				Nodes []struct {
					ID      string
					Version int
					Menu    struct {
						MenuItems []struct{ MenuItemID, Name string }
					}
				}
			}
		}](t, fx.ReadModels)
		var v int
		var p1 string // the name of r1's item p1, as the old server stored it
		for _, r := range rm.Restaurants.Nodes {
			if r.ID == "r1" {
				v = r.Version
				for _, it := range r.Menu.MenuItems {
					if it.MenuItemID == "p1" {
						p1 = it.Name
					}
				}
			}
		}
		// o1 was placed at r1 by the old server (a snapshot of another revision, when there
		// is one, is not read as today's).
		po := map[string]any{"restaurantId": "r1", "orderId": "o1", "menuItemIds": []string{"p1"}, "expectedVersion": v}
		if code := queryCode(t, c, placeOrder, map[string]any{"in": po}); code != "ALREADY_EXISTS" {
			t.Errorf("o1 placed again at r1: code %q, want ALREADY_EXISTS", code)
		}
		po["expectedVersion"] = v - 1
		po["orderId"] = "new"
		if code := queryCode(t, c, placeOrder, map[string]any{"in": po}); code != "VERSION_CONFLICT" {
			t.Errorf("placement at version %d of %d: code %q, want VERSION_CONFLICT", v-1, v, code)
		}
		// An item of the old menu whose name today's rules refuse as input (p1's has a tab:
		// releases before 491ceb6 took one) is ordered, and the saga creates the order.
		po["expectedVersion"] = v
		res := decode[struct{ PlaceOrder result }](t, gql(t, c, placeOrder, map[string]any{"in": po})).PlaceOrder
		if res.Version != v+1 {
			t.Errorf("r1 at version %d after a placement, want %d", res.Version, v+1)
		}
		o := decode[struct {
			Order *struct {
				Status    string
				MenuItems []struct{ Name string }
			}
		}](t, gql(t, c, `query($p: Int64) { order(id: "new", minPosition: $p) { status menuItems { name } } }`,
			map[string]any{"p": res.Position})).Order
		if o == nil || o.Status != "CREATED" || len(o.MenuItems) != 1 || o.MenuItems[0].Name != p1 {
			t.Errorf("the saga's order for a placement after the upgrade: %+v, want CREATED with %q", o, p1)
		}
		in := map[string]any{"id": "r1", "menu": menu("p1", "p3"), "expectedVersion": v + 1}
		gql(t, c, changeMenu, map[string]any{"in": in})
	})

	t.Run("a subscription resumes after a position the old server gave", func(t *testing.T) {
		s, err := c.SubscribeSSE(testCtx(t), `subscription($a: Int64) { events(afterPosition: $a) { id position } }`,
			map[string]any{"a": head - 2})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for _, want := range lines[head-2:] {
			r, err := s.Next(testCtx(t))
			if err != nil {
				t.Fatal(err)
			}
			got := decode[struct {
				Events struct {
					ID       string
					Position int64
				}
			}](t, r.Data).Events
			if got.ID != want.ID || got.Position != want.Position {
				t.Errorf("resumed with %+v, want event %s at %d", got, want.ID, want.Position)
			}
		}
	})
}

// fixtureLine is a line of a JSONL log as the store's documentation gives its fields.
type fixtureLine struct {
	Position int64             `json:"position"`
	Stream   string            `json:"stream"`
	Version  int               `json:"version"`
	ID       string            `json:"id"`
	Type     string            `json:"type"`
	Time     time.Time         `json:"time"`
	Data     any               `json:"data"`
	Metadata map[string]string `json:"metadata"`
}

// apiEvent is an event as the events query answers it; a PostgreSQL fixture's events.json
// holds such an answer.
type apiEvent struct {
	ID       string            `json:"id"`
	Position int64             `json:"position"`
	StreamID string            `json:"streamId"`
	Version  int               `json:"version"`
	Type     string            `json:"type"`
	Time     time.Time         `json:"time"`
	Data     any               `json:"data"`
	Metadata map[string]string `json:"metadata"`
}

// line is e as a line of the log holds it.
func (e apiEvent) line() fixtureLine {
	return fixtureLine{Position: e.Position, Stream: e.StreamID, Version: e.Version, ID: e.ID,
		Type: e.Type, Time: e.Time, Data: e.Data, Metadata: e.Metadata}
}

// fixtureLines reads the lines of the log at path.
func fixtureLines(tb testing.TB, path string) []fixtureLine {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var lines []fixtureLine
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var l fixtureLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			tb.Fatalf("%s line %d: %v", path, len(lines)+1, err)
		}
		lines = append(lines, l)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return lines
}

// assertSameJSON fails the test unless got and want are the same JSON value.
func assertSameJSON(tb testing.TB, what string, got, want []byte) {
	tb.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
	if !reflect.DeepEqual(g, w) {
		tb.Errorf("%s:\n got %s\nwant %s", what, got, want)
	}
}

// queryCode sends a query or mutation expected to fail and returns its error's code.
func queryCode(tb testing.TB, c *graphtest.Client, query string, vars map[string]any) string {
	tb.Helper()
	resp, err := c.Query(testCtx(tb), query, vars)
	if err != nil {
		tb.Fatalf("query %q: %v", firstLine(query), err)
	}
	return resp.Code()
}
