package jsonl_test

import (
	"context"
	"iter"
	"reflect"
	"testing"

	"github.com/eventgraph/eventgraph/store"
)

// While someone subscribes, the tail cache keeps a handed-over append's compact Data and its
// Metadata instead of copies (see store.HandoverAppender); it copies an AppendEvents'.
func TestStore_AppendHandover_tailKeepsTheEvents(t *testing.T) {
	ctx := context.Background()
	for _, handover := range []bool{true, false} {
		s := openStore(t, t.TempDir())
		mustAppend(t, s, "before", store.NoStream, ev("T", 1))
		next, stop := iter.Pull2(store.SubscribeReadOnly(ctx, s, 0))
		if _, err, ok := next(); !ok || err != nil { // the subscription is live now
			t.Fatalf("subscribe: %v %v", ok, err)
		}
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
		held, err, ok := next()
		stop()
		if !ok || err != nil {
			t.Fatalf("subscribe: %v %v", ok, err)
		}
		sameData := &held.Data[0] == &in.Data[0]
		sameMeta := reflect.ValueOf(held.Metadata).UnsafePointer() == reflect.ValueOf(in.Metadata).UnsafePointer()
		if sameData != handover || sameMeta != handover {
			t.Errorf("handover %v: the tail holds the caller's data %v and metadata %v", handover, sameData, sameMeta)
		}
	}
}
