package jsonl_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// TestOpen_rightAfterCloseUnderReads: Close releases the directory for an Open that follows
// it, even while reads it ended are still in the middle of a ReadAt. The log's flock lasted
// until the last such read returned (closing a file whose descriptor is in use waits for
// it), so an Open right after Close failed with ErrLocked (a review saw it in 18 of 300
// reopens); Close now releases the flock itself. On Windows, where the log is not locked,
// Close itself hung in a few of 40 runs under Wine, as Go's os.File lost a reference to the
// file when its Close met a ReadAt that was starting (see closeguard_windows.go).
func TestOpen_rightAfterCloseUnderReads(t *testing.T) {
	dir := t.TempDir()
	opts := []jsonl.Option{jsonl.WithNoSync(), jsonl.WithTailCache(0), jsonl.WithMaxEventSize(2 << 20)}
	s, err := jsonl.Open(dir, opts...)
	if err != nil {
		t.Fatal(err)
	}
	big := json.RawMessage(`"` + strings.Repeat("x", 900<<10) + `"`)
	for range 4 {
		mustAppend(t, s, "a", store.Any, store.EventData{Type: "T", Data: big})
	}
	const rounds, readers = 60, 8
	locked := 0
	for range rounds {
		var started, done sync.WaitGroup
		started.Add(readers)
		for range readers {
			done.Go(func() {
				first := true
				for {
					for _, err := range s.ReadStream(context.Background(), "a", 0) {
						if first {
							first = false
							started.Done()
						}
						if err != nil {
							return
						}
					}
				}
			})
		}
		started.Wait() // every reader is inside a stream of large reads
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		next, err := jsonl.Open(dir, opts...)
		done.Wait()
		if err != nil {
			if !errors.Is(err, jsonl.ErrLocked) {
				t.Fatal(err)
			}
			locked++
			if next, err = jsonl.Open(dir, opts...); err != nil {
				t.Fatal(err)
			}
		}
		s = next
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if locked > 0 {
		t.Errorf("Open right after Close failed with ErrLocked in %d of %d rounds", locked, rounds)
	}
}
