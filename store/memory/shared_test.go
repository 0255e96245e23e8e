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
	storetest.Run(t, storetest.Harness{New: func(testing.TB) store.Store { return sharedSubscriptions{memory.New()} }})
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
