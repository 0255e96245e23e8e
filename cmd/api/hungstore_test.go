package main

// Shutdown with a saga command stuck in a store that hangs. The runner waits for the saga's
// commands in flight, whose JSONL append waits for its sync whatever its context says; Close
// waited for the runner without a bound, so a disk that hung hung SIGTERM for good (found by
// review). It now waits for the runner as long as for the store's close.

import (
	"bytes"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/graph/graphtest"
	"github.com/eventgraph/eventgraph/internal/syncbuf"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// sagaHeldFile holds the first sync, once armed, that follows a write of an OrderCreated
// event: the order saga's append.
type sagaHeldFile struct {
	jsonl.File
	armed    atomic.Bool
	pending  atomic.Bool
	entered  chan struct{}
	released chan struct{}
}

func (f *sagaHeldFile) WriteAt(p []byte, off int64) (int, error) {
	if f.armed.Load() && bytes.Contains(p, []byte(`"OrderCreated"`)) {
		f.pending.Store(true)
	}
	return f.File.WriteAt(p, off)
}

func (f *sagaHeldFile) Sync() error {
	if f.pending.CompareAndSwap(true, false) && f.armed.CompareAndSwap(true, false) {
		close(f.entered)
		<-f.released
	}
	return f.File.Sync()
}

func TestMain_closeWithASagaCommandInAHungStore(t *testing.T) {
	hf := &sagaHeldFile{entered: make(chan struct{}), released: make(chan struct{})}
	m := NewMain()
	logs := &syncbuf.Buffer{}
	m.Stderr = logs
	if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0", "--data", t.TempDir(), "--shutdown-timeout", "500ms"}, env(nil)); err != nil {
		t.Fatal(err)
	}
	m.jsonlOptions = []jsonl.Option{jsonl.WithFile(func(f jsonl.File) jsonl.File { hf.File = f; return hf })}
	var once sync.Once
	release := func() { once.Do(func() { close(hf.released) }) }
	t.Cleanup(func() { release(); m.Close() })
	if err := m.Run(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	c := graphtest.New(m.URL()+"/graphql", graphtest.WithHTTPClient(httpClient(t)))
	gql(t, c, createRestaurant, map[string]any{"in": map[string]any{"id": "r1", "name": "Osteria", "menu": menu("a")}})
	hf.armed.Store(true)
	gql(t, c, placeOrder, map[string]any{"in": map[string]any{"restaurantId": "r1", "orderId": "o1", "menuItemIds": []string{"a"}}})
	select {
	case <-hf.entered: // the saga's CreateOrder waits in its sync: the disk hangs
	case <-time.After(10 * time.Second):
		t.Fatal("the saga's append never reached its sync")
	}

	start := time.Now()
	closed := make(chan error, 1)
	go func() { closed <- m.Close() }()
	// Bound: the shutdown timeout, the store's close (at least 1 s) and the runner's final
	// checkpoint save (5 s), with a generous margin.
	const bound = 15 * time.Second
	select {
	case err := <-closed:
		t.Logf("Close returned after %v: %v", time.Since(start), err)
		if !bytes.Contains([]byte(logs.String()), []byte("the service runner did not stop in time")) {
			t.Errorf("no warning that the runner did not stop; logs:\n%s", logs)
		}
	case <-time.After(bound):
		t.Errorf("Close has not returned %v after it began (--shutdown-timeout 500ms): it waits for the service runner without a bound, and the runner for a saga command stuck in the store's sync\nlogs:\n%s", bound, logs)
		release()
		<-closed
	}
}
