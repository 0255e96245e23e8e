package jsonl_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"

	"github.com/eventgraph/eventgraph/internal/leakcheck"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// aheadLog is long enough that readers catching up with it parse ahead on a second
// goroutine (several chunks beyond the threshold), with a run that is not a whole number of
// chunks.
const aheadLog = 3000

// failingReads fails every ReadAt reaching past failFrom once armed.
type failingReads struct {
	jsonl.File
	armed    atomic.Bool
	failFrom atomic.Int64
}

var errRead = errors.New("injected read fault")

func (f *failingReads) ReadAt(p []byte, off int64) (int, error) {
	if f.armed.Load() && off+int64(len(p)) > f.failFrom.Load() {
		return 0, errRead
	}
	return f.File.ReadAt(p, off)
}

// longLog returns a store holding aheadLog events in commits of 1 to 7 events over 10
// streams, with the tail cache off so that every reader reads the file, and the file's
// wrapper.
func longLog(tb testing.TB) (*jsonl.Store, *failingReads, string) {
	s, fr, dir, _ := longLogCounted(tb)
	return s, fr, dir
}

// longLogCounted is longLog, with a counter of the events readers yield.
func longLogCounted(tb testing.TB) (*jsonl.Store, *failingReads, string, *readCounter) {
	tb.Helper()
	fr := &failingReads{}
	rc := &readCounter{}
	dir := tb.TempDir()
	s := openStore(tb, dir, jsonl.WithNoSync(), jsonl.WithTailCache(0), jsonl.WithObserver(rc),
		jsonl.WithFile(func(f jsonl.File) jsonl.File { fr.File = f; return fr }))
	versions := map[string]store.Version{}
	for n := 1; n <= aheadLog; {
		stream := fmt.Sprintf("s-%d", n%10)
		var batch []store.EventData
		for k := 0; k < 1+n%7 && n <= aheadLog; k++ {
			batch = append(batch, ev("E", n))
			n++
		}
		versions[stream] = mustAppend(tb, s, stream, versions[stream], batch...).Version
	}
	return s, fr, dir, rc
}

// checkRun checks that events are the log's events after `after`, in order, whole.
func checkRun(tb testing.TB, events []store.Event, after, last store.Position) {
	tb.Helper()
	if want := int(last - after); len(events) != want {
		tb.Fatalf("%d events after %d, want %d", len(events), after, want)
	}
	for i, e := range events {
		p := after + store.Position(i) + 1
		var body struct{ N int }
		if err := json.Unmarshal(e.Data, &body); err != nil || e.Position != p || body.N != int(p) ||
			e.Metadata["commandId"] != fmt.Sprintf("c-%d", p) || e.StreamID == "" || e.ID == "" {
			tb.Fatalf("event %d: %+v (%v), want position %d with n=%d", i, e, err, p, p)
		}
	}
}

// readingAhead reports whether a read-ahead goroutine is running.
func readingAhead() bool {
	buf := make([]byte, 1<<20)
	return bytes.Contains(buf[:runtime.Stack(buf, true)], []byte("startAhead.func"))
}

// drain reads seq until it ends or yields the event at last, and returns the events and
// the first error. It checks that a reader that has read two chunks itself (aheadAfter) and
// is still aheadMin or more behind reads ahead.
func drain(seq iter.Seq2[store.Event, error], last store.Position) ([]store.Event, error) {
	var out []store.Event
	for e, err := range seq {
		if err != nil {
			return out, err
		}
		if len(out) == 2*256 && last-(e.Position-1) >= 4*256 && !readingAhead() {
			return out, fmt.Errorf("reading from %d with %d more to go, no read-ahead is running", e.Position, last-e.Position)
		}
		out = append(out, e)
		if e.Position == last {
			break
		}
	}
	return out, nil
}

