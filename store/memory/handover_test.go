package memory_test

import (
	"context"
	"iter"
	"reflect"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

// AppendHandover keeps the caller's compact Data and its Metadata instead of copies (the
// point of it: see store.HandoverAppender); AppendEvents keeps copies.
func TestStore_AppendHandover_keepsTheEvents(t *testing.T) {
	ctx := context.Background()
	for _, handover := range []bool{true, false} {
		s := memory.New()
		in := store.EventData{Type: "T", Data: []byte(`{"a":1}`), Metadata: map[string]string{"k": "v"}}
		var err error
		if handover {
			_, _, err = s.AppendHandover(ctx, "s", store.NoStream, in)
		} else {
			_, _, err = s.AppendEvents(ctx, "s", store.NoStream, in)
		}
		if err != nil {
			t.Fatal(err)
		}
		next, stop := iter.Pull2(store.SubscribeReadOnly(ctx, s, 0))
		held, err, ok := next()
		stop()
		if !ok || err != nil {
			t.Fatalf("subscribe: %v %v", ok, err)
		}
		sameData := &held.Data[0] == &in.Data[0]
		sameMeta := reflect.ValueOf(held.Metadata).UnsafePointer() == reflect.ValueOf(in.Metadata).UnsafePointer()
		if sameData != handover || sameMeta != handover {
			t.Errorf("handover %v: the store holds the caller's data %v and metadata %v", handover, sameData, sameMeta)
		}
	}
}
