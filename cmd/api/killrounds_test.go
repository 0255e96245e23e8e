//go:build unix

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/graph/graphtest"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// killRoundsEnv sets how many times TestBinary_killRounds stops the server (default 5);
// killSeedEnv fixes its random choices to reproduce a run.
const (
	killRoundsEnv = "EVENTGRAPH_TEST_KILL_ROUNDS"
	killSeedEnv   = "EVENTGRAPH_TEST_KILL_SEED"
)

// TestBinary_killRounds kills the server binary with SIGKILL again and again on one data
// directory, with snapshots saved every 2 events, under a load of createRestaurant (some
// with 500-item menus), placeOrder (at new restaurants and at restaurants of earlier
// rounds, whose states come from snapshots; some order ids claimed at several restaurants)
// and markOrderAsPrepared: a few writes after the saga saved a checkpoint, at a random
// moment, while the server drains after SIGTERM, while a restarted server replays the log
// and its saga finishes what the last one left, and before it even listens; some rounds
// stop it with SIGTERM instead. After each stop, with the server down:
//   - eventlog verify passes on the directory;
//   - checkpoints.json, when present, is whole and names positions and event ids the log
//     holds (never beyond its head), and every snapshot file is whole and names a version
//     and event id its stream holds.
//
// After each restart that is not killed at once, once the saga and read models have caught
// up:
//   - every write acknowledged before any kill is in the log at its position, with its
//     stream, type, version and commandId; no commandId is in the log twice, and no order
//     id is placed twice at one restaurant (placing one again during the load is refused);
//   - every order id placed has exactly one OrderCreated, caused by its first placement in
//     the log (a later claim of the id is the saga's rejection, logged again after a kill);
//   - the restaurants and orders queries equal a fold of the events query;
//   - the server logs no other error, and no warning about a checkpoint or a snapshot.
//
// TestBinary_killMidLoad kills once and compares counts; this test kills repeatedly, at
// more moments, and checks the files a kill may leave half written. Set killRoundsEnv for
// a longer run.
func TestBinary_killRounds(t *testing.T) {
	rounds := 5
	if s := os.Getenv(killRoundsEnv); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number", killRoundsEnv, s)
		}
		rounds = n
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(killSeedEnv); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", killSeedEnv, s, err)
		}
		seed = n
	}
	t.Logf("%s=%d", killSeedEnv, seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	bin := buildBinary(t)
	eventlog := buildTool(t, "../eventlog")
	dir := filepath.Join(t.TempDir(), "data")
	args := []string{"--data", dir, "--snapshot-every", "2", "--complexity-limit", "1000000"}
	var (
		writes  []*killWrite // every write sent in any round
		checked int          // rounds whose restart was checked
		kills   int
	)
	for round := range rounds + 1 {
		mode := killMode(round, rng)
		if round == rounds {
			mode = killNone
		}
		if mode == killAtLaunch { // while it opens the log (and cuts a torn tail), or earlier
			cmd := exec.Command(bin, append([]string{"--addr", "127.0.0.1:0"}, args...)...)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			kills++
			checkKilledDir(t, eventlog, dir, round)
			continue
		}
		victim := startWatched(t, bin, args...)
		if mode == killAtStart { // while it replays the log and its saga catches up
			if err := victim.cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
		} else {
			c := newClient(t, "http://"+victim.addr+"/graphql")
			checkRestart(t, c, victim, writes)
			checked++
			if t.Failed() || mode == killNone {
				_ = victim.cmd.Process.Kill()
				_ = victim.cmd.Wait()
				break
			}
			writes = killUnderLoad(t, c, victim.cmd, dir, round, mode, rng, writes)
		}
		err := victim.cmd.Wait()
		if mode == killTerm {
			if err != nil {
				t.Fatalf("round %d: SIGTERM under load: %v", round, err)
			}
		} else {
			kills++
		}
		checkKilledDir(t, eventlog, dir, round)
		if t.Failed() {
			break
		}
	}
	acked := 0
	for _, w := range writes {
		if w.acked {
			acked++
		}
	}
	t.Logf("%d kills, %d restarts checked, %d writes sent, %d acknowledged", kills, checked, len(writes), acked)
}

