package eventsourcing_test

import (
	"errors"
	"testing"

	"github.com/eventgraph/eventgraph/eventsourcing"
)

// A *StoreError names its stream when it concerns one, and leaves the place empty when it
// does not (a read of the whole log): "read log : …" read as if a stream's name were
// missing.
func TestStoreError_Error(t *testing.T) {
	boom := errors.New("boom")
	for _, tt := range []struct {
		err  *eventsourcing.StoreError
		want string
	}{
		{&eventsourcing.StoreError{Op: "read", Stream: "counter-a", Err: boom}, "eventsourcing: read counter-a: boom"},
		{&eventsourcing.StoreError{Op: "read log", Err: boom}, "eventsourcing: read log: boom"},
	} {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("%+v: %q, want %q", *tt.err, got, tt.want)
		}
	}
}
