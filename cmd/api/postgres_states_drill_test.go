//go:build unix

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/eventgraph/eventgraph/graph/graphtest"
	"github.com/eventgraph/eventgraph/internal/syncbuf"
)

// A drill of three servers sharing one PostgreSQL schema, their read models' states
// (projection_states) and the saga's checkpoint, saved often (--state-interval 20ms,
// --state-every 3): while clients place orders and mark them prepared through all of them,
// one server process is killed (SIGKILL, no final save) and another stopped with SIGTERM,
// each started again on the states the others saved meanwhile. Afterwards every server's
// read models (lists, filters, versions, positions, eventIds, totalCount) equal those of a
// fresh server that replays the log, the eventIds name the events at their positions, the
// saga created each placed order once, the restarted servers resumed from saved states, and
// no server logged a warning or an error.
func TestBinary_postgresSharedStatesAcrossKillsAndRestarts(t *testing.T) {
	args := postgresArgs(t)
	states := append(append([]string{}, args...), "--state-interval", "20ms", "--state-every", "3")
	bin := buildBinary(t)
	a, logsA := startMain(t, states...)
	b := startLoggedBinary(t, bin, states...)
	c := startLoggedBinary(t, bin, states...)
	ca := newClient(t, a.URL()+"/graphql")
	for r := range 3 {
		gql(t, ca, createRestaurant, map[string]any{"in": map[string]any{"id": fmt.Sprint("r", r), "name": "R", "menu": menu("pasta")}})
	}

	// The clients of the servers in service; a write whose server died is retried on another
	// with the same commandId.
	var mu sync.Mutex
	clients := []*graphtest.Client{ca, b.client(t), c.client(t)}
	pick := func(i int) []*graphtest.Client {
		mu.Lock()
		defer mu.Unlock()
		out := append([]*graphtest.Client{}, clients[i%len(clients):]...)
		return append(out, clients[:i%len(clients)]...)
	}
	ctx := testCtx(t)
	write := func(i int, query string, in map[string]any) error {
		var err error
		for _, cl := range pick(i) {
			var resp *graphtest.Response
			if resp, err = cl.Query(ctx, query, map[string]any{"in": in}); err == nil {
				return resp.Err()
			}
		}
		return err
	}

	const writers, perWriter = 6, 40
	var acked atomic.Int64
	phase := [2]chan struct{}{make(chan struct{}), make(chan struct{})}
	var once [2]sync.Once
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				id := fmt.Sprintf("o%d-%d", w, i)
				err := write(w+i, placeOrder, map[string]any{"restaurantId": fmt.Sprint("r", i%3), "orderId": id,
					"menuItemIds": []string{"pasta"}, "commandId": "place-" + id})
				if err == nil && i%2 == 1 {
					// The saga may not have created it yet: NOT_FOUND is fine.
					if err = write(w+i+1, markPrepared, map[string]any{"id": fmt.Sprintf("o%d-%d", w, i-1), "commandId": "prep-" + id}); err != nil &&
						(strings.Contains(err.Error(), "NOT_FOUND") || strings.Contains(err.Error(), "ORDER_ALREADY_PREPARED")) {
						err = nil
					}
				}
				if err != nil {
					t.Errorf("write %s: %v", id, err)
					return
				}
				switch acked.Add(1) {
				case writers * perWriter / 3:
					once[0].Do(func() { close(phase[0]) })
				case 2 * writers * perWriter / 3:
					once[1].Do(func() { close(phase[1]) })
				}
			}
		})
	}
	replace := func(old *loggedBinary, sig syscall.Signal) *loggedBinary {
		mu.Lock()
		clients = slicesWithout(clients, old.c)
		mu.Unlock()
		if err := old.cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		err := old.cmd.Wait()
		if sig == syscall.SIGTERM && err != nil {
			t.Errorf("the server stopped with SIGTERM exited with %v", err)
		}
		<-old.done
		n := startLoggedBinary(t, bin, states...)
		mu.Lock()
		clients = append(clients, n.client(t))
		mu.Unlock()
		return n
	}
	<-phase[0]
	b2 := replace(b, syscall.SIGKILL)
	<-phase[1]
	c2 := replace(c, syscall.SIGTERM)
	wg.Wait()
	if t.Failed() {
		return
	}

	cb, cc := b2.client(t), c2.client(t)
	head := awaitQuiet(t, ca, cb, cc)
	ref, _ := startMain(t, append(append([]string{}, args...), "--state-interval", "0")...)
	cr := newClient(t, ref.URL()+"/graphql")
	awaitQuiet(t, ca, cb, cc, cr)

	want := sharedReadModels(t, cr, head)
	for name, cl := range map[string]*graphtest.Client{"A": ca, "B (killed, started again)": cb, "C (stopped, started again)": cc} {
		if got := sharedReadModels(t, cl, head); !jsonEqual(t, got, want) {
			t.Errorf("server %s's read models differ from a replay of the log:\n%s\nwant\n%s", name, got, want)
		}
	}
	checkEventIDs(t, cr, want)
	checkOrdersCreatedOnce(t, cr)
	for name, l := range map[string]string{"B": b2.logs.String(), "C": c2.logs.String()} {
		if !strings.Contains(l, "projections resume from their saved states") {
			t.Errorf("server %s, started again, did not resume from saved states:\n%s", name, l)
		}
	}
	for name, l := range map[string]string{"A": logsA.String(), "B": b.logs.String() + b2.logs.String(), "C": c.logs.String() + c2.logs.String()} {
		for line := range strings.Lines(l) {
			if strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") ||
				strings.Contains(line, `"level":"WARN"`) || strings.Contains(line, `"level":"ERROR"`) {
				t.Errorf("server %s logged: %s", name, line)
			}
		}
	}
}

