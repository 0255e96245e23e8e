package eventsourcing

import (
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

// TestCommandIndex_ApplyDoesNotWaitForACatchUp: while a lookup's catch-up holds the index,
// the Runner's Apply ignores the event instead of holding up the read models that share its
// subscription; the catch-up (or the next one) indexes it.
func TestCommandIndex_ApplyDoesNotWaitForACatchUp(t *testing.T) {
	ctx := t.Context()
	mem := memory.New()
	t.Cleanup(func() { _ = mem.Close() })
	meta := map[string]string{MetadataCommandID: "c1"}
	if _, err := mem.Append(ctx, "s", store.NoStream, store.EventData{Type: "T", Data: []byte(`{}`), Metadata: meta}); err != nil {
		t.Fatal(err)
	}
	var e store.Event
	for ev, err := range mem.ReadAll(ctx, 0) {
		if err != nil {
			t.Fatal(err)
		}
		e = ev
		break
	}
	x := NewCommandIndex(mem)

	x.sem <- struct{}{} // a lookup's catch-up runs
	if err := x.Apply(e); err != nil {
		t.Fatal(err)
	}
	if x.indexed != 0 {
		t.Errorf("Apply indexed position %d while a catch-up held the index", x.indexed)
	}
	<-x.sem

	if r, ok, err := x.Lookup(ctx, "c1"); err != nil || !ok || r.StreamID != "s" {
		t.Fatalf("Lookup(c1) = %+v, %v, %v; want the command on s", r, ok, err)
	}
	if err := x.Apply(e); err != nil || x.indexed != 1 { // indexed already: ignored
		t.Errorf("Apply of an indexed event: %v, indexed %d; want nil, 1", err, x.indexed)
	}
}
