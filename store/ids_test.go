package store_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/eventgraph/eventgraph/store"
)

func TestIDs_New(t *testing.T) {
	ids := store.NewIDs()
	const workers, each = 4, 2000
	got := make([][]string, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for range each {
				got[w] = append(got[w], ids.New())
			}
		})
	}
	wg.Wait()
	seen := make(map[string]bool, workers*each)
	for _, list := range got {
		for _, id := range list {
			u, err := uuid.Parse(id)
			if err != nil {
				t.Fatalf("id %q does not parse: %v", id, err)
			}
			if u.Version() != 4 || u.Variant() != uuid.RFC4122 || u.String() != id {
				t.Fatalf("id %q: version %d, variant %v, want a canonical version 4 RFC 4122 UUID", id, u.Version(), u.Variant())
			}
			if seen[id] {
				t.Fatalf("id %q generated twice", id)
			}
			seen[id] = true
		}
	}
	// Two generators are seeded independently.
	if a, b := store.NewIDs().New(), store.NewIDs().New(); a == b {
		t.Fatalf("two generators started with the same id %q", a)
	}
}

func TestPrepareWith_generatesIDsFromTheGenerator(t *testing.T) {
	ids := store.NewIDs()
	out, err := store.PrepareWith(ids, "s", store.Any, []store.EventData{
		{Type: "T", Data: []byte(`{ "a" : 1 }`)},
		{ID: "given", Type: "T", Data: []byte(`[1, 2]`)},
	}, 0)
	if err != nil {
		t.Fatalf("PrepareWith: %v", err)
	}
	if u, err := uuid.Parse(out[0].ID); err != nil || u.Version() != 4 {
		t.Errorf("generated id %q: %v, version %d; want a version 4 UUID", out[0].ID, err, u.Version())
	}
	if out[1].ID != "given" {
		t.Errorf("given id became %q", out[1].ID)
	}
	if string(out[0].Data) != `{"a":1}` || string(out[1].Data) != `[1,2]` {
		t.Errorf("data = %s, %s; want compacted", out[0].Data, out[1].Data)
	}
}

func TestPrepareShared_sharesWhatItNeedNotCopy(t *testing.T) {
	compact, spaced := []byte(`{"a":1}`), []byte(`{ "a": 2 }`)
	meta := map[string]string{"k": "v"}
	out, err := store.PrepareShared(store.NewIDs(), "s", store.Any, []store.EventData{
		{Type: "T", Data: compact, Metadata: meta},
		{Type: "T", Data: spaced},
	}, 0)
	if err != nil {
		t.Fatalf("PrepareShared: %v", err)
	}
	if &out[0].Data[0] != &compact[0] {
		t.Errorf("compact data was copied, want it shared")
	}
	out[0].Metadata["k2"] = "x"
	if meta["k2"] != "x" {
		t.Errorf("metadata was copied, want it shared")
	}
	if string(out[1].Data) != `{"a":2}` || string(spaced) != `{ "a": 2 }` {
		t.Errorf("spaced data became %s (input now %s), want a compacted copy", out[1].Data, spaced)
	}
	if _, err := store.PrepareShared(nil, "s", store.Any, []store.EventData{{Type: "T", Data: []byte(`{`)}}, 0); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("PrepareShared of invalid JSON = %v, want ErrInvalid", err)
	}
}

func BenchmarkIDs_New(b *testing.B) {
	ids := store.NewIDs()
	b.ReportAllocs()
	for b.Loop() {
		if len(ids.New()) != 36 {
			b.Fatal("not a canonical UUID")
		}
	}
}