// loggedBinary is a server process whose log lines are kept.
type loggedBinary struct {
	cmd  *exec.Cmd
	addr string
	logs *syncbuf.Buffer
	done chan struct{} // closed once its stderr is read to the end
	c    *graphtest.Client
}

func (b *loggedBinary) client(tb testing.TB) *graphtest.Client {
	if b.c == nil {
		b.c = newClient(tb, "http://"+b.addr+"/graphql")
	}
	return b.c
}

// startLoggedBinary is startBinary keeping the process's log.
func startLoggedBinary(tb testing.TB, bin string, args ...string) *loggedBinary {
	tb.Helper()
	b := &loggedBinary{logs: &syncbuf.Buffer{}, done: make(chan struct{})}
	b.cmd = exec.Command(bin, append([]string{"--addr", "127.0.0.1:0", "--log-format", "json"}, args...)...)
	stderr, err := b.cmd.StderrPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := b.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if b.cmd.ProcessState == nil {
			_ = b.cmd.Process.Kill()
			_ = b.cmd.Wait()
		}
	})
	addr := make(chan string, 1)
	go func() {
		defer close(b.done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(nil, 1<<20)
		sent := false
		for sc.Scan() {
			b.logs.Write(append(sc.Bytes(), '\n'))
			var l logLine
			if !sent && json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "listening" {
				addr <- l.Addr
				sent = true
			}
		}
		if !sent {
			close(addr)
		}
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			tb.Fatalf("server exited before listening:\n%s", b.logs)
		}
		b.addr = a
	case <-testCtx(tb).Done():
		tb.Fatal("server did not log its address")
	}
	return b
}

func slicesWithout(cs []*graphtest.Client, c *graphtest.Client) []*graphtest.Client {
	out := make([]*graphtest.Client, 0, len(cs))
	for _, x := range cs {
		if x != c {
			out = append(out, x)
		}
	}
	return out
}

