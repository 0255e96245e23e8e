package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/postgres"
)

// Servers sharing a schema share the read models' states: a save never moves the set back
// past events the log holds, and a set naming events the log does not hold (a restored
// backup), or of other projections or revisions (a release before or after, during a
// rolling upgrade), is replaced by any save.
func TestStore_projectionStatesAreSharedAndNeverGoBack(t *testing.T) {
	ctx := context.Background()
	s, dbURL := open(t)
	ids := appendThree(t, s)
	at := func(p, head int, data string) store.ProjectionStates {
		return store.ProjectionStates{Position: store.Position(p), EventID: ids[p-1], Head: store.Position(head), HeadEventID: ids[head-1],
			States: []store.ProjectionState{{Name: "orders", Revision: "1", Data: []byte(data)}}}
	}
	revised := func(ps store.ProjectionStates) store.ProjectionStates {
		ps.States = []store.ProjectionState{{Name: "orders", Revision: "2", Data: ps.States[0].Data}}
		return ps
	}
	renamed := func(ps store.ProjectionStates) store.ProjectionStates {
		ps.States = []store.ProjectionState{{Name: "orders", Revision: "1", Data: ps.States[0].Data}, {Name: "restaurants", Revision: "1", Data: []byte("r")}}
		return ps
	}
	moved := func(ps store.ProjectionStates) store.ProjectionStates {
		ps.States = []store.ProjectionState{{Name: "orders2", Revision: "1", Data: ps.States[0].Data}}
		return ps
	}
	other := store.ProjectionStates{Position: 2, EventID: "other", Head: 3, HeadEventID: ids[2],
		States: []store.ProjectionState{{Name: "orders", Revision: "1", Data: []byte("of another log")}}}
	steps := []struct {
		name       string
		save, want store.ProjectionStates
	}{
		{"a first save", at(2, 3, "two"), at(2, 3, "two")},
		{"a slower server's save", at(1, 3, "one"), at(2, 3, "two")},
		{"a save at the same position", at(2, 2, "two again"), at(2, 2, "two again")},
		{"a save further on", at(3, 3, "three"), at(3, 3, "three")},
		{"a set of another log, further back", other, at(3, 3, "three")},
		{"a set of another revision, further back", revised(at(2, 3, "two, revision 2")), revised(at(2, 3, "two, revision 2"))},
		{"a set of the revision before, further back", at(1, 3, "one"), at(1, 3, "one")},
		{"a set of other projections, further back", renamed(at(1, 1, "one, renamed")), renamed(at(1, 1, "one, renamed"))},
		{"a save further on again", at(3, 3, "three again"), at(3, 3, "three again")},
		{"a set of another projection of the same revision, further back", moved(at(2, 3, "two, moved")), moved(at(2, 3, "two, moved"))},
	}
	for _, st := range steps {
		if err := s.SaveProjectionStates(ctx, st.save); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if ps, ok, err := s.ProjectionStates(ctx); err != nil || !ok || !sameStates(ps, st.want) {
			t.Fatalf("after %s: %+v, %v, %v; want %+v", st.name, ps, ok, err, st.want)
		}
	}

	// A set that does not match the log (as a restored backup leaves it) gives way to the
	// next save, even one further back.
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	q := pgx.Identifier{s.Schema(), "projection_states"}.Sanitize()
	if _, err := conn.Exec(ctx, `UPDATE `+q+` SET event_id = 'restored'`); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveProjectionStates(ctx, at(1, 2, "one")); err != nil {
		t.Fatal(err)
	}
	if ps, ok, err := s.ProjectionStates(ctx); err != nil || !ok || !sameStates(ps, at(1, 2, "one")) {
		t.Fatalf("after a save over a set of another log: %+v, %v, %v; want the save's", ps, ok, err)
	}

	// A row no save wrote (its arrays of different lengths) is an error, not a set.
	if _, err := conn.Exec(ctx, `UPDATE `+q+` SET names = ARRAY['a'::bytea, 'b'::bytea]`); err != nil {
		t.Fatal(err)
	}
	if ps, ok, err := s.ProjectionStates(ctx); err == nil || ok || !strings.Contains(err.Error(), "not a set any save wrote") {
		t.Fatalf("a row edited by hand: %+v, %v, %v; want an error", ps, ok, err)
	}
}

func sameStates(a, b store.ProjectionStates) bool {
	if a.Position != b.Position || a.EventID != b.EventID || a.Head != b.Head || a.HeadEventID != b.HeadEventID || len(a.States) != len(b.States) {
		return false
	}
	for i := range a.States {
		if a.States[i].Name != b.States[i].Name || a.States[i].Revision != b.States[i].Revision || string(a.States[i].Data) != string(b.States[i].Data) {
			return false
		}
	}
	return true
}

// appendThree appends three events to stream "a" of the empty log of s and returns their ids.
func appendThree(t *testing.T, s *postgres.Store) []string {
	t.Helper()
	ctx := context.Background()
	if _, err := s.Append(ctx, "a", store.NoStream,
		store.EventData{Type: "T", Data: []byte(`1`)}, store.EventData{Type: "T", Data: []byte(`2`)},
		store.EventData{Type: "T", Data: []byte(`3`)}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for e, err := range s.ReadAll(ctx, 0) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
	}
	return ids
}
