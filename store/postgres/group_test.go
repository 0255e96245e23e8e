package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/postgres"
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

// TestStore_Append_groupCommitBoundedByBytes: a group of appends holds at most the group
// byte budget of them (as MaxAppendBytes counts an append), however many writers wait.
// Before, only the number of appends and of events bounded a group, so 256 appends of up
// to 256 MiB each could share one batch, which pgx encodes into one buffer. The test lowers
// the budget to a few appends' worth and tells the groups apart by the transaction that
// inserted each event (its xmin): a group is one transaction.
func TestStore_Append_groupCommitBoundedByBytes(t *testing.T) {
	const budget = 4000
	event := func(id string, dataBytes int) store.EventData {
		return store.EventData{ID: id, Type: "T", Data: fmt.Appendf(nil, "%q", strings.Repeat("x", dataBytes-2))}
	}

	t.Run("concurrent appends are split into groups by size", func(t *testing.T) {
		s, _ := open(t, postgres.WithMaxGroupBytes(budget))
		// An append the committer lost would wait for ever.
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		// Each writer appends to a stream of its own, one append after another: appends of
		// one to three events of some 630 bytes each, and now and then one of a single event
		// over the budget on its own.
		const writers, perWriter = 16, 20
		type sent struct {
			stream string
			events []store.EventData
			got    store.Appended
			err    error
		}
		appends := make([][]sent, writers)
		var wg sync.WaitGroup
		for w := range writers {
			appends[w] = make([]sent, perWriter)
			wg.Go(func() {
				var version store.Version
				for i := range appends[w] {
					a := &appends[w][i]
					a.stream = fmt.Sprintf("w-%02d", w)
					if (w*perWriter+i)%13 == 0 {
						a.events = []store.EventData{event(fmt.Sprintf("e-%02d-%02d-0", w, i), budget+1000)}
					} else {
						for j := range i%3 + 1 {
							a.events = append(a.events, event(fmt.Sprintf("e-%02d-%02d-%d", w, i, j), 600))
						}
					}
					a.got, a.err = s.Append(ctx, a.stream, version, a.events...)
					version = a.got.Version
				}
			})
		}
		wg.Wait()

		// Every append committed, at its stream's next versions, and took consecutive
		// positions; a writer's appends, one after another, took increasing ones.
		var total int
		at := map[store.Position]*sent{} // each event's position: the append that holds it
		for w := range appends {
			var version store.Version
			var last store.Position
			for i := range appends[w] {
				a := &appends[w][i]
				if a.err != nil {
					t.Fatalf("writer %d, append %d: %v", w, i, a.err)
				}
				n := len(a.events)
				version += store.Version(n)
				if a.got.Version != version || a.got.Position-store.Position(n) < last {
					t.Errorf("writer %d, append %d of %d events: at version %d, position %d; want version %d, after position %d",
						w, i, n, a.got.Version, a.got.Position, version, last)
				}
				last = a.got.Position
				for p := a.got.Position - store.Position(n) + 1; p <= a.got.Position; p++ {
					at[p] = a
				}
				total += n
			}
		}
		all := readAllEvents(t, s)
		if len(all) != total {
			t.Fatalf("the log holds %d events, want %d", len(all), total)
		}
		for i, e := range all {
			a := at[e.Position]
			if e.Position != store.Position(i+1) || a == nil {
				t.Fatalf("event %d at position %d, which no append reported", i, e.Position)
			}
			k := len(a.events) - int(a.got.Position-e.Position) - 1
			if e.StreamID != a.stream || e.ID != a.events[k].ID || e.Version != a.got.Version-store.Version(len(a.events)-1-k) {
				t.Errorf("position %d holds %s@%d (%s), want %s of %s", e.Position, e.StreamID, e.Version, e.ID, a.events[k].ID, a.stream)
			}
		}

		// The groups, in commit order: the appends each transaction committed.
		type group struct {
			xmin    int64
			appends []*sent
			bytes   int
		}
		var groups []*group
		rows, err := s.Pool().Query(ctx, `SELECT position, xmin::text::bigint FROM `+
			pgx.Identifier{s.Schema(), "events"}.Sanitize()+` ORDER BY position`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var prev *sent
		for rows.Next() {
			var p store.Position
			var xmin int64
			if err := rows.Scan(&p, &xmin); err != nil {
				t.Fatal(err)
			}
			a := at[p]
			if len(groups) == 0 || groups[len(groups)-1].xmin != xmin {
				if a == prev {
					t.Errorf("the append of %s at position %d is split over two transactions", a.stream, p)
				}
				groups = append(groups, &group{xmin: xmin})
			}
			g := groups[len(groups)-1]
			if a != prev {
				g.appends = append(g.appends, a)
				g.bytes += appendSize(a.stream, a.events)
				prev = a
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		shared := 0
		for _, g := range groups {
			if len(g.appends) == 1 {
				continue
			}
			shared++
			if g.bytes > budget {
				t.Errorf("a group of %d appends holds %d bytes, over the budget of %d", len(g.appends), g.bytes, budget)
			}
		}
		if shared == 0 {
			t.Fatal("no two appends shared a group: the test proved nothing")
		}
		t.Logf("%d appends in %d groups, %d of them of several appends", writers*perWriter, len(groups), shared)
	})

	t.Run("an append over the budget commits alone", func(t *testing.T) {
		s, _ := open(t, postgres.WithMaxGroupBytes(budget))
		// An append the committer lost would wait for ever.
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		for i, size := range []int{budget * 3, 100, budget * 2} {
			got, err := s.Append(ctx, "s", store.Version(i), event(fmt.Sprint("e-", i), size))
			if err != nil || got.Version != store.Version(i+1) || got.Position != store.Position(i+1) {
				t.Errorf("append %d of %d bytes: %+v, %v; want version and position %d", i, size, got, err, i+1)
			}
		}
		all := readAllEvents(t, s)
		for i, want := range []int{budget * 3, 100, budget * 2} {
			if len(all) != 3 || len(all[i].Data) != want {
				t.Fatalf("the log holds %d events; want the 3 appended, event %d of %d bytes", len(all), i, want)
			}
		}
	})
}

// appendSize is an append's size as Append counts it for MaxAppendBytes, and the committer
// for its group byte budget: the stream id, and each event's id, type, data and metadata
// (as a JSON object; "{}" when empty) with a length each.
func appendSize(stream string, events []store.EventData) int {
	n := len(stream)
	for _, e := range events {
		meta := 2
		if len(e.Metadata) > 0 {
			b, _ := json.Marshal(e.Metadata)
			meta = len(b)
		}
		n += len(e.ID) + len(e.Type) + len(e.Data) + meta + 4*4
	}
	return n
}
