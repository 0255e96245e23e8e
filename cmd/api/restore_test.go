package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/eventgraph/eventgraph/graph/graphtest"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// TestMain_afterEventIDAcrossARestore: a backup taken with jsonl.Backup while the server
// writes, restored as the README says once the log had grown past it, and written to past
// the old head again: a client resuming events at an old position with the id of the event
// it read there is refused (BAD_USER_INPUT) in the query and the subscription over
// each transport, and resumes with the id the restored log holds at that position.
func TestMain_afterEventIDAcrossARestore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	backup := filepath.Join(t.TempDir(), "backup")
	create := func(c *graphtest.Client, ids ...string) {
		for _, id := range ids {
			gql(t, c, createRestaurant, map[string]any{"in": map[string]any{"id": id, "name": "R", "menu": menu("a")}})
		}
	}
	idAt := func(c *graphtest.Client, p int64) string {
		v := decode[struct{ Events []struct{ ID string } }](t, gql(t, c, `query($a: Int64) { events(afterPosition: $a, first: 1) { id } }`, map[string]any{"a": p - 1}))
		if len(v.Events) != 1 {
			t.Fatalf("no event at position %d", p)
		}
		return v.Events[0].ID
	}

	m1, _ := startMain(t, "--data", dir)
	c := newClient(t, m1.URL()+"/graphql")
	create(c, "r1", "r2", "r3")
	if _, err := jsonl.Backup(context.Background(), dir, backup); err != nil {
		t.Fatalf("Backup while the server runs: %v", err)
	}
	create(c, "r4", "r5", "r6")
	old := idAt(c, 5)
	if err := m1.Close(); err != nil {
		t.Fatal(err)
	}

	// The restore: the log moved aside, the backup copied into place.
	if err := os.Rename(filepath.Join(dir, jsonl.LogFile), filepath.Join(t.TempDir(), "aside.jsonl")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(backup, jsonl.LogFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, jsonl.LogFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	_ = os.Remove(filepath.Join(dir, "checkpoints.json"))
	_ = os.RemoveAll(filepath.Join(dir, jsonl.SnapshotDir))

	m2, _ := startMain(t, "--data", dir)
	c = newClient(t, m2.URL()+"/graphql")
	create(c, "q4", "q5", "q6", "q7") // past the old head
	fresh := idAt(c, 5)
	if fresh == old {
		t.Fatalf("the restored log holds the old event %s at position 5", old)
	}

	const query = `query($id: ID) { events(afterPosition: 5, afterEventId: $id) { position } }`
	const sub = `subscription($id: ID) { events(afterPosition: 5, afterEventId: $id) { position } }`
	ctx := testCtx(t)
	r, err := c.Query(ctx, query, map[string]any{"id": old})
	if err != nil || r.Code() != "BAD_USER_INPUT" {
		t.Errorf("the query with the old log's id: %v, %v; want BAD_USER_INPUT", r, err)
	}
	r, err = c.Query(ctx, query, map[string]any{"id": fresh})
	if err != nil || len(r.Errors) > 0 || string(r.Data) != `{"events":[{"position":6},{"position":7}]}` {
		t.Errorf("the query with the restored log's id: %v, %v; want positions 6 and 7", r, err)
	}
	for _, proto := range []graphtest.Protocol{graphtest.TransportWS, graphtest.LegacyWS, "sse"} {
		subscribe := func(vars map[string]any) (*graphtest.Subscription, error) {
			if proto == "sse" {
				return c.SubscribeSSE(ctx, sub, vars)
			}
			return c.SubscribeWS(ctx, proto, sub, vars)
		}
		t.Run(fmt.Sprint(proto), func(t *testing.T) {
			s, err := subscribe(map[string]any{"id": old})
			if err != nil {
				t.Fatal(err)
			}
			r, err := s.Next(ctx)
			s.Close()
			if err != nil || r.Code() != "BAD_USER_INPUT" {
				t.Errorf("the subscription with the old log's id: %v, %v; want BAD_USER_INPUT", r, err)
			}
			s, err = subscribe(map[string]any{"id": fresh})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			r, err = s.Next(ctx)
			if err != nil || len(r.Errors) > 0 {
				t.Fatalf("the subscription with the restored log's id: %v, %v", r, err)
			}
			var v struct{ Events struct{ Position int64 } }
			if err := json.Unmarshal(r.Data, &v); err != nil || v.Events.Position != 6 {
				t.Errorf("the subscription with the restored log's id starts with %s, want position 6", r.Data)
			}
		})
	}
}
