package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/internal/syncbuf"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// faultyFile is a JSONL log file whose writes or syncs fail while told to.
type faultyFile struct {
	jsonl.File
	failWrite atomic.Bool // write half the bytes, then fail with ENOSPC (a full disk)
	failSync  atomic.Bool // fail with EIO
}

func (f *faultyFile) WriteAt(p []byte, off int64) (int, error) {
	if f.failWrite.Load() {
		n, _ := f.File.WriteAt(p[:len(p)/2], off)
		return n, syscall.ENOSPC
	}
	return f.File.WriteAt(p, off)
}

func (f *faultyFile) Sync() error {
	if f.failSync.Load() {
		return syscall.EIO
	}
	return f.File.Sync()
}

// startFaulty starts a Main on a JSONL store in dir whose log file is the returned faultyFile.
func startFaulty(t *testing.T, dir string) (*Main, *faultyFile, *syncbuf.Buffer) {
	t.Helper()
	ff := &faultyFile{}
	m := NewMain()
	logs := &syncbuf.Buffer{}
	m.Stderr = logs
	if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0", "--store", "jsonl", "--data", dir}, env(nil)); err != nil {
		t.Fatal(err)
	}
	m.jsonlOptions = []jsonl.Option{jsonl.WithFile(func(f jsonl.File) jsonl.File { ff.File = f; return ff })}
	if err := m.Run(testCtx(t)); err != nil {
		t.Fatalf("Run: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m, ff, logs
}

// logEvents opens the JSONL log in dir (which fails on damage) and returns its events' streams.
func logEvents(t *testing.T, dir string) []string {
	t.Helper()
	st, err := jsonl.Open(dir)
	if err != nil {
		t.Fatalf("the log does not open: %v", err)
	}
	defer st.Close()
	if _, err := jsonl.Verify(dir); err != nil {
		t.Fatalf("the log does not verify: %v", err)
	}
	var streams []string
	for e, err := range st.ReadAll(context.Background(), store.Position(0)) {
		if err != nil {
			t.Fatal(err)
		}
		streams = append(streams, e.StreamID)
	}
	return streams
}

func TestMain_appendFaults(t *testing.T) {
	create := func(id string) map[string]any {
		return map[string]any{"in": map[string]any{"id": id, "name": "Trattoria " + id, "menu": menu("m1")}}
	}
	// Reads wait for r1's position: they come right after its creation, and the projections
	// follow the log asynchronously.
	const read = `query($min: Int64) { restaurant(id: "r1", minPosition: $min) { name } restaurants(minPosition: $min) { totalCount } }`
	created := func(t *testing.T, data []byte) map[string]any {
		t.Helper()
		p := decode[struct{ CreateRestaurant struct{ Position int64 } }](t, data).CreateRestaurant.Position
		return map[string]any{"min": p}
	}

	t.Run("a failed write is refused with an internal error, leaves the log valid and reads served", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		m, ff, logs := startFaulty(t, dir)
		c := newClient(t, m.URL()+"/graphql")
		afterR1 := created(t, gql(t, c, createRestaurant, create("r1")))

		ff.failWrite.Store(true)
		r, err := c.Query(testCtx(t), createRestaurant, create("r2"))
		if err != nil {
			t.Fatal(err)
		}
		if r.Code() != "INTERNAL_SERVER_ERROR" || r.Errors[0].Message != "internal server error" {
			t.Fatalf("got %v, want INTERNAL_SERVER_ERROR", r.Errors)
		}
		if strings.Contains(strings.ToLower(r.Errors[0].Message+string(r.Data)), "space") {
			t.Errorf("the response leaks the cause: %+v", r)
		}
		if !strings.Contains(logs.String(), "no space left on device") {
			t.Errorf("the logs do not name the cause: %s", logs.String())
		}
		// GraphQL answers it with HTTP 200, but it is a server error: logged as a 5xx is.
		var warned bool
		for line := range strings.Lines(logs.String()) {
			warned = warned || strings.Contains(line, "level=WARN") && strings.Contains(line, `msg=request`) && strings.Contains(line, "codes=INTERNAL_SERVER_ERROR")
		}
		if !warned {
			t.Errorf("no request line at WARN for the internal error: %s", logs.String())
		}
		got := decode[struct {
			Restaurant  struct{ Name string }
			Restaurants struct{ TotalCount int }
		}](t, gql(t, c, read, afterR1))
		if got.Restaurant.Name != "Trattoria r1" || got.Restaurants.TotalCount != 1 {
			t.Errorf("reads during the fault: %+v", got)
		}

		ff.failWrite.Store(false)
		gql(t, c, createRestaurant, create("r3")) // the store recovered: the write was cut back
		if err := m.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if got := logEvents(t, dir); strings.Join(got, " ") != "restaurant-r1 restaurant-r3" {
			t.Errorf("log holds %v, want r1 and r3 only", got)
		}
	})

	t.Run("a failed sync refuses further writes, keeps reads served, and a restart recovers", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		m, ff, logs := startFaulty(t, dir)
		c := newClient(t, m.URL()+"/graphql")
		afterR1 := created(t, gql(t, c, createRestaurant, create("r1")))

		health := func(path string) (int, string) {
			t.Helper()
			resp, err := http.Get(m.URL() + path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		awaitReady(t, m)
		for _, path := range []string{"/healthz", "/readyz"} {
			if code, body := health(path); code != http.StatusOK {
				t.Fatalf("%s before the fault: %d %q", path, code, body)
			}
		}
		ff.failSync.Store(true)
		for _, id := range []string{"r2", "r3"} {
			r, err := c.Query(testCtx(t), createRestaurant, create(id))
			if err != nil {
				t.Fatal(err)
			}
			if r.Code() != "INTERNAL_SERVER_ERROR" || r.Errors[0].Message != "internal server error" {
				t.Fatalf("create %s: got %v, want INTERNAL_SERVER_ERROR", id, r.Errors)
			}
			ff.failSync.Store(false) // a failed sync leaves the file uncertain: the store stays failed
		}
		if !strings.Contains(logs.String(), "input/output error") {
			t.Errorf("the logs do not name the cause: %s", logs.String())
		}
		if name := decode[struct{ Restaurant struct{ Name string } }](t, gql(t, c, read, afterR1)).Restaurant.Name; name != "Trattoria r1" {
			t.Errorf("reads during the fault: %q", name)
		}
		// Only a restart recovers: the health checks say so, so that an orchestrator restarts it.
		for _, path := range []string{"/healthz", "/readyz"} {
			if code, body := health(path); code != http.StatusServiceUnavailable || !strings.Contains(body, "restart") {
				t.Errorf("%s after the failed sync: %d %q, want 503 asking for a restart", path, code, body)
			}
		}
		if v := sample(t, scrapeMetrics(t, m), `eventgraph_ready`); v != 0 {
			t.Errorf("eventgraph_ready = %v after the failed sync, want 0 as /readyz says", v)
		}
		if err := m.Close(); err != nil {
			t.Logf("Close after a failed sync: %v", err)
		}
		logEvents(t, dir)

		// A restart reopens the log (the unsynced write, if the OS kept it, is a whole commit).
		m2, _ := startMain(t, "--store", "jsonl", "--data", dir)
		gql(t, newClient(t, m2.URL()+"/graphql"), createRestaurant, create("r4"))
	})
}

// runOnce runs the server's run function (as main does) with args, for a start-up that
// fails, and returns its exit status and its stderr. (A server that starts would run until
// the test's context ends, and fail the test with exit status 0.)
func runOnce(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var stderr syncbuf.Buffer
	status := run(testCtx(t), func() {}, append([]string{"--addr", "127.0.0.1:0"}, args...), env(nil), io.Discard, &stderr)
	return status, stderr.String()
}

// reasonLine returns the one line of out that starts with "eventgraph: ", failing the test
// unless there is exactly one.
func reasonLine(t *testing.T, out string) string {
	t.Helper()
	var lines []string
	for l := range strings.Lines(out) {
		if strings.HasPrefix(l, "eventgraph: ") {
			lines = append(lines, strings.TrimSuffix(l, "\n"))
		}
	}
	if len(lines) != 1 {
		t.Fatalf("want one line of reason, got %q", out)
	}
	return lines[0]
}

// TestRun_startFailsWithAOneLineReason covers the refusals in-process; fault_unix_test.go
// runs the binary on a directory it may not write and on one another process holds.
func TestRun_startFailsWithAOneLineReason(t *testing.T) {
	t.Run("a corrupted log names the offset and how to inspect it", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		st, err := jsonl.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"restaurant-a", "restaurant-b", "restaurant-c"} {
			if _, err := st.Append(context.Background(), s, store.NoStream, store.EventData{Type: "T", Data: []byte(`{"k":1}`)}); err != nil {
				t.Fatal(err)
			}
		}
		st.Close()
		path := filepath.Join(dir, jsonl.LogFile)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		second := strings.IndexByte(string(b), '\n') + 1
		copy(b[second:], "#garbage#") // damage the second of three lines
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}

		status, out := runOnce(t, "--data", dir)
		line := reasonLine(t, out)
		if status != 1 {
			t.Errorf("exit status %d, want 1", status)
		}
		for _, want := range []string{"corrupt", "byte offset " + strconv.Itoa(second), "go run ./cmd/eventlog verify " + dir} {
			if !strings.Contains(line, want) {
				t.Errorf("reason %q does not say %q", line, want)
			}
		}
		after, _ := os.ReadFile(path)
		if string(after) != string(b) {
			t.Error("the refused log was changed")
		}
	})

	t.Run("a data directory held by another store is refused", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		st, err := jsonl.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		status, out := runOnce(t, "--data", dir)
		line := reasonLine(t, out)
		if status != 1 || !strings.Contains(line, "locked") || !strings.Contains(line, "another eventgraph server") {
			t.Errorf("exit %d, reason %q: want 1 and the lock named", status, line)
		}
	})

	t.Run("a data path that is a file is refused", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "data")
		if err := os.WriteFile(file, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		status, out := runOnce(t, "--data", file)
		line := reasonLine(t, out)
		if status != 1 || !strings.Contains(line, "must be a directory") {
			t.Errorf("exit %d, reason %q: want 1 and what is wrong", status, line)
		}
	})
}

