package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// TestMain_backupWhileServingAndRestore: a backup taken while clients place orders holds every
// order acknowledged before it began. After the server's log grew on, the server was stopped
// and the backup restored, the server serves the backup's log, the saga creates each order
// placed in it exactly once, and a client that resumes at a position it read after the
// backup, with that event's id, is refused once the restored log has grown past it.
func TestMain_backupWhileServingAndRestore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	backupDir := filepath.Join(t.TempDir(), "backup")
	m1, _ := startMain(t, "--data", dir)
	c := newClient(t, m1.URL()+"/graphql")
	gql(t, c, createRestaurant, map[string]any{"in": map[string]any{"id": "r1", "name": "R", "menu": menu("a")}})

	// Clients place orders until stopped; reached(n) is closed once n were acknowledged.
	var mu sync.Mutex
	var acked []int64
	reached := map[int]chan struct{}{20: make(chan struct{}), 40: make(chan struct{})}
	ctx, stop := context.WithCancel(testCtx(t))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for ctx.Err() == nil {
				r, err := c.Query(ctx, placeOrder, map[string]any{"in": map[string]any{"restaurantId": "r1", "menuItemIds": []string{"a"}}})
				if ctx.Err() != nil {
					return
				}
				if err != nil || r.Err() != nil {
					t.Errorf("placeOrder: %v %v", err, r.Err())
					return
				}
				var out struct{ PlaceOrder result }
				if err := r.Decode(&out); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				acked = append(acked, out.PlaceOrder.Position)
				if ch, ok := reached[len(acked)]; ok {
					close(ch)
				}
				mu.Unlock()
			}
		})
	}
	<-reached[20]
	mu.Lock()
	before := slices.Clone(acked) // acknowledged before the backup began
	mu.Unlock()
	rep, err := jsonl.Backup(context.Background(), dir, backupDir)
	if err != nil {
		t.Fatalf("Backup while serving: %v", err)
	}
	<-reached[40]
	stop()
	wg.Wait()
	for _, p := range before {
		if p > rep.Events {
			t.Fatalf("the order acknowledged at position %d before the backup began is not in it (%d events)", p, rep.Events)
		}
	}

	// A client read the event at the head, written after the backup was taken (the saga
	// may write on after it).
	type eventAtPos struct {
		ID       string `json:"id"`
		Position int64  `json:"position"`
	}
	head := decode[struct{ Status struct{ Head int64 } }](t, gql(t, c, `{ status { head } }`, nil)).Status.Head
	read := decode[struct{ Events []eventAtPos }](t, gql(t, c, `query($a: Int64) { events(afterPosition: $a, first: 1) { id position } }`, map[string]any{"a": head - 1})).Events
	if len(read) != 1 || read[0].Position <= rep.Events {
		t.Fatalf("the last event %+v, want one after the backup's %d", read, rep.Events)
	}
	if err := m1.Close(); err != nil {
		t.Fatal(err)
	}

	if _, moved, err := jsonl.Restore(context.Background(), backupDir, dir); err != nil || len(moved) < 2 {
		t.Fatalf("Restore: %q %v, want the log and the saga's checkpoint moved aside", moved, err)
	}
	m2, _ := startMain(t, "--data", dir)
	c = newClient(t, m2.URL()+"/graphql")
	if head := decode[struct{ Status struct{ Head int64 } }](t, gql(t, c, `{ status { head } }`, nil)).Status.Head; head < rep.Events {
		t.Fatalf("the restored server's head is %d, want the backup's %d and the saga's orders", head, rep.Events)
	}
	// The restored log grows past the position the client read.
	for i := 0; ; i++ {
		res := decode[struct{ CreateRestaurant result }](t, gql(t, c, createRestaurant, map[string]any{"in": map[string]any{"id": fmt.Sprintf("later%d", i), "name": "L", "menu": menu("a")}}))
		if res.CreateRestaurant.Position > read[0].Position {
			head = res.CreateRestaurant.Position
			break
		}
	}

	// Every order placed in the restored log, and none other, exists once.
	placed := 0
	for after := int64(0); ; {
		page := decode[struct{ Events []eventAtPos }](t, gql(t, c, `query($a: Int64) { events(afterPosition: $a, types: ["RestaurantOrderPlaced"]) { id position } }`, map[string]any{"a": after})).Events
		if len(page) == 0 {
			break
		}
		placed += len(page)
		after = page[len(page)-1].Position
	}
	orders := decode[struct{ Orders struct{ TotalCount int } }](t, gql(t, c, `query($p: Int64) { orders(restaurantId: "r1", minPosition: $p) { totalCount } }`, map[string]any{"p": head})).Orders.TotalCount
	if placed < len(before) || orders != placed {
		t.Fatalf("the restored log holds %d placed orders (%d acknowledged before the backup) and %d orders, want one for each", placed, len(before), orders)
	}

	r, err := c.Query(testCtx(t), `query($a: Int64, $id: ID) { events(afterPosition: $a, afterEventId: $id) { id } }`, map[string]any{"a": read[0].Position, "id": read[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	if r.Code() != graph.CodeBadUserInput {
		t.Fatalf("resuming at %d with the id read before the restore: %s %v, want BAD_USER_INPUT", read[0].Position, r.Data, r.Err())
	}
}
