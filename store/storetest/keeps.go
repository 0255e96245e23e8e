package storetest

import (
	"context"
	"iter"
	"reflect"
	"testing"

	"github.com/eventgraph/eventgraph/store"
)

// HandoverKeeps checks what store.HandoverAppender is for, on stores from newStore that
// implement it and store.EventsAppender: a subscriber that reads read-only (see
// store.SubscribeReadOnly) and keeps up with the log gets the very Data and Metadata of
// events handed over, not copies, and copies of those appended by AppendEvents. The
// conformance suite does not check it: sharing is allowed, not required.
func HandoverKeeps(tb testing.TB, newStore func(tb testing.TB) store.Store) {
	tb.Helper()
	ctx := context.Background()
	for _, handover := range []bool{true, false} {
		s := newStore(tb)
		ha, ok1 := s.(store.HandoverAppender)
		ea, ok2 := s.(store.EventsAppender)
		if !ok1 || !ok2 {
			tb.Fatalf("%T does not implement store.HandoverAppender and store.EventsAppender", s)
		}
		mustAppend(tb, ctx, s, "before", store.NoStream, ev("T", 1))
		next, stop := iter.Pull2(store.SubscribeReadOnly(ctx, s, 0))
		if _, err, ok := next(); !ok || err != nil { // the subscription keeps up now
			stop()
			tb.Fatalf("subscribe: %v %v", ok, err)
		}
		in := store.EventData{Type: "T", Data: []byte(`{"a":1}`), Metadata: map[string]string{"k": "v"}}
		var err error
		if handover {
			_, _, err = ha.AppendHandover(ctx, "s", store.NoStream, in)
		} else {
			_, _, err = ea.AppendEvents(ctx, "s", store.NoStream, in)
		}
		if err != nil {
			stop()
			tb.Fatal(err)
		}
		got, err, ok := next()
		stop()
		if !ok || err != nil {
			tb.Fatalf("subscribe: %v %v", ok, err)
		}
		sameData := &got.Data[0] == &in.Data[0]
		sameMeta := reflect.ValueOf(got.Metadata).UnsafePointer() == reflect.ValueOf(in.Metadata).UnsafePointer()
		if sameData != handover || sameMeta != handover {
			tb.Errorf("handed over %v: the subscriber got the appended data %v, the appended metadata %v", handover, sameData, sameMeta)
		}
		_ = s.Close()
	}
}
