package eventsourcing

import (
	"testing"

	"github.com/eventgraph/eventgraph/store"
)

// TestProcessor_writtenUpTo checks the lookup against its definition: the highest position
// written while handling the events up to p, from the writes kept and the last one dropped.
func TestProcessor_writtenUpTo(t *testing.T) {
	q := &processor{
		pruned: sagaWrite{event: 3, written: 10},
		writes: []sagaWrite{{event: 5, written: 12}, {event: 6, written: 14}, {event: 9, written: 20}},
	}
	for p, want := range map[store.Position]store.Position{
		0: 0, 2: 0, // before every write
		3: 10, 4: 10, // the dropped write
		5: 12, 6: 14, 7: 14, 8: 14, 9: 20, 100: 20,
	} {
		if got := q.writtenUpTo(p); got != want {
			t.Errorf("writtenUpTo(%d) = %d, want %d", p, got, want)
		}
	}
	empty := &processor{}
	if got := empty.writtenUpTo(5); got != 0 {
		t.Errorf("writtenUpTo(5) with no writes = %d, want 0", got)
	}
	onlyPruned := &processor{pruned: sagaWrite{event: 3, written: 10}}
	if got := onlyPruned.writtenUpTo(5); got != 10 {
		t.Errorf("writtenUpTo(5) with only a dropped write = %d, want 10", got)
	}
}
