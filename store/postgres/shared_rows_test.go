package postgres_test

import (
	"testing"

	"github.com/eventgraph/eventgraph/store"
)

// A checkpoint whose head names an event the log does not hold (a backup restored over the
// log lost what the reader wrote up to that head) gives way to the next save, even one
// further back, as one whose position names such an event does.
func TestStore_checkpointWithAHeadTheLogDoesNotHoldGivesWay(t *testing.T) {
	ctx := t.Context()
	s, _ := open(t)
	if _, err := s.Append(ctx, "a", store.NoStream,
		store.EventData{Type: "T", Data: []byte(`1`)}, store.EventData{Type: "T", Data: []byte(`2`)},
		store.EventData{Type: "T", Data: []byte(`3`)}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range readAllEvents(t, s) {
		ids = append(ids, e.ID)
	}
	otherHead := store.Checkpoint{Position: 2, EventID: ids[1], Head: 3, HeadEventID: "not-" + ids[2]}
	back := store.Checkpoint{Position: 1, EventID: ids[0], Head: 3, HeadEventID: ids[2]}
	for _, c := range []store.Checkpoint{otherHead, back} {
		if err := s.SaveCheckpoint(ctx, "saga:x", c); err != nil {
			t.Fatal(err)
		}
	}
	if c, err := s.Checkpoint(ctx, "saga:x"); err != nil || c != back {
		t.Fatalf("after a save over a checkpoint whose head the log does not hold: %+v, %v; want %+v", c, err, back)
	}
}

// A snapshot further on names an event that its own stream does not hold, though another
// stream holds an event of that id at that version (ids are the writers' and need not be
// unique across streams): the log does not hold it, so the next save replaces it.
func TestStore_snapshotNamingAnotherStreamsEventGivesWay(t *testing.T) {
	ctx := t.Context()
	s, _ := open(t)
	appendNamed(t, s, "other", 4) // ids e1..e4
	appendNamed(t, s, "s", 2)     // ids e1, e2
	for _, snap := range []store.Snapshot{snapshotAt(4, "r1"), snapshotAt(2, "r1")} {
		if err := s.SaveSnapshot(ctx, "s", snap); err != nil {
			t.Fatal(err)
		}
	}
	if got, ok, err := s.Snapshot(ctx, "s"); err != nil || !ok || !sameSnapshot(got, snapshotAt(2, "r1")) {
		t.Fatalf("after a save over a snapshot naming event e4 at version 4, which only another stream holds: %+v, %v, %v; want version 2",
			got, ok, err)
	}
}
