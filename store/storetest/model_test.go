package storetest_test

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
	"github.com/eventgraph/eventgraph/store/storetest"
)

// TestModel_shrinksToAReplayableFailure: the model check reports a broken store's failure
// shrunk to the operations it needs, with an input for FuzzModel that fails the same way on
// that store and passes on a correct one.
func TestModel_shrinksToAReplayableFailure(t *testing.T) {
	broken := durable(func(s *memory.Store) store.Store { return remembersRefused{s, new(sync.Mutex), map[string]bool{}} })
	var check storetest.Check
	for _, c := range storetest.Checks(broken) {
		if c.Name == "random operations agree with a model" {
			check = c
		}
	}
	if check.Run == nil {
		t.Fatal("no model check")
	}
	failed, msgs := runRecorded(t, func(tb testing.TB) { check.Run(tb, broken) })
	if !failed || len(msgs) != 1 {
		t.Fatalf("model check on a store that counts refused streams as existing: failed %v, messages %q; want one failure", failed, msgs)
	}
	msg := msgs[0]
	t.Log(msg)
	// Two operations make the failure: an append the store refuses, then one expecting
	// StreamExists on the same stream, which it takes.
	if m := regexp.MustCompile(`shrunk to (\d+) operations`).FindStringSubmatch(msg); m == nil || m[1] != "2" {
		t.Errorf("failure not shrunk to 2 operations: %s", msg)
	}
	if !strings.Contains(msg, "expected StreamExists") || !strings.Contains(msg, "want a conflict") {
		t.Errorf("failure does not name the StreamExists append that should have conflicted: %s", msg)
	}
	m := regexp.MustCompile(`go test fuzz v1\n\[\]byte\(("(?:[^"\\]|\\.)*")\)`).FindStringSubmatch(msg)
	if m == nil {
		t.Fatalf("no FuzzModel input in the failure: %s", msg)
	}
	input, err := strconv.Unquote(m[1])
	if err != nil {
		t.Fatalf("FuzzModel input %s: %v", m[1], err)
	}
	if got := storetest.RunModel(t, broken, []byte(input)); !strings.Contains(got, "want a conflict") {
		t.Errorf("replaying %q on the broken store: %q, want the conflict it missed", input, got)
	}
	if got := storetest.RunModel(t, durable(identity), []byte(input)); got != "" {
		t.Errorf("replaying %q on a correct store failed: %s", input, got)
	}
}
