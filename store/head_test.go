package store_test

import (
	"context"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

func TestHead(t *testing.T) {
	s := memory.New()
	defer s.Close()
	ctx := context.Background()
	noHeader := struct{ store.Store }{s} // hides Head: read from the log
	for name, st := range map[string]store.Store{"header": s, "no header": noHeader} {
		if h, err := store.Head(ctx, st); err != nil || h != 0 {
			t.Errorf("%s, empty log: Head = %d, %v; want 0", name, h, err)
		}
	}
	if _, err := s.Append(ctx, "a", store.NoStream, store.EventData{Type: "T", Data: []byte(`{}`)}, store.EventData{Type: "T", Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, "b", store.NoStream, store.EventData{Type: "T", Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	for name, st := range map[string]store.Store{"header": s, "no header": noHeader} {
		if h, err := store.Head(ctx, st); err != nil || h != 3 {
			t.Errorf("%s: Head = %d, %v; want 3", name, h, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Head(ctx, noHeader); err == nil {
		t.Error("Head of a closed store without Header: no error")
	}
}
