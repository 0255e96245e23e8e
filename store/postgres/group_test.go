package postgres_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/eventgraph/eventgraph/store"
)

// TestStore_Append_groupCommitIsolatesFailures: appends that share a group commit fail
// alone. A trigger makes the database refuse events of type Poison; while many writers
// append at once (so appends share groups), each poisoned append fails and writes nothing,
// and every other append succeeds.
func TestStore_Append_groupCommitIsolatesFailures(t *testing.T) {
	s, _ := open(t)
	ctx := t.Context()
	q := func(name string) string { return pgx.Identifier{s.Schema(), name}.Sanitize() }
	if _, err := s.Pool().Exec(ctx, `CREATE FUNCTION `+q("poison")+`() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.type = 'Poison'::bytea THEN RAISE EXCEPTION 'poisoned event'; END IF; RETURN NEW; END $$`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pool().Exec(ctx, `CREATE TRIGGER poison BEFORE INSERT ON `+q("events")+
		` FOR EACH ROW EXECUTE FUNCTION `+q("poison")+`()`); err != nil {
		t.Fatal(err)
	}

	const rounds, writers = 5, 32
	var good, bad int
	for round := range rounds {
		var wg sync.WaitGroup
		errs := make([]error, writers)
		for w := range writers {
			wg.Go(func() {
				typ := "T"
				if w == round { // one poisoned append per round, a different writer each time
					typ = "Poison"
				}
				_, errs[w] = s.Append(ctx, fmt.Sprint("s-", w), store.Any, store.EventData{Type: typ, Data: []byte(`{}`)})
			})
		}
		wg.Wait()
		for w, err := range errs {
			switch {
			case w == round && err == nil:
				t.Errorf("round %d: the poisoned append succeeded", round)
			case w == round:
				bad++
			case err != nil:
				t.Errorf("round %d: writer %d failed with the poisoned append: %v", round, w, err)
			default:
				good++
			}
		}
	}
	all := readAllEvents(t, s)
	if len(all) != good {
		t.Errorf("the log holds %d events, want the %d good ones", len(all), good)
	}
	for i, e := range all {
		if e.Type != "T" || e.Position != store.Position(i+1) {
			t.Errorf("event %d: type %s at position %d", i, e.Type, e.Position)
		}
	}
	if bad != rounds {
		t.Errorf("%d poisoned appends failed, want %d", bad, rounds)
	}
}