// How a round of TestBinary_killRounds ends its server.
const (
	killNone            = iota // it is not ended: the last round only checks
	killAtStart                // SIGKILL as soon as it listens, while it replays the log
	killUnderLoad400           // SIGKILL after 0 to 400 acknowledged writes
	killUnderLoad3000          // SIGKILL after 0 to 3,000 acknowledged writes: past a periodic checkpoint save
	killTerm                   // SIGTERM after 0 to 400 acknowledged writes: a checkpoint is saved on the way out
	killDuringTerm             // SIGTERM, then at once SIGKILL, after 0 to 400 acknowledged writes: killed while it drains
	killAtLaunch               // SIGKILL as soon as it is started, before it listens
	killAfterCheckpoint        // SIGKILL 0 to 200 acknowledged writes after the saga saved a checkpoint under load (some 1 s)
)

// killMode returns how round ends: the first five rounds take each way but the two under
// plain load,
// the next ones a random one.
func killMode(round int, rng *rand.Rand) int {
	if first := []int{killAfterCheckpoint, killTerm, killDuringTerm, killAtStart, killAtLaunch}; round < len(first) {
		return first[round]
	}
	return killAtStart + rng.IntN(7)
}

// buildTool builds the command in pkg (relative to this package) into a temporary directory.
func buildTool(tb testing.TB, pkg string) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), filepath.Base(pkg))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		tb.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// watchedServer is a server binary started by startWatched.
type watchedServer struct {
	cmd  *exec.Cmd
	addr string
	mu   sync.Mutex
	warn []string // its WARN and ERROR log lines
}

// warnings returns the WARN and ERROR lines the server has logged so far.
func (s *watchedServer) warnings() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.warn...)
}