func TestReadAhead_catchUp(t *testing.T) {
	defer leakcheck.VerifyNone(t, goleak.IgnoreCurrent())
	s, _, _ := longLog(t)
	for _, after := range []store.Position{0, 1, 255, 256, 1000, aheadLog - 1100, aheadLog - 1, aheadLog} {
		t.Run(fmt.Sprint("after ", after), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			got, err := drain(s.ReadAll(ctx, after), aheadLog)
			if err != nil {
				t.Fatalf("ReadAll: %v", err)
			}
			checkRun(t, got, after, aheadLog)
			if after == aheadLog {
				return // a subscription would wait for the next commit
			}
			for name, sub := range map[string]func(context.Context, store.Position) iter.Seq2[store.Event, error]{
				"Subscribe": s.Subscribe, "SubscribeShared": s.SubscribeShared,
			} {
				got, err := drain(sub(ctx, after), aheadLog)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				checkRun(t, got, after, aheadLog)
			}
		})
	}
}

// TestReadAhead_stopsWithTheCaller checks that a reader stopped anywhere in a catch-up (in
// a chunk, at its end, in the last) leaves no goroutine behind.
func TestReadAhead_stopsWithTheCaller(t *testing.T) {
	s, _, _, rc := longLogCounted(t)
	for _, stop := range []int{1, 255, 256, 257, 1024, 2000, aheadLog - 1} {
		t.Run(fmt.Sprint("after ", stop, " events"), func(t *testing.T) {
			defer leakcheck.VerifyNone(t, goleak.IgnoreCurrent())
			rc.fromFile.Store(0)
			n := 0
			for _, err := range s.SubscribeShared(context.Background(), 0) {
				if err != nil {
					t.Fatal(err)
				}
				if n++; n == stop {
					break
				}
			}
			if got := rc.fromFile.Load(); got != int64(stop) {
				t.Errorf("the observer heard of %d events read, want the %d yielded", got, stop)
			}
			ctx, cancel := context.WithCancel(context.Background())
			n = 0
			var last error
			for e, err := range s.ReadAll(ctx, 0) {
				if err != nil {
					last = err
					break
				}
				if n++; n == stop {
					cancel() // the next event is not yielded: the error is
				}
				if n > stop {
					t.Fatalf("event %d yielded after ctx ended", e.Position)
				}
			}
			cancel()
			if !errors.Is(last, context.Canceled) {
				t.Fatalf("ReadAll ended with %v, want context.Canceled", last)
			}
		})
	}
}

// TestReadAhead_readError checks that a read failing deep in a catch-up ends it with the
// error, after every event before the failed read and none after.
func TestReadAhead_readError(t *testing.T) {
	defer leakcheck.VerifyNone(t, goleak.IgnoreCurrent())
	s, fr, dir := longLog(t)
	// Fail reads reaching into event 2100's line: read-ahead is under way by then.
	log, err := os.ReadFile(filepath.Join(dir, "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	offset := 0
	for range 2099 {
		offset += bytes.IndexByte(log[offset:], '\n') + 1
	}
	fr.failFrom.Store(int64(offset) + 1)
	fr.armed.Store(true)
	for name, seq := range map[string]iter.Seq2[store.Event, error]{
		"ReadAll": s.ReadAll(context.Background(), 0), "Subscribe": s.Subscribe(context.Background(), 0),
	} {
		got, err := drain(seq, aheadLog)
		if !errors.Is(err, errRead) {
			t.Fatalf("%s ended with %v after %d events, want the read error", name, err, len(got))
		}
		if len(got) < 2*256 || len(got) >= aheadLog {
			t.Fatalf("%s yielded %d events before the error, want the ones before the failed read", name, len(got))
		}
		checkRun(t, got, 0, store.Position(len(got)))
	}
	fr.armed.Store(false)
	checkRun(t, readAll(t, s), 0, aheadLog)
}

// TestReadAhead_closedStore checks that closing the store under a catch-up ends it with
// store.ErrClosed.
func TestReadAhead_closedStore(t *testing.T) {
	defer leakcheck.VerifyNone(t, goleak.IgnoreCurrent())
	s, _, _ := longLog(t)
	n := 0
	var last error
	for _, err := range s.SubscribeShared(context.Background(), 0) {
		if err != nil {
			last = err
			break
		}
		if n++; n == 300 {
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !errors.Is(last, store.ErrClosed) {
		t.Fatalf("subscription ended with %v after %d events, want store.ErrClosed", last, n)
	}
}
