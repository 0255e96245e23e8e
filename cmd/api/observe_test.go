package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/graph/graphtest"
	"github.com/eventgraph/eventgraph/internal/clocktest"
	"github.com/eventgraph/eventgraph/internal/syncbuf"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// scrapeMetrics fetches /metrics and returns every sample keyed by its name and labels as
// written ("eventgraph_commands_total{outcome=\"ok\",type=\"CreateRestaurant\"}").
func scrapeMetrics(tb testing.TB, m *Main) map[string]float64 {
	tb.Helper()
	resp, body := httpGet(tb, m.URL()+"/metrics")
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET /metrics: %d %s", resp.StatusCode, body)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			tb.Fatalf("sample %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// sample returns a sample that must be there.
func sample(tb testing.TB, samples map[string]float64, key string) float64 {
	tb.Helper()
	v, ok := samples[key]
	if !ok {
		tb.Fatalf("no sample %s", key)
	}
	return v
}

// awaitMetric scrapes until the sample has the value, failing after a deadline. Only for
// what the server updates after its response (a subscription's end), where no signal reaches
// the client.
func awaitMetric(tb testing.TB, m *Main, key string, want float64) {
	tb.Helper()
	awaitMetricThat(tb, m, key, fmt.Sprint(want), func(v float64) bool { return v == want })
}

// awaitMetricThat scrapes until the metric is present and passes ok, and fails the test
// when the test's context ends first; want describes ok.
func awaitMetricThat(tb testing.TB, m *Main, key, want string, ok func(float64) bool) {
	tb.Helper()
	ctx := testCtx(tb)
	for {
		got, present := scrapeMetrics(tb, m)[key]
		if present && ok(got) {
			return
		}
		select {
		case <-ctx.Done():
			tb.Fatalf("%s = %v (present %v), want %s", key, got, present, want)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func TestMain_metrics(t *testing.T) {
	for name, args := range stores(t) {
		t.Run(name, func(t *testing.T) {
			m, _ := startMain(t, args...)
			awaitReady(t, m)
			c := newClient(t, m.URL()+"/graphql")
			gql(t, c, createRestaurant, map[string]any{"in": map[string]any{"id": "r1", "name": "Trattoria", "menu": menu("pasta")}})
			resp, err := c.Query(testCtx(t), createRestaurant, map[string]any{"in": map[string]any{"id": "r1", "name": "Again", "menu": menu("pasta")}})
			if err != nil || resp.Code() != "ALREADY_EXISTS" {
				t.Fatalf("second createRestaurant: %v %v, want ALREADY_EXISTS", resp, err)
			}
			placed := decode[struct{ PlaceOrder result }](t, gql(t, c, placeOrder, map[string]any{
				"in": map[string]any{"restaurantId": "r1", "orderId": "o1", "menuItemIds": []string{"pasta"}},
			})).PlaceOrder
			// Wait for the saga's CreateOrder and every projection to see it.
			gql(t, c, `query($p: Int64) { order(id: "o1", minPosition: $p) { id } }`, map[string]any{"p": placed.Position})

			sub, err := c.SubscribeWS(testCtx(t), graphtest.TransportWS, `subscription { events(afterPosition: 0) { position } }`, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer sub.Close()
			if _, err := sub.Next(testCtx(t)); err != nil { // it runs
				t.Fatal(err)
			}

			got := scrapeMetrics(t, m)
			wantExactly := map[string]float64{
				`eventgraph_commands_total{outcome="ok",type="CreateRestaurant"}`:             1,
				`eventgraph_commands_total{outcome="ALREADY_EXISTS",type="CreateRestaurant"}`: 1,
				`eventgraph_commands_total{outcome="ok",type="PlaceOrder"}`:                   1,
				`eventgraph_commands_total{outcome="ok",type="CreateOrder"}`:                  1,
				// Every command's failures are there from the start, at 0 (see metrics.WithCommands).
				`eventgraph_commands_total{outcome="INTERNAL_SERVER_ERROR",type="PlaceOrder"}`:  0,
				`eventgraph_commands_total{outcome="ALREADY_EXISTS",type="CreateOrder"}`:        0,
				`eventgraph_commands_total{outcome="CANCELED",type="MarkOrderAsPrepared"}`:      0,
				`eventgraph_command_duration_seconds_count{outcome="ok",type="PlaceOrder"}`:     1,
				`eventgraph_graphql_operations_total{outcome="ALREADY_EXISTS",type="mutation"}`: 1,
				`eventgraph_graphql_operations_total{outcome="ok",type="mutation"}`:             2,
				`eventgraph_graphql_operations_total{outcome="ok",type="query"}`:                1,
				`eventgraph_head_position`:                        float64(placed.Position + 1), // then the saga's OrderCreated
				`eventgraph_ready`:                                1,
				`eventgraph_graphql_subscriptions{kind="events"}`: 1,
			}
			for k, w := range wantExactly {
				if v := sample(t, got, k); v != w {
					t.Errorf("%s = %v, want %v", k, v, w)
				}
			}
			for _, p := range []string{`{kind="projection",name="restaurants"}`, `{kind="projection",name="orders"}`, `{kind="saga",name="order-creation"}`} {
				if lag := sample(t, got, `eventgraph_projection_lag_events`+p); lag != 0 {
					t.Errorf("lag of %s = %v after catching up, want 0", p, lag)
				}
				if pos := sample(t, got, `eventgraph_projection_position`+p); pos != float64(placed.Position+1) {
					t.Errorf("position of %s = %v, want %d", p, pos, placed.Position+1)
				}
			}
			if v := sample(t, got, `eventgraph_saga_failures_total{name="order-creation"}`); v != 0 {
				t.Errorf("saga failures %v, want 0", v)
			}
			if v := sample(t, got, `eventgraph_http_requests_total{code="200",method="POST",route="/graphql"}`); v < 3 {
				t.Errorf("POST /graphql requests counted %v, want at least 3", v)
			}
			if _, ok := got[`go_goroutines`]; !ok {
				t.Error("no Go runtime metrics")
			}
			// The clock moved on: no append was held behind the log's last event.
			if v := sample(t, got, `eventgraph_store_restamped_appends_total`); v != 0 {
				t.Errorf("appends restamped %v, want 0", v)
			}
			if name == "jsonl store" {
				// Three commands wrote one event each; each append was made durable.
				if v := sample(t, got, `eventgraph_store_append_events_sum`); v != 3 {
					t.Errorf("events appended %v, want 3", v)
				}
				if v := sample(t, got, `eventgraph_store_fsync_events_sum`); v != 3 {
					t.Errorf("events synced %v, want 3", v)
				}
				if v := sample(t, got, `eventgraph_store_fsync_duration_seconds_count`); v < 1 || v > 3 {
					t.Errorf("fsyncs %v, want 1 to 3", v)
				}
				// The read models and the saga were following the log when the events were
				// committed: they took them from the tail cache, not back from the file. (A
				// reader reports a run of events once it is done with it.)
				awaitMetricThat(t, m, `eventgraph_store_read_events_total{source="cache"}`, ">= 3",
					func(v float64) bool { return v >= 3 })
			} else {
				// Only the JSONL store reports them: another's were zeros, read as "no writes".
				// But the memory store too tells of appends held behind the log's last event.
				for k := range got {
					if strings.HasPrefix(k, "eventgraph_store_") && k != "eventgraph_store_restamped_appends_total" {
						t.Errorf("sample %s exported for a store that records none", k)
					}
				}
			}

			sub.Close()
			awaitMetric(t, m, `eventgraph_graphql_subscriptions{kind="events"}`, 0)
		})
	}
}

// signalBuffer is a syncbuf.Buffer that signals every write, so a test can wait for a log line.
type signalBuffer struct {
	syncbuf.Buffer
	wrote chan struct{}
}

func newSignalBuffer() *signalBuffer { return &signalBuffer{wrote: make(chan struct{}, 1)} }

func (s *signalBuffer) Write(p []byte) (int, error) {
	n, err := s.Buffer.Write(p)
	select {
	case s.wrote <- struct{}{}:
	default:
	}
	return n, err
}

// await waits until a line satisfying match has been logged and returns it.
func (s *signalBuffer) await(tb testing.TB, what string, match func(line string) bool) string {
	tb.Helper()
	ctx := testCtx(tb)
	for {
		for _, line := range strings.Split(s.String(), "\n") {
			if match(line) {
				return line
			}
		}
		select {
		case <-s.wrote:
		case <-ctx.Done():
			tb.Fatalf("no log line %s in:\n%s", what, s.String())
		}
	}
}

// runMain starts m (already configured) on a free loopback port with the flags, logging to
// the returned buffer, and closes it when the test ends.
func runMain(tb testing.TB, m *Main, args ...string) *signalBuffer {
	tb.Helper()
	logs := newSignalBuffer()
	m.Stderr = logs
	if err := m.ParseFlags(append([]string{"--addr", "127.0.0.1:0"}, args...), env(nil)); err != nil {
		tb.Fatalf("ParseFlags: %v", err)
	}
	if err := m.Run(context.Background()); err != nil {
		tb.Fatalf("Run: %v", err)
	}
	tb.Cleanup(func() {
		if err := m.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return logs
}

func TestMain_readyz(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	args := []string{"--store", "jsonl", "--data", data}

	// A first server writes a log with an order, whose CreateOrder the saga re-handles (as a
	// duplicate) when the next server replays the log.
	first := NewMain()
	runMain(t, first, args...)
	c := newClient(t, first.URL()+"/graphql")
	gql(t, c, createRestaurant, map[string]any{"in": map[string]any{"id": "r1", "name": "Trattoria", "menu": menu("pasta")}})
	placed := decode[struct{ PlaceOrder result }](t, gql(t, c, placeOrder, map[string]any{
		"in": map[string]any{"restaurantId": "r1", "orderId": "o1", "menuItemIds": []string{"pasta"}},
	})).PlaceOrder
	gql(t, c, `query($p: Int64) { order(id: "o1", minPosition: $p) { id } }`, map[string]any{"p": placed.Position})
	awaitReady(t, first)
	if resp, body := httpGet(t, first.URL()+"/readyz"); resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /readyz of a caught-up server: %d %s", resp.StatusCode, body)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	// Without the saga's checkpoint (as after a crash before the first one was saved) the
	// next server's saga replays the log from its start.
	if err := os.Remove(filepath.Join(data, jsonl.CheckpointFile)); err != nil {
		t.Fatalf("the first server left no saga checkpoint: %v", err)
	}

	// The second server's saga is held inside the replay until the test releases it.
	m := NewMain()
	held, release := make(chan struct{}), make(chan struct{})
	var holdOnce, releaseOnce sync.Once
	t.Cleanup(func() { releaseOnce.Do(func() { close(release) }) }) // before Close, which waits for the saga
	m.observability().onCommand = func(_ context.Context, o eventsourcing.CommandObservation) {
		if o.Type == "CreateOrder" {
			holdOnce.Do(func() { close(held) })
			<-release
		}
	}
	tick := make(chan time.Time)
	m.observability().tick = tick
	logs := runMain(t, m, args...)
	select {
	case <-held:
	case <-testCtx(t).Done():
		t.Fatal("the saga never replayed the order")
	}

	if resp, body := httpGet(t, m.URL()+"/readyz"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz while replaying: %d %s, want 503", resp.StatusCode, body)
	}
	if resp, _ := httpGet(t, m.URL()+"/healthz"); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz while replaying: %d, want 200", resp.StatusCode)
	}
	got := scrapeMetrics(t, m)
	if v := sample(t, got, `eventgraph_ready`); v != 0 {
		t.Errorf("eventgraph_ready = %v while replaying, want 0", v)
	}
	if v := sample(t, got, `eventgraph_projection_lag_events{kind="saga",name="order-creation"}`); v < 1 {
		t.Errorf("saga lag %v while it is held, want at least 1", v)
	}
	select {
	case <-m.Ready():
		t.Fatal("Ready closed while the saga is held")
	default:
	}

	tick <- time.Now()
	line := logs.await(t, `"replaying log"`, func(l string) bool { return strings.Contains(l, "replaying log") })
	for _, want := range []string{"position=", "head=" + strconv.FormatInt(placed.Position+1, 10), "percent=", "rate=", `slowest="saga order-creation"`} {
		if !strings.Contains(line, want) {
			t.Errorf("progress line %q: want %s", line, want)
		}
	}

	releaseOnce.Do(func() { close(release) })
	select {
	case <-m.Ready():
	case <-testCtx(t).Done():
		t.Fatal("never ready after the saga was released")
	}
	if resp, body := httpGet(t, m.URL()+"/readyz"); resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "ready" {
		t.Errorf("GET /readyz after catching up: %d %q, want 200 ready", resp.StatusCode, body)
	}
	line = logs.await(t, `"caught up"`, func(l string) bool { return strings.Contains(l, "caught up") })
	if !strings.Contains(line, "duration=") || !strings.Contains(line, "head=") {
		t.Errorf("caught-up line %q: want duration and head", line)
	}
}

func TestMain_requestLog(t *testing.T) {
	const secret = "s3cret-token-never-logged"
	m := NewMain()
	logs := runMain(t, m, "--store", "memory", "--log-format", "json")
	c := graphtest.New(m.URL()+"/graphql", graphtest.WithHTTPClient(httpClient(t)), graphtest.WithHeader("Authorization", "Bearer "+secret))

	gql(t, c, `mutation Create($in: CreateRestaurantInput!) { createRestaurant(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"id": "r1", "name": "Payload Name Never Logged", "menu": menu("pasta")}})
	if resp, err := c.Query(testCtx(t), `mutation Again($in: CreateRestaurantInput!) { createRestaurant(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"id": "r1", "name": "x", "menu": menu("pasta")}}); err != nil || resp.Code() != "ALREADY_EXISTS" {
		t.Fatalf("second createRestaurant: %v %v", resp, err)
	}
	if resp, _ := httpGet(t, m.URL()+"/graphql?query="+strings.ReplaceAll(`{ restaurant(id: "QueryStringNeverLogged") { id } }`, " ", "%20")); resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /graphql: %d", resp.StatusCode)
	}
	httpGet(t, m.URL()+"/healthz")
	sub, err := c.SubscribeWS(testCtx(t), graphtest.TransportWS, `subscription Follow { events(afterPosition: 0) { position } }`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sub.Next(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	sub.Close() // the subscription's line is logged when it ends

	type line struct {
		Msg      string  `json:"msg"`
		Level    string  `json:"level"`
		Method   string  `json:"method"`
		Path     string  `json:"path"`
		Status   int     `json:"status"`
		Duration float64 `json:"duration"`
		Bytes    int64   `json:"bytes"`
		Op       string  `json:"op"`
		OpType   string  `json:"opType"`
		Field    string  `json:"field"`
		Codes    string  `json:"codes"`
	}
	parse := func(l string) (line, bool) {
		var v line
		return v, json.Unmarshal([]byte(l), &v) == nil && v.Msg == "request"
	}
	tests := []struct {
		name string
		want line
	}{
		{"an accepted mutation", line{Method: "POST", Path: "/graphql", Status: 200, Op: "Create", OpType: "mutation", Field: "createRestaurant"}},
		{"a rejected mutation names its error code", line{Method: "POST", Path: "/graphql", Status: 200, Op: "Again", OpType: "mutation", Field: "createRestaurant", Codes: "ALREADY_EXISTS"}},
		{"a GET query logs its path only", line{Method: "GET", Path: "/graphql", Status: 200, OpType: "query", Field: "restaurant"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := logs.await(t, tt.name, func(l string) bool {
				v, ok := parse(l)
				return ok && v.Method == tt.want.Method && v.Op == tt.want.Op && v.OpType == tt.want.OpType && v.Status == tt.want.Status
			})
			got, _ := parse(raw)
			if got.Level != "INFO" || got.Path != tt.want.Path || got.Status != tt.want.Status || got.Field != tt.want.Field || got.Codes != tt.want.Codes {
				t.Errorf("logged %s\nwant %+v at INFO", raw, tt.want)
			}
			if !clocktest.Measured(time.Duration(got.Duration)) || (got.Bytes <= 0 && got.Status != http.StatusSwitchingProtocols) {
				t.Errorf("logged %s: want a duration and the bytes written", raw)
			}
		})
	}
	t.Run("a WebSocket's operation is logged with its connection or on a line of its own", func(t *testing.T) {
		// The connection's line is written when it closes; an operation that ended by then
		// is on it, one that ends later gets a "graphql operation" line.
		raw := logs.await(t, "naming the subscription", func(l string) bool { return strings.Contains(l, `"op":"Follow"`) })
		var got line
		if err := json.Unmarshal([]byte(raw), &got); err != nil {
			t.Fatal(err)
		}
		onConn := got.Msg == "request" && got.Status == http.StatusSwitchingProtocols && got.Path == "/graphql"
		if !onConn && got.Msg != "graphql operation" {
			t.Errorf("logged %s, want the WebSocket's request line or a graphql operation line", raw)
		}
		if got.Level != "INFO" || got.OpType != "subscription" || got.Field != "events" || !clocktest.Measured(time.Duration(got.Duration)) {
			t.Errorf("logged %s, want the subscription on events at INFO with its duration", raw)
		}
		upgrade := logs.await(t, "for the WebSocket upgrade", func(l string) bool {
			return strings.Contains(l, `"msg":"request"`) && strings.Contains(l, `"status":101`)
		})
		// Its messages bypass the HTTP response: a bytes count would say 0.
		if strings.Contains(upgrade, `"bytes"`) {
			t.Errorf("the WebSocket's line %s counts bytes it cannot see", upgrade)
		}
	})
	out := logs.String()
	for _, never := range []string{secret, "Authorization", "Payload Name Never Logged", "QueryStringNeverLogged"} {
		if strings.Contains(out, never) {
			t.Errorf("the logs contain %q:\n%s", never, out)
		}
	}
	if strings.Contains(out, `"path":"/healthz"`) {
		t.Errorf("a probe logged at info level:\n%s", out)
	}
}

func TestMain_requestLogText(t *testing.T) {
	m := NewMain()
	logs := runMain(t, m, "--store", "memory", "--log-level", "debug")
	httpGet(t, m.URL()+"/healthz")
	line := logs.await(t, "for /healthz", func(l string) bool { return strings.Contains(l, "path=/healthz") })
	for _, want := range []string{"level=DEBUG", "msg=request", "method=GET", "status=200", "duration=", "bytes=3"} {
		if !strings.Contains(line, want) {
			t.Errorf("line %q: want %s", line, want)
		}
	}
}

func TestMain_readyzWhenAProjectionStopped(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	st, err := jsonl.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	// A restaurant event whose body the read model cannot decode stops its projection.
	if _, err := st.Append(testCtx(t), "restaurant-bad", store.NoStream, store.EventData{
		Type: "RestaurantCreated", Data: json.RawMessage(`{"restaurantId": 5}`),
	}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	m := NewMain()
	logs := runMain(t, m, "--store", "jsonl", "--data", data)
	logs.await(t, "saying the read models did not catch up", func(l string) bool {
		return strings.Contains(l, "did not catch up")
	})
	resp, body := httpGet(t, m.URL()+"/readyz")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "projection restaurants stopped at position 0") {
		t.Errorf("GET /readyz: %d %q, want 503 naming the stopped projection", resp.StatusCode, body)
	}
	got := scrapeMetrics(t, m)
	if v := sample(t, got, `eventgraph_projection_stopped{kind="projection",name="restaurants"}`); v != 1 {
		t.Errorf("projection_stopped = %v, want 1", v)
	}
	if v := sample(t, got, `eventgraph_projection_failures_total{name="restaurants"}`); v != 1 {
		t.Errorf("projection_failures_total = %v, want 1", v)
	}
}

// TestMain_requestLog_everyWebSocketOperation opens and closes many subscriptions: each
// operation must be logged, on its connection's line or on one of its own, however its end
// interleaves with the writing of the connection's line (an operation that ended while the
// line was being written was once on neither).
func TestMain_requestLog_everyWebSocketOperation(t *testing.T) {
	m := NewMain()
	logs := runMain(t, m, "--store", "memory", "--log-format", "json")
	c := graphtest.New(m.URL()+"/graphql", graphtest.WithHTTPClient(httpClient(t)))
	gql(t, c, `mutation Create($in: CreateRestaurantInput!) { createRestaurant(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"id": "r1", "name": "x", "menu": menu("pasta")}})
	for i := range 100 {
		name := fmt.Sprintf("Follow%d", i)
		sub, err := c.SubscribeWS(testCtx(t), graphtest.TransportWS, `subscription `+name+` { events(afterPosition: 0) { position } }`, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sub.Next(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		sub.Close()
		logs.await(t, "naming "+name, func(l string) bool { return strings.Contains(l, `"op":"`+name+`"`) })
	}
}

// TestMain_requestLog_refusalCodes: a request the endpoint refuses before any operation runs
// names its error's code on its line, as an operation's line does.
func TestMain_requestLog_refusalCodes(t *testing.T) {
	m := NewMain()
	logs := runMain(t, m, "--store", "memory", "--log-format", "json", "--max-body-bytes", "1000")
	tests := []struct {
		method, contentType, body string
		status                    int
		codes                     string
	}{
		{http.MethodPut, "application/json", `{"query":"{ __typename }"}`, http.StatusMethodNotAllowed, "BAD_REQUEST"},
		{http.MethodPost, "text/plain", `{"query":"{ __typename }"}`, http.StatusUnsupportedMediaType, "BAD_REQUEST"},
		{http.MethodPost, "application/json", `{"query":"` + strings.Repeat(" ", 2000) + `{ __typename }"}`, http.StatusRequestEntityTooLarge, "BAD_USER_INPUT"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			req, err := http.NewRequestWithContext(testCtx(t), tt.method, m.URL()+"/graphql", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", tt.contentType)
			resp, err := httpClient(t).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("%s %s: status %d, want %d", tt.method, tt.contentType, resp.StatusCode, tt.status)
			}
			raw := logs.await(t, fmt.Sprintf("the %d's line", tt.status), func(l string) bool {
				return strings.Contains(l, `"msg":"request"`) && strings.Contains(l, fmt.Sprintf(`"status":%d`, tt.status))
			})
			var got struct{ Codes string }
			if err := json.Unmarshal([]byte(raw), &got); err != nil {
				t.Fatal(err)
			}
			if got.Codes != tt.codes {
				t.Errorf("logged %s\nwant codes %q", raw, tt.codes)
			}
		})
	}
}

func TestRequestLevel(t *testing.T) {
	tests := []struct {
		route    string
		status   int
		internal bool
		want     slog.Level
	}{
		{"/graphql", 200, false, slog.LevelInfo},
		{"/graphql", 200, true, slog.LevelWarn}, // INTERNAL_SERVER_ERROR, answered 200
		{"/graphql", 500, false, slog.LevelWarn},
		{"/graphql", 400, false, slog.LevelInfo},
		{"/healthz", 200, false, slog.LevelDebug},
		{"/metrics", 200, false, slog.LevelDebug},
		{"/metrics", 500, false, slog.LevelWarn},
		{"/readyz", 200, false, slog.LevelDebug},
		// Not ready while the read models catch up: an answer, polled through a long replay.
		{"/readyz", 503, false, slog.LevelDebug},
		{"/readyz", 500, false, slog.LevelWarn},
	}
	for _, tt := range tests {
		if got := requestLevel(tt.route, tt.status, tt.internal); got != tt.want {
			t.Errorf("requestLevel(%s, %d, %v) = %v, want %v", tt.route, tt.status, tt.internal, got, tt.want)
		}
	}
}

// A subscription stream counts under route="/graphql:stream", its duration its lifetime: in
// /graphql's series an SSE stream's minutes made the latency of queries and mutations.
func TestMetrics_streamsHaveARouteOfTheirOwn(t *testing.T) {
	m, _ := startMain(t, "--store", "memory")
	c := newClient(t, m.URL()+"/graphql")
	sub, err := c.SubscribeSSE(testCtx(t), `subscription { events(afterPosition: 0) { position } }`, nil)
	if err != nil {
		t.Fatal(err)
	}
	gql(t, c, createRestaurant, map[string]any{"in": map[string]any{"id": "r1", "name": "T", "menu": menu("pasta")}})
	if _, err := sub.Next(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	sub.Close()
	awaitMetric(t, m, `eventgraph_http_requests_total{code="200",method="POST",route="/graphql:stream"}`, 1)
	// The mutation alone: counted there too, the stream (observed by now) would make it 2.
	awaitMetric(t, m, `eventgraph_http_request_duration_seconds_count{code="200",method="POST",route="/graphql"}`, 1)
}

// A command cut short by its context's end (its client gone, a shutdown) counts as CANCELED,
// as the API reports it, not as INTERNAL_SERVER_ERROR, on which an alert would fire; a
// cancellation from inside, while its context is live, is the server's failure.
func TestMetrics_canceledCommand(t *testing.T) {
	o := newObservability()
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	o.observeCommand(ended, eventsourcing.CommandObservation{
		Type: "PlaceOrder", Duration: time.Millisecond, Err: fmt.Errorf("lock stream: %w", context.Canceled),
	})
	o.observeCommand(context.Background(), eventsourcing.CommandObservation{
		Type: "MarkOrderAsPrepared", Duration: time.Millisecond, Err: fmt.Errorf("lock stream: %w", context.Canceled),
	})
	mfs, err := o.metrics.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[string]string{} // by command type
	for _, mf := range mfs {
		if mf.GetName() != "eventgraph_commands_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			if m.GetCounter().GetValue() == 0 {
				continue // exported from the start
			}
			var typ, outcome string
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "type":
					typ = l.GetValue()
				case "outcome":
					outcome = l.GetValue()
				}
			}
			outcomes[typ] = outcome
		}
	}
	want := map[string]string{"PlaceOrder": graph.CodeCanceled, "MarkOrderAsPrepared": graph.CodeInternal}
	if !maps.Equal(outcomes, want) {
		t.Errorf("outcomes %v, want %v", outcomes, want)
	}
}

// TestMain_requestLogBoundsThePath: a request's path is logged up to maxPathLength
// characters: a path may be as long as the header limit, and log pipelines split or drop
// lines that long (found by review: one request made a line of 900 KB).
func TestMain_requestLogBoundsThePath(t *testing.T) {
	m := NewMain()
	logs := runMain(t, m, "--store", "memory")
	long := "/" + strings.Repeat("a", 100_000)
	httpGet(t, m.URL()+long)
	line := logs.await(t, "for the long path", func(l string) bool { return strings.Contains(l, "path=/aaa") })
	if want := "path=" + long[:maxPathLength] + "…"; !strings.Contains(line, want) || len(line) > 2*maxPathLength+500 {
		t.Errorf("a line of %d bytes: %.400s…; want the path cut at %d characters", len(line), line, maxPathLength)
	}
}

// The outcomes of GraphQL operations, and the server errors of its HTTP requests, that the
// README's alerts and a dashboard watch are exported at 0 from the start: a series that first appears at 1 shows no increase, so
// rate(eventgraph_graphql_operations_total{outcome="SLOW_CONSUMER"}[5m]) > 0 missed the
// first subscriber cut off (and, while no second one came, all of them), as an alert on
// refused tokens or internal errors missed their first.
func TestMetrics_operationOutcomesStartAtZero(t *testing.T) {
	m, _ := startMain(t, "--store", "memory")
	got := scrapeMetrics(t, m)
	for _, k := range []string{
		`eventgraph_graphql_operations_total{outcome="SLOW_CONSUMER",type="subscription"}`,
		`eventgraph_graphql_operations_total{outcome="UNAUTHENTICATED",type="unknown"}`,
		`eventgraph_graphql_operations_total{outcome="UNAUTHENTICATED",type="query"}`,
		`eventgraph_graphql_operations_total{outcome="UNAUTHENTICATED",type="mutation"}`,
		`eventgraph_graphql_operations_total{outcome="UNAUTHENTICATED",type="subscription"}`,
		`eventgraph_graphql_operations_total{outcome="INTERNAL_SERVER_ERROR",type="query"}`,
		`eventgraph_graphql_operations_total{outcome="INTERNAL_SERVER_ERROR",type="mutation"}`,
		`eventgraph_graphql_operations_total{outcome="INTERNAL_SERVER_ERROR",type="subscription"}`,
		`eventgraph_graphql_operations_total{outcome="ok",type="query"}`,
		`eventgraph_graphql_operations_total{outcome="ok",type="mutation"}`,
		`eventgraph_graphql_operations_total{outcome="ok",type="subscription"}`,
		// Server errors, for an alert on their rate.
		`eventgraph_http_requests_total{code="500",method="POST",route="/graphql"}`,
		`eventgraph_http_requests_total{code="503",method="POST",route="/graphql"}`,
		`eventgraph_http_requests_total{code="500",method="GET",route="/graphql"}`,
		`eventgraph_http_requests_total{code="503",method="GET",route="/graphql"}`,
		`eventgraph_http_requests_total{code="500",method="GET",route="/graphql:stream"}`,
		`eventgraph_http_requests_total{code="503",method="GET",route="/graphql:stream"}`,
		`eventgraph_http_requests_total{code="500",method="POST",route="/graphql:stream"}`,
		`eventgraph_http_requests_total{code="503",method="POST",route="/graphql:stream"}`,
	} {
		if v, ok := got[k]; !ok || v != 0 {
			t.Errorf("%s = %v (present %v) at start, want 0", k, v, ok)
		}
	}
}

// TestMain_requestLogBoundsTheMethod: a request's method is logged up to maxMethodLength
// characters, as its path is: the client chooses it, it may be as long as the header limit
// (a method of 200,000 characters made a log line of 200 KB, which log pipelines split or
// drop), and the metrics already count every method but HTTP's own as OTHER.
func TestMain_requestLogBoundsTheMethod(t *testing.T) {
	m := NewMain()
	logs := runMain(t, m, "--store", "memory")
	long := strings.Repeat("M", 200_000)
	conn, err := net.Dial("tcp", m.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := fmt.Fprintf(conn, "%s /graphql HTTP/1.1\r\nHost: %s\r\nContent-Length: 0\r\n\r\n", long, m.Addr()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusMethodNotAllowed || len(body) > 1000 {
		t.Errorf("answered %d with %d bytes: %.400s… (%v); want a short 405: the refusal cuts the method too", resp.StatusCode, len(body), body, err)
	}
	line := logs.await(t, "for the long method", func(l string) bool { return strings.Contains(l, "method=MMM") })
	if want := "method=" + long[:maxMethodLength] + "…"; !strings.Contains(line, want) || len(line) > 1000 {
		t.Errorf("a line of %d bytes: %.400s…; want the method cut at %d characters", len(line), line, maxMethodLength)
	}
	// The refusal's code is on the line, as on every 405's: the recorder keeps the start of
	// an error body, and a refusal that quoted the whole method did not parse.
	if !strings.Contains(line, "codes="+graph.CodeBadRequest) {
		t.Errorf("logged %.400s…; want codes=%s", line, graph.CodeBadRequest)
	}
}

// A line with several operations (a WebSocket connection's) sums each up in an entry of ops:
// "type field (name) codes". The name is the client's operationName when the document holds
// no operation by that name, so any string: one that is not a GraphQL name is quoted, so
// that it cannot close its parenthesis and forge codes ("x) INTERNAL_SERVER_ERROR") or
// entries of other operations. In the text format the entries are separated by "; ": side
// by side in brackets, where they were, no reader could tell where one ends.
func TestRequestNote_opsCannotBeForged(t *testing.T) {
	const evil = `x) INTERNAL_SERVER_ERROR; mutation createRestaurant (y`
	n := &requestNote{}
	n.addOperation(graph.Operation{Type: "", Name: evil, Codes: []string{"GRAPHQL_VALIDATION_FAILED"}})
	n.addOperation(graph.Operation{Type: "subscription", Field: "events", Name: "Follow", Codes: []string{"CANCELED"}})
	attrs := n.seal()
	want := []string{
		`unknown ("x) INTERNAL_SERVER_ERROR; mutation createRestaurant (y") GRAPHQL_VALIDATION_FAILED`,
		`subscription events (Follow) CANCELED`,
	}

	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).LogAttrs(context.Background(), slog.LevelInfo, "request", attrs...)
	slog.New(slog.NewJSONHandler(&js, nil)).LogAttrs(context.Background(), slog.LevelInfo, "request", attrs...)

	var line struct{ Ops []string }
	if err := json.Unmarshal(js.Bytes(), &line); err != nil {
		t.Fatalf("JSON line %s: %v", js.Bytes(), err)
	}
	if !slices.Equal(line.Ops, want) {
		t.Errorf("JSON ops %q\nwant %q", line.Ops, want)
	}
	_, ops, _ := strings.Cut(text.String(), " ops=")
	ops, err := strconv.Unquote(strings.TrimSpace(ops))
	if err != nil {
		t.Fatalf("text line %s: ops is no quoted string: %v", text.Bytes(), err)
	}
	if w := strings.Join(want, "; "); ops != w {
		t.Errorf("text ops %s\nwant %s", ops, w)
	}
}

// The open subscriptions of each root field are exported from the start, at 0: absent until
// the first subscription, the gauge read as "no data" on a dashboard, and an alert on too few
// subscribers (sum by (kind) ... < 1) could not fire before any had come.
func TestMetrics_subscriptionKindsStartAtZero(t *testing.T) {
	m, _ := startMain(t, "--store", "memory")
	got := scrapeMetrics(t, m)
	for _, kind := range []string{"events", "restaurantChanged", "orderChanged"} {
		k := `eventgraph_graphql_subscriptions{kind="` + kind + `"}`
		if v, ok := got[k]; !ok || v != 0 {
			t.Errorf("%s = %v (present %v) at start, want 0", k, v, ok)
		}
	}
}

// TestMain_requestLogShowsInvisibleCharacters: a path or an operation name holding a
// character that does not show as itself (a right-to-left override, a zero-width space) is
// logged quoted with that character escaped, in the JSON format too, which writes format
// characters as they are: a log viewer showed the rest of the line reversed, and two paths
// that differ alike. A path of printable characters, non-ASCII ones included, is logged as
// it is.
func TestMain_requestLogShowsInvisibleCharacters(t *testing.T) {
	m := NewMain()
	logs := runMain(t, m, "--store", "memory", "--log-format", "json")
	base := "http://" + m.Addr().String()
	for _, path := range []string{"/caf%C3%A9", "/x%E2%80%AEgnp.exe", "/a%E2%80%8Bb"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	body := `{"query": "{ __typename }", "operationName": "Q\u202eevil"}`
	resp, err := http.Post(base+"/graphql", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	for _, tt := range []struct{ key, want string }{
		{"path", "/café"},
		{"path", `"/x\u202egnp.exe"`},
		{"path", `"/a\u200bb"`},
		{"op", `"Q\u202eevil"`},
	} {
		line := logs.await(t, tt.key+" "+tt.want, func(l string) bool {
			var entry map[string]any
			return json.Unmarshal([]byte(l), &entry) == nil && entry[tt.key] == tt.want
		})
		if strings.ContainsAny(line, "\u202e\u200b") {
			t.Errorf("logged %s: holds a character that does not show", line)
		}
	}
}

// TestMain_requestLogShowsInvisibleCharactersInText: in the text format, which quotes a
// value holding a character that does not show by itself, such a path or operation name is
// quoted once, as in the JSON format (path="/x\u202egnp.exe"), not quoted again with its
// quotes and backslashes escaped.
func TestMain_requestLogShowsInvisibleCharactersInText(t *testing.T) {
	m := NewMain()
	logs := runMain(t, m, "--store", "memory", "--log-format", "text")
	base := "http://" + m.Addr().String()
	resp, err := http.Get(base + "/x%E2%80%AEgnp.exe")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	body := `{"query": "{ __typename }", "operationName": "Q\u202eevil"}`
	resp, err = http.Post(base+"/graphql", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	for _, tt := range []struct{ find, want string }{
		{"gnp.exe", ` path="/x\u202egnp.exe" `},
		{"evil", ` op="Q\u202eevil"`},
	} {
		line := logs.await(t, "with "+tt.find, func(l string) bool { return strings.Contains(l, tt.find) })
		if !strings.Contains(line, tt.want) {
			t.Errorf("logged %s\nwant it to hold %s", line, tt.want)
		}
	}
}
