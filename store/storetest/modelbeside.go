package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/eventgraph/eventgraph/store"
)

// The model check's snapshots (store.Snapshotter) and checkpoints (store.Checkpointer):
// what a store keeps beside the log, modelled as the contract says it is kept.

// modelCheckpointNames are the names checkpoints are saved under.
func modelCheckpointNames() []string { return []string{"saga:a", "saga:b", "p/ü 1"} }

// holds reports whether the model's log holds the event id at position p. An event whose
// id the store chose and the model has not learned yet holds none of the ids the model
// check makes up.
func (m *model) holds(p store.Position, id string) bool {
	return p >= 1 && p <= m.head() && m.events[p-1].ID != "" && m.events[p-1].ID == id
}

// holdsInStream reports whether the model's stream holds the event id at version v.
func (m *model) holdsInStream(stream string, v store.Version, id string) bool {
	if v < 1 || v > m.versions[stream] {
		return false
	}
	for _, e := range m.events {
		if e.StreamID == stream && e.Version == v {
			return e.ID != "" && e.ID == id
		}
	}
	return false
}

// saveSnapshot saves snap for stream as the contract says: in place of the one before,
// unless that one is of the same revision, further on, and names an event the log holds.
func (m *model) saveSnapshot(stream string, snap store.Snapshot) {
	if old, ok := m.snapshots[stream]; ok && store.KeepsSnapshot(old, snap) && m.holdsInStream(stream, old.Version, old.EventID) {
		return
	}
	snap.State = bytes.Clone(snap.State)
	m.snapshots[stream] = snap
}

// saveCheckpoint saves c under name as the contract allows: in place of the one before, or
// (a store that several servers share may) keeping the one before when it is as far on or
// further and names events the log holds. The model keeps every checkpoint a store may
// hold until a read tells which it does.
func (m *model) saveCheckpoint(name string, c store.Checkpoint) {
	next := []store.Checkpoint{c}
	for _, old := range m.checkpoints[name] {
		if old.Position >= c.Position && m.holds(old.Position, old.EventID) && m.holds(old.Head, old.HeadEventID) && !slices.Contains(next, old) {
			next = append(next, old)
		}
	}
	m.checkpoints[name] = next
}

// learn makes sure the model knows the id of the event at position p, reading it from
// the store (and comparing it with the model) if it does not.
func (r *modelRun) learn(p store.Position) string {
	if p < 1 || p > r.m.head() || r.m.events[p-1].ID != "" {
		return ""
	}
	r.did("ReadAll(%d), stopped after 1", p-1)
	return r.read(r.s.ReadAll(r.ctx, p-1), []store.Position{p}, 1)
}

// someID returns, from b, an event id for position p: the one the log holds there (most
// often), one it does not hold, or none.
func (r *modelRun) someID(b byte, p store.Position) string {
	switch {
	case b%8 == 7:
		return fmt.Sprintf("not-%d", p)
	case p >= 1 && p <= r.m.head():
		return r.m.events[p-1].ID
	}
	return fmt.Sprintf("past-%d", p)
}

// saveSnapshot saves a snapshot of stream made from the operation's bytes: at a version the
// stream holds with its event's id (most often), an id the log contradicts, a version past
// the stream's end, or one CheckSnapshot refuses; of one of two revisions.
func (r *modelRun) saveSnapshot(sn store.Snapshotter, stream string, o opBytes, step int) string {
	v := r.m.versions[stream]
	snap := store.Snapshot{
		Version:  store.Version(int(o[2]) % (int(v) + 2)),
		Revision: []string{"r1", "r2"}[o[3]%2],
		State:    fmt.Appendf(nil, `{"step": %d,  "s":"\u00e9 <&>"}`, step),
	}
	if snap.Version >= 1 && snap.Version <= v {
		p := r.m.positions(0, func(e store.Event) bool { return e.StreamID == stream && e.Version == snap.Version })[0]
		if msg := r.learn(p); msg != "" {
			return msg
		}
		snap.EventID = r.someID(o[4], p)
	} else {
		snap.EventID = fmt.Sprintf("past-%d", snap.Version)
	}
	what := ""
	switch o[5] % 16 {
	case 0:
		snap.State, what = []byte(`{"n":`), "state that is not JSON"
	case 1:
		snap.Version, what = 0, "version 0"
	case 2:
		snap.EventID, what = "", "no event id"
	case 3:
		snap.Revision, what = "r\xff", "a revision that is not UTF-8"
	case 4:
		stream, what = "", "an empty stream id"
	}
	r.did("SaveSnapshot(%q, version %d, event id %q, revision %q, state %s)%s", stream, snap.Version, snap.EventID, snap.Revision, snap.State, withWhat(what))
	err := sn.SaveSnapshot(r.ctx, stream, snap)
	if store.CheckSnapshot(stream, snap) != nil {
		if !errors.Is(err, store.ErrInvalid) {
			return fmt.Sprintf("SaveSnapshot with %s = %v, want ErrInvalid", what, err)
		}
		r.n.invalid++
		return ""
	}
	if err != nil {
		return fmt.Sprintf("SaveSnapshot: %v", err)
	}
	r.n.saved++
	r.m.saveSnapshot(stream, snap)
	return ""
}