// startWatched starts the server binary as startBinary does, keeping its warnings.
func startWatched(tb testing.TB, bin string, args ...string) *watchedServer {
	tb.Helper()
	cmd := exec.Command(bin, append([]string{"--addr", "127.0.0.1:0", "--log-format", "json"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	s := &watchedServer{cmd: cmd}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(nil, 1<<20)
		sent := false
		for sc.Scan() { // read until the process ends, so its writes never block
			var l struct {
				logLine
				Level string `json:"level"`
			}
			if json.Unmarshal(sc.Bytes(), &l) != nil {
				continue
			}
			if l.Level == "WARN" || l.Level == "ERROR" {
				s.mu.Lock()
				s.warn = append(s.warn, sc.Text())
				s.mu.Unlock()
			}
			if !sent && l.Msg == "listening" {
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
			tb.Fatal("server exited before listening")
		}
		s.addr = a
		return s
	case <-testCtx(tb).Done():
		tb.Fatal("server did not log its address")
	}
	return nil
}

// killWrite is one mutation a client of TestBinary_killRounds sent, and what became of it.
type killWrite struct {
	query     string
	vars      map[string]any
	commandID string
	stream    string
	typ       string
	acked     bool
	res       result
}

// killUnderLoad has 6 clients write until victim is killed (or, for killTerm, stopped)
// after a random number of acknowledged writes, and returns writes with theirs added.
func killUnderLoad(t *testing.T, c *graphtest.Client, victim *exec.Cmd, dir string, round, mode int, rng *rand.Rand, writes []*killWrite) []*killWrite {
	const clients = 6
	killAfter := rng.IntN(401)
	switch mode {
	case killUnderLoad3000:
		killAfter = rng.IntN(3001)
	case killAfterCheckpoint:
		killAfter = -1 // set once the saga has saved its checkpoint
	}
	cpPath := filepath.Join(dir, jsonl.CheckpointFile)
	cpBefore, _ := os.ReadFile(cpPath)
	cpExtra := rng.IntN(201)
	sig := os.Kill
	if mode == killTerm || mode == killDuringTerm {
		sig = syscall.SIGTERM
	}
	var (
		mu     sync.Mutex
		acked  int
		killed = make(chan struct{})
		kill   sync.Once
		wg     sync.WaitGroup
	)
	doKill := func() { // called with mu held
		kill.Do(func() {
			if err := victim.Process.Signal(sig); err != nil {
				t.Errorf("kill: %v", err)
			}
			if mode == killDuringTerm {
				if err := victim.Process.Kill(); err != nil {
					t.Errorf("kill: %v", err)
				}
			}
			close(killed)
		})
	}
	mu.Lock()
	if killAfter == 0 {
		doKill()
	}
	mu.Unlock()
	// Placements acknowledged in earlier rounds: after the restart their restaurants' states
	// come from snapshots and the events after them.
	var old [][2]string // restaurant id, order id
	for _, w := range writes {
		if in := w.vars["in"].(map[string]any); w.acked && w.typ == "RestaurantOrderPlaced" {
			old = append(old, [2]string{in["restaurantId"].(string), in["orderId"].(string)})
		}
	}
	for cl := range clients {
		wg.Go(func() {
			var placed []string // orders this client placed
			for i := 0; ; i++ {
				rid := fmt.Sprintf("r%d-%d-%d", round, cl, i)
				items := []string{"a", "b"}
				if i%8 == 5 { // a large event (a menu of 500 items, some 40 KB), whose write a kill may tear
					for k := range 498 {
						items = append(items, fmt.Sprintf("item-%03d-%s", k, strings.Repeat("m", 40)))
					}
				}
				batch := []*killWrite{{
					query: createRestaurant, commandID: "create-" + rid,
					vars:   map[string]any{"in": map[string]any{"id": rid, "name": "R " + rid, "menu": menu(items...), "commandId": "create-" + rid}},
					stream: "restaurant-" + rid, typ: "RestaurantCreated",
				}}
				orders := []string{rid + "x", rid + "y"}
				if i%4 == 3 { // an id another client claims too, at its own restaurant
					orders = append(orders, fmt.Sprintf("shared-%d-%d", round, i))
				}
				for k, oid := range orders {
					items := []string{"a", "b"}[:1+k%2]
					batch = append(batch, &killWrite{
						query: placeOrder, commandID: "place-" + rid + "-" + oid,
						vars:   map[string]any{"in": map[string]any{"restaurantId": rid, "orderId": oid, "menuItemIds": items, "commandId": "place-" + rid + "-" + oid}},
						stream: "restaurant-" + rid, typ: "RestaurantOrderPlaced",
					})
				}
				if len(placed) > 0 { // an order placed a round of this loop ago: the saga has likely created it
					oid := placed[len(placed)-1]
					batch = append(batch, &killWrite{
						query: markPrepared, commandID: "prepare-" + oid,
						vars:   map[string]any{"in": map[string]any{"id": oid, "commandId": "prepare-" + oid}},
						stream: "order-" + oid, typ: "OrderPrepared",
					})
				}
				placed = append(placed, orders[0])
				if len(old) > 0 {
					o := old[(cl*7919+i*31)%len(old)]
					oid := fmt.Sprintf("o%d-%d-%d", round, cl, i)
					batch = append(batch, &killWrite{
						query: placeOrder, commandID: "place-" + oid,
						vars:   map[string]any{"in": map[string]any{"restaurantId": o[0], "orderId": oid, "menuItemIds": []string{"b"}, "commandId": "place-" + oid}},
						stream: "restaurant-" + o[0], typ: "RestaurantOrderPlaced",
					})
					// Placing an order already placed there is refused, snapshot or not.
					resp, err := c.Query(testCtx(t), placeOrder, map[string]any{"in": map[string]any{"restaurantId": o[0], "orderId": o[1], "menuItemIds": []string{"a"}}})
					if err == nil && resp.Code() != "ALREADY_EXISTS" && !isClosed(killed) {
						t.Errorf("round %d: placing %s at %s again: data %s, errors %v; want ALREADY_EXISTS", round, o[1], o[0], resp.Data, resp.Errors)
					}
				}
				for _, w := range batch {
					mu.Lock()
					writes = append(writes, w)
					mu.Unlock()
					res, err := sendWrite(c, &write{query: w.query, vars: w.vars})
					mu.Lock()
					select {
					case <-killed:
						mu.Unlock()
						return // its fate, like that of any write sent after the kill, is for the new server to tell
					default:
					}
					switch {
					case err != nil && w.typ == "OrderPrepared":
						// NOT_FOUND while the saga has not created the order yet: nothing written
					case err != nil:
						t.Errorf("round %d, client %d, before the kill: %v", round, cl, err)
						mu.Unlock()
						return
					default:
						w.acked, w.res = true, res
						acked++
						if killAfter < 0 {
							if b, _ := os.ReadFile(cpPath); len(b) > 0 && string(b) != string(cpBefore) {
								killAfter = acked + cpExtra // the checkpoint saved during this load
							} else if acked == 50000 {
								t.Errorf("round %d: no checkpoint saved in %d writes", round, acked)
								killAfter = acked
							}
						}
						if killAfter >= 0 && acked >= killAfter {
							doKill()
						}
					}
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return writes
}

// killEvent is what TestBinary_killRounds reads of an event.
type killEvent struct {
	ID       string
	Position int64
	StreamID string
	Version  int
	Type     string
	Data     struct {
		RestaurantID string
		OrderID      string
		Name         string
		Menu         killMenu
		MenuItems    []killItem
	}
	Metadata struct {
		CommandID   string
		CausationID string
	}
}

type killItem struct{ MenuItemID, Name, Price string }

type killMenu struct {
	MenuID, Cuisine string
	MenuItems       []killItem
}

type killRestaurant struct {
	ID, Name string
	Version  int
	Menu     killMenu
}

type killOrder struct {
	ID, RestaurantID, Status string
	Version                  int
	MenuItems                []killItem
}

// checkRestart waits until the restarted server s has caught up with its log and its
// saga's work, then checks the log against writes, the saga's effect and the read models.
func checkRestart(t *testing.T, c *graphtest.Client, s *watchedServer, writes []*killWrite) {
	t.Helper()
	ctx := testCtx(t)
	head := decode[struct{ Status struct{ Head int64 } }](t, gql(t, c, `{ status { head } }`, nil)).Status.Head
	awaitPosition(t, ctx, c, head) // the read models and what the saga wrote for events up to head
	logged := readFullLog(t, c)
	if len(logged) > 0 {
		awaitPosition(t, ctx, c, logged[len(logged)-1].Position)
	}

	versions := map[string]int{}
	commands := map[string]int64{}
	for i, e := range logged {
		if e.Position != int64(i+1) || e.Version != versions[e.StreamID]+1 {
			t.Fatalf("event %d: position %d, %s version %d after %d", i+1, e.Position, e.StreamID, e.Version, versions[e.StreamID])
		}
		versions[e.StreamID] = e.Version
		if p, ok := commands[e.Metadata.CommandID]; ok && !strings.HasPrefix(e.Metadata.CommandID, "saga/") {
			t.Errorf("commandId %s at positions %d and %d", e.Metadata.CommandID, p, e.Position)
		}
		commands[e.Metadata.CommandID] = e.Position
	}
	for _, w := range writes {
		if !w.acked {
			continue
		}
		p := w.res.Position
		if p < 1 || p > int64(len(logged)) {
			t.Errorf("acknowledged %s at position %d: the log has %d events", w.commandID, p, len(logged))
			continue
		}
		if e := logged[p-1]; e.StreamID != w.stream || e.Type != w.typ || e.Metadata.CommandID != w.commandID || e.Version != w.res.Version {
			t.Errorf("acknowledged %s (%s %s version %d) at position %d: the log has %s %s version %d, commandId %s",
				w.commandID, w.stream, w.typ, w.res.Version, p, e.StreamID, e.Type, e.Version, e.Metadata.CommandID)
		}
	}

	// The saga: one OrderCreated per order id, caused by the id's first placement.
	firstPlaced := map[string]killEvent{}
	created := map[string][]killEvent{}
	placedAt := map[[2]string]int64{}
	for _, e := range logged {
		switch e.Type {
		case "RestaurantOrderPlaced":
			if p, ok := placedAt[[2]string{e.StreamID, e.Data.OrderID}]; ok {
				t.Errorf("order %s placed at %s twice: at %d and %d", e.Data.OrderID, e.StreamID, p, e.Position)
			}
			placedAt[[2]string{e.StreamID, e.Data.OrderID}] = e.Position
			if _, ok := firstPlaced[e.Data.OrderID]; !ok {
				firstPlaced[e.Data.OrderID] = e
			}
		case "OrderCreated":
			created[e.Data.OrderID] = append(created[e.Data.OrderID], e)
		}
	}
	for oid, p := range firstPlaced {
		switch cs := created[oid]; {
		case len(cs) != 1:
			t.Errorf("order %s placed at %d: %d OrderCreated", oid, p.Position, len(cs))
		case cs[0].Metadata.CausationID != p.ID || cs[0].Data.RestaurantID != p.Data.RestaurantID:
			t.Errorf("order %s: created at %d for %s, caused by %s; first placed at %d (%s) at %s",
				oid, cs[0].Position, cs[0].Data.RestaurantID, cs[0].Metadata.CausationID, p.Position, p.ID, p.Data.RestaurantID)
		}
	}
	for oid := range created {
		if _, ok := firstPlaced[oid]; !ok {
			t.Errorf("order %s created, never placed", oid)
		}
	}

	// The read models against a fold of the log.
	var wantR []killRestaurant
	var wantO []killOrder
	ri, oi := map[string]int{}, map[string]int{}
	for _, e := range logged {
		switch e.Type {
		case "RestaurantCreated":
			ri[e.Data.RestaurantID] = len(wantR)
			wantR = append(wantR, killRestaurant{ID: e.Data.RestaurantID, Name: e.Data.Name, Menu: e.Data.Menu})
		case "OrderCreated":
			oi[e.Data.OrderID] = len(wantO)
			wantO = append(wantO, killOrder{ID: e.Data.OrderID, RestaurantID: e.Data.RestaurantID, Status: "CREATED", MenuItems: e.Data.MenuItems})
		case "OrderPrepared":
			wantO[oi[e.Data.OrderID]].Status = "PREPARED"
		}
		switch {
		case strings.HasPrefix(e.StreamID, "restaurant-"):
			wantR[ri[strings.TrimPrefix(e.StreamID, "restaurant-")]].Version = e.Version
		case strings.HasPrefix(e.StreamID, "order-"):
			wantO[oi[strings.TrimPrefix(e.StreamID, "order-")]].Version = e.Version
		}
	}
	gotR := readPages[killRestaurant](t, c, "restaurants", `id name version menu { menuId cuisine menuItems { menuItemId name price } }`, int64(len(logged)))
	gotO := readPages[killOrder](t, c, "orders", `id restaurantId status version menuItems { menuItemId name price }`, int64(len(logged)))
	if !reflect.DeepEqual(gotR, wantR) {
		t.Errorf("restaurants query: %d restaurants, the log's fold %d; first difference %s", len(gotR), len(wantR), firstDiff(gotR, wantR))
	}
	if !reflect.DeepEqual(gotO, wantO) {
		t.Errorf("orders query: %d orders, the log's fold %d; first difference %s", len(gotO), len(wantO), firstDiff(gotO, wantO))
	}
	for _, l := range s.warnings() {
		if strings.Contains(l, "saga command failed") && strings.Contains(l, `order \"shared-`) {
			continue // a claim of an order id already created, decided again after the kill
		}
		if strings.Contains(l, "checkpoint") || strings.Contains(l, "snapshot") || strings.Contains(l, `"level":"ERROR"`) {
			t.Errorf("the restarted server logged: %s", l)
		}
	}
}

// readFullLog reads the whole log, with each event's metadata, through the events query.
func readFullLog(t *testing.T, c *graphtest.Client) []killEvent {
	t.Helper()
	var all []killEvent
	var after int64
	for {
		page := decode[struct{ Events []killEvent }](t, gql(t, c,
			`query($a: Int64) { events(afterPosition: $a, first: 100) { id position streamId version type data metadata } }`,
			map[string]any{"a": after})).Events
		if len(page) == 0 {
			return all
		}
		all = append(all, page...)
		after = page[len(page)-1].Position
	}
}

// awaitPosition waits until every projection and saga has passed p, asking again when a
// wait ends in CONSISTENCY_TIMEOUT.
func awaitPosition(t *testing.T, ctx context.Context, c *graphtest.Client, p int64) {
	t.Helper()
	for {
		r, err := c.Query(ctx, `query($p: Int64) { orders(first: 1, minPosition: $p) { totalCount } }`, map[string]any{"p": p})
		if err != nil {
			t.Fatalf("waiting for position %d: %v", p, err)
		}
		if len(r.Errors) == 0 {
			return
		}
		if r.Code() != "CONSISTENCY_TIMEOUT" {
			t.Fatalf("waiting for position %d: %v", p, r.Errors)
		}
	}
}

// readPages reads every node of a restaurants or orders connection at minPosition p.
func readPages[N any](t *testing.T, c *graphtest.Client, field, selection string, p int64) []N {
	t.Helper()
	q := fmt.Sprintf(`query($a: String, $p: Int64) { %s(first: 100, after: $a, minPosition: $p) { nodes { %s } pageInfo { hasNextPage endCursor } } }`, field, selection)
	var all []N
	vars := map[string]any{"p": p}
	for {
		var page map[string]struct {
			Nodes    []N
			PageInfo struct {
				HasNextPage bool
				EndCursor   string
			}
		}
		if err := json.Unmarshal(gql(t, c, q, vars), &page); err != nil {
			t.Fatal(err)
		}
		all = append(all, page[field].Nodes...)
		if !page[field].PageInfo.HasNextPage {
			return all
		}
		vars["a"] = page[field].PageInfo.EndCursor
	}
}

// firstDiff describes the first index at which got and want differ.
func firstDiff[N any](got, want []N) string {
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			return fmt.Sprintf("missing %d: %+v", i, want[i])
		case i >= len(want):
			return fmt.Sprintf("extra %d: %+v", i, got[i])
		case !reflect.DeepEqual(got[i], want[i]):
			return fmt.Sprintf("at %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	return "none"
}

// checkKilledDir checks the directory a killed server left: eventlog verify passes, and
// the checkpoints and snapshots are whole and name events the log holds.
func checkKilledDir(t *testing.T, eventlog, dir string, round int) {
	t.Helper()
	if out, err := exec.Command(eventlog, "verify", dir).CombinedOutput(); err != nil {
		t.Fatalf("round %d: eventlog verify: %v\n%s", round, err, out)
	}
	s, err := jsonl.OpenReadOnly(dir)
	if err != nil {
		t.Fatalf("round %d: %v", round, err)
	}
	defer s.Close()
	var ids []string
	streams := map[string][]string{}
	for e, err := range s.ReadAll(testCtx(t), 0) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
		streams[e.StreamID] = append(streams[e.StreamID], e.ID)
	}
	idAt := func(p int64) string {
		if p < 1 || p > int64(len(ids)) {
			return ""
		}
		return ids[p-1]
	}
	b, err := os.ReadFile(filepath.Join(dir, jsonl.CheckpointFile))
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		t.Fatal(err)
	default:
		var cps map[string]struct {
			Position    int64
			EventID     string
			Head        int64
			HeadEventID string
		}
		if err := json.Unmarshal(b, &cps); err != nil {
			t.Fatalf("round %d: %s after the kill: %v\n%s", round, jsonl.CheckpointFile, err, b)
		}
		for name, cp := range cps {
			if cp.Position < 1 || cp.Position > cp.Head || idAt(cp.Position) != cp.EventID || idAt(cp.Head) != cp.HeadEventID {
				t.Errorf("round %d: checkpoint %s %+v after the kill; the log has %d events", round, name, cp, len(ids))
			}
		}
	}
	files, err := os.ReadDir(filepath.Join(dir, jsonl.SnapshotDir))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	snapshots, tmp := 0, 0
	for _, f := range files {
		if !strings.HasSuffix(f.Name(), ".json") {
			tmp++ // a temporary file: the kill fell in a save
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, jsonl.SnapshotDir, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		var snap struct {
			Stream  string
			Version int
			EventID string
			State   json.RawMessage
		}
		if err := json.Unmarshal(b, &snap); err != nil || len(snap.State) == 0 {
			t.Errorf("round %d: snapshot %s after the kill: %v\n%.200s", round, f.Name(), err, b)
			continue
		}
		if es := streams[snap.Stream]; snap.Version < 1 || snap.Version > len(es) || es[snap.Version-1] != snap.EventID {
			t.Errorf("round %d: snapshot of %s at version %d (%s) after the kill; the stream has %d events", round, snap.Stream, snap.Version, snap.EventID, len(es))
		}
		snapshots++
	}
	if _, err := os.Stat(filepath.Join(dir, jsonl.CheckpointFile+".tmp")); err == nil {
		tmp++
	}
	t.Logf("round %d: stopped with %d events in the log, %d bytes of checkpoints, %d snapshots, %d temporary files; torn tail %d bytes",
		round, len(ids), len(b), snapshots, tmp, s.Recovery().TornBytes)
}
