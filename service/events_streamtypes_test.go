package service_test

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/eventgraph/eventgraph/service"
	"github.com/eventgraph/eventgraph/store"
)

// streamTypeReads passes a store.StreamTypeReader through and counts the events ReadStream
// yields, which a read of a stream's events of some types should not need.
type streamTypeReads struct {
	store.Store
	tr     store.StreamTypeReader
	stream atomic.Int64
}

func (c *streamTypeReads) ReadStream(ctx context.Context, stream string, after store.Version) iter.Seq2[store.Event, error] {
	return counted(c.Store.ReadStream(ctx, stream, after), &c.stream)
}

func (c *streamTypeReads) ReadStreamTypes(ctx context.Context, stream string, after store.Version, types []string) iter.Seq2[store.Event, error] {
	return c.tr.ReadStreamTypes(ctx, stream, after, types)
}

// A page of a stream's events of some types holds what filtering the stream gives, whether
// the store reads a stream by type or not; a store that does is not asked for the stream's
// other events (a menu change among a restaurant's tens of thousands of placed orders read
// them all to fill a page).
func TestService_Events_streamByType(t *testing.T) {
	for name, st := range typeStores(t) {
		t.Run(name, func(t *testing.T) {
			all := typedLog(t, st, 600)
			var svc *service.Service
			var reads *streamTypeReads
			if tr, ok := st.(store.StreamTypeReader); ok {
				reads = &streamTypeReads{Store: st, tr: tr}
				svc = service.New(reads)
			} else {
				svc = service.New(st)
			}
			head := all[len(all)-1].Position
			for _, types := range [][]string{{"T4"}, {"T1", "T4"}, {"T2", "T2"}, {"none"}, {}} {
				for _, after := range []store.Position{0, 8, head / 2, head} {
					for _, limit := range []int{1, 3, 1000} {
						var want []store.Event
						for _, e := range ofTypes(all, after, types) {
							if e.StreamID == "s-1" && len(want) < limit {
								want = append(want, e)
							}
						}
						what := fmt.Sprintf("Events(%d, s-1, %q, %d)", after, types, limit)
						got, err := svc.Events(t.Context(), after, service.EventFilter{StreamID: "s-1", Types: types}, limit)
						if err != nil {
							t.Fatalf("%s: %v", what, err)
						}
						if !slices.EqualFunc(got, want, func(a, b store.Event) bool { return a.ID == b.ID }) {
							t.Fatalf("%s: got %d events, want %d", what, len(got), len(want))
						}
					}
				}
			}
			if reads != nil && reads.stream.Load() != 0 {
				t.Errorf("the stream was read (%d events) to find some of its types", reads.stream.Load())
			}
		})
	}
}
