package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/store/jsonl"
)

// With --snapshot-every, the server keeps snapshots of the restaurants' states in the JSONL
// directory, and after a restart decides from them: an order id already placed at the
// restaurant is still refused, and a new one is placed after the others.
func TestMain_snapshots(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	m1, _ := startMain(t, "--data", dir, "--snapshot-every", "2")
	c := newClient(t, m1.URL()+"/graphql")
	gql(t, c, createRestaurant, map[string]any{"in": map[string]any{"id": "r1", "name": "Da Mario", "menu": menu("pizza")}})
	for _, id := range []string{"o1", "o2", "o3"} {
		gql(t, c, placeOrder, map[string]any{"in": map[string]any{"restaurantId": "r1", "orderId": id, "menuItemIds": []string{"pizza"}}})
	}
	if err := m1.Close(); err != nil {
		t.Fatal(err)
	}
	files, err := os.ReadDir(filepath.Join(dir, jsonl.SnapshotDir))
	if err != nil || len(files) == 0 {
		t.Fatalf("snapshots: %v, %v; want the restaurant's", files, err)
	}

	m2, logs := startMain(t, "--data", dir, "--snapshot-every", "2")
	c = newClient(t, m2.URL()+"/graphql")
	r, err := c.Query(testCtx(t), placeOrder, map[string]any{"in": map[string]any{"restaurantId": "r1", "orderId": "o2", "menuItemIds": []string{"pizza"}}})
	if err != nil || r.Code() != "ALREADY_EXISTS" {
		t.Errorf("placing o2 again after a restart: %v, %v; want ALREADY_EXISTS", r, err)
	}
	res := decode[struct{ PlaceOrder struct{ Version int } }](t, gql(t, c, placeOrder,
		map[string]any{"in": map[string]any{"restaurantId": "r1", "orderId": "o4", "menuItemIds": []string{"pizza"}}}))
	if res.PlaceOrder.Version != 5 {
		t.Errorf("placing o4 after a restart: version %d, want 5", res.PlaceOrder.Version)
	}
	if strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("warnings after the restart:\n%s", logs)
	}
}
