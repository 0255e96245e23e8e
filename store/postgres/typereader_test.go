package postgres_test

import (
	"slices"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/postgres"
)

// TestStore_ReadAllTypes_yieldsAPrefixWhileAppendsGoOn: what ReadAllTypes yields is a
// prefix of the log's events of those types, as ReadAll's is of the log, also when events
// are appended while it runs. Each type is read by its own queries, a page at a time: had
// they no common bound (the head when the call began), a type whose reads had ended would
// miss an event that another type's later page then passes (here: the A at position 3,
// behind the B at 4).
func TestStore_ReadAllTypes_yieldsAPrefixWhileAppendsGoOn(t *testing.T) {
	s, _ := open(t, postgres.WithPageSize(1))
	ctx := t.Context()
	ev := func(typ string) store.EventData { return store.EventData{Type: typ, Data: []byte(`{}`)} }
	if _, err := s.Append(ctx, "s", store.NoStream, ev("A"), ev("B")); err != nil {
		t.Fatal(err)
	}
	var got []store.Position
	for e, err := range s.ReadAllTypes(ctx, 0, []string{"A", "B"}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e.Position)
		if e.Position == 2 {
			if _, err := s.Append(ctx, "s", 2, ev("A"), ev("B")); err != nil {
				t.Fatal(err)
			}
		}
	}
	all := []store.Position{1, 2, 3, 4}
	if len(got) < 2 || !slices.Equal(got, all[:len(got)]) {
		t.Errorf("ReadAllTypes yielded positions %v, want a prefix of %v at least as long as the head it began at (2)", got, all)
	}
}
