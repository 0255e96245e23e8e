package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/store/jsonl"
)

// TestMain_logsATornTail starts the server on a log whose last write a crash cut short: the
// server cuts the torn tail off, as the log's recovery does, and tells the operator so.
func TestMain_logsATornTail(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	m1, _ := startMain(t, "--data", dir)
	gql(t, newClient(t, m1.URL()+"/graphql"), createRestaurant, map[string]any{"in": map[string]any{"id": "r1", "name": "Da Mario", "menu": menu("pizza")}})
	if err := m1.Close(); err != nil {
		t.Fatal(err)
	}
	const torn = `{"position":2,"stream":"restaurant-r2","vers` // a line cut short
	f, err := os.OpenFile(filepath.Join(dir, jsonl.LogFile), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(torn); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	m2, logs := startMain(t, "--data", dir)
	var warned, opened bool
	for line := range strings.Lines(logs.String()) {
		warned = warned || strings.Contains(line, "level=WARN") && strings.Contains(line, "torn tail") && strings.Contains(line, fmt.Sprintf("bytes=%d ", len(torn)))
		opened = opened || strings.Contains(line, `msg="log opened"`) && strings.Contains(line, "events=1 ")
	}
	if !warned || !opened {
		t.Errorf("logs:\n%s\nwant the log opened with 1 event and a warning that a torn tail of %d bytes was cut", logs, len(torn))
	}
	got := decode[struct{ Restaurant struct{ Name string } }](t, gql(t, newClient(t, m2.URL()+"/graphql"), `{ restaurant(id: "r1", minPosition: 1) { name } }`, nil))
	if got.Restaurant.Name != "Da Mario" {
		t.Errorf("after recovery: %+v, want the acknowledged restaurant", got)
	}
}