// sharedReadModels returns, as one JSON document, every restaurant and order a server lists
// (every page), its lists of each restaurant's and status's orders (the first and the last
// page), their totals, positions and eventIds, at least at position head.
func sharedReadModels(t *testing.T, c *graphtest.Client, head int64) json.RawMessage {
	t.Helper()
	const order = `id restaurantId status version position eventId createdAt menuItems { menuItemId name price }`
	all := map[string][]json.RawMessage{}
	for field, node := range map[string]string{
		"orders":      order,
		"restaurants": `id name version position eventId createdAt updatedAt menu { menuId cuisine menuItems { menuItemId price } }`,
	} {
		var after *string
		for {
			raw := decode[map[string]json.RawMessage](t, gql(t, c, `query($a: String, $p: Int64) { x: `+field+`(first: 25, after: $a, minPosition: $p) {
				totalCount position eventId pageInfo { hasNextPage endCursor } nodes { `+node+` } } }`,
				map[string]any{"a": after, "p": head}))["x"]
			page := decode[struct {
				PageInfo struct {
					HasNextPage bool
					EndCursor   *string
				}
			}](t, raw)
			all[field] = append(all[field], raw)
			if !page.PageInfo.HasNextPage {
				break
			}
			after = page.PageInfo.EndCursor
		}
	}
	for _, r := range []any{nil, "r0", "r1", "r2"} {
		for _, s := range []any{nil, "CREATED", "PREPARED"} {
			all["filtered"] = append(all["filtered"], gql(t, c, `query($r: ID, $s: OrderStatus, $p: Int64) {
				f: orders(restaurantId: $r, status: $s, first: 20, minPosition: $p) { totalCount position eventId nodes { id version position eventId } }
				l: orders(restaurantId: $r, status: $s, last: 20) { totalCount position eventId nodes { id version position eventId } } }`,
				map[string]any{"r": r, "s": s, "p": head}))
		}
	}
	b, err := json.Marshal(all)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkEventIDs checks that every position and eventId pair in models (see sharedReadModels)
// names the event at that position in the log c serves.
func checkEventIDs(t *testing.T, c *graphtest.Client, models json.RawMessage) {
	t.Helper()
	ids := map[int64]string{}
	for after := int64(0); ; {
		page := decode[struct {
			Events []struct {
				Position int64
				ID       string
			}
		}](t, gql(t, c, `query($a: Int64) { events(afterPosition: $a, first: 100) { position id } }`, map[string]any{"a": after})).Events
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			ids[e.Position] = e.ID
			after = e.Position
		}
	}
	var walk func(v any)
	checked := 0
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if p, ok := v["position"].(float64); ok {
				if id, has := v["eventId"]; has {
					checked++
					if want := ids[int64(p)]; (p == 0 && id != nil) || (p != 0 && id != want) {
						t.Errorf("eventId %v at position %v, want the id of the event there, %q: %v", id, p, want, v)
					}
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	var raw map[string][]json.RawMessage
	if err := json.Unmarshal(models, &raw); err != nil {
		t.Fatal(err)
	}
	for _, pages := range raw {
		for _, p := range pages {
			var v any
			if err := json.Unmarshal(p, &v); err != nil {
				t.Fatal(err)
			}
			walk(v)
		}
	}
	if checked == 0 {
		t.Error("no eventId checked")
	}
}

// checkOrdersCreatedOnce checks that the log holds one OrderCreated for each placed order.
func checkOrdersCreatedOnce(t *testing.T, c *graphtest.Client) {
	t.Helper()
	count := func(typ, key string) map[string]int {
		n := map[string]int{}
		for after := int64(0); ; {
			page := decode[struct {
				Events []struct {
					Position int64
					Data     map[string]any
				}
			}](t, gql(t, c, `query($a: Int64, $t: String!) { events(afterPosition: $a, types: [$t], first: 100) { position data } }`,
				map[string]any{"a": after, "t": typ})).Events
			if len(page) == 0 {
				return n
			}
			for _, e := range page {
				n[fmt.Sprint(e.Data[key])]++
				after = e.Position
			}
		}
	}
	placed, created := count("RestaurantOrderPlaced", "orderId"), count("OrderCreated", "orderId")
	for id, n := range placed {
		if n != 1 || created[id] != 1 {
			t.Errorf("order %s placed %d times and created %d times, want once each", id, n, created[id])
		}
	}
	if len(created) != len(placed) {
		t.Errorf("%d orders created, %d placed", len(created), len(placed))
	}
}