// snapshot compares the snapshot the store returns for stream with the model's.
func (r *modelRun) snapshot(sn store.Snapshotter, stream string) string {
	r.did("Snapshot(%q)", stream)
	got, ok, err := sn.Snapshot(r.ctx, stream)
	if err != nil {
		return fmt.Sprintf("Snapshot: %v", err)
	}
	want, wantOK := r.m.snapshots[stream]
	switch {
	case ok != wantOK:
		return fmt.Sprintf("Snapshot = %+v (state %s), ok %v; want %+v (state %s), ok %v", got, got.State, ok, want, want.State, wantOK)
	case ok && (got.Version != want.Version || got.EventID != want.EventID || got.Revision != want.Revision || !bytes.Equal(got.State, want.State)):
		return fmt.Sprintf("Snapshot = %+v (state %s), want %+v (state %s)", got, got.State, want, want.State)
	}
	return ""
}

// saveCheckpoint saves a checkpoint made from the operation's bytes: of positions the log
// holds with their events' ids (most often), ids it does not hold, positions past its
// head, or a name or id CheckCheckpoint refuses.
func (r *modelRun) saveCheckpoint(cp store.Checkpointer, o opBytes) string {
	names := modelCheckpointNames()
	name := names[int(o[1])%len(names)]
	head := r.m.head()
	var c store.Checkpoint
	c.Position = store.Position(int(o[2]) % (int(head) + 2))
	c.Head = c.Position + store.Position(int(o[3])%3)
	for _, p := range []store.Position{c.Position, c.Head} {
		if msg := r.learn(p); msg != "" {
			return msg
		}
	}
	c.EventID, c.HeadEventID = r.someID(o[4], c.Position), r.someID(o[4]>>3, c.Head)
	what := ""
	switch o[5] % 16 {
	case 0:
		name, what = "saga:\xff", "a name that is not UTF-8"
	case 1:
		name, what = "saga:\x00", "a name with a NUL"
	case 2:
		name, what = "saga:"+strings.Repeat("x", store.MaxCheckpointNameBytes-4), "a name one byte too long"
	case 3:
		c.EventID, what = "\xc3", "an event id that is not UTF-8"
	}
	r.did("SaveCheckpoint(%q, %+v)%s", shortName(name), c, withWhat(what))
	err := cp.SaveCheckpoint(r.ctx, name, c)
	if store.CheckCheckpoint(name, c) != nil {
		if !errors.Is(err, store.ErrInvalid) {
			return fmt.Sprintf("SaveCheckpoint with %s = %v, want ErrInvalid", what, err)
		}
		r.n.invalid++
		return ""
	}
	if err != nil {
		return fmt.Sprintf("SaveCheckpoint: %v", err)
	}
	r.n.saved++
	r.m.saveCheckpoint(name, c)
	return ""
}

// checkpoint compares the checkpoint the store returns under a name with those the model
// says it may hold, and learns which it holds.
func (r *modelRun) checkpoint(cp store.Checkpointer, o opBytes) string {
	names := append(modelCheckpointNames(), "never saved")
	name := names[int(o[1])%len(names)]
	r.did("Checkpoint(%q)", name)
	got, err := cp.Checkpoint(r.ctx, name)
	if err != nil {
		return fmt.Sprintf("Checkpoint: %v", err)
	}
	want := r.m.checkpoints[name]
	if len(want) == 0 {
		want = []store.Checkpoint{{}}
	}
	if !slices.Contains(want, got) {
		return fmt.Sprintf("Checkpoint = %+v, want one of %+v", got, want)
	}
	if len(r.m.checkpoints[name]) > 0 {
		r.m.checkpoints[name] = []store.Checkpoint{got}
	}
	return ""
}

func withWhat(what string) string {
	if what == "" {
		return ""
	}
	return " with " + what
}

func shortName(name string) string {
	if len(name) > 24 {
		return fmt.Sprintf("%s… (%d bytes)", name[:16], len(name))
	}
	return name
}