// A start-up that fails after the store opened (here the address is taken, so the listen
// fails) closes the store again: the JSONL directory is not left locked by a Main that
// never served, so a retry on another address, or eventlog, can open it.
func TestMain_failedStartUpClosesTheStore(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	dir := filepath.Join(t.TempDir(), "data")
	m := NewMain()
	m.Stderr = io.Discard
	if err := m.ParseFlags([]string{"--addr", taken.Addr().String(), "--data", dir}, env(nil)); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(testCtx(t)); err == nil || !strings.Contains(err.Error(), "listen") {
		m.Close()
		t.Fatalf("Run on an address in use: %v, want a listen error", err)
	}
	st, err := jsonl.Open(dir)
	if err != nil {
		t.Fatalf("opening the data directory after the failed start-up: %v; want the store closed by Run", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestMain_startOnAFullDisk starts a server whose log holds an order placed but not yet
// created (the saga's write was lost) on a disk that is full: the saga cannot write the
// order, so the start-up replay cannot end. /readyz says which saga holds it back and
// that it retries failing commands, where it answered only "replaying the log", which
// sent an operator waiting for a replay that waited for room. Once there is room the saga
// writes the order and the server becomes ready.
func TestMain_startOnAFullDisk(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	args := []string{"--store", "jsonl", "--data", dir}
	first, _ := startMain(t, args...)
	c := newClient(t, first.URL()+"/graphql")
	gql(t, c, createRestaurant, map[string]any{"in": map[string]any{"id": "r1", "name": "Trattoria", "menu": menu("m1")}})
	placed := decode[struct{ PlaceOrder result }](t, gql(t, c, placeOrder, map[string]any{
		"in": map[string]any{"restaurantId": "r1", "orderId": "o1", "menuItemIds": []string{"m1"}},
	})).PlaceOrder
	gql(t, c, `query($p: Int64) { order(id: "o1", minPosition: $p) { id } }`, map[string]any{"p": placed.Position})
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	// Drop the saga's OrderCreated, the log's last line, and its checkpoint past it.
	path := filepath.Join(dir, jsonl.LogFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	last := strings.LastIndexByte(string(b[:len(b)-1]), '\n') + 1
	if !strings.Contains(string(b[last:]), `"type":"OrderCreated"`) {
		t.Fatalf("the log's last line is not the saga's OrderCreated: %s", b[last:])
	}
	if err := os.Truncate(path, int64(last)); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, jsonl.CheckpointFile)); err != nil {
		t.Fatal(err)
	}

	ff := &faultyFile{}
	ff.failWrite.Store(true)
	m := NewMain()
	m.jsonlOptions = []jsonl.Option{jsonl.WithFile(func(f jsonl.File) jsonl.File { ff.File = f; return ff })}
	tick := make(chan time.Time)
	m.observability().tick = tick
	logs := runMain(t, m, args...)
	// The saga logs a retry before it counts it: the second line comes after the first count.
	logs.await(t, `"saga retrying" twice`, func(string) bool {
		return strings.Count(logs.String(), "no space left on device") >= 2 &&
			strings.Count(logs.String(), "saga retrying") >= 2
	})
	resp, body := httpGet(t, m.URL()+"/readyz")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("GET /readyz on a full disk: %d %s, want 503", resp.StatusCode, body)
	}
	for _, want := range []string{"saga order-creation", "at position " + strconv.FormatInt(placed.Position-1, 10), "retried failed commands"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("GET /readyz on a full disk: %q, want it to say %q", body, want)
		}
	}
	if strings.Contains(string(body), "space") {
		t.Errorf("GET /readyz leaks the store's error: %q", body)
	}
	// The once-a-second progress line says so too, for an operator reading the log.
	select {
	case tick <- time.Now():
	case <-testCtx(t).Done():
		t.Fatal("the replay's progress never ticked")
	}
	line := logs.await(t, `"replaying log"`, func(l string) bool { return strings.Contains(l, "replaying log") })
	for _, want := range []string{`slowest="saga order-creation"`, "retries="} {
		if !strings.Contains(line, want) {
			t.Errorf("progress line on a full disk %q: want %s", line, want)
		}
	}

	ff.failWrite.Store(false) // room again
	awaitReady(t, m)
	if resp, body := httpGet(t, m.URL()+"/readyz"); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /readyz once there is room: %d %s, want 200", resp.StatusCode, body)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(logEvents(t, dir), " "); got != "restaurant-r1 restaurant-r1 order-o1" {
		t.Errorf("log holds %s, want the restaurant, the placement and the order once", got)
	}
}
