package jsonl_test

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/store/jsonl"
)

// TestRestore_failsUnchangedWhileTheLogIsOpen: on Windows a handle open on the log without
// FILE_SHARE_DELETE (a backup or a verify of the directory, which take no lock) keeps the
// restored log from being renamed into place; the restore then fails and puts back what it
// had moved aside: the checkpoints and the snapshots are in place again, and the log's
// second name, which Windows does not remove while the handle is open, is reported.
func TestRestore_failsUnchangedWhileTheLogIsOpen(t *testing.T) {
	data, _, _ := buildLog(t, []int{2, 1, 3})
	dir := liveDir(t)
	f, err := os.Open(filepath.Join(dir, jsonl.LogFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	before := tree(t, dir)
	_, moved, err := jsonl.Restore(context.Background(), writeLog(t, data), dir)
	if err == nil {
		t.Fatalf("Restore put its log in place over one held open (moved aside %q)", moved)
	}
	after := tree(t, dir)
	delete(after, "LOCK")
	delete(before, "LOCK")
	for _, p := range moved { // only the log's second name may be left
		if !strings.HasPrefix(filepath.Base(p), jsonl.LogFile+".replaced-") || after[filepath.Base(p)] != before[jsonl.LogFile] {
			t.Fatalf("Restore: %v; it left %s aside, not the log's second name", err, p)
		}
		delete(after, filepath.Base(p))
	}
	if !maps.Equal(before, after) {
		var names []string
		for k := range after {
			names = append(names, k)
		}
		t.Fatalf("Restore: %v; it left the directory changed, holding %s (moved aside %q)", err, strings.Join(names, " "), moved)
	}
}
