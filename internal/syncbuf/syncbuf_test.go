package syncbuf_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/eventgraph/eventgraph/internal/syncbuf"
)

func TestBuffer_concurrentWrites(t *testing.T) {
	var b syncbuf.Buffer
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				b.Write([]byte("x\n"))
				_ = b.String()
			}
		})
	}
	wg.Wait()
	if got := strings.Count(b.String(), "x\n"); got != 800 {
		t.Fatalf("%d lines written, want 800", got)
	}
}
