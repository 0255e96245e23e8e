package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/postgres"
)

// TestStore_Append_groupLosesItsConnectionInAPartition: when the network fails while a
// group of appends commits, the group's appends cannot be looked up in the log either;
// they fail saying that they may have committed, and the committer — which every other
// append, and Close, waits for — is free again within about one look-up timeout. Before,
// each append of the group was looked up with a timeout of its own, one after another: a
// group of 256 held the committer for 256 of them (43 minutes).
func TestStore_Append_groupLosesItsConnectionInAPartition(t *testing.T) {
	const (
		group  = 10 // appends at least in the group that loses its connection
		commit = 500 * time.Millisecond
		settle = time.Second
	)
	// The partition starts when the server is about to deliver the ReadyForQuery of a group
	// of at least group appends: the server has committed the group, and the client never
	// hears of it. lost is the size of that group.
	var lost atomic.Int64
	s, proxy := openViaProxy(t, func(n int) verdict {
		if n < group {
			return deliver
		}
		lost.CompareAndSwap(0, int64(n))
		return partition
	}, postgres.WithTimeouts(commit, settle))
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	// Writers append until one fails, or the partition has started: with twice as many
	// writers as the group needs, the appends that wait while one group commits soon form
	// one as large.
	const writers = 2 * group
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-proxy.parted:
					return
				default:
				}
				id := fmt.Sprintf("ev-%d-%d", w, i)
				if _, err := s.Append(ctx, "stream-"+id, store.Any, store.EventData{ID: id, Type: "T", Data: []byte(`{}`)}); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	select {
	case <-proxy.parted:
	case <-ctx.Done():
		t.Fatalf("no group of %d appends formed", group)
	}
	start := time.Now()
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()

	// The group's commit gives up after commit, its look-ups after settle all together, and
	// the appends that waited meanwhile form one more group, which gets no connection
	// within commit. Looked up one by one, the group's appends took settle each.
	bound := 2*commit + settle + 2*time.Second
	writing := make(chan struct{})
	go func() { wg.Wait(); close(writing) }()
	timer := time.NewTimer(bound)
	defer timer.Stop()
	select {
	case <-writing:
	case <-timer.C:
		t.Errorf("the appends have not returned %v after the connection of a group of %d was lost (look-ups take %v)", bound, lost.Load(), settle)
		<-writing
	}
	took := time.Since(start)
	mayHave := 0
	for _, err := range errs {
		switch {
		case err == nil:
		case strings.Contains(err.Error(), "may have committed"):
			mayHave++
		case !errors.Is(err, store.ErrClosed) && !strings.Contains(err.Error(), "nothing was written"):
			t.Errorf("an append failed with %v", err)
		}
	}
	if int64(mayHave) != lost.Load() {
		t.Errorf("%d appends failed saying that they may have committed, want the %d of the group", mayHave, lost.Load())
	}

	// pgx waits up to 15 s for the server to close a connection that failed, which a
	// partition makes it wait in full; that is the pool's affair, not the committer's.
	proxy.stop()
	awaitClosed(t, closed, 10*time.Second, "after the partition ended")
	t.Logf("group of %d: its appends returned %v after the partition began", lost.Load(), took)
}
