package jsonl_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/internal/clocktest"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// recorder is a jsonl.Observer that remembers what it is told.
type recorder struct {
	mu      sync.Mutex
	appends []appendObs
	syncs   []syncObs
}

type appendObs struct {
	events int
	d      time.Duration
	err    error
}

type syncObs struct {
	appends, events int
	d               time.Duration
	err             error
}

func (r *recorder) Appended(events int, d time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.appends = append(r.appends, appendObs{events, d, err})
}

func (r *recorder) Synced(appends, events int, d time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.syncs = append(r.syncs, syncObs{appends, events, d, err})
}

func TestWithObserver(t *testing.T) {
	t.Run("an append and its group commit are reported", func(t *testing.T) {
		rec := &recorder{}
		s := openStore(t, t.TempDir(), jsonl.WithObserver(rec))
		mustAppend(t, s, "s-1", store.NoStream, ev("A", 1), ev("A", 2), ev("A", 3))

		if len(rec.appends) != 1 || rec.appends[0].events != 3 || rec.appends[0].err != nil || !clocktest.Measured(rec.appends[0].d) {
			t.Errorf("appends observed %+v, want one of 3 events without error", rec.appends)
		}
		if len(rec.syncs) != 1 || rec.syncs[0] != (syncObs{appends: 1, events: 3, d: rec.syncs[0].d}) || !clocktest.Measured(rec.syncs[0].d) {
			t.Errorf("syncs observed %+v, want one of 1 append and 3 events", rec.syncs)
		}
	})

	t.Run("a rejected append is reported with its error and syncs nothing", func(t *testing.T) {
		rec := &recorder{}
		s := openStore(t, t.TempDir(), jsonl.WithObserver(rec))
		_, err := s.Append(context.Background(), "s-1", store.StreamExists, ev("A", 1))
		if !errors.Is(err, store.ErrConflict) {
			t.Fatalf("Append to a missing stream with StreamExists: %v, want ErrConflict", err)
		}
		if len(rec.appends) != 1 || !errors.Is(rec.appends[0].err, store.ErrConflict) {
			t.Errorf("appends observed %+v, want one with ErrConflict", rec.appends)
		}
		if len(rec.syncs) != 0 {
			t.Errorf("syncs observed %+v, want none", rec.syncs)
		}
	})

	t.Run("a failed fsync is reported", func(t *testing.T) {
		rec := &recorder{}
		ff := &faultyFile{}
		s := openStore(t, t.TempDir(), jsonl.WithObserver(rec), jsonl.WithFile(func(f jsonl.File) jsonl.File { ff.File = f; return ff }))
		ff.set(false, true, false)
		if _, err := s.Append(context.Background(), "s-1", store.NoStream, ev("A", 1)); err == nil {
			t.Fatal("Append with a failing fsync succeeded")
		}
		if len(rec.syncs) != 1 || rec.syncs[0].err == nil || len(rec.appends) != 1 || rec.appends[0].err == nil {
			t.Errorf("observed syncs %+v and appends %+v, want one failed of each", rec.syncs, rec.appends)
		}
	})

	t.Run("concurrent appends: every event is in exactly one observed group", func(t *testing.T) {
		rec := &recorder{}
		s := openStore(t, t.TempDir(), jsonl.WithObserver(rec))
		const writers, each = 8, 20
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					mustAppend(t, s, fmt.Sprintf("s-%d", w), store.Any, ev("A", i), ev("B", i))
				}
			})
		}
		wg.Wait()
		var appends, events int
		for _, g := range rec.syncs {
			appends += g.appends
			events += g.events
		}
		if appends != writers*each || events != 2*writers*each || len(rec.appends) != writers*each {
			t.Errorf("groups carried %d appends and %d events, %d appends observed; want %d, %d, %d",
				appends, events, len(rec.appends), writers*each, 2*writers*each, writers*each)
		}
	})

	t.Run("WithNoSync reports appends but no fsync", func(t *testing.T) {
		rec := &recorder{}
		s := openStore(t, t.TempDir(), jsonl.WithObserver(rec), jsonl.WithNoSync())
		mustAppend(t, s, "s-1", store.NoStream, ev("A", 1))
		if len(rec.appends) != 1 || len(rec.syncs) != 0 {
			t.Errorf("observed appends %+v and syncs %+v, want 1 and none", rec.appends, rec.syncs)
		}
	})
}
