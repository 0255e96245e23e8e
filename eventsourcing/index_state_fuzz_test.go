package eventsourcing_test

import (
	"bytes"
	"testing"

	"github.com/eventgraph/eventgraph/eventsourcing"
)

// FuzzCommandIndex_ReadState: any bytes are either refused or an index whose lookups,
// further events and state written again work without a panic.
func FuzzCommandIndex_ReadState(f *testing.F) {
	s := newStore(f)
	x := eventsourcing.NewCommandIndex(s)
	h := newCounterHandler(s, eventsourcing.WithCommandIndex(x))
	mustHandle(f, h, createCounter{ID: "a"}, eventsourcing.Meta{CommandID: "c0"})
	mustHandle(f, h, addToCounter{ID: "a", N: 3}, eventsourcing.Meta{CommandID: "c1"})
	mustHandle(f, h, tick{ID: "b"}, eventsourcing.Meta{CommandID: "c2"})
	var b bytes.Buffer
	if err := x.WriteState(&b); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	events := readAll(f, s)
	f.Fuzz(func(t *testing.T, data []byte) {
		y := eventsourcing.NewCommandIndex(s)
		if err := y.ReadState(bytes.NewReader(data)); err != nil {
			return
		}
		for _, e := range events {
			_ = y.Apply(e)
		}
		for _, id := range []string{"c0", "c1", "c2", "c3"} {
			_, _, _ = y.Lookup(t.Context(), id)
		}
		var again bytes.Buffer
		if err := y.WriteState(&again); err != nil {
			t.Fatal(err)
		}
	})
}
