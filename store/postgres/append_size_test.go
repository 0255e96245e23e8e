package postgres_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/postgres"
)

// TestStore_Append_sizeLimit: an append whose events are each well within the limit on
// one event, but over MaxAppendBytes in all, is refused with ErrInvalid and writes nothing.
// Before, it was sent: over PostgreSQL's limit on one message (1 GiB), the server dropped
// the connection, and the append failed as one that may have committed, with every other
// append of its group. (The test lowers the limit, so as not to append 256 MiB.)
func TestStore_Append_sizeLimit(t *testing.T) {
	const limit = 4 << 10
	s, _ := open(t, postgres.WithMaxAppendBytes(limit))
	ctx := t.Context()
	events := func(n int) []store.EventData {
		es := make([]store.EventData, n)
		for i := range es {
			es[i] = store.EventData{Type: "T", Data: fmt.Appendf(nil, "%q", strings.Repeat("x", 100))}
		}
		return es
	}
	if _, err := s.Append(ctx, "s", store.NoStream, events(limit/400)...); err != nil {
		t.Fatalf("Append of %d events of some 100 bytes: %v", limit/400, err)
	}
	_, err := s.Append(ctx, "s", store.Any, events(limit/100)...)
	if !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Append of %d events of some 100 bytes: err = %v, want ErrInvalid", limit/100, err)
	}
	if h, err := s.Head(ctx); h != limit/400 || err != nil {
		t.Errorf("head = %d, %v; want %d", h, err, limit/400)
	}
}
