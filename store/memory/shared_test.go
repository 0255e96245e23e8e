package memory_test

import (
	"context"
	"iter"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
	"github.com/eventgraph/eventgraph/store/storetest"
)

var _ store.SharedSubscriber = (*memory.Store)(nil)

// sharedSubscriptions is a memory store whose Subscribe is SubscribeShared, so that the
// conformance suite's subscription tests run against it too.
type sharedSubscriptions struct{ *memory.Store }

func (s sharedSubscriptions) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return s.SubscribeShared(ctx, after)
}

func TestStore_SubscribeShared(t *testing.T) {
	storetest.Run(t, storetest.Harness{New: func(testing.TB) store.Store { return sharedSubscriptions{memory.New()} }, SharedEvents: true, ReadsEndAtIterationStart: true})
}

func TestSubscribeReadOnly(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	s := memory.New()
	if _, err := s.Append(ctx, "s", store.NoStream, store.EventData{Type: "T", Data: []byte(`{"a":1}`), Metadata: map[string]string{"k": "v"}}); err != nil {
		t.Fatal(err)
	}
	var shared, copied store.Event
	for e, err := range store.SubscribeReadOnly(ctx, s, 0) {
		if err != nil {
			t.Fatal(err)
		}
		shared = e
		break
	}
	for e, err := range s.Subscribe(ctx, 0) {
		if err != nil {
			t.Fatal(err)
		}
		copied = e
		break
	}
	if string(shared.Data) != string(copied.Data) || shared.Metadata["k"] != "v" || shared.Position != 1 {
		t.Fatalf("SubscribeReadOnly yielded %+v, Subscribe %+v", shared, copied)
	}
	// The shared event is the store's own: the same bytes, not a copy.
	for e, err := range store.SubscribeReadOnly(ctx, s, 0) {
		if err != nil {
			t.Fatal(err)
		}
		if &e.Data[0] != &shared.Data[0] {
			t.Error("SubscribeReadOnly copied the data of a store that shares it")
		}
		break
	}
	copied.Metadata["k"] = "changed" // a copy: the store is not affected
	for e := range s.Subscribe(ctx, 0) {
		if e.Metadata["k"] != "v" {
			t.Errorf("Subscribe yielded metadata %v after a caller modified its copy", e.Metadata)
		}
		break
	}
}

// sharedReads is a memory store whose ReadAll is ReadAllShared, so that the conformance
// suite's read tests run against it too.
type sharedReads struct{ *memory.Store }

func (s sharedReads) ReadAll(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return s.ReadAllShared(ctx, after)
}

func TestStore_ReadAllShared(t *testing.T) {
	storetest.Run(t, storetest.Harness{New: func(testing.TB) store.Store { return sharedReads{memory.New()} }, SharedEvents: true, ReadsEndAtIterationStart: true})
}

func TestReadAllReadOnly(t *testing.T) {
	ctx := t.Context()
	s := memory.New()
	for _, stream := range []string{"a", "b"} {
		if _, err := s.Append(ctx, stream, store.NoStream, store.EventData{Type: "T", Data: []byte(`{"s":"` + stream + `"}`)}); err != nil {
			t.Fatal(err)
		}
	}
	read := func(seq iter.Seq2[store.Event, error]) []store.Event {
		var out []store.Event
		for e, err := range seq {
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, e)
		}
		return out
	}
	shared, again, copied := read(store.ReadAllReadOnly(ctx, s, 0)), read(store.ReadAllReadOnly(ctx, s, 1)), read(s.ReadAll(ctx, 0))
	if len(shared) != 2 || len(again) != 1 || again[0].Position != 2 || string(shared[1].Data) != string(copied[1].Data) {
		t.Fatalf("ReadAllReadOnly yielded %+v and from 1 %+v; ReadAll %+v", shared, again, copied)
	}
	if &again[0].Data[0] != &shared[1].Data[0] {
		t.Error("ReadAllReadOnly copied the data of a store that shares it")
	}
	if &copied[1].Data[0] == &shared[1].Data[0] {
		t.Error("ReadAll shared the store's data")
	}
}

// ReadAllReadOnly falls back to ReadAll for stores that do not share.
func TestReadAllReadOnly_fallback(t *testing.T) {
	s := onlyStore{memory.New()}
	if _, err := s.Append(t.Context(), "a", store.NoStream, store.EventData{Type: "T", Data: []byte(`1`)}); err != nil {
		t.Fatal(err)
	}
	n := 0
	for e, err := range store.ReadAllReadOnly(t.Context(), s, 0) {
		if err != nil || e.Position != 1 {
			t.Fatalf("got %+v, %v", e, err)
		}
		n++
	}
	if n != 1 {
		t.Fatalf("%d events, want 1", n)
	}
}

// onlyStore hides every method of its store but store.Store's.
type onlyStore struct{ store.Store }
