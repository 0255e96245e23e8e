package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/eventgraph/eventgraph/store"
)

// oddStreamIDs are stream ids a store must treat as opaque strings.
func oddStreamIDs() []string {
	return []string{
		"restaurant-1",
		"a/b/../c",
		`C:\dir\file.txt`,
		"ünïcödé 日本 😀",
		`with "quotes" and {braces}`,
		"tab\tnewline\nnul\x00end",
		" leading and trailing ",
		strings.Repeat("long", 250),
	}
}

// checkStreamIDs: any non-empty string is a stream id, kept apart from every other.
func checkStreamIDs(tb testing.TB, h Harness) {
	ctx, s := open(tb, h)
	ids := oddStreamIDs()
	for i, id := range ids {
		mustAppend(tb, ctx, s, id, store.NoStream, numbered("T", 10*i, i%3+1)...)
	}
	all := readAll(tb, ctx, s, 0)
	var p store.Position
	for i, id := range oddStreamIDs() {
		n := i%3 + 1
		got := readStream(tb, ctx, s, id, 0)
		if len(got) != n {
			tb.Errorf("stream %q holds %d events, want %d", id, len(got), n)
			continue
		}
		for j, e := range got {
			p++
			if e.StreamID != id || e.Version != store.Version(j+1) || e.Position != p || string(e.Data) != fmt.Sprintf(`{"n":%d}`, 10*i+j) {
				tb.Errorf("stream %q event %d = {stream %q, version %d, position %d, data %s}", id, j, e.StreamID, e.Version, e.Position, e.Data)
			}
			if int(p) <= len(all) && all[p-1].StreamID != id {
				tb.Errorf("ReadAll: position %d in stream %q, want %q", p, all[p-1].StreamID, id)
			}
		}
	}
	if len(all) != int(p) {
		tb.Errorf("ReadAll yielded %d events, want %d", len(all), p)
	}
}

// checkCloseWhileAppending: Close while writers append and a subscriber waits: every
// append either succeeds or fails with ErrClosed, nothing panics, every goroutine ends, and
// what was acknowledged before Close is in the log (after a restart, when the harness can).
func checkCloseWhileAppending(tb testing.TB, h Harness) {
	const writers = 8
	ctx, s := open(tb, h)
	mustAppend(tb, ctx, s, "first", store.NoStream, numbered("F", 0, 1)...)
	subEnded := make(chan error, 1)
	go func() {
		for _, err := range s.Subscribe(ctx, 0) {
			if err != nil {
				subEnded <- err
				return
			}
		}
		subEnded <- errors.New("subscription ended without an error")
	}()

	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		acked []store.Appended
	)
	started := make(chan struct{}, writers)
	problems := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := 0; ; i++ {
				a, err := s.Append(ctx, fmt.Sprint("w-", w), store.Any, numbered("W", i, 1+i%2)...)
				if i == 0 {
					started <- struct{}{}
				}
				if errors.Is(err, store.ErrClosed) {
					return
				}
				if err != nil {
					problems <- fmt.Errorf("writer %d: %w", w, err)
					return
				}
				mu.Lock()
				acked = append(acked, a)
				mu.Unlock()
			}
		})
	}
	for range writers {
		<-started
	}
	if err := s.Close(); err != nil {
		tb.Errorf("Close while appending: %v", err)
	}
	if _, ok := await(h, func() <-chan struct{} {
		done := make(chan struct{}, 1)
		go func() { wg.Wait(); done <- struct{}{} }()
		return done
	}()); !ok {
		tb.Fatalf("writers still running %v after Close", h.timeout())
	}
	close(problems)
	for err := range problems {
		tb.Error(err)
	}
	if err, ok := await(h, subEnded); !ok {
		tb.Errorf("subscription still running %v after Close", h.timeout())
	} else if !errors.Is(err, store.ErrClosed) {
		tb.Errorf("subscription ended with %v on Close, want ErrClosed", err)
	}
	if h.Reopen == nil {
		return
	}
	s = reopen(tb, h, s)
	all := readAll(tb, ctx, s, 0)
	if msg := contiguous(all, 0, store.Position(len(all))); msg != "" {
		tb.Errorf("log after Close during appends and a restart: %s", msg)
	}
	for _, a := range acked {
		if int(a.Position) > len(all) {
			tb.Errorf("an append acknowledged at position %d is missing after a restart (the log ends at %d)", a.Position, len(all))
			break
		}
	}
}
