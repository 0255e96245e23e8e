package jsonl_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// BenchmarkSnapshot saves and reads a stream's snapshot whose state is one long JSON string
// (about what a restaurant with 100,000 orders keeps: 3.7 MB), beside a small one, with and
// without sync. A save replaces the snapshot before it.
func BenchmarkSnapshot(b *testing.B) {
	ctx := context.Background()
	for _, size := range []int{1_000, 3_700_000} {
		state := []byte(`{"Orders":"` + strings.Repeat("x", size) + `"}`)
		for _, sync := range []bool{false, true} {
			name := fmt.Sprintf("bytes=%d/sync=%v", size, sync)
			var opts []jsonl.Option
			if !sync {
				opts = append(opts, jsonl.WithNoSync())
			}
			s, err := jsonl.Open(b.TempDir(), opts...)
			if err != nil {
				b.Fatal(err)
			}
			app, err := s.Append(ctx, "s", store.Any, store.EventData{ID: "e1", Type: "T", Data: []byte(`{}`)})
			if err != nil {
				b.Fatal(err)
			}
			snap := store.Snapshot{Version: app.Version, EventID: "e1", Revision: "r", State: state}
			b.Run("save/"+name, func(b *testing.B) {
				b.SetBytes(int64(len(state)))
				for b.Loop() {
					if err := s.SaveSnapshot(ctx, "s", snap); err != nil {
						b.Fatal(err)
					}
				}
			})
			if !sync {
				b.Run("read/"+name, func(b *testing.B) {
					b.SetBytes(int64(len(state)))
					for b.Loop() {
						if _, ok, err := s.Snapshot(ctx, "s"); err != nil || !ok {
							b.Fatal(ok, err)
						}
					}
				})
			}
			if err := s.Close(); err != nil {
				b.Fatal(err)
			}
		}
	}
}
