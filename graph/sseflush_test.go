package graph_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/store"
)

// flushCounter counts the flushes of the responses it passes on.
type flushCounter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (f flushCounter) Flush() {
	f.n.Add(1)
	_ = http.NewResponseController(f.ResponseWriter).Flush()
}

func (f flushCounter) Unwrap() http.ResponseWriter { return f.ResponseWriter }

// An SSE subscription that replays a history flushes its response once a burst, not once an
// event: each flush is a write(2), and one per event cost a subscriber catching up over a
// long log a third of the server's processor. Every event still comes, in order, and the
// last one without waiting for another.
func TestSSE_aReplayedHistoryIsNotFlushedEventByEvent(t *testing.T) {
	e := newEnv(t)
	const n = 2000
	batch := make([]store.EventData, n)
	for i := range batch {
		batch[i] = store.EventData{Type: "Noted", Data: []byte(`{"i":` + strconv.Itoa(i) + `}`)}
	}
	if _, err := e.store.Append(t.Context(), "notes", store.NoStream, batch...); err != nil {
		t.Fatal(err)
	}
	var flushes atomic.Int64
	h := graph.NewHandler(e.svc, graph.Config{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(flushCounter{w, &flushes}, r)
	}))
	t.Cleanup(srv.Close)

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	body := `{"query":"subscription { events(afterPosition: 0) { position } }"}`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// The last event comes without another behind it: read all n (a stream that held the
	// last back until more came would time out here).
	evs := readEvents(t, resp.Body, n)
	for i, ev := range evs {
		if want := `{"data":{"events":{"position":` + strconv.Itoa(i+1) + `}}}`; ev.name != "next" || ev.data != want {
			t.Fatalf("event %d: %s %s, want next %s", i, ev.name, ev.data, want)
		}
	}
	if len(evs) != n {
		t.Fatalf("got %d events, want %d", len(evs), n)
	}
	// One an event before: n. How many events a burst holds is the scheduler's (the history
	// is read while the transport writes), a third of n here, a sixth under the race detector.
	if got := flushes.Load(); got > n*9/10 {
		t.Errorf("%d flushes for %d events, want fewer than one an event: a flush is a write(2)", got, n)
	}
	t.Logf("%d flushes for %d events", flushes.Load(), n)
}
