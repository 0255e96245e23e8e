package service_test

import (
	"maps"
	"testing"

	"github.com/eventgraph/eventgraph/service"
	"github.com/eventgraph/eventgraph/store"
)

// TestService_EventIDsAt: the ids of a set of positions, on stores that read no batch of ids
// (memory and JSONL read one id at a time, a plain store reads the log): every position the
// log holds maps to its event's id, once however often it is asked; positions before the
// first event or beyond the head are left out, not errors.
func TestService_EventIDsAt(t *testing.T) {
	for name, st := range typeStores(t) {
		t.Run(name, func(t *testing.T) {
			if _, batches := st.(store.EventIDsReader); batches {
				t.Fatalf("%T reads ids in batches: this test is of the one-by-one path", st)
			}
			all := typedLog(t, st, 60)
			head := all[len(all)-1].Position
			svc := service.New(st)
			for _, ps := range [][]store.Position{
				nil,
				{1},
				{head},
				{head, 1, 30, 30, head, 2},
				{0, -3, head + 1, head + 1000},
				{5, 0, head + 1, 7},
			} {
				want := map[store.Position]string{}
				for _, p := range ps {
					if p >= 1 && p <= head {
						want[p] = all[p-1].ID
					}
				}
				got, err := svc.EventIDsAt(t.Context(), ps)
				if err != nil {
					t.Fatalf("EventIDsAt(%v): %v", ps, err)
				}
				if !maps.Equal(got, want) {
					t.Errorf("EventIDsAt(%v) = %v, want %v", ps, got, want)
				}
			}
			if svc.BatchesEventIDs() {
				t.Errorf("BatchesEventIDs() = true on %T, which reads one id at a time", st)
			}
		})
	}
}
